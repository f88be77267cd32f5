"""After the award: claims for advances, the justification (expense lines with proofs and a report), its check,
the balance due or the amount to recover; a tranche is paid when finance records its payable paid (tranche_paid)."""

import datetime as dt
from decimal import Decimal
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.money import to_cents
from core.roles import is_staff_member
from core.services.audit import audit_record
from core.uploads import check_upload
from finance.models import Payable
from finance.services.commitments import payable_create, receivable_create
from grants.models import (
    ApplicationStatus,
    Award,
    AwardStatus,
    ExpenseLine,
    Justification,
    JustificationStatus,
    LineStatus,
    Tranche,
    TrancheKind,
    TrancheStatus,
)
from grants.permissions import can_claim_advance, can_prepare_justification, can_submit_justification
from grants.schema import parse_decimal
from grants.signals import justification_submitted


def _locked_award(award_id: int) -> Award:
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("application__organisation", "commitment")
        .get(pk=award_id)
    )
    if award.status != AwardStatus.COMMITTED:
        raise TransitionNotAllowed(_("This grant is not committed yet, or is closed."))
    return award


def _commitment(award: Award):
    if award.commitment is None:  # a committed award always has one
        raise TransitionNotAllowed(_("This grant is not committed yet, or is closed."))
    return award.commitment


def _make_due(tranche: Tranche, amount: Decimal, label: str) -> None:
    payable = payable_create(
        commitment=_commitment(tranche.award),
        amount=amount,
        reference=tranche.award.application.reference,
        label=label,
        key=f"tranche:{tranche.pk}",
    )
    tranche.payable, tranche.due_amount, tranche.status = payable, amount, TrancheStatus.DUE


@transaction.atomic
def tranche_claim(*, actor, tranche_id: int) -> Tranche:
    """A signatory files the signed claim for an advance: the advance becomes due (handed to finance)."""
    award_id = Tranche.objects.values_list("award_id", flat=True).get(pk=tranche_id)
    award = _locked_award(award_id)
    allowed, reason = can_claim_advance(actor, award.application.organisation_id)
    if not allowed:
        raise NotPermitted(reason)
    tranche = Tranche.objects.select_for_update().get(pk=tranche_id)
    if tranche.kind != TrancheKind.ADVANCE or tranche.status != TrancheStatus.PLANNED:
        raise TransitionNotAllowed(_("This tranche cannot be claimed."))
    if award.tranches.filter(
        number__lt=tranche.number, kind=TrancheKind.ADVANCE, status=TrancheStatus.PLANNED
    ).exists():
        raise TransitionNotAllowed(_("Claim the earlier advance first."))
    tranche.claimed_by, tranche.claimed_at = actor, timezone.now()
    _make_due(tranche, tranche.planned_amount, _("Advance %(number)s") % {"number": tranche.number})
    tranche.save()
    audit_record(
        obj=award.application,
        actor=actor,
        action="advance_claimed",
        changes={"tranche": tranche.number, "amount": str(tranche.planned_amount)},
    )
    return tranche


def _preparer(actor, award: Award) -> None:
    allowed, reason = can_prepare_justification(actor, award.application.organisation_id)
    if not allowed:
        raise NotPermitted(reason)


def _draft_justification(award: Award) -> Justification:
    justification, _created = Justification.objects.select_for_update().get_or_create(award=award)
    if justification.status != JustificationStatus.DRAFT:
        raise TransitionNotAllowed(_("The justification was submitted already."))
    return justification


@transaction.atomic
def expense_line_add(
    *, actor, award_id: int, invoice_reference: str, supplier: str, amount, paid_on, proof: UploadedFile | None
) -> ExpenseLine:
    award = _locked_award(award_id)
    _preparer(actor, award)
    justification = _draft_justification(award)
    errors: dict[str, list[str]] = {}
    if not invoice_reference.strip():
        errors["invoice_reference"] = [_("Give the invoice's reference.")]
    if not supplier.strip():
        errors["supplier"] = [_("Give the supplier.")]
    try:
        value = to_cents(parse_decimal(amount))
        if value <= 0:
            raise ValueError
    except (ValueError, TypeError):
        errors["amount"] = [_("Enter an amount above zero, e.g. 1.234,56.")]
    if paid_on is None or paid_on > timezone.localdate():
        errors["paid_on"] = [_("Give the payment date (not in the future).")]
    if proof is None:
        errors["proof"] = [_("Attach the proof of payment: a line without proof cannot be accepted.")]
    if errors:
        raise InvalidInput(_("The expense line is not complete: nothing was saved."), extra={"fields": errors})
    assert proof is not None  # refused above
    checked = check_upload(proof)
    line = ExpenseLine(
        justification=justification,
        invoice_reference=invoice_reference.strip()[:100],
        supplier=supplier.strip()[:200],
        amount=value,
        paid_on=paid_on,
        proof_name=checked.safe_name,
        proof_sha256=checked.sha256,
    )
    line.proof.save(checked.storage_name, proof, save=False)
    line.save()
    audit_record(
        obj=award.application,
        actor=actor,
        action="expense_added",
        changes={"invoice": line.invoice_reference, "amount": str(value)},
    )
    return line


@transaction.atomic
def expense_line_remove(*, actor, line_id: int) -> None:
    line = ExpenseLine.objects.select_related("justification__award").get(pk=line_id)
    award = _locked_award(line.justification.award_id)
    _preparer(actor, award)
    _draft_justification(award)
    line.delete()


@transaction.atomic
def justification_report_set(*, actor, award_id: int, upload: UploadedFile) -> Justification:
    award = _locked_award(award_id)
    _preparer(actor, award)
    justification = _draft_justification(award)
    checked = check_upload(upload)
    justification.report.save(checked.storage_name, upload, save=False)
    justification.report_name, justification.report_sha256 = checked.safe_name, checked.sha256
    justification.save()
    return justification


