"""Recording that a payable was paid, with the bank's payment date. Grants and loans learn of it through the
handlers they register at start-up, in the same transaction: finance never needs to know what was paid."""

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.roles import is_staff_member
from core.services.audit import audit_record
from finance.models import OrderStatus, Payable, PayableStatus, PaymentOrder

PaidHandler = Callable[[Payable, dt.date, object], None]
_handlers: list[PaidHandler] = []


def register_paid_handler(handler: PaidHandler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


@transaction.atomic
def payable_mark_paid(*, actor, payable_id: int, paid_on: dt.date | None) -> Payable:
    """The bank paid this payable on `paid_on`, as a finance officer records it by hand. Once: a second call for a
    paid payable is refused."""
    if not (is_staff_member(actor) and actor.has_perm("finance.change_payable")):
        raise NotPermitted(_("Only finance officers record payments."))
    return payable_settle(payable_id=payable_id, paid_on=paid_on, actor=actor)


def payable_settle(*, payable_id: int, paid_on: dt.date | None, actor=None) -> Payable:
    """The one way a payable becomes paid: by hand (payable_mark_paid) or from a matched bank line
    (finance.services.settlement.order_settle, actor None: audited as the system). Callers check the actor's rights
    and hold the transaction.

    Its live payment order is paid with it (approved or in a batch), so that it is never sent to the bank again; one
    still waiting for approval refuses. Lock order: payable, then its order, then what the paid handlers lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payable_settle() runs inside its caller's transaction")
    payable = Payable.objects.select_for_update().get(pk=payable_id)
    if payable.status != PayableStatus.DUE:
        raise TransitionNotAllowed(_("This payment request is not waiting to be paid."))
    if paid_on is None or paid_on > timezone.localdate():
        raise InvalidInput(_("Give the bank's payment date (not in the future)."), extra={"fields": {"paid_on": []}})
    _order_paid_with(payable, paid_on, actor)
    payable.status = PayableStatus.PAID
    payable.paid_at = timezone.now()
    payable.paid_on = paid_on
    payable.save(update_fields=["status", "paid_at", "paid_on"])
    audit_record(obj=payable, actor=actor, action="paid", to_state=PayableStatus.PAID, changes={"on": str(paid_on)})
    for handler in _handlers:
        handler(payable, paid_on, actor)
    return payable


def _order_paid_with(payable: Payable, paid_on: dt.date, actor) -> None:
    live = PaymentOrder.objects.select_for_update().filter(payable=payable)
    for order in live.exclude(status__in=[OrderStatus.REJECTED, OrderStatus.CANCELLED, OrderStatus.PAID]):
        if order.status == OrderStatus.PREPARED:
            raise TransitionNotAllowed(
                _("This payment request has a payment order waiting for approval: approve or reject it first.")
            )
        before = order.status
        order.status, order.paid_on = OrderStatus.PAID, paid_on
        order.save(update_fields=["status", "paid_on"])
        audit_record(
            obj=order,
            actor=actor,
            action="paid",
            from_state=before,
            to_state=OrderStatus.PAID,
            changes={"on": str(paid_on)},
        )
