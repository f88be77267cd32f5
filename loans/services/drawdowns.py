"""Drawdowns: the borrower asks with the invoices the money covers, an analyst approves (a payment request goes to
finance), finance records the bank's payment date, from which interest runs and the schedule is recomputed."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.money import format_eur, to_cents
from core.services.audit import audit_record
from core.uploads import store_checked
from finance.models import Payable
from finance.services.commitments import payable_create
from loans.models import Drawdown, DrawdownInvoice, DrawdownStatus, EntryKind, Loan, LoanStatus, ScheduleReason
from loans.permissions import can_analyse, can_sign_for
from loans.schedules import due_dates
from loans.services.ledger import entry_book, last_counted_date
from loans.services.schedules import schedule_recompute, terms_of

COUNTED = (DrawdownStatus.REQUESTED, DrawdownStatus.APPROVED, DrawdownStatus.PAID)


@dataclass(frozen=True)
class InvoiceIn:
    reference: str
    amount: str
    upload: UploadedFile


def drawdown_room(loan: Loan, drawdowns: list[Drawdown]) -> dict[str, Decimal | int]:
    """What was paid out of `drawdowns` (the loan's), and what is left to draw, in money and in number, under the
    limits a request is checked against."""
    counted = [d for d in drawdowns if d.status in COUNTED]
    return {
        "drawn": sum((d.amount for d in drawdowns if d.status == DrawdownStatus.PAID), Decimal("0.00")),
        "left_to_draw": loan.approved_amount - sum((d.amount for d in counted), Decimal("0.00")),
        "drawdowns_left": max(loan.max_drawdowns - len(counted), 0),
    }


def _locked_loan(loan_id: int) -> Loan:
    return Loan.objects.select_for_update().select_related("commitment").get(pk=loan_id)


def _limits_problem(loan: Loan, amount: Decimal, *, excluding: int | None = None) -> str | None:
    others = loan.drawdowns.filter(status__in=COUNTED)
    if excluding is not None:
        others = others.exclude(pk=excluding)
    if loan.status != LoanStatus.ACTIVE:
        return _("This loan is not active: no drawdown is possible.")
    if loan.last_drawdown_date and timezone.localdate() > loan.last_drawdown_date:
        return _("The last drawdown date (%(date)s) has passed.") % {
            "date": loan.last_drawdown_date.strftime("%d/%m/%Y")
        }
    if others.count() >= loan.max_drawdowns:
        return _("This loan allows %(count)s drawdown(s): none is left.") % {"count": loan.max_drawdowns}
    drawn = others.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if drawn + amount > loan.approved_amount:
        return _("%(amount)s is more than what is left to draw (%(left)s of %(granted)s).") % {
            "amount": format_eur(amount),
            "left": format_eur(loan.approved_amount - drawn),
            "granted": format_eur(loan.approved_amount),
        }
    return None


def _cents(raw: str, field: str) -> Decimal:
    try:
        amount = to_cents(str(raw).strip().replace(",", "."))
    except (TypeError, ValueError, InvalidOperation):
        amount = Decimal("0")
    if amount <= 0:
        raise InvalidInput(_("Give an amount above zero."), extra={"fields": {field: []}})
    return amount


@transaction.atomic
def drawdown_request(*, actor, loan_id: int, amount: str, invoices: list[InvoiceIn]) -> Drawdown:
    loan = _locked_loan(loan_id)
    allowed, reason = can_sign_for(actor, loan.borrower_id)
    if not allowed:
        raise NotPermitted(reason)
    amount_cents = _cents(amount, "amount")
    problem = _limits_problem(loan, amount_cents)
    if problem:
        raise InvalidInput(problem, extra={"fields": {"amount": []}})
    if not invoices:
        raise InvalidInput(_("Attach the invoices the drawdown covers."), extra={"fields": {"invoices": []}})
    amounts = [_cents(invoice.amount, "invoice_amount") for invoice in invoices]
    if any(not invoice.reference.strip() for invoice in invoices):
        raise InvalidInput(_("Give the reference of every invoice."), extra={"fields": {"invoice_reference": []}})
    if sum(amounts, Decimal("0")) < amount_cents:
        raise InvalidInput(
            _("The invoices (%(total)s) do not cover the drawdown asked (%(amount)s).")
            % {"total": format_eur(sum(amounts, Decimal("0"))), "amount": format_eur(amount_cents)},
            extra={"fields": {"amount": []}},
        )
    loan.last_drawdown_number += 1
    loan.save(update_fields=["last_drawdown_number"])
    drawdown = Drawdown.objects.create(
        loan=loan, number=loan.last_drawdown_number, amount=amount_cents, requested_by=actor
    )
    for invoice, invoice_amount in zip(invoices, amounts, strict=True):
        document = DrawdownInvoice(
            drawdown=drawdown, invoice_reference=invoice.reference.strip()[:100], invoice_amount=invoice_amount
        )
        store_checked(document, invoice.upload, actor=actor)
        document.save()
    audit_record(
        obj=loan,
        actor=actor,
        action="drawdown_requested",
        changes={"number": drawdown.number, "amount": str(amount_cents)},
    )
    return drawdown


def _locked_drawdown(actor, drawdown_id: int) -> tuple[Loan, Drawdown]:
    allowed, reason = can_analyse(actor)
    if not allowed:
        raise NotPermitted(reason)
    loan_id = Drawdown.objects.values_list("loan_id", flat=True).get(pk=drawdown_id)
    loan = _locked_loan(loan_id)  # parent first: Loan -> Drawdown
    drawdown = Drawdown.objects.select_for_update().get(pk=drawdown_id)
    if drawdown.status != DrawdownStatus.REQUESTED:
        raise TransitionNotAllowed(_("This drawdown was decided already."))
    return loan, drawdown


@transaction.atomic
def drawdown_approve(*, actor, drawdown_id: int) -> Drawdown:
    loan, drawdown = _locked_drawdown(actor, drawdown_id)
    problem = _limits_problem(loan, drawdown.amount, excluding=drawdown.pk)
    if problem:
        raise TransitionNotAllowed(problem)
    drawdown.payable = payable_create(
        commitment=loan.commitment,
        amount=drawdown.amount,
        reference=f"{loan.reference}-D{drawdown.number}",
        label=_("Drawdown %(number)s of loan %(loan)s") % {"number": drawdown.number, "loan": loan.reference},
        key=f"drawdown:{drawdown.pk}",
    )
    drawdown.status = DrawdownStatus.APPROVED
    drawdown.decided_by, drawdown.decided_at = actor, timezone.now()
    drawdown.save(update_fields=["payable", "status", "decided_by", "decided_at"])
    audit_record(obj=loan, actor=actor, action="drawdown_approved", changes={"number": drawdown.number})
    return drawdown


@transaction.atomic
def drawdown_reject(*, actor, drawdown_id: int, reason: str) -> Drawdown:
    loan, drawdown = _locked_drawdown(actor, drawdown_id)
    if not reason.strip():
        raise InvalidInput(_("Say why the drawdown is refused."), extra={"fields": {"reason": []}})
    drawdown.status = DrawdownStatus.REJECTED
    drawdown.refusal_reason = reason.strip()
    drawdown.decided_by, drawdown.decided_at = actor, timezone.now()
    drawdown.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    audit_record(
        obj=loan, actor=actor, action="drawdown_refused", changes={"number": drawdown.number, "reason": reason}
    )
    return drawdown


def _paid_on_problem(loan: Loan, paid_on: dt.date) -> str | None:
    if loan.start_date is None:
        return None
    last_due = due_dates(terms_of(loan))[-1]
    if paid_on < loan.start_date or paid_on >= last_due:
        return _("A drawdown paid on %(date)s falls outside the term of the loan.") % {
            "date": paid_on.strftime("%d/%m/%Y")
        }
    fell_due = loan.installments.filter(entries__kind=EntryKind.INTEREST_DUE).order_by("-due_date").first()
    counted = last_counted_date(loan)
    latest = max([d for d in (fell_due.due_date if fell_due else None, counted) if d], default=None)
    if latest and paid_on < latest:
        return _("A payment dated %(date)s would change instalments already due (up to %(latest)s).") % {
            "date": paid_on.strftime("%d/%m/%Y"),
            "latest": latest.strftime("%d/%m/%Y"),
        }
    return None


def drawdown_paid(payable: Payable, paid_on: dt.date, actor) -> None:
    """Finance's handler: the drawdown of this payable was paid; interest runs on it from `paid_on`."""
    drawdown_id = Drawdown.objects.filter(payable=payable).values_list("pk", flat=True).first()
    if drawdown_id is None:
        return
    loan = _locked_loan(Drawdown.objects.values_list("loan_id", flat=True).get(pk=drawdown_id))
    drawdown = Drawdown.objects.select_for_update().get(pk=drawdown_id)
    problem = _paid_on_problem(loan, paid_on)
    if problem:
        raise InvalidInput(problem, extra={"fields": {"paid_on": []}})
    drawdown.status, drawdown.paid_on = DrawdownStatus.PAID, paid_on
    drawdown.save(update_fields=["status", "paid_on"])
    if loan.start_date is None:
        loan.start_date = paid_on
        loan.save(update_fields=["start_date"])
    entry_book(
        loan=loan,
        kind=EntryKind.DRAWDOWN,
        event=f"drawdown:{drawdown.pk}",
        key=f"drawdown:{drawdown.pk}",
        value_date=paid_on,
        drawdown=drawdown,
        principal=drawdown.amount,
        actor=actor,
    )
    schedule_recompute(loan=loan, reason=ScheduleReason.DRAWDOWN, actor=actor)
    audit_record(obj=loan, actor=actor, action="drawdown_paid", changes={"number": drawdown.number, "on": str(paid_on)})
