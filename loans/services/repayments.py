"""Repayments, write-offs and reversals. A payment is allocated in the loan's order (late interest, interest,
principal by default) to the instalment its structured communication names, then to the oldest instalments due;
what is left repays principal early under the product's prepayment rule."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.money import format_eur, to_cents
from core.ogm import ogm_display, ogm_parse
from core.services.audit import audit_record
from loans.ledger import ZERO, Owed, balances, owed_by_installment
from loans.models import (
    DrawdownStatus,
    EntryKind,
    Installment,
    LedgerEntry,
    Loan,
    LoanStatus,
    Repayment,
    RepaymentSource,
    ScheduleReason,
)
from loans.permissions import can_record_repayment, can_write_off
from loans.services.ledger import (
    entry_book,
    installment_fall_due_early,
    installments_fall_due,
    last_counted_date,
    late_interest_book,
)
from loans.services.schedules import schedule_recompute

COMPONENTS = ("late_interest", "interest", "principal")


def _locked_active(loan_id: int) -> Loan:
    loan = Loan.objects.select_for_update().get(pk=loan_id)
    if loan.status != LoanStatus.ACTIVE:
        raise TransitionNotAllowed(_("This loan is not active."))
    return loan


def _check_value_date(loan: Loan, value_date: dt.date) -> None:
    if value_date is None or value_date > timezone.localdate():
        raise InvalidInput(
            _("Give the value date of the payment (not in the future)."), extra={"fields": {"value_date": []}}
        )
    if loan.start_date is None or value_date < loan.start_date:
        raise InvalidInput(
            _("A repayment cannot come before the first drawdown was paid."), extra={"fields": {"value_date": []}}
        )
    counted = last_counted_date(loan)
    if counted and value_date < counted:
        raise InvalidInput(
            _("Payments are recorded in the order of their value dates: one valued on %(date)s is recorded already.")
            % {"date": counted.strftime("%d/%m/%Y")},
            extra={"fields": {"value_date": []}},
        )


def _matched(loan: Loan, communication: str) -> Installment | None:
    if not communication.strip():
        return None
    digits = ogm_parse(communication)
    installment = loan.installments.filter(structured_communication=digits, cancelled=False).first()
    if installment is None:
        raise InvalidInput(
            _("%(ogm)s is not the structured communication of an instalment of this loan.")
            % {"ogm": ogm_display(digits)},
            extra={"fields": {"structured_communication": []}},
        )
    return installment


def _allocation_queue(loan: Loan, matched: Installment | None) -> list[Owed]:
    owed = owed_by_installment(loan)
    if matched is not None:
        owed.sort(key=lambda o: (o.installment.pk != matched.pk, o.installment.n))
    return [o for o in owed if o.total > 0]


def _allocate(loan: Loan, repayment: Repayment, left: Decimal, actor) -> Decimal:
    for owed in _allocation_queue(loan, repayment.installment):
        parts = {}
        for component in loan.allocation_order:
            take = min(left, getattr(owed, component))
            if take > 0:
                parts[component] = -take
                left -= take
        if parts:
            entry_book(
                loan=loan,
                kind=EntryKind.REPAYMENT,
                event=f"repayment:{repayment.pk}",
                key=f"repayment:{repayment.pk}:{owed.installment.pk}",
                value_date=repayment.value_date,
                installment=owed.installment,
                repayment=repayment,
                actor=actor,
                **parts,
            )
        if left <= 0:
            break
    return left


def _prepay(loan: Loan, repayment: Repayment, amount: Decimal, actor) -> None:
    outstanding = balances(loan).principal
    if amount > outstanding:
        raise InvalidInput(
            _(
                "The payment is %(over)s more than everything the borrower owes: "
                "record what is owed and refund the rest."
            )
            % {"over": format_eur(amount - outstanding)},
            extra={"fields": {"amount": []}},
        )
    entry_book(
        loan=loan,
        kind=EntryKind.PREPAYMENT,
        event=f"repayment:{repayment.pk}",
        key=f"prepayment:{repayment.pk}",
        value_date=repayment.value_date,
        repayment=repayment,
        principal=-amount,
        actor=actor,
    )
    schedule_recompute(loan=loan, reason=ScheduleReason.PREPAYMENT, actor=actor)


@transaction.atomic
def repayment_record(
    *,
    actor,
    loan_id: int,
    amount: str,
    value_date: dt.date,
    communication: str = "",
    key: str,
    source: str = RepaymentSource.MANUAL,
    bank_reference: str = "",
) -> Repayment:
    """Record a payment received and allocate it. The same `key` (a form's token, a bank line) records it once."""
    allowed, reason = can_record_repayment(actor)
    if not allowed:
        raise NotPermitted(reason)
    existing = Repayment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    loan = _locked_active(loan_id)
    try:
        cents = to_cents(str(amount).strip().replace(",", "."))
    except (TypeError, ValueError, InvalidOperation):
        cents = ZERO
    if cents <= 0:
        raise InvalidInput(_("Give an amount above zero."), extra={"fields": {"amount": []}})
    _check_value_date(loan, value_date)
    matched = _matched(loan, communication)
    installments_fall_due(loan, up_to=value_date)
    if matched is not None and matched.due_date > value_date:
        installment_fall_due_early(matched)
    repayment = Repayment.objects.create(
        loan=loan,
        amount=cents,
        value_date=value_date,
        structured_communication=matched.structured_communication if matched else "",
        installment=matched,
        source=source,
        bank_reference=bank_reference[:100],
        idempotency_key=key,
        recorded_by=actor,
    )
    late_interest_book(loan, up_to=value_date, event=f"repayment:{repayment.pk}", actor=actor)
    left = _allocate(loan, repayment, cents, actor)
    if left > 0:
        _prepay(loan, repayment, left, actor)
    _close_if_repaid(loan)
    audit_record(
        obj=loan, actor=actor, action="repayment_recorded", changes={"amount": str(cents), "on": str(value_date)}
    )
    return repayment


def _close_if_repaid(loan: Loan) -> None:
    """Repaid: nothing owed, no drawdown pending, and no instalment to come that still asks for money."""
    pending = loan.drawdowns.filter(status__in=[DrawdownStatus.REQUESTED, DrawdownStatus.APPROVED]).exists()
    to_come = (
        loan.installments.filter(cancelled=False)
        .exclude(entries__kind=EntryKind.INTEREST_DUE)
        .filter(Q(principal__gt=0) | Q(interest__gt=0))
        .exists()
    )
    if balances(loan).total == 0 and not pending and not to_come:
        loan.status = LoanStatus.REPAID
        loan.save(update_fields=["status"])


def _check_decision(reference: str, decided_on: dt.date | None) -> None:
    if not reference.strip() or decided_on is None:
        raise InvalidInput(
            _("A write-off needs the reference and the date of its decision."),
            extra={"fields": {"decision_reference": [], "decided_on": []}},
        )


@transaction.atomic
def write_off_record(
    *, actor, loan_id: int, decision_reference: str, decided_on: dt.date, installment_id: int | None = None
) -> list[LedgerEntry]:
    """Write off what one instalment owes, or the whole loan (every instalment due and the principal to come)."""
    allowed, reason = can_write_off(actor)
    if not allowed:
        raise NotPermitted(reason)
    _check_decision(decision_reference, decided_on)
    loan = _locked_active(loan_id)
    _check_value_date(loan, decided_on)
    installments_fall_due(loan, up_to=decided_on)
    event = f"write-off:{loan.pk}:{installment_id or 'loan'}:{decided_on.isoformat()}"
    # The same write-off again after it was reversed is a new event: its entries need keys of their own.
    earlier = loan.entries.filter(kind=EntryKind.WRITE_OFF, event__startswith=event).values("event").distinct().count()
    if earlier:
        event = f"{event}:{earlier + 1}"
    late_interest_book(loan, up_to=decided_on, event=event, actor=actor)
    owed = [o for o in owed_by_installment(loan) if installment_id in (None, o.installment.pk) and o.total > 0]
    if installment_id is not None and not owed:
        raise TransitionNotAllowed(_("This instalment owes nothing that could be written off."))
    common = {"loan": loan, "kind": EntryKind.WRITE_OFF, "event": event, "value_date": decided_on, "actor": actor}
    entries = [
        entry_book(
            **common,
            key=f"{event}:{o.installment.pk}",
            installment=o.installment,
            decision_reference=decision_reference.strip(),
            **{c: -getattr(o, c) for c in COMPONENTS},
        )
        for o in owed
    ]
    if installment_id is None:
        rest = balances(loan).principal
        if rest > 0:
            entries.append(
                entry_book(
                    **common, key=f"{event}:rest", decision_reference=decision_reference.strip(), principal=-rest
                )
            )
        loan.status = LoanStatus.WRITTEN_OFF
        loan.save(update_fields=["status"])
    schedule_recompute(loan=loan, reason=ScheduleReason.WRITE_OFF, actor=actor)
    audit_record(
        obj=loan,
        actor=actor,
        action="written_off",
        changes={"decision": decision_reference, "installment": installment_id},
    )
    return entries


@transaction.atomic
def event_reverse(*, actor, loan_id: int, event: str, reason: str) -> list[LedgerEntry]:
    """Reverse a repayment or a write-off: new entries with the opposite effects; the originals stay."""
    allowed, why = can_write_off(actor) if event.startswith("write-off:") else can_record_repayment(actor)
    if not allowed:
        raise NotPermitted(why)
    if not reason.strip():
        raise InvalidInput(_("Say why the entry is reversed."), extra={"fields": {"reason": []}})
    loan = Loan.objects.select_for_update().get(pk=loan_id)
    kinds = [EntryKind.REPAYMENT, EntryKind.PREPAYMENT, EntryKind.WRITE_OFF]
    originals = list(loan.entries.filter(event=event, kind__in=kinds, reversed_by__isnull=True))
    if not originals:
        raise TransitionNotAllowed(_("There is nothing left to reverse in this event."))
    reversals = [
        entry_book(
            loan=loan,
            kind=EntryKind.REVERSAL,
            event=event,
            key=f"reversal:{entry.pk}",
            value_date=entry.value_date,
            installment=entry.installment,
            repayment=entry.repayment,
            reverses=entry,
            note=reason.strip()[:300],
            actor=actor,
            **{c: -getattr(entry, c) for c in COMPONENTS},
        )
        for entry in originals
    ]
    if loan.status != LoanStatus.ACTIVE:
        loan.status = LoanStatus.ACTIVE
        loan.save(update_fields=["status"])
    if any(e.kind in (EntryKind.PREPAYMENT, EntryKind.WRITE_OFF) for e in originals):
        schedule_recompute(loan=loan, reason=ScheduleReason.REVERSAL, actor=actor)
    audit_record(obj=loan, actor=actor, action="reversed", changes={"event": event, "reason": reason.strip()})
    return reversals
