"""Commitments against envelopes, what becomes due, and what is to be recovered. Idempotent by key."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.errors import InvalidInput, TransitionNotAllowed
from core.models import Organisation
from core.money import format_eur, to_cents
from core.services.audit import audit_record
from finance.models import BudgetLine, Commitment, Envelope, Payable, Receivable

ZERO = Decimal("0.00")


@transaction.atomic
def envelope_ensure(*, code: str, label: str, budget_line: BudgetLine, amount: Decimal) -> Envelope:
    """The envelope of a call or programme; its amount follows the newest published figure."""
    envelope, created = Envelope.objects.select_for_update().get_or_create(
        code=code, defaults={"label": label[:200], "budget_line": budget_line, "amount": to_cents(amount)}
    )
    if not created and envelope.amount != to_cents(amount):
        committed = committed_total(envelope)
        if to_cents(amount) < committed:
            raise TransitionNotAllowed(
                _("The envelope cannot go below what is already committed (%(committed)s).")
                % {"committed": format_eur(committed)}
            )
        envelope.amount = to_cents(amount)
        envelope.save(update_fields=["amount"])
    return envelope


def committed_total(envelope: Envelope) -> Decimal:
    return envelope.commitments.aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def commitment_create(
    *, envelope_id: int, beneficiary: Organisation, amount: Decimal, reference: str, key: str, actor=None
) -> Commitment:
    """Reserve `amount` on the envelope, or refuse when it would exceed it. The same key returns the same commitment."""
    existing = Commitment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    amount = to_cents(amount)
    if amount <= 0:
        raise InvalidInput(_("A commitment is for an amount above zero."))
    # The envelope row is the lock: commitments recorded at the same moment are counted one after the other.
    envelope = Envelope.objects.select_for_update().get(pk=envelope_id)
    existing = Commitment.objects.filter(idempotency_key=key).first()  # a concurrent call with the same key
    if existing is not None:
        return existing
    available = envelope.amount - committed_total(envelope)
    if amount > available:
        raise TransitionNotAllowed(
            _("The envelope %(envelope)s has %(available)s left: %(amount)s cannot be committed.")
            % {"envelope": envelope.label, "available": format_eur(available), "amount": format_eur(amount)},
            extra={"available": str(available)},
        )
    commitment = Commitment.objects.create(
        envelope=envelope,
        beneficiary=beneficiary,
        amount=amount,
        reference=reference,
        idempotency_key=key,
        created_by=actor,
    )
    audit_record(
        obj=commitment, actor=actor, action="committed", changes={"amount": str(amount), "envelope": envelope.code}
    )
    return commitment


@transaction.atomic
def payable_create(*, commitment: Commitment, amount: Decimal, reference: str, label: str, key: str) -> Payable:
    """Declare an amount due (a liquidation) against a commitment, within what the commitment leaves."""
    existing = Payable.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    amount = to_cents(amount)
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    already = locked.payables.exclude(status="cancelled").aggregate(total=Sum("amount"))["total"] or ZERO
    if amount <= 0 or already + amount > locked.amount:
        raise TransitionNotAllowed(
            _("%(amount)s cannot be made due: the commitment has %(left)s left.")
            % {"amount": format_eur(amount), "left": format_eur(locked.amount - already)}
        )
    payable = Payable.objects.create(
        commitment=locked,
        beneficiary=locked.beneficiary,
        amount=amount,
        reference=reference,
        label=label[:200],
        idempotency_key=key,
    )
    audit_record(obj=payable, actor=None, action="due", changes={"amount": str(amount), "commitment": locked.reference})
    return payable


@transaction.atomic
def receivable_create(*, commitment: Commitment, amount: Decimal, reference: str, label: str, key: str) -> Receivable:
    existing = Receivable.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    receivable = Receivable.objects.create(
        commitment=commitment,
        debtor=commitment.beneficiary,
        amount=to_cents(amount),
        reference=reference,
        label=label[:200],
        idempotency_key=key,
    )
    audit_record(obj=receivable, actor=None, action="to_recover", changes={"amount": str(receivable.amount)})
    return receivable
