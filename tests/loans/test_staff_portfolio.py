"""The portfolio page: per borrower and per product, the number of loans, what is outstanding, due in the next 12
months and in arrears, checked against textbook figures; a fixed number of queries for 3 loans and for 30.

`loan_on_books` puts a granted loan on the books quickly (no files, no process): the decision and commitment rows,
the loan activated with its product's terms, one drawdown paid through finance, and the instalments due by today
fallen due as the daily task books them. The loans list and export tests use it too."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.ogm import ogm_display
from core.roles import StaffRole
from finance.models import Commitment, Envelope
from finance.services.commitments import payable_create
from finance.services.payments import payable_mark_paid
from loans.ledger import balances, owed_by_installment
from loans.models import DecisionOutcome, Drawdown, Loan, LoanApplication, LoanApplicationStatus, LoanDecision
from loans.portfolio import portfolio
from loans.services.convention import loan_activate
from loans.services.ledger import installments_fall_due
from loans.services.products import envelope_code
from loans.services.repayments import repayment_record
from tests.factories import OrganisationFactory, UserFactory
from tests.loans.fixtures import days_ago, publish_sports_product

pytestmark = pytest.mark.django_db

# 100,000.00 over 2 years at 3 %, annual annuity 30/360: 52,261.08 then 52,261.09 (49,261.08 principal first).
SMALL_PAYMENT = Decimal("52261.08")
SMALL_LAST = Decimal("52261.09")
SMALL_AFTER_FIRST = Decimal("50738.92")
# 900,000.00 over 20 years at 1.5 %: 52,421.16 a year.
SPORT_PAYMENT = Decimal("52421.16")


def url(name: str) -> str:
    with translation.override("en"):
        return reverse(f"staff:loans:portfolio:{name}")


def small_product():
    return publish_sports_product(code="small", rate=Decimal("0.030000"), term_months=24, uses_borrowing_capacity=False)


def loan_on_books(version, borrower, *, number: int, amount: str, drawn_on: dt.date, analyst, finance_officer) -> Loan:
    reference = f"FRBRTC-2025-{version.product.code.upper()}-{number:04d}"
    application = LoanApplication.objects.create(
        product_version=version,
        organisation=borrower,
        created_by=analyst,
        reference=reference,
        status=LoanApplicationStatus.APPROVED,
    )
    commitment = Commitment.objects.create(
        envelope=Envelope.objects.get(code=envelope_code(version.product)),
        beneficiary=borrower,
        amount=Decimal(amount),
        reference=reference,
        idempotency_key=f"test:{reference}",
    )
    LoanDecision.objects.create(
        application=application,
        outcome=DecisionOutcome.APPROVED,
        decree_reference=f"AGRBC 2025/{number}",
        decree_date=drawn_on,
        approved_total=Decimal(amount),
        commitment=commitment,
        recorded_by=analyst,
    )
    loan = loan_activate(application=application, actor=analyst)
    loan.last_drawdown_number = 1
    loan.save(update_fields=["last_drawdown_number"])
    drawdown = Drawdown.objects.create(
        loan=loan, number=1, amount=Decimal(amount), status="approved", requested_by=analyst
    )
    drawdown.payable = payable_create(
        commitment=commitment, amount=drawdown.amount, reference=f"{reference}-D1", label="Drawdown 1", key=reference
    )
    drawdown.save(update_fields=["payable"])
    payable_mark_paid(actor=finance_officer, payable_id=drawdown.payable_id, paid_on=drawn_on)
    loan.refresh_from_db()
    installments_fall_due(loan, up_to=timezone.localdate())
    return loan


@pytest.fixture
def books(loan_process, commune, other_commune, loan_analyst, finance_officer):
    """Anderlecht: a small loan with its first instalment unpaid, and a sports loan drawn a month ago.
    Schaerbeek: a small loan with its first instalment paid on its due date."""
    small, sport = small_product(), publish_sports_product(uses_borrowing_capacity=False)
    people = {"analyst": loan_analyst, "finance_officer": finance_officer}
    late = loan_on_books(small, commune, number=1, amount="100000.00", drawn_on=days_ago(400), **people)
    paid = loan_on_books(small, other_commune, number=2, amount="100000.00", drawn_on=days_ago(400), **people)
    recent = loan_on_books(sport, commune, number=3, amount="900000.00", drawn_on=days_ago(30), **people)
    first = paid.installments.get(n=1)
    repayment_record(
        actor=finance_officer,
        loan_id=paid.pk,
        amount=str(SMALL_PAYMENT),
        value_date=first.due_date,
        communication=ogm_display(first.structured_communication),
        key="test-paid-first",
    )
    return {"late": late, "paid": paid, "recent": recent}


def test_the_figures_per_loan_per_borrower_and_per_product(books, commune, other_commune):
    result = portfolio(today=timezone.localdate())
    figures = {loan.reference: loan for loan in result.loans}
    late, paid, recent = (figures[books[name].reference] for name in ("late", "paid", "recent"))
    assert (late.drawn, late.outstanding, late.due_next_12_months, late.arrears) == (
        Decimal("100000.00"),
        Decimal("100000.00"),
        SMALL_LAST,
        SMALL_PAYMENT,
    )
    assert (paid.outstanding, paid.due_next_12_months, paid.arrears) == (SMALL_AFTER_FIRST, SMALL_LAST, Decimal("0"))
    assert (recent.outstanding, recent.due_next_12_months, recent.arrears) == (
        Decimal("900000.00"),
        SPORT_PAYMENT,
        Decimal("0"),
    )
    # The same as the ledger says, loan by loan.
    for loan in (late, paid, recent):
        assert loan.outstanding == balances(loan).principal
        assert loan.arrears == sum((owed.total for owed in owed_by_installment(loan)), Decimal("0"))

    by_borrower = {group.key: group for group in result.by_borrower}
    anderlecht = by_borrower[commune.pk]
    assert (anderlecht.loans, anderlecht.granted, anderlecht.outstanding) == (
        2,
        Decimal("1000000.00"),
        Decimal("1000000.00"),
    )
    assert (anderlecht.due_next_12_months, anderlecht.arrears) == (SMALL_LAST + SPORT_PAYMENT, SMALL_PAYMENT)
    assert (by_borrower[other_commune.pk].loans, by_borrower[other_commune.pk].arrears) == (1, Decimal("0"))
    by_product = {group.label: group for group in result.by_product}
    assert by_product["small"].loans == 2
    assert by_product["small"].outstanding == Decimal("100000.00") + SMALL_AFTER_FIRST
    assert by_product["small"].due_next_12_months == 2 * SMALL_LAST
    assert by_product["sport2021"].outstanding == Decimal("900000.00")
    assert result.total.loans == 3 and result.total.arrears == SMALL_PAYMENT


def test_the_page_shows_the_portfolio_to_an_auditor(staff_client, auditor, books):
    page = staff_client(auditor).get(url("index")).content.decode()
    assert "Commune d&#x27;Anderlecht" in page and "Commune de Schaerbeek" in page
    assert "104.682,25 EUR" in page  # Anderlecht's next 12 months: 52,261.09 + 52,421.16
    assert "52.261,08 EUR" in page  # its arrears
    assert "1.050.738,92 EUR" in page  # everything outstanding
    assert url("export") in page


def test_the_portfolio_runs_a_fixed_number_of_queries(
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
    assert "30" in response.content.decode()
    assert "1.567.832,40 EUR" in response.content.decode()  # 30 x 52,261.08 in arrears


def test_only_staff_who_read_loans_see_the_portfolio(staff_client, client, commune_editor):
    reviewer = UserFactory(roles=[StaffRole.REVIEWER])
    assert staff_client(reviewer).get(url("index")).status_code == 403
    assert staff_client(reviewer).get(url("export")).status_code == 403
    client.force_login(commune_editor)
    assert client.get(url("index")).status_code == 403
