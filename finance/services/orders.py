"""Payment orders and SEPA batches: an order is prepared from a due payable with the beneficiary's account as its master
data has it now, approved by someone else (four eyes; a second approver above the configured amount, the controller's
visa at the first approval) or rejected with a reason; approved orders of one paying account go into a batch whose
pain.001 file is generated once, validated against the XSD and kept: generating it again gives the same bytes.

Lock order: commitment, then payable, then order (parent before child), orders of a batch in id order.
"""

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from core.models import AuditRecord, BankAccount
from core.money import format_eur, to_cents
from core.ogm import ogm_parse
from core.roles import is_staff_member
from core.services.audit import audit_record
from core.services.notifications import notify
from finance.models import (
    BatchScheme,
    Commitment,
    OrderStatus,
    Payable,
    PayableStatus,
    PaymentBatch,
    PaymentOrder,
    TreasuryAccount,
)
from finance.models.bank import AccountPurpose
from finance.sepa import Debtor, Payment, SepaFileInvalid, build_pain001, sepa_text, validate

ZERO = Decimal("0.00")
# A rejected or cancelled order no longer pays anything: its payable is free for a new one.
DEAD = (OrderStatus.REJECTED, OrderStatus.CANCELLED)
PREPARE = "finance.add_paymentorder"
APPROVE = "finance.change_paymentorder"
BATCH = "finance.add_paymentbatch"


def _require(actor, perm: str, message: str) -> None:
    if not (is_staff_member(actor) and actor.has_perm(perm)):
        raise NotPermitted(message)


def live_orders() -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.exclude(status__in=DEAD)


def with_account_purpose(orders: QuerySet[PaymentOrder]) -> QuerySet[PaymentOrder]:
    """Annotate `account_purpose`: the FRBRTC's account pays a loan's drawdown (the fund lends its own money), the
    administration's payments account everything else (grant tranches). Read through the relation loans puts on
    Payable, without importing loans."""
    return orders.annotate(
        account_purpose=Case(
            When(payable__drawdown__isnull=False, then=Value(AccountPurpose.FRBRTC)),
            default=Value(AccountPurpose.PAYMENTS),
            output_field=CharField(),
        )
    )


# Preparing -----------------------------------------------------------------------------------------------------


def _order_of_key(key: str) -> PaymentOrder | None:
    """The order an earlier call with this idempotency key prepared (the key is kept in its audit record)."""
    record = (
        AuditRecord.objects.filter(content_type__app_label="finance", content_type__model="paymentorder")
        .filter(action="prepared", changes__idempotency_key=key)
        .first()
    )
    return PaymentOrder.objects.filter(pk=int(record.object_id)).first() if record else None


def _unpaid_left(commitment: Commitment, payable: Payable) -> Decimal:
    """What the commitment still leaves: its amount less the other payables paid or on a live order."""
    ordered = live_orders().filter(payable=OuterRef("pk"))
    engaged = (
        commitment.payables.exclude(pk=payable.pk)
        .filter(Q(status=PayableStatus.PAID) | Q(Exists(ordered)))
        .aggregate(total=Sum("amount"))["total"]
    )
    return commitment.amount - (engaged or ZERO)


def _creditor_account(payable: Payable) -> tuple[BankAccount, str, str]:
    """The beneficiary's primary account, its IBAN checked with the national check digits, and its BIC."""
    organisation = payable.beneficiary
    account = BankAccount.objects.filter(organisation=organisation, is_primary=True).first()
    if account is None:
        raise InvalidInput(
            _("%(organisation)s has no primary bank account: record one in its master data first. Nothing was stored.")
            % {"organisation": organisation.name},
            extra={"fields": {"iban": []}},
        )
    try:
        iban = IBAN(account.iban, validate_bban=True)
        bic = str(BIC(account.bic)) if account.bic else str(iban.bic or "")
    except SchwiftyException as error:
        raise InvalidInput(
            _(
                "The bank account %(iban)s of %(organisation)s is not valid (%(reason)s): correct it in its "
                "master data. Nothing was stored."
            )
            % {"iban": account.iban, "organisation": organisation.name, "reason": error},
            extra={"fields": {"iban": []}},
        ) from None
    return account, iban.compact, bic


