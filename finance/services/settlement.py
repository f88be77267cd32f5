"""Settling a payment order with the bank's date: the order is paid, its payable too, and the owners of the payable
(a loan's drawdown: interest starts; a grant's tranche: it moves forward) learn of it through their paid handlers.

Called by the bank matching (no actor: the system) and by a person matching a line by hand. The manual "record as
paid" page goes through finance.services.payments.payable_mark_paid: both end in payable_settle.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import NotFound, TransitionNotAllowed
from finance.models import OrderStatus, Payable, PaymentOrder
from finance.services.payments import payable_settle

SETTLEABLE = (OrderStatus.APPROVED, OrderStatus.BATCHED)


@transaction.atomic
def order_settle(*, order_id: int, paid_on: dt.date, actor=None) -> PaymentOrder:
    """The bank paid this order on `paid_on` (a batched order, or an approved one the bank paid another way)."""
    payable_id = PaymentOrder.objects.filter(pk=order_id).values_list("payable_id", flat=True).first()
    if payable_id is None:
        raise NotFound(_("This payment order does not exist."))
    # Payable first, then the order: the same order as payable_settle and the manual page, so neither waits on the
    # other in a cycle; the order's status is read again under its lock.
    Payable.objects.select_for_update().get(pk=payable_id)
    order = PaymentOrder.objects.select_for_update().get(pk=order_id)
    if order.status not in SETTLEABLE:
        raise TransitionNotAllowed(
            _("The payment order %(reference)s is %(status)s: only an approved order or one in a batch is paid.")
            % {"reference": order.end_to_end_id, "status": order.get_status_display().lower()}
        )
    payable_settle(payable_id=payable_id, paid_on=paid_on, actor=actor)
    order.refresh_from_db()
    return order
