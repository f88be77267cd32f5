"""The budget per line and year: credits set within what is already committed and paid, and figures (committed,
liquidated, paid, available) equal to sums over the database, in one query whatever the number of lines."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from core.errors import InvalidInput, NotPermitted
from core.models import AuditRecord
from finance.models import BudgetCredit, BudgetLine, Commitment, Payable, PayableStatus
from finance.services.budget import budget_figures, credit_set
from finance.services.payments import payable_mark_paid
from tests.factories.grants import BudgetLineFactory
from tests.finance.fixtures_orders import *  # noqa: F403
from tests.finance.fixtures_orders import make_payable

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
SPORT = "10.005.27.02.43.21"
FRBRTC = "21.002.42.01.8511"


def line(code: str) -> BudgetLine:
    return BudgetLineFactory(code=code, label_fr=f"Ligne {code}", label_nl=f"Lijn {code}")


@pytest.fixture
def movements(finance_officer):
    """Two lines with commitments, payables due, paid and cancelled this year, and a commitment of last year."""
    sport, frbrtc = line(SPORT), line(FRBRTC)
    make_payable(amount="200000.00", commitment_amount="250000.00", reference="S-1", budget_line=sport)
    paid = make_payable(amount="50000.00", commitment_amount="60000.00", reference="S-2", budget_line=sport)
    payable_mark_paid(actor=finance_officer, payable_id=paid.pk, paid_on=timezone.localdate())
    cancelled = make_payable(amount="1000.00", commitment_amount="1000.00", reference="S-3", budget_line=sport)
    Payable.objects.filter(pk=cancelled.pk).update(status=PayableStatus.CANCELLED)
    loan = make_payable(
        amount="300000.00", commitment_amount="1000000.00", reference="L-1", budget_line=frbrtc, envelope_code="loan"
    )
    old = make_payable(
        amount="7.00", commitment_amount="9.00", reference="OLD", budget_line=frbrtc, envelope_code="loan"
    )
    last_year = timezone.now().replace(year=YEAR - 1)
    Commitment.objects.filter(pk=old.commitment_id).update(created_at=last_year)
    Payable.objects.filter(pk=old.pk).update(due_since=last_year)
    payable_mark_paid(actor=finance_officer, payable_id=loan.pk, paid_on=dt.date(YEAR - 1, 12, 31))  # last year's
    return sport, frbrtc


def from_db(budget_line: BudgetLine, year: int) -> dict[str, Decimal]:
    """The same figures summed plainly over the rows, with Python dates."""
    commitments = [
        c
        for c in Commitment.objects.filter(envelope__budget_line=budget_line)
        if timezone.localtime(c.created_at).year == year
    ]
    payables = list(Payable.objects.filter(commitment__envelope__budget_line=budget_line))
    return {
        "committed": sum((c.amount for c in commitments), Decimal("0")),
        "liquidated": sum(
            (
                p.amount
                for p in payables
                if timezone.localtime(p.due_since).year == year and p.status != PayableStatus.CANCELLED
            ),
            Decimal("0"),
        ),
        "paid": sum(
            (p.amount for p in payables if p.status == PayableStatus.PAID and p.paid_on.year == year), Decimal("0")
        ),
    }


def test_the_figures_equal_the_sums_in_the_database(movements, approver):
    sport, frbrtc = movements
    credit_set(
        actor=approver, budget_line_id=sport.pk, year=YEAR, commitment_credit="400000", payment_credit="100.000,00"
    )
    figures = {f.budget_line.code: f for f in budget_figures(YEAR)}
    assert set(figures) == {SPORT, FRBRTC}
    for budget_line in (sport, frbrtc):
        expected = from_db(budget_line, YEAR)
        got = figures[budget_line.code]
        assert (got.committed, got.liquidated, got.paid) == (
            expected["committed"],
            expected["liquidated"],
            expected["paid"],
        )
    assert (figures[SPORT].committed, figures[SPORT].liquidated, figures[SPORT].paid) == (
        Decimal("311000.00"),
        Decimal("250000.00"),
        Decimal("50000.00"),
    )
    assert figures[SPORT].commitment_available == Decimal("89000.00")
    assert figures[SPORT].payment_available == Decimal("50000.00")
    # No credit on the FRBRTC line this year: committed shows as an overrun, paid last year counts last year.
    frbrtc_figures = figures[FRBRTC]
    assert not frbrtc_figures.has_credit and frbrtc_figures.commitment_overrun
    assert (frbrtc_figures.committed, frbrtc_figures.paid) == (Decimal("1000000.00"), Decimal("0"))
    last = {f.budget_line.code: f for f in budget_figures(YEAR - 1)}
    assert (last[FRBRTC].committed, last[FRBRTC].liquidated, last[FRBRTC].paid) == (
        Decimal("9.00"),
        Decimal("7.00"),
        Decimal("300000.00"),
    )
    assert last[FRBRTC].paid == from_db(frbrtc, YEAR - 1)["paid"]
    assert budget_figures(YEAR - 5) == []


def test_the_figures_take_one_query_whatever_the_number_of_lines(movements, django_assert_num_queries):
    with django_assert_num_queries(1):
        few = budget_figures(YEAR)
    for n in range(30):
        make_payable(
            amount="1.00",
            commitment_amount="2.00",
            reference=f"N-{n}",
            budget_line=line(f"99.000.00.00.00.{n:02d}"),
            envelope_code=f"e-{n}",
        )
    with django_assert_num_queries(1):
        many = budget_figures(YEAR)
    assert len(many) == len(few) + 30


def test_credits_are_set_and_changed_with_an_audit_record(approver):
    sport = line(SPORT)
    credit = credit_set(
        actor=approver,
        budget_line_id=sport.pk,
        year=YEAR,
        commitment_credit="1.234.567,89",
        payment_credit=Decimal("1000000"),
    )
    assert (credit.commitment_credit, credit.payment_credit) == (Decimal("1234567.89"), Decimal("1000000.00"))
    credit_set(
        actor=approver, budget_line_id=sport.pk, year=YEAR, commitment_credit="2000000", payment_credit="1500000.5"
    )
    credit = BudgetCredit.objects.get()
    assert (credit.commitment_credit, credit.payment_credit) == (Decimal("2000000.00"), Decimal("1500000.50"))
    changes = [r.changes for r in AuditRecord.objects.filter(action="credits_set").order_by("pk")]
    assert changes[1]["commitment_credit"] == ["1234567.89", "2000000.00"]


@pytest.mark.parametrize(
    ("commitment", "payment", "field", "message"),
    [
        ("-1", "0", "commitment_credit", "A credit is not negative."),
        ("0", "-0.01", "payment_credit", "A credit is not negative."),
        ("abc", "0", "commitment_credit", "Enter an amount"),
        ("310999.99", "100000", "commitment_credit", "already committed 311.000,00 EUR on this line"),
        ("400000", "49999.99", "payment_credit", "already paid 50.000,00 EUR on this line"),
    ],
)
def test_bad_credits_are_refused_and_nothing_is_stored(movements, approver, commitment, payment, field, message):
    sport, _frbrtc = movements
    with pytest.raises(InvalidInput) as refused:
        credit_set(
            actor=approver, budget_line_id=sport.pk, year=YEAR, commitment_credit=commitment, payment_credit=payment
        )
    assert message in " ".join(refused.value.extra["fields"][field])
    assert not BudgetCredit.objects.exists()


def test_a_credit_needs_a_line_and_a_sensible_year(approver):
    with pytest.raises(InvalidInput) as refused:
        credit_set(actor=approver, budget_line_id=999, year=1999, commitment_credit="1", payment_credit="1")
    assert set(refused.value.extra["fields"]) == {"budget_line", "year"}


def test_only_finance_approvers_set_credits(finance_officer, auditor):
    sport = line(SPORT)
    for person in (finance_officer, auditor):
        with pytest.raises(NotPermitted):
            credit_set(actor=person, budget_line_id=sport.pk, year=YEAR, commitment_credit="1", payment_credit="1")
    assert not BudgetCredit.objects.exists()


def test_a_commitment_above_the_credit_is_not_refused_but_shows_as_an_overrun(approver, finance_officer):
    sport = line(SPORT)
    credit_set(actor=approver, budget_line_id=sport.pk, year=YEAR, commitment_credit="100", payment_credit="100")
    make_payable(amount="150.00", commitment_amount="150.00", reference="OVER", budget_line=sport)
    (figure,) = budget_figures(YEAR)
    assert figure.commitment_overrun and figure.commitment_available == Decimal("-50.00")
    assert Commitment.objects.aggregate(t=Sum("amount"))["t"] == Decimal("150.00")
