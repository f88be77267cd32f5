"""The staff pages of loans: the list (outstanding and arrears per row in a fixed number of queries) and the loan
page with its actions: drawdowns approved or refused, repayments (recorded once per form), write-offs, reversals.
Every refusal is shown on the page, status 400, with nothing changed.

The loan: 100,000.00 over 2 years at 3 %, 30/360 annuity; 60,000.00 drawn 400 days ago (its first instalment is
due), 40,000.00 asked for since."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.models import AuditRecord
from core.money import format_eur
from core.ogm import ogm_display, ogm_make
from core.roles import StaffRole
from finance.models import Payable
from loans.ledger import balances, owed_by_installment
from loans.models import DrawdownStatus, EntryKind, LedgerEntry, LoanStatus, Repayment, ScheduleVersion
from loans.services.drawdowns import InvoiceIn, drawdown_request
from loans.services.repayments import repayment_record
from loans.services.schedules import current_schedule
from tests.factories import OrganisationFactory, UserFactory
from tests.loans import journey
from tests.loans.fixtures import days_ago, publish_sports_product
from tests.loans.test_staff_portfolio import loan_on_books, small_product

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:loans:loans:{name}", args=args)


@pytest.fixture
def loan(
    loan_process, commune, commune_editor, signatory, loan_analyst, finance_officer, django_capture_on_commit_callbacks
):
    version = publish_sports_product(
        code="small", rate=Decimal("0.030000"), term_months=24, uses_borrowing_capacity=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(
            version, commune, commune_editor, signatory, projects=[journey.project(cost="100000", requested="100000")]
        )
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)
    loan = journey.active_loan(application, signatory, loan_analyst)
    journey.drawdown_paid(loan, signatory, loan_analyst, finance_officer, amount="60000.00", paid_on=days_ago(400))
    loan.refresh_from_db()
    return loan


@pytest.fixture
def requested(loan, signatory):
    return drawdown_request(
        actor=signatory,
        loan_id=loan.pk,
        amount="40000.00",
        invoices=[InvoiceIn(reference="F-2026-17", amount="40000.00", upload=journey.pdf("invoice.pdf"))],
    )


def ledger_size(loan) -> int:
    return LedgerEntry.objects.filter(loan=loan).count()


def errors_of(response) -> str:
    """The refusal block(s) of the page, tags stripped, to assert on what the person reads."""
    blocks = re.findall(
        r'<div class="staff-errors staff-problems" role="alert">(.*?)</div>', response.content.decode(), re.S
    )
    return " ".join(re.sub(r"<[^>]+>", " ", block) for block in blocks)


def test_the_loan_page_shows_terms_balances_schedule_instalments_ledger_and_drawdowns(
    staff_client, loan_analyst, loan, requested
):
    response = staff_client(loan_analyst).get(url("detail", loan.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert loan.reference in page and loan.commitment.reference in page
    assert "3 %" in page and "Annuity (equal instalments)" in page  # terms
    assert "60.000,00 EUR" in page  # drawn and outstanding
    first = loan.installments.get(n=1)
    assert ogm_display(first.structured_communication) in page  # in the schedule and the instalments
    line = current_schedule(loan).lines.get(n=1)
    assert format_eur(line.payment) in page
    assert "in arrears" in page  # the first instalment is due and unpaid
    assert f"drawdown:{loan.drawdowns.get(number=1).pk}" in page  # the ledger's event
    assert "F-2026-17" in page and "Approve drawdown 2" in page and "Refuse drawdown 2" in page
    assert "Record a repayment" in page and "Write off" in page


def test_an_analyst_approves_a_drawdown_and_finance_has_it_to_pay(staff_client, loan_analyst, loan, requested):
    response = staff_client(loan_analyst).post(url("approve", loan.pk, requested.pk))
    assert response.status_code == 302 and response["Location"].endswith("#drawdowns")
    requested.refresh_from_db()
    assert requested.status == DrawdownStatus.APPROVED
    assert Payable.objects.get(pk=requested.payable_id).amount == Decimal("40000.00")


def test_a_drawdown_decided_already_is_refused_on_the_page(staff_client, loan_analyst, loan, requested):
    client = staff_client(loan_analyst)
    client.post(url("approve", loan.pk, requested.pk))
    response = client.post(url("approve", loan.pk, requested.pk))
    assert response.status_code == 400
    assert "This drawdown was decided already." in errors_of(response)
    assert Payable.objects.filter(status="due").count() == 1


def test_a_refusal_needs_its_reason(staff_client, loan_analyst, loan, requested):
    client = staff_client(loan_analyst)
    response = client.post(url("refuse", loan.pk, requested.pk), {"reason": "  "})
    assert response.status_code == 400
    assert "Say why the drawdown is refused." in errors_of(response)
    requested.refresh_from_db()
    assert requested.status == DrawdownStatus.REQUESTED and not requested.refusal_reason
    response = client.post(url("refuse", loan.pk, requested.pk), {"reason": "Invoice not for the project."})
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == DrawdownStatus.REJECTED and requested.refusal_reason == "Invoice not for the project."


def test_only_analysts_decide_drawdowns(staff_client, finance_officer, loan, requested):
    client = staff_client(finance_officer)
    assert client.get(url("detail", loan.pk)).status_code == 200
    assert "Approve drawdown 2" not in client.get(url("detail", loan.pk)).content.decode()
    assert client.post(url("approve", loan.pk, requested.pk)).status_code == 403
    assert client.post(url("refuse", loan.pk, requested.pk), {"reason": "no"}).status_code == 403
    requested.refresh_from_db()
    assert requested.status == DrawdownStatus.REQUESTED


def repayment(loan, **overrides) -> dict:
    first = loan.installments.get(n=1)
    data = {
        "amount": f"{first.amount}".replace(".", ","),
        "value_date": timezone.localdate().isoformat(),
        "structured_communication": ogm_display(first.structured_communication),
        "token": "a1b2c3",
    }
    return {**data, **overrides}


def test_a_repayment_is_recorded_once_however_often_the_form_is_sent(staff_client, finance_officer, loan):
    client = staff_client(finance_officer)
    page = client.get(url("detail", loan.pk)).content.decode()
    assert re.search(r'name="token" value="[0-9a-f]{32}"', page)  # a fresh token with every form shown
    first = loan.installments.get(n=1)
    for _attempt in range(2):
        response = client.post(url("repayment", loan.pk), repayment(loan))
        assert response.status_code == 302 and response["Location"].endswith("#ledger")
    recorded = Repayment.objects.get()
    assert recorded.amount == first.amount and recorded.installment == first
    assert recorded.recorded_by == finance_officer
    assert balances(loan).interest == Decimal("0.00")


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"structured_communication": "+++123/4567/890+++"}, "A structured communication has 12 digits"),
        ({"structured_communication": "+++200/0000/00100+++"}, "its check digits do not match"),
        ({"value_date": "2001-01-01"}, "A repayment cannot come before the first drawdown was paid."),
        ({"amount": "0"}, "Give an amount above zero."),
        ({"amount": "-5"}, "An amount cannot be negative."),
        ({"amount": "vijftig"}, "Enter an amount, e.g. 1.234.567,89."),
        (
            {"value_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
            "Give the value date of the payment (not in the future).",
        ),
    ],
)
def test_a_bad_repayment_is_refused_with_its_reason_and_nothing_stored(
    staff_client, finance_officer, loan, changes, shown
):
    before = ledger_size(loan)
    response = staff_client(finance_officer).post(url("repayment", loan.pk), repayment(loan, **changes))
    assert response.status_code == 400
    assert shown in errors_of(response)
    assert "Nothing was changed." in errors_of(response)
    assert not Repayment.objects.exists() and ledger_size(loan) == before


def test_a_communication_of_another_loan_is_refused(staff_client, finance_officer, loan):
    response = staff_client(finance_officer).post(
        url("repayment", loan.pk), repayment(loan, structured_communication=ogm_display(ogm_make(2, 999_999, 1)))
    )
    assert response.status_code == 400
    assert "is not the structured communication of an instalment of this loan" in errors_of(response)
    assert not Repayment.objects.exists()


def test_a_write_off_needs_its_decision_then_settles_the_instalment(staff_client, loan_analyst, loan):
    client = staff_client(loan_analyst)
    first = loan.installments.get(n=1)
    before = ledger_size(loan)
    data = {"installment": str(first.pk), "decision_reference": "", "decided_on": timezone.localdate().isoformat()}
    response = client.post(url("write_off", loan.pk), data)
    assert response.status_code == 400
    assert "A write-off needs the reference and the date of its decision." in errors_of(response)
    assert ledger_size(loan) == before and not AuditRecord.objects.filter(action="written_off").exists()

    response = client.post(url("write_off", loan.pk), {**data, "decision_reference": "AGRBC 2026/400"})
    assert response.status_code == 302
    entries = LedgerEntry.objects.filter(loan=loan, kind=EntryKind.WRITE_OFF)
    assert [e.installment_id for e in entries] == [first.pk]
    assert entries.get().decision_reference == "AGRBC 2026/400"
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE
    page = client.get(url("detail", loan.pk)).content.decode()
    assert "in arrears" not in page and "AGRBC 2026/400" in page


def test_writing_off_the_whole_loan(staff_client, loan_analyst, loan):
    response = staff_client(loan_analyst).post(
        url("write_off", loan.pk),
        {"installment": "", "decision_reference": "AGRBC 2026/401", "decided_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF
    assert balances(loan).total == Decimal("0.00")
    assert current_schedule(loan).reason == "write_off"


def test_a_repayment_is_reversed_with_its_reason(staff_client, loan_analyst, finance_officer, loan):
    first = loan.installments.get(n=1)
    recorded = repayment_record(
        actor=finance_officer,
        loan_id=loan.pk,
        amount=str(first.amount),
        value_date=timezone.localdate(),
        communication=first.structured_communication,
        key="bank-line-1",
    )
    event = f"repayment:{recorded.pk}"
    client = staff_client(finance_officer)
    assert event in client.get(url("detail", loan.pk)).content.decode()
    response = client.post(url("reversal", loan.pk), {"event": event, "reason": ""})
    assert response.status_code == 400
    assert "Say why the entry is reversed." in errors_of(response)
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()

    response = client.post(url("reversal", loan.pk), {"event": event, "reason": "Paid twice by the bank."})
    assert response.status_code == 302
    reversal = LedgerEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.note == "Paid twice by the bank." and reversal.event == event
    late = sum(
        LedgerEntry.objects.filter(loan=loan, kind=EntryKind.LATE_INTEREST).values_list("late_interest", flat=True)
    )
    owed = sum((owed.total for owed in owed_by_installment(loan)), Decimal("0"))
    assert owed == first.amount + late  # owed again, with the late interest counted up to the payment
    page = client.get(url("detail", loan.pk)).content.decode()
    assert "(reversed)" in page


def test_the_schedule_versions_are_all_shown(staff_client, loan_analyst, finance_officer, loan):
    first = loan.installments.get(n=1)
    # Paying more than the first instalment repays principal early: a new schedule version.
    repayment_record(
        actor=finance_officer,
        loan_id=loan.pk,
        amount=str(first.amount + Decimal("10000.00")),
        value_date=timezone.localdate(),
        communication=first.structured_communication,
        key="bank-line-2",
    )
    assert ScheduleVersion.objects.filter(loan=loan).count() == 2
    page = staff_client(loan_analyst).get(url("detail", loan.pk)).content.decode()
    assert "Earlier versions" in page
    assert "Version 2, computed on" in page and "after: Prepayment." in page
    assert "Version 1, computed on" in page and "after: Drawdown" in page


def test_the_list_shows_outstanding_and_arrears_and_filters(staff_client, auditor, loan, other_commune):
    client = staff_client(auditor)
    page = client.get(url("index")).content.decode()
    first = loan.installments.get(n=1)
    assert loan.reference in page and "60.000,00 EUR" in page
    assert format_eur(first.amount) in page  # its first instalment, in arrears
    assert loan.reference not in client.get(url("index") + f"?borrower={other_commune.pk}").content.decode()
    assert loan.reference not in client.get(url("index") + "?status=repaid").content.decode()
    assert loan.reference in client.get(url("index") + f"?product={loan.product_version.product_id}").content.decode()


def test_the_list_runs_a_fixed_number_of_queries(
    staff_client, auditor, loan_process, loan_analyst, finance_officer, django_assert_max_num_queries
):
    small = small_product()
    client = staff_client(auditor)

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            loan_on_books(
                small,
                OrganisationFactory(),
                number=number,
                amount="100000.00",
                drawn_on=days_ago(400),
                analyst=loan_analyst,
                finance_officer=finance_officer,
            )

    add(3, 1)
    with django_assert_max_num_queries(25) as few:
        assert client.get(url("index")).status_code == 200
    add(27, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("index"))
    assert response.content.decode().count("52.261,08 EUR") == 30  # each loan's first instalment in arrears


def test_a_loan_analyst_sees_loans_and_a_communes_editor_is_refused(
    staff_client, client, loan_analyst, commune_editor, loan
):
    assert staff_client(loan_analyst).get(url("index")).status_code == 200
    assert staff_client(loan_analyst).get(url("detail", loan.pk)).status_code == 200
    assert staff_client(loan_analyst).get(url("detail", loan.pk + 1000)).status_code == 404
    reviewer = UserFactory(roles=[StaffRole.REVIEWER])
    assert staff_client(reviewer).get(url("detail", loan.pk)).status_code == 403
    client.force_login(commune_editor)
    assert client.get(url("index")).status_code == 403
    assert client.get(url("detail", loan.pk)).status_code == 403
    assert client.post(url("repayment", loan.pk), repayment(loan)).status_code == 403
    assert not Repayment.objects.exists()