@transaction.atomic
def order_prepare(
    *, actor, payable_id: int, idempotency_key: str = "", structured_communication: str = ""
) -> PaymentOrder:
    """A payment order for a due payable. `structured_communication`: the one the beneficiary asked for, if any
    (payables carry none today). The same idempotency key returns the same order."""
    _require(actor, PREPARE, _("Only finance officers prepare payment orders."))
    if idempotency_key and (earlier := _order_of_key(idempotency_key)) is not None:
        return earlier
    digits = ogm_parse(structured_communication) if structured_communication.strip() else ""
    commitment_id = Payable.objects.filter(pk=payable_id).values_list("commitment_id", flat=True).first()
    if commitment_id is None:
        raise NotFound(_("No such payment request."))
    # The commitment's row first: two orders on payables of one commitment are counted one after the other.
    commitment = Commitment.objects.select_for_update().select_related("envelope").get(pk=commitment_id)
    payable = Payable.objects.select_for_update().select_related("beneficiary").get(pk=payable_id)
    if payable.status != PayableStatus.DUE:
        raise TransitionNotAllowed(_("This payment request is not waiting to be paid."))
    existing = live_orders().filter(payable=payable).first()
    if existing is not None:
        raise TransitionNotAllowed(
            _("This payment request already has a payment order (%(order)s).") % {"order": existing.end_to_end_id}
        )
    left = _unpaid_left(commitment, payable)
    if payable.amount > left:
        raise TransitionNotAllowed(
            _("%(amount)s is more than its commitment %(commitment)s leaves unpaid (%(left)s): no order is made.")
            % {"amount": format_eur(payable.amount), "commitment": commitment.reference, "left": format_eur(left)}
        )
    account, iban, bic = _creditor_account(payable)
    amount = to_cents(payable.amount)
    order = PaymentOrder.objects.create(
        payable=payable,
        commitment=commitment,
        budget_line_id=commitment.envelope.budget_line_id,
        beneficiary=payable.beneficiary,
        creditor_name=account.holder[:140],
        creditor_iban=iban,
        creditor_bic=bic,
        amount=amount,
        structured_communication=digits,
        communication=sepa_text(f"{payable.reference} {payable.label}", 140),
        end_to_end_id=uuid.uuid4().hex,  # replaced below, once the id is known
        approvals_needed=2 if amount > settings.BPL_PAYMENT_SECOND_APPROVAL_ABOVE else 1,
        prepared_by=actor,
    )
    order.end_to_end_id = f"BPL-{timezone.localdate().year}-{order.pk:08d}"
    order.save(update_fields=["end_to_end_id"])
    audit_record(
        obj=order,
        actor=actor,
        action="prepared",
        to_state=order.status,
        changes={
            "payable": payable.reference,
            "amount": str(amount),
            "iban": iban,
            **({"idempotency_key": idempotency_key} if idempotency_key else {}),
        },
    )
    return order


# Approving and rejecting ---------------------------------------------------------------------------------------


def _locked_order(order_id: int) -> PaymentOrder:
    # The order's row: two approvers (or an approver and a rejecter) at the same moment act one after the other.
    order = PaymentOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("No such payment order."))
    return order


def approvals_given(order: PaymentOrder) -> int:
    return (order.first_approved_by_id is not None) + (order.second_approved_by_id is not None)


