"""Servicing a loan: instalments falling due, repayments allocated in order, late interest by the day, prepayment
under the product's rule, write-offs with their decision, reversals; and the ledger every balance comes from.

The loan: 100,000.00 over 2 years at 3 % annual, 30/360 annuity, drawn in one go 400 days ago. Textbook figures:
payment = 100000 x 0.03 / (1 - 1.03^-2) = 52,261.0837 -> 52,261.08; line 1: interest 3,000.00, principal
49,261.08, outstanding 50,738.92; line 2: interest 50,738.92 x 0.03 = 1,522.1676 -> 1,522.17, principal 50,738.92.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.errors import InvalidInput, TransitionNotAllowed
from core.ogm import ogm_display
from loans.ledger import balances, owed_by_installment
from loans.models import EntryKind, LedgerEntry, LoanStatus, Repayment, ScheduleReason
from loans.services.ledger import installments_fall_due
from loans.services.repayments import event_reverse, repayment_record, write_off_record
from loans.services.schedules import current_schedule
from tests.loans import journey
from tests.loans.fixtures import days_ago, publish_sports_product

pytestmark = pytest.mark.django_db

PAYMENT = Decimal("52261.08")


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


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
        journey.decided(application, loan_analyst)  # the convention is made after the decision is committed
    loan = journey.active_loan(application, signatory, loan_analyst)
    journey.drawdown_paid(loan, signatory, loan_analyst, finance_officer, amount="100000.00", paid_on=days_ago(400))
    loan.refresh_from_db()
    return loan


def first(loan):
    return loan.installments.get(n=1)


def pay(loan, actor, amount, on, communication="", key=None):
    return repayment_record(
        actor=actor,
        loan_id=loan.pk,
        amount=amount,
        value_date=on,
        communication=communication,
        key=key or f"k-{amount}-{on}",
    )


def test_the_schedule_is_the_textbook_annuity(loan):
    lines = list(current_schedule(loan).lines.order_by("n"))
    assert [(line.payment, line.interest, line.principal, line.outstanding) for line in lines] == [
        (PAYMENT, Decimal("3000.00"), Decimal("49261.08"), Decimal("50738.92")),
        (Decimal("52261.09"), Decimal("1522.17"), Decimal("50738.92"), Decimal("0.00")),
    ]
    assert first(loan).due_date == loan.start_date.replace(year=loan.start_date.year + 1)
    assert balances(loan).principal == Decimal("100000.00")


def test_an_instalment_falls_due_once_and_then_owes_its_interest_and_principal(loan):
    assert installments_fall_due(loan, up_to=timezone.localdate()) == 1
    assert installments_fall_due(loan, up_to=timezone.localdate()) == 0
    (owed,) = owed_by_installment(loan)
    assert (owed.principal, owed.interest, owed.late_interest) == (Decimal("49261.08"), Decimal("3000.00"), 0)
    assert balances(loan).interest == Decimal("3000.00")


def test_a_payment_on_time_with_its_communication_settles_the_instalment(loan, finance_officer):
    installment = first(loan)
    pay(loan, finance_officer, "52261.08", installment.due_date, ogm_display(installment.structured_communication))
    assert [o.total for o in owed_by_installment(loan)] == [Decimal("0.00")]
    assert balances(loan).principal == Decimal("50738.92") and balances(loan).interest == 0
    repayment = loan.repayments.get()
    assert repayment.installment == installment
    entry = loan.entries.get(kind=EntryKind.REPAYMENT)
    assert (entry.principal, entry.interest, entry.late_interest) == (Decimal("-49261.08"), Decimal("-3000.00"), 0)


def test_a_late_payment_pays_late_interest_by_the_day_first(loan, finance_officer):
    installment = first(loan)
    late = installment.due_date + dt.timedelta(days=20)
    # 52,261.08 x 4 % x 20 / 365 = 114.5448 -> 114.54 of late interest.
    pay(loan, finance_officer, "52375.62", late)
    assert loan.entries.get(kind=EntryKind.LATE_INTEREST).late_interest == Decimal("114.54")
    assert balances(loan).late_interest == 0 and balances(loan).interest == 0
    assert balances(loan).principal == Decimal("50738.92")


def test_a_partial_payment_goes_to_interest_before_principal(loan, finance_officer):
    pay(loan, finance_officer, "1000", first(loan).due_date)
    (owed,) = owed_by_installment(loan)
    assert (owed.interest, owed.principal) == (Decimal("2000.00"), Decimal("49261.08"))


def test_more_than_what_is_due_repays_principal_early_and_shortens_the_term(loan, finance_officer):
    installment = first(loan)
    pay(loan, finance_officer, "62261.08", installment.due_date)
    assert loan.entries.get(kind=EntryKind.PREPAYMENT).principal == Decimal("-10000.00")
    schedule = current_schedule(loan)
    assert schedule.reason == ScheduleReason.PREPAYMENT and loan.schedules.count() == 2  # the old one is kept
    second = schedule.lines.get(n=2)
    # 40,738.92 x 3 % = 1,222.1676 -> 1,222.17; the payment is what is left, below the level payment.
    assert (second.principal, second.interest, second.payment) == (
        Decimal("40738.92"),
        Decimal("1222.17"),
        Decimal("41961.09"),
    )
    assert loan.installments.get(n=2).principal == Decimal("40738.92")


def test_a_payment_beyond_everything_owed_is_refused_and_nothing_is_stored(loan, finance_officer):
    with pytest.raises(InvalidInput, match="more than everything the borrower owes"):
        pay(loan, finance_officer, "200000", first(loan).due_date)
    assert not Repayment.objects.exists() and not LedgerEntry.objects.exclude(kind=EntryKind.DRAWDOWN).exists()


@pytest.mark.parametrize(
    "amount, on, communication, message",
    [
        ("0", None, "", "above zero"),
        ("-5", None, "", "above zero"),
        ("abc", None, "", "above zero"),
        ("100", -401, "", "before the first drawdown"),
        ("100", 30, "", "not in the future"),
        ("100", None, "+++123/4567/89012+++", "check digits"),
        ("100", None, "12345", "12 digits"),
    ],
)
def test_bad_repayments_are_refused_and_nothing_is_stored(loan, finance_officer, amount, on, communication, message):
    value_date = timezone.localdate() + dt.timedelta(days=on) if on is not None else timezone.localdate()
    with pytest.raises(InvalidInput, match=message):
        pay(loan, finance_officer, amount, value_date, communication)
    assert not Repayment.objects.exists() and loan.entries.count() == 1


def test_a_communication_of_another_loan_is_refused(loan, finance_officer):
    from core.ogm import LOAN_INSTALMENT, ogm_make

    with pytest.raises(InvalidInput, match="not the structured communication of an instalment of this loan"):
        pay(loan, finance_officer, "100", timezone.localdate(), ogm_make(LOAN_INSTALMENT, loan.pk + 1, 1))


def test_the_same_payment_recorded_twice_is_one(loan, finance_officer):
    day = first(loan).due_date
    assert pay(loan, finance_officer, "500", day, key="bank:1") == pay(loan, finance_officer, "500", day, key="bank:1")
    assert loan.repayments.count() == 1 and loan.entries.filter(kind=EntryKind.REPAYMENT).count() == 1


def test_payments_are_recorded_in_the_order_of_their_value_dates(loan, finance_officer):
    day = first(loan).due_date
    pay(loan, finance_officer, "500", day + dt.timedelta(days=5))
    with pytest.raises(InvalidInput, match="in the order of their value dates"):
        pay(loan, finance_officer, "500", day)


def test_an_instalment_written_off_with_its_decision_owes_nothing(loan, loan_analyst):
    installment = first(loan)
    with pytest.raises(InvalidInput, match="reference and the date of its decision"):
        write_off_record(actor=loan_analyst, loan_id=loan.pk, decision_reference=" ", decided_on=timezone.localdate())
    assert not loan.entries.filter(kind=EntryKind.WRITE_OFF).exists()
    write_off_record(
        actor=loan_analyst,
        loan_id=loan.pk,
        decision_reference="AGRBC 2026/9",
        decided_on=installment.due_date,
        installment_id=installment.pk,
    )
    assert [o.total for o in owed_by_installment(loan)] == [0]
    assert balances(loan).principal == Decimal("50738.92")
    assert loan.entries.get(kind=EntryKind.WRITE_OFF).decision_reference == "AGRBC 2026/9"
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE


def test_the_whole_loan_written_off_ends_it_and_its_schedule(loan, loan_analyst):
    write_off_record(
        actor=loan_analyst, loan_id=loan.pk, decision_reference="AGRBC 2026/10", decided_on=timezone.localdate()
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF
    assert balances(loan).total == 0
    assert list(current_schedule(loan).lines.values_list("n", flat=True)) == [1]
    assert loan.installments.get(n=2).cancelled
    with pytest.raises(TransitionNotAllowed):
        pay(loan, loan_analyst, "10", timezone.localdate())


def test_a_reversal_is_a_new_entry_and_restores_what_was_owed(loan, finance_officer):
    repayment = pay(loan, finance_officer, "62261.08", first(loan).due_date)
    before = loan.entries.count()
    with pytest.raises(InvalidInput, match="Say why"):
        event_reverse(actor=finance_officer, loan_id=loan.pk, event=f"repayment:{repayment.pk}", reason="")
    event_reverse(actor=finance_officer, loan_id=loan.pk, event=f"repayment:{repayment.pk}", reason="Bounced")
    assert loan.entries.count() == before + 2  # the repayment and the prepayment, each reversed by a new entry
    assert balances(loan).principal == Decimal("100000.00") and balances(loan).interest == Decimal("3000.00")
    assert current_schedule(loan).reason == ScheduleReason.REVERSAL
    assert current_schedule(loan).lines.get(n=2).principal == Decimal("50738.92")
    with pytest.raises(TransitionNotAllowed):
        event_reverse(actor=finance_officer, loan_id=loan.pk, event=f"repayment:{repayment.pk}", reason="Again")


def test_ledger_entries_cannot_be_changed_or_deleted(loan):
    from loans.models import LedgerImmutableError

    entry = loan.entries.get()
    with pytest.raises(LedgerImmutableError):
        entry.save()
    with pytest.raises(LedgerImmutableError):
        loan.entries.all().delete()
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).update(principal=1)


@pytest.mark.postgres
def test_postgresql_refuses_to_rewrite_the_ledger_even_from_raw_sql(require_postgres, loan):
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE loans_ledgerentry SET principal = 1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM loans_ledgerentry")
    assert balances(loan).principal == Decimal("100000.00")
