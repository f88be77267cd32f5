"""The spreadsheets: a loan's schedule in force with the structured communication of each instalment, and the
portfolio one row per loan. Read back with openpyxl and checked cell by cell against the database: amounts are
numbers with a number format, dates are dates, headers and sheet names are in the reader's language."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from core.ogm import ogm_display
from core.roles import StaffRole
from loans.ledger import balances, owed_by_installment
from loans.models import EntryKind
from loans.portfolio import twelve_months_after
from loans.services.ledger import principal_drawn
from loans.services.schedules import current_schedule
from tests.factories import UserFactory
from tests.loans.fixtures import days_ago, publish_sports_product
from tests.loans.test_staff_portfolio import loan_on_books, small_product

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"staff:loans:{name}", args=args)


def workbook(response):
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def money(cell) -> Decimal:
    """An amount cell: a number (not text) shown with two decimals."""
    assert cell.data_type == "n" and isinstance(cell.value, int | float), cell.value
    assert cell.number_format == "#,##0.00"
    return Decimal(str(cell.value)).quantize(Decimal("0.01"))


def day(cell) -> dt.date:
    assert cell.is_date and cell.number_format == "DD/MM/YYYY"
    return cell.value.date()


@pytest.fixture
def loan(loan_process, commune, loan_analyst, finance_officer):
    return loan_on_books(
        small_product(),
        commune,
        number=1,
        amount="100000.00",
        drawn_on=days_ago(400),
        analyst=loan_analyst,
        finance_officer=finance_officer,
    )


def test_the_schedule_export_has_every_line_of_the_schedule_in_force(staff_client, auditor, loan):
    book = workbook(staff_client(auditor).get(url("loans:schedule_xlsx", loan.pk)))
    assert book.sheetnames == ["Schedule"]
    sheet = book["Schedule"]
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == [
        "Instalment",
        "Due date",
        "Payment",
        "Interest",
        "Principal",
        "Outstanding after",
        "Structured communication",
    ]
    lines = list(current_schedule(loan).lines.order_by("n"))
    installments = {i.n: i for i in loan.installments.all()}
    assert len(rows) == 1 + len(lines) == 3
    for row, line in zip(rows[1:], lines, strict=True):
        assert row[0].value == line.n
        assert day(row[1]) == line.due_date
        assert [money(cell) for cell in row[2:6]] == [line.payment, line.interest, line.principal, line.outstanding]
        assert row[6].value == ogm_display(installments[line.n].structured_communication)
    assert sum(money(row[4]) for row in rows[1:]) == principal_drawn(loan) == Decimal("100000.00")


def test_headers_and_sheet_names_follow_the_readers_language(staff_client, auditor, loan):
    book = workbook(staff_client(auditor).get(url("loans:schedule_xlsx", loan.pk, language="nl")))
    with translation.override("nl"):
        assert book.sheetnames == [gettext("Schedule")]
        assert book.active["C1"].value == gettext("Payment")


def test_a_loan_without_a_schedule_has_no_export(staff_client, auditor, loan):
    loan.schedules.all().delete()
    assert staff_client(auditor).get(url("loans:schedule_xlsx", loan.pk)).status_code == 404


def test_the_portfolio_export_has_one_row_per_loan_with_the_databases_figures(
    staff_client, auditor, loan, other_commune, loan_analyst, finance_officer
):
    sport = publish_sports_product(uses_borrowing_capacity=False)
    recent = loan_on_books(
        sport,
        other_commune,
        number=2,
        amount="900000.00",
        drawn_on=days_ago(30),
        analyst=loan_analyst,
        finance_officer=finance_officer,
    )
    book = workbook(staff_client(auditor).get(url("portfolio:export")))
    assert book.sheetnames == ["Portfolio"]
    rows = list(book["Portfolio"].iter_rows())
    assert [cell.value for cell in rows[0]] == [
        "Reference",
        "Borrower",
        "Loan product",
        "Amount granted",
        "Drawn",
        "Outstanding",
        "Due in the next 12 months",
        "Arrears",
        "Status",
    ]
    assert len(rows) == 3
    today = timezone.localdate()
    horizon = twelve_months_after(today)
    by_reference = {row[0].value: row for row in rows[1:]}
    for expected in (loan, recent):
        row = by_reference[expected.reference]
        assert row[1].value == expected.borrower.name_fr  # an English reader reads the French name
        assert row[2].value == expected.product_version.product.code
        due_next = sum(
            (
                i.amount
                for i in expected.installments.filter(cancelled=False, due_date__gt=today, due_date__lte=horizon)
            ),
            Decimal("0.00"),
        )
        assert [money(cell) for cell in row[3:8]] == [
            expected.approved_amount,
            sum(e.principal for e in expected.entries.filter(kind=EntryKind.DRAWDOWN)),
            balances(expected).principal,
            due_next,
            sum((owed.total for owed in owed_by_installment(expected)), Decimal("0.00")),
        ]
        assert row[8].value == "Active"
    assert money(by_reference[loan.reference][7]) == Decimal("52261.08")  # its first instalment, unpaid
    assert money(by_reference[recent.reference][6]) == Decimal("52421.16")  # its first instalment, to come


def test_exports_are_for_staff_who_read_loans(staff_client, client, commune_editor, loan):
    reviewer = UserFactory(roles=[StaffRole.REVIEWER])
    assert staff_client(reviewer).get(url("loans:schedule_xlsx", loan.pk)).status_code == 403
    assert staff_client(reviewer).get(url("portfolio:export")).status_code == 403
    client.force_login(commune_editor)
    assert client.get(url("loans:schedule_xlsx", loan.pk)).status_code == 403