def _visa_problems(visa_reference: str, visa_date: dt.date | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not visa_reference.strip():
        errors["visa_reference"] = [_("Give the reference of the controller's visa.")]
    if visa_date is None or visa_date > timezone.localdate():
        errors["visa_date"] = [_("Give the date of the controller's visa (not in the future).")]
    return errors


@transaction.atomic
def order_approve(
    *,
    actor,
    order_id: int,
    visa_reference: str = "",
    visa_date: dt.date | None = None,
    seen_approvals: int | None = None,
) -> PaymentOrder:
    """Approve, never one's own order; the first approval records the controller's visa. `seen_approvals` is the
    number of approvals the approver saw on the page: if someone approved meanwhile, the approval is refused."""
    _require(actor, APPROVE, _("Only finance approvers approve payment orders."))
    order = _locked_order(order_id)
    if order.status != OrderStatus.PREPARED:
        raise TransitionNotAllowed(_("This payment order is not waiting for an approval."))
    if seen_approvals is not None and seen_approvals != approvals_given(order):
        raise TransitionNotAllowed(_("Someone approved this payment order meanwhile: look at it again."))
    if actor.pk == order.prepared_by_id:
        raise NotPermitted(_("You prepared this payment order: another person approves it (four eyes)."))
    now = timezone.now()
    if order.first_approved_by_id is None:
        errors = _visa_problems(visa_reference, visa_date)
        if errors:
            raise InvalidInput(_("The controller's visa is needed for the approval."), extra={"fields": errors})
        order.first_approved_by, order.first_approved_at = actor, now
        order.visa_reference, order.visa_date = visa_reference.strip()[:64], visa_date
    elif actor.pk == order.first_approved_by_id:
        raise NotPermitted(_("You approved this payment order already: the second approval is another person's."))
    else:
        order.second_approved_by, order.second_approved_at = actor, now
    if approvals_given(order) >= order.approvals_needed:
        order.status = OrderStatus.APPROVED
    order.save()
    audit_record(
        obj=order,
        actor=actor,
        action="approved",
        from_state=OrderStatus.PREPARED,
        to_state=order.status,
        changes={"approval": approvals_given(order), "of": order.approvals_needed, "visa": order.visa_reference},
    )
    return order


@transaction.atomic
def order_reject(*, actor, order_id: int, reason: str) -> PaymentOrder:
    """Return the order to its preparer with the reason; its payable is free for a new order."""
    _require(actor, APPROVE, _("Only finance approvers reject payment orders."))
    if not (reason or "").strip():
        raise InvalidInput(
            _("Say why the payment order is rejected."), extra={"fields": {"reason": [_("Give the reason.")]}}
        )
    order = _locked_order(order_id)
    if order.status not in (OrderStatus.PREPARED, OrderStatus.APPROVED):
        raise TransitionNotAllowed(_("This payment order can no longer be rejected."))
    before = order.status
    order.status = OrderStatus.REJECTED
    order.rejected_by, order.rejected_at, order.rejection_reason = actor, timezone.now(), reason.strip()
    order.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
    audit_record(
        obj=order, actor=actor, action="rejected", from_state=before, to_state=order.status, changes={"reason": reason}
    )
    notify(
        recipient=order.prepared_by,
        key=f"finance:order_rejected:{order.pk}",
        template="payment_order_rejected",
        context={"order": order, "reason": order.rejection_reason, "rejected_by": actor.get_full_name() or actor.email},
        url=reverse("staff:finance:orders:detail", args=[order.pk]),
    )
    return order


# Batches -------------------------------------------------------------------------------------------------------


def batch_xml(batch: PaymentBatch, orders: Iterable[PaymentOrder] | None = None) -> bytes:
    """The batch's pain.001 file from its rows (orders by id): the same rows always give the same bytes."""
    rows = sorted(orders if orders is not None else batch.orders.all(), key=lambda order: order.pk)
    account = batch.debtor_account
    return build_pain001(
        scheme=batch.scheme,
        reference=batch.reference,
        created_at=timezone.localtime(batch.created_at).replace(tzinfo=None),
        execution_date=batch.execution_date,
        debtor=Debtor(name=account.holder, iban=account.iban, bic=account.bic),
        payments=[
            Payment(
                end_to_end_id=order.end_to_end_id,
                amount=order.amount,
                name=order.creditor_name,
                iban=order.creditor_iban,
                bic=order.creditor_bic,
                communication=order.communication,
                structured_communication=order.structured_communication,
            )
            for order in rows
        ],
    )


def _batch_input_problems(
    order_ids: list[int], scheme: str, execution_date: dt.date | None, account: TreasuryAccount | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not order_ids:
        errors["orders"] = [_("Choose the approved orders to put in the batch.")]
    if scheme not in BatchScheme.values:
        errors["scheme"] = [_("Choose pain.001.001.09, or pain.001.001.03 for a bank that asks for it.")]
    if execution_date is None or execution_date < timezone.localdate():
        errors["execution_date"] = [_("Give the requested execution date (today or later).")]
    if account is None:
        errors["account"] = [_("Choose the paying account.")]
    return errors


@transaction.atomic
def batch_create(
    *, actor, order_ids: Iterable[int], scheme: str, execution_date: dt.date | None, account_id: int | None
) -> PaymentBatch:
    """Put approved orders paid from one account into a batch and generate its validated pain.001 file."""
    _require(actor, BATCH, _("Only finance officers make payment batches."))
    ids = sorted({int(pk) for pk in order_ids})
    account = TreasuryAccount.objects.filter(pk=account_id).first() if account_id else None
    errors = _batch_input_problems(ids, scheme, execution_date, account)
    if errors:
        raise InvalidInput(_("The batch is not complete: nothing was made."), extra={"fields": errors})
    assert account is not None and execution_date is not None  # checked above
    # Locked in id order, so two batches built at the same moment never deadlock and never share an order.
    locked = PaymentOrder.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    orders = list(with_account_purpose(locked))
    if len(orders) != len(ids):
        raise InvalidInput(_("Some of these payment orders do not exist."), extra={"fields": {"orders": []}})
    taken = [o.end_to_end_id for o in orders if o.status != OrderStatus.APPROVED or o.batch_id is not None]
    if taken:
        raise TransitionNotAllowed(
            _("Only approved orders not yet in a batch can be batched: %(orders)s.") % {"orders": ", ".join(taken)}
        )
    elsewhere = [o.end_to_end_id for o in orders if o.account_purpose != account.purpose]  # type: ignore[attr-defined]
    if elsewhere:
        raise InvalidInput(
            _("A batch holds the orders of one paying account: %(orders)s are not paid from %(account)s.")
            % {"orders": ", ".join(elsewhere), "account": account},
            extra={"fields": {"orders": []}},
        )
    created_at = timezone.now().replace(microsecond=0)  # written into the file: stored to the second
    batch = PaymentBatch.objects.create(
        reference=uuid.uuid4().hex,  # replaced below, once the id is known
        scheme=scheme,
        debtor_account=account,
        execution_date=execution_date,
        created_at=created_at,
        created_by=actor,
        total=sum((o.amount for o in orders), ZERO),
        count=len(orders),
        xml=b"",
        sha256="",
    )
    batch.reference = f"BPL-SCT-{timezone.localtime(created_at).year}-{batch.pk:06d}"
    try:
        xml = batch_xml(batch, orders)
    except SepaFileInvalid as error:
        raise InvalidInput(
            _("The SEPA file does not pass the XSD check, so it was not stored: %(problem)s") % {"problem": error}
        ) from None
    batch.xml, batch.sha256 = xml, hashlib.sha256(xml).hexdigest()
    batch.save(update_fields=["reference", "xml", "sha256"])
    PaymentOrder.objects.filter(pk__in=ids).update(status=OrderStatus.BATCHED, batch=batch)
    audit_record(
        obj=batch,
        actor=actor,
        action="generated",
        changes={"orders": [o.end_to_end_id for o in orders], "total": str(batch.total), "sha256": batch.sha256},
    )
    for order in orders:
        audit_record(
            obj=order,
            actor=actor,
            action="batched",
            from_state=OrderStatus.APPROVED,
            to_state=OrderStatus.BATCHED,
            changes={"batch": batch.reference},
        )
    return batch


@transaction.atomic
def batch_download(*, actor, batch_id: int) -> PaymentBatch:
    """Hand out the stored file, after checking it is still the one validated; the first download time is kept."""
    _require(actor, BATCH, _("Only finance officers download payment files for the bank."))
    batch = PaymentBatch.objects.select_related("debtor_account").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No such payment batch."))
    xml = bytes(batch.xml)
    try:
        if hashlib.sha256(xml).hexdigest() != batch.sha256:
            raise SepaFileInvalid("SHA-256")
        validate(xml, batch.scheme)
    except SepaFileInvalid:
        raise TransitionNotAllowed(
            _("This file is not the one generated and validated: it cannot be downloaded.")
        ) from None
    now = timezone.now()
    # Conditional update: of two downloads at the same moment, the first time stays.
    if PaymentBatch.objects.filter(pk=batch.pk, downloaded_at__isnull=True).update(downloaded_at=now):
        batch.downloaded_at = now
    audit_record(obj=batch, actor=actor, action="downloaded", changes={"sha256": batch.sha256})
    return batch
