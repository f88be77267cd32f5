"""Matching statement lines: money paid out to payment orders (end-to-end id, then amount and IBAN), money received to
loan instalments and amounts to recover (structured communication); partial payments, one line for several items;
by hand, and undone. A matched order is paid with the bank date and moves its drawdown forward (interest starts); a
matched repayment is booked in the loan's ledger, once however often the matching runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.ogm import ogm_display
from finance.models import LineMatch, MatchMethod, OrderStatus, PayableStatus, StatementLine
from finance.services.matching import match_line, match_manual, match_undo, statement_match
from finance.services.payments import payable_mark_paid
from finance.services.settlement import order_settle
from loans.ledger import balances, owed_by_installment
from loans.models import DrawdownStatus, EntryKind, LedgerEntry, Repayment, RepaymentSource
from tests.finance.fixtures_bank import *  # noqa: F403 - the fixtures
from tests.finance.fixtures_bank import (
    FRBRTC_IBAN,
    Movement,
    batched_order,
    camt_file,
    coda_file,
    imported,
    plain_payable,
    receivable_with_ogm,
)

pytestmark = pytest.mark.django_db

EVERE = "BE43068999999501"


def today() -> dt.date:
    return timezone.localdate()


def one_line(statement) -> StatementLine:
    return statement.lines.get()


def active(line) -> list[LineMatch]:
    return list(line.matches.filter(undone_at__isnull=True).order_by("id"))


# Money paid out ---------------------------------------------------------------------------------------------------


@pytest.fixture
def drawdown_order(drawdown_to_pay, finance_officer, order_approver):
    return batched_order(
        drawdown_to_pay.payable,
        prepared_by=finance_officer,
        approved_by=order_approver,
        end_to_end_id="BPL-2026-00000001",
        iban=EVERE,
    )


def test_a_line_with_the_end_to_end_id_pays_the_order_and_starts_the_loan(
    finance_officer, treasury_account, drawdown_to_pay, drawdown_order, django_capture_on_commit_callbacks
):
    bank_date = today() - dt.timedelta(days=3)
    paid = Movement(amount=Decimal("-100000.00"), value_date=bank_date, end_to_end_id="BPL-2026-00000001")
    statement = imported(finance_officer, coda_file(movements=[paid]), django_capture_on_commit_callbacks)
    (match,) = active(one_line(statement))
    assert (match.method, match.amount, match.payment_order, match.matched_by) == (
        MatchMethod.END_TO_END,
        Decimal("100000.00"),
        drawdown_order,
        None,
    )
    drawdown_order.refresh_from_db()
    drawdown_to_pay.refresh_from_db()
    payable = drawdown_to_pay.payable
    assert (drawdown_order.status, drawdown_order.paid_on) == (OrderStatus.PAID, bank_date)
    assert (payable.status, payable.paid_on) == (PayableStatus.PAID, bank_date)
    assert (drawdown_to_pay.status, drawdown_to_pay.paid_on) == (DrawdownStatus.PAID, bank_date)
    loan = drawdown_to_pay.loan
    loan.refresh_from_db()
    entry = LedgerEntry.objects.get(loan=loan, kind=EntryKind.DRAWDOWN)
    assert (entry.value_date, entry.principal, loan.start_date) == (bank_date, Decimal("100000.00"), bank_date)
    assert loan.installments.filter(cancelled=False).count() == 2  # the schedule, computed from the bank date


def test_an_end_to_end_id_written_in_the_free_communication_pays_the_order(
    finance_officer, order_approver, treasury_account, django_capture_on_commit_callbacks
):
    order = batched_order(
        plain_payable(amount="1250.00"),
        prepared_by=finance_officer,
        approved_by=order_approver,
        end_to_end_id="BPL-2026-00000042",
        iban=EVERE,
    )
    paid = Movement(amount=Decimal("-1250.00"), value_date=today(), free="SEPA BPL-2026-00000042 AAP-2026")
    line = one_line(imported(finance_officer, coda_file(movements=[paid]), django_capture_on_commit_callbacks))
    assert [(m.method, m.payment_order_id) for m in active(line)] == [(MatchMethod.END_TO_END, order.pk)]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.payable.status == PayableStatus.PAID


def test_without_an_end_to_end_id_the_amount_and_iban_of_one_order_in_a_batch_match(
    finance_officer, order_approver, treasury_account, django_capture_on_commit_callbacks
):
    order = batched_order(
        plain_payable(amount="1250.00"),
        prepared_by=finance_officer,
        approved_by=order_approver,
        end_to_end_id="BPL-2026-00000043",
        iban=EVERE,
    )
    paid = Movement(amount=Decimal("-1250.00"), value_date=today(), counterparty_iban=EVERE)
    line = one_line(imported(finance_officer, camt_file(movements=[paid]), django_capture_on_commit_callbacks, "s.xml"))
    assert [(m.method, m.payment_order_id) for m in active(line)] == [(MatchMethod.AMOUNT_IBAN, order.pk)]


def test_two_orders_with_the_same_amount_and_iban_are_left_to_a_person(
    finance_officer, order_approver, treasury_account, django_capture_on_commit_callbacks
):
    orders = [
        batched_order(
            plain_payable(amount="1250.00", reference=f"AAP-{number}", key=f"k{number}"),
            prepared_by=finance_officer,
            approved_by=order_approver,
            end_to_end_id=f"BPL-2026-000000{number}",
            iban=EVERE,
        )
        for number in (44, 45)
    ]
    paid = Movement(amount=Decimal("-1250.00"), value_date=today(), counterparty_iban=EVERE)
    line = one_line(imported(finance_officer, coda_file(movements=[paid]), django_capture_on_commit_callbacks))
    assert not line.matches.exists()
    for order in orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.BATCHED and order.payable.status == PayableStatus.DUE


def test_an_order_is_not_paid_by_a_line_of_another_amount(
    finance_officer, order_approver, treasury_account, django_capture_on_commit_callbacks
):
    order = batched_order(
        plain_payable(amount="1250.00"),
        prepared_by=finance_officer,
        approved_by=order_approver,
        end_to_end_id="BPL-2026-00000046",
        iban=EVERE,
    )
    paid = Movement(amount=Decimal("-1200.00"), value_date=today(), end_to_end_id="BPL-2026-00000046")
    line = one_line(imported(finance_officer, coda_file(movements=[paid]), django_capture_on_commit_callbacks))
    assert not line.matches.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.BATCHED and order.payable.status == PayableStatus.DUE


def test_order_settle_refuses_an_order_not_yet_approved_or_already_paid(finance_officer, order_approver):
    order = batched_order(
        plain_payable(amount="10.00"),
        prepared_by=finance_officer,
        approved_by=None,
        end_to_end_id="BPL-2026-00000047",
        iban=EVERE,
        status=OrderStatus.PREPARED,
    )
    with pytest.raises(TransitionNotAllowed, match="only an approved order or one in a batch is paid"):
        order_settle(order_id=order.pk, paid_on=today())
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARED and order.payable.status == PayableStatus.DUE


def test_paying_a_payable_by_hand_pays_its_batched_order_so_it_is_never_matched_again(finance_officer, order_approver):
    order = batched_order(
        plain_payable(amount="10.00"),
        prepared_by=finance_officer,
        approved_by=order_approver,
        end_to_end_id="BPL-2026-00000048",
        iban=EVERE,
    )
    payable_mark_paid(actor=finance_officer, payable_id=order.payable_id, paid_on=today())
    order.refresh_from_db()
    assert (order.status, order.paid_on) == (OrderStatus.PAID, today())
    with pytest.raises(TransitionNotAllowed):
        order_settle(order_id=order.pk, paid_on=today())


# Money received: loan instalments ---------------------------------------------------------------------------------


def test_a_repayment_with_the_instalments_communication_is_booked_in_the_ledger_once(
    finance_officer, frbrtc_account, repaying_loan, django_capture_on_commit_callbacks
):
    installment = repaying_loan.installments.get(n=1)
    due = installment.principal + installment.interest
    received = Movement(amount=due, value_date=installment.due_date, structured=installment.structured_communication)
    content = coda_file(iban=FRBRTC_IBAN, movements=[received])
    line = one_line(imported(finance_officer, content, django_capture_on_commit_callbacks))
    (match,) = active(line)
    repayment = Repayment.objects.get()
    assert (match.method, match.amount, match.loan, match.repayment) == (
        MatchMethod.STRUCTURED,
        due,
        repaying_loan,
        repayment,
    )
    assert (repayment.amount, repayment.value_date, repayment.installment) == (due, installment.due_date, installment)
    assert repayment.source == RepaymentSource.BANK and repayment.idempotency_key == f"bank-line:{line.pk}"
    entries = LedgerEntry.objects.filter(loan=repaying_loan, kind=EntryKind.REPAYMENT)
    assert sum(e.principal + e.interest + e.late_interest for e in entries) == -due
    assert [o.total for o in owed_by_installment(repaying_loan)] == [Decimal("0.00")]

    # Run again (a retried task, a person pressing "again"): nothing more is booked.
    assert statement_match(statement_id=line.statement_id) == 0
    assert match_line(line) == []
    assert Repayment.objects.count() == 1 and LineMatch.objects.count() == 1
    assert LedgerEntry.objects.filter(loan=repaying_loan, kind=EntryKind.REPAYMENT).count() == entries.count()


def test_an_instalment_paid_in_two_lines(
    finance_officer, frbrtc_account, repaying_loan, django_capture_on_commit_callbacks
):
    installment = repaying_loan.installments.get(n=1)
    due = installment.principal + installment.interest
    parts = [Decimal("30000.00"), due - Decimal("30000.00")]
    lines = [
        Movement(amount=part, value_date=installment.due_date, structured=installment.structured_communication)
        for part in parts
    ]
    statement = imported(
        finance_officer, camt_file(iban=FRBRTC_IBAN, movements=lines), django_capture_on_commit_callbacks, "s.xml"
    )
    matched = [active(line) for line in statement.lines.order_by("sequence")]
    assert [[m.amount for m in found] for found in matched] == [[parts[0]], [parts[1]]]
    assert sorted(Repayment.objects.values_list("amount", flat=True)) == sorted(parts)
    assert [o.total for o in owed_by_installment(repaying_loan)] == [Decimal("0.00")]
    assert balances(repaying_loan).principal == installment.loan.installments.get(n=2).principal


def test_one_line_for_two_instalments_of_the_same_loan(
    finance_officer, frbrtc_account, two_due_loan, django_capture_on_commit_callbacks
):
    first, second = two_due_loan.installments.filter(n__in=[1, 2]).order_by("n")
    total = first.principal + first.interest + second.principal + second.interest
    received = Movement(amount=total, value_date=today(), structured=first.structured_communication)
    line = one_line(
        imported(finance_officer, coda_file(iban=FRBRTC_IBAN, movements=[received]), django_capture_on_commit_callbacks)
    )
    (match,) = active(line)
    assert match.amount == total and match.loan == two_due_loan
    owed = {o.installment.n: o.total for o in owed_by_installment(two_due_loan)}
    assert owed == {1: Decimal("0.00"), 2: Decimal("0.00")}
    paid = LedgerEntry.objects.filter(loan=two_due_loan, kind=EntryKind.REPAYMENT)
    assert {e.installment.n for e in paid} == {1, 2}
    assert sum(e.principal + e.interest + e.late_interest for e in paid) == -total


def test_a_communication_no_instalment_has_leaves_the_line_to_a_person(
    finance_officer, frbrtc_account, repaying_loan, django_capture_on_commit_callbacks
):
    from core.ogm import ogm_make

    received = Movement(amount=Decimal("100.00"), value_date=today(), structured=ogm_make(2, 999_999, 1))
    line = one_line(
        imported(finance_officer, coda_file(iban=FRBRTC_IBAN, movements=[received]), django_capture_on_commit_callbacks)
    )
    assert not line.matches.exists() and not Repayment.objects.exists()


def test_a_repayment_the_loan_refuses_leaves_the_line_and_books_nothing(
    finance_officer, frbrtc_account, repaying_loan, django_capture_on_commit_callbacks
):
    installment = repaying_loan.installments.get(n=1)
    too_much = Movement(
        amount=Decimal("500000.00"), value_date=today(), structured=installment.structured_communication
    )
    line = one_line(
        imported(finance_officer, coda_file(iban=FRBRTC_IBAN, movements=[too_much]), django_capture_on_commit_callbacks)
    )
    assert not line.matches.exists() and not Repayment.objects.exists()
    assert not LedgerEntry.objects.filter(loan=repaying_loan).exclude(kind=EntryKind.DRAWDOWN).exists()


# Money received: amounts to recover -------------------------------------------------------------------------------


def test_a_recovery_is_matched_by_its_communication(
    finance_officer, frbrtc_account, django_capture_on_commit_callbacks
):
    receivable = receivable_with_ogm(amount="4000.00", number=1)
    received = Movement(amount=Decimal("4000.00"), value_date=today(), structured=receivable.structured_communication)
    line = one_line(
        imported(finance_officer, coda_file(iban=FRBRTC_IBAN, movements=[received]), django_capture_on_commit_callbacks)
    )
    assert [(m.method, m.receivable, m.amount) for m in active(line)] == [
        (MatchMethod.STRUCTURED, receivable, Decimal("4000.00"))
    ]


def test_one_line_for_two_recoveries_is_split_by_what_each_owes_and_the_rest_waits(
    finance_officer, frbrtc_account, django_capture_on_commit_callbacks
):
    first = receivable_with_ogm(amount="4000.00", number=1, reference="REC-1")
    second = receivable_with_ogm(amount="1500.00", number=2, reference="REC-2")
    free = f"Remboursements {ogm_display(first.structured_communication)} et {second.structured_communication}"
    received = Movement(amount=Decimal("6000.00"), value_date=today(), free=free)
    line = one_line(
        imported(
            finance_officer,
            camt_file(iban=FRBRTC_IBAN, movements=[received]),
            django_capture_on_commit_callbacks,
            "s.xml",
        )
    )
    assert [(m.receivable, m.amount) for m in active(line)] == [
        (first, Decimal("4000.00")),
        (second, Decimal("1500.00")),
    ]
    from finance.selectors_bank import open_lines

    assert open_lines().get().left == Decimal("500.00")  # on the manual page for the rest


def test_a_recovery_paid_in_two_lines(finance_officer, frbrtc_account, django_capture_on_commit_callbacks):
    receivable = receivable_with_ogm(amount="4000.00", number=1)
    parts = [
        Movement(amount=Decimal(a), value_date=today(), structured=receivable.structured_communication)
        for a in ("2500.00", "2000.00")
    ]
    statement = imported(
        finance_officer, coda_file(iban=FRBRTC_IBAN, movements=parts), django_capture_on_commit_callbacks
    )
    first, second = statement.lines.order_by("sequence")
    assert [m.amount for m in active(first)] == [Decimal("2500.00")]
    assert [m.amount for m in active(second)] == [Decimal("1500.00")]  # what was left; 500.00 waits for a person


# By hand, and undone ----------------------------------------------------------------------------------------------


@pytest.fixture
def loose_line(finance_officer, frbrtc_account, repaying_loan, django_capture_on_commit_callbacks):
    """Money received from the borrower without any communication: left for a person."""
    installment = repaying_loan.installments.get(n=1)
    received = Movement(amount=Decimal("10000.00"), value_date=installment.due_date, free="echeance pret sport")
    line = one_line(
        imported(finance_officer, coda_file(iban=FRBRTC_IBAN, movements=[received]), django_capture_on_commit_callbacks)
    )
    assert not line.matches.exists()
    return line


def test_a_person_matches_a_line_to_a_loan_and_undoes_it(finance_officer, repaying_loan, loose_line):
    installment = repaying_loan.installments.get(n=1)
    match = match_manual(
        actor=finance_officer,
        line_id=loose_line.pk,
        loan_id=repaying_loan.pk,
        installment_id=installment.pk,
        amount="10000,00",
    )
    assert (match.method, match.matched_by, match.amount) == (MatchMethod.MANUAL, finance_officer, Decimal("10000.00"))
    assert match.repayment.installment == installment and match.repayment.amount == Decimal("10000.00")
    owed_before_undo = owed_by_installment(repaying_loan)[0].total
    assert owed_before_undo == installment.principal + installment.interest - Decimal("10000.00")

    undone = match_undo(actor=finance_officer, match_id=match.pk, reason="Wrong loan: the line is a subsidy refund.")
    assert undone.undone_at is not None and undone.undone_by == finance_officer
    reversals = LedgerEntry.objects.filter(loan=repaying_loan, kind=EntryKind.REVERSAL)
    assert sum(e.principal + e.interest + e.late_interest for e in reversals) == Decimal("10000.00")
    assert owed_by_installment(repaying_loan)[0].total == installment.principal + installment.interest
    assert match_line(loose_line) == []  # the automatic matching leaves what a person decided

    again = match_manual(actor=finance_officer, line_id=loose_line.pk, loan_id=repaying_loan.pk, amount="10000.00")
    assert again.repayment != match.repayment  # a fresh repayment, not the reversed one
    with pytest.raises(TransitionNotAllowed, match="undone already"):
        match_undo(actor=finance_officer, match_id=match.pk, reason="again")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "Give an amount above zero."), ("abc", "Give an amount above zero."), ("10000.01", "Only 10.000,00 EUR")],
)
def test_a_wrong_manual_amount_is_refused_and_nothing_booked(
    finance_officer, repaying_loan, loose_line, amount, message
):
    with pytest.raises(InvalidInput, match=message):
        match_manual(actor=finance_officer, line_id=loose_line.pk, loan_id=repaying_loan.pk, amount=amount)
    assert not LineMatch.objects.exists() and not Repayment.objects.exists()


def test_manual_matching_refuses_what_does_not_fit(finance_officer, order_approver, repaying_loan, loose_line):
    order = batched_order(
        plain_payable(amount="10000.00"),
        prepared_by=finance_officer,
        approved_by=order_approver,
        end_to_end_id="BPL-2026-00000050",
        iban=EVERE,
    )
    with pytest.raises(InvalidInput, match="Money received does not pay a payment order"):
        match_manual(actor=finance_officer, line_id=loose_line.pk, payment_order_id=order.pk, amount="10000.00")
    with pytest.raises(InvalidInput, match="Choose one payment order, loan or amount to recover"):
        match_manual(
            actor=finance_officer, line_id=loose_line.pk, loan_id=repaying_loan.pk, receivable_id=1, amount="1"
        )
    receivable = receivable_with_ogm(amount="100.00", number=7)
    with pytest.raises(InvalidInput, match="REC-2026-0001 has 100,00 EUR left to recover"):
        match_manual(actor=finance_officer, line_id=loose_line.pk, receivable_id=receivable.pk, amount="200.00")
    assert not LineMatch.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.BATCHED


def test_a_paid_order_is_matched_by_hand_whole_and_its_match_cannot_be_undone(
    finance_officer, order_approver, treasury_account, django_capture_on_commit_callbacks
):
    order = batched_order(
        plain_payable(amount="1250.00"),
        prepared_by=finance_officer,
        approved_by=order_approver,
        end_to_end_id="BPL-2026-00000051",
        iban=EVERE,
    )
    paid = Movement(amount=Decimal("-1250.00"), value_date=today() - dt.timedelta(days=1), free="virement")
    line = one_line(imported(finance_officer, coda_file(movements=[paid]), django_capture_on_commit_callbacks))
    with pytest.raises(InvalidInput, match=r"A payment order is paid whole: match 1\.250,00 EUR\."):
        match_manual(actor=finance_officer, line_id=line.pk, payment_order_id=order.pk, amount="1000.00")
    match = match_manual(actor=finance_officer, line_id=line.pk, payment_order_id=order.pk, amount="1250.00")
    order.refresh_from_db()
    assert (order.status, order.paid_on, match.method) == (OrderStatus.PAID, line.value_date, MatchMethod.MANUAL)
    with pytest.raises(TransitionNotAllowed, match="cannot be undone"):
        match_undo(actor=finance_officer, match_id=match.pk, reason="mistake")
    match.refresh_from_db()
    assert match.undone_at is None


def test_undoing_needs_a_reason_and_the_right_role(finance_officer, auditor, repaying_loan, loose_line):
    match = match_manual(actor=finance_officer, line_id=loose_line.pk, loan_id=repaying_loan.pk, amount="100.00")
    with pytest.raises(InvalidInput, match=r"Say why the match is undone\."):
        match_undo(actor=finance_officer, match_id=match.pk, reason="  ")
    with pytest.raises(NotPermitted):
        match_undo(actor=auditor, match_id=match.pk, reason="no")
    with pytest.raises(NotPermitted):
        match_manual(actor=auditor, line_id=loose_line.pk, loan_id=repaying_loan.pk, amount="100.00")
    match.refresh_from_db()
    assert match.undone_at is None and LineMatch.objects.count() == 1
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_matching_the_same_line_at_once_match_it_once(require_postgres, finance_officer):
    from django.utils import translation

    from finance.models import TreasuryAccount
    from finance.models.bank import AccountPurpose
    from finance.services.statements import statement_import
    from tests.core.test_concurrency import run_together
    from tests.finance.fixtures_bank import upload

    TreasuryAccount.objects.create(iban=FRBRTC_IBAN, bic="BBRUBEBB", holder="FRBRTC", purpose=AccountPurpose.FRBRTC)
    receivable = receivable_with_ogm(amount="4000.00", number=1)
    received = Movement(amount=Decimal("4000.00"), value_date=today(), free="remboursement")
    line = statement_import(
        actor=finance_officer, upload=upload(coda_file(iban=FRBRTC_IBAN, movements=[received]))
    ).lines.get()
    assert not line.matches.exists()

    def attempt():
        with translation.override("en"):
            return match_manual(actor=finance_officer, line_id=line.pk, receivable_id=receivable.pk, amount="4000.00")

    results = run_together(attempt, attempt)
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and "Only 0,00 EUR of this line is left to match." in str(refused[0]), results
    assert LineMatch.objects.filter(undone_at__isnull=True).count() == 1


def test_a_defect_on_one_line_neither_undoes_the_import_nor_stops_the_other_lines(
    finance_officer, frbrtc_account, django_capture_on_commit_callbacks, monkeypatch
):
    from finance.models import BankStatement
    from finance.services import matching

    broken_one = receivable_with_ogm(amount="10.00", number=1, reference="REC-1")
    fine_one = receivable_with_ogm(amount="20.00", number=2, reference="REC-2")
    real = matching._recover

    def recover(line, receivable, amount, by=None):
        if receivable.pk == broken_one.pk:
            raise RuntimeError("a defect")
        return real(line, receivable, amount, by)

    monkeypatch.setattr(matching, "_recover", recover)
    lines = [
        Movement(amount=r.amount, value_date=today(), structured=r.structured_communication)
        for r in (broken_one, fine_one)
    ]
    statement = imported(
        finance_officer, coda_file(iban=FRBRTC_IBAN, movements=lines), django_capture_on_commit_callbacks
    )
    first, second = statement.lines.order_by("sequence")
    assert BankStatement.objects.count() == 1 and statement.lines.count() == 2
    assert not first.matches.exists()
    assert [m.receivable for m in active(second)] == [fine_one]