@transaction.atomic
def justification_submit(*, actor, award_id: int) -> Justification:
    award = _locked_award(award_id)
    allowed, reason = can_submit_justification(actor, award.application.organisation_id)
    if not allowed:
        raise NotPermitted(reason)
    justification = _draft_justification(award)
    missing = []
    if not justification.lines.exists():
        missing.append(_("at least one expense line"))
    if not justification.report:
        missing.append(_("the activity report"))
    if missing:
        raise InvalidInput(_("The justification is missing: %(items)s.") % {"items": ", ".join(map(str, missing))})
    justification.status = JustificationStatus.SUBMITTED
    justification.submitted_at, justification.submitted_by = timezone.now(), actor
    justification.save()
    audit_record(obj=award.application, actor=actor, action="justification_submitted")
    transaction.on_commit(partial(justification_submitted.send, sender=Award, award_id=award.pk))
    return justification


def can_check_justification(user) -> tuple[bool, str]:
    if is_staff_member(user) and user.has_perm("grants.check_justification"):
        return True, ""
    return False, _("Only the officers in charge check justifications.")


@transaction.atomic
def justification_check(*, actor, award_id: int, decisions: dict[int, dict]) -> Justification:
    """Accept or reject each line (a rejection needs its reason). The accepted total caps the balance; below what was
    advanced, the difference is to be recovered."""
    allowed, reason = can_check_justification(actor)
    if not allowed:
        raise NotPermitted(reason)
    award = _locked_award(award_id)
    justification = Justification.objects.select_for_update().get(award=award)
    if justification.status != JustificationStatus.SUBMITTED:
        raise TransitionNotAllowed(_("This justification is not waiting for a check."))
    lines = list(justification.lines.select_for_update())
    errors: dict[str, list[str]] = {
        f"line_{pk}": [_("This line is not in the justification.")]
        for pk in set(decisions) - {line.pk for line in lines}
    }
    for line in lines:
        decision = decisions.get(line.pk) or {}
        if decision.get("status") not in (LineStatus.ACCEPTED, LineStatus.REJECTED):
            errors[f"line_{line.pk}"] = [_("Accept or reject this line.")]
        elif decision["status"] == LineStatus.REJECTED and not str(decision.get("reason", "")).strip():
            errors[f"reason_{line.pk}"] = [_("Give the reason for rejecting this line.")]
    if errors:
        raise InvalidInput(_("Decide on every line: nothing was saved."), extra={"fields": errors})
    for line in lines:
        line.status = decisions[line.pk]["status"]
        line.reason = str(decisions[line.pk].get("reason", "")).strip()[:2000]
        line.save(update_fields=["status", "reason"])
    accepted = sum((line.amount for line in lines if line.status == LineStatus.ACCEPTED), Decimal("0.00"))
    advanced = award.tranches.filter(
        kind=TrancheKind.ADVANCE, status__in=[TrancheStatus.DUE, TrancheStatus.PAID]
    ).aggregate(total=Sum("due_amount"))["total"] or Decimal("0.00")
    balance = min(accepted, award.amount) - advanced
    last = award.tranches.select_for_update().get(kind=TrancheKind.BALANCE)
    justification.accepted_total = accepted
    justification.to_recover = -balance if balance < 0 else Decimal("0.00")
    if balance > 0:
        _make_due(last, balance, _("Balance"))
    else:
        last.status = TrancheStatus.CANCELLED
    last.save()
    for planned in award.tranches.filter(kind=TrancheKind.ADVANCE, status=TrancheStatus.PLANNED):
        planned.status = TrancheStatus.CANCELLED  # advances never claimed are not paid any more
        planned.save(update_fields=["status"])
    if balance < 0:
        receivable_create(
            commitment=_commitment(award),
            amount=-balance,
            reference=award.application.reference,
            label=_("Advance not justified"),
            key=f"recovery:{award.pk}",
        )
    justification.status, justification.checked_by, justification.checked_at = (
        JustificationStatus.CHECKED,
        actor,
        timezone.now(),
    )
    justification.save()
    award.status = AwardStatus.CLOSED
    award.save(update_fields=["status"])
    application = award.application
    application.status = ApplicationStatus.CLOSED
    application.save(update_fields=["status", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="justification_checked",
        to_state=application.status,
        changes={"accepted": str(accepted), "advanced": str(advanced), "balance": str(balance)},
    )
    return justification


def tranche_paid(payable: Payable, paid_on: dt.date, actor) -> None:
    """Finance's handler: the payable of a tranche was paid by the bank on `paid_on`; the tranche is paid. The bank
    date stays on the payable (tranche.payable.paid_on); the audit trail of the application records it too."""
    award_id = Tranche.objects.filter(payable=payable).values_list("award_id", flat=True).first()
    if award_id is None:
        return  # not a tranche's payable (a loan's drawdown, ...)
    # Parent first (award, then tranche). No status check on the award: a balance is paid after the grant closed.
    award = Award.objects.select_for_update(of=("self",)).select_related("application").get(pk=award_id)
    tranche = Tranche.objects.select_for_update().get(payable=payable)
    if tranche.status == TrancheStatus.PAID:
        return
    if tranche.status != TrancheStatus.DUE:
        raise TransitionNotAllowed(_("This tranche is not waiting to be paid."))
    tranche.status = TrancheStatus.PAID
    tranche.save(update_fields=["status"])
    audit_record(
        obj=award.application,
        actor=actor,
        action="tranche_paid",
        changes={"tranche": tranche.number, "amount": str(tranche.due_amount), "on": str(paid_on)},
    )
