"""Awards: approvals above thresholds, the commitment on the call's envelope (before anyone is told), tranches."""

from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.money import to_cents
from core.roles import is_staff_member
from core.services.audit import audit_record
from finance.services.commitments import commitment_create, envelope_ensure
from grants.models import (
    ApplicationStatus,
    ApprovalLevel,
    Award,
    AwardApproval,
    AwardStatus,
    SessionItem,
    Tranche,
    TrancheKind,
)
from grants.signals import award_committed


def envelope_code(call) -> str:
    return f"call-{call.code}"


def required_levels(amount: Decimal) -> list[ApprovalLevel]:
    return list(ApprovalLevel.objects.filter(threshold__lt=amount).order_by("position", "threshold"))


def missing_levels(award: Award) -> list[ApprovalLevel]:
    given = set(award.approvals.filter(voided_at__isnull=True).values_list("level_id", flat=True))
    return [level for level in required_levels(award.amount) if level.pk not in given]


def can_record_approvals(user) -> tuple[bool, str]:
    if is_staff_member(user) and user.has_perm("grants.add_awardapproval"):
        return True, ""
    return False, _("Only call managers record approvals.")


def award_create(*, item: SessionItem, actor) -> Award:
    """Called when a session closes, inside its transaction: the committee's approval becomes an award."""
    application = item.application
    assert application is not None  # called for the grant items of a session
    if item.decided_amount is None:  # item_decide always sets it on an approval
        raise TransitionNotAllowed(_("An approval without an amount cannot become an award."))
    award = Award.objects.create(
        application=application,
        session_item=item,
        amount=item.decided_amount,
        conditions=item.conditions,
        status=AwardStatus.AWAITING_APPROVALS,
    )
    audit_record(obj=application, actor=actor, action="award_decided", changes={"amount": str(award.amount)})
    if not missing_levels(award):
        award_commit(award=award, actor=actor)
    return award


def _tranches(award: Award) -> None:
    plan = [Decimal(str(share)) for share in award.application.call_version.tranche_plan] or [Decimal("100")]
    amounts = [to_cents(award.amount * share / 100) for share in plan[:-1]]
    amounts.append(award.amount - sum(amounts, Decimal("0.00")))  # the last tranche takes the rounding rest
    for number, (share, amount) in enumerate(zip(plan, amounts, strict=True), start=1):
        kind = TrancheKind.BALANCE if number == len(plan) else TrancheKind.ADVANCE
        Tranche.objects.create(award=award, number=number, kind=kind, share=share, planned_amount=amount)


def award_commit(*, award: Award, actor) -> Award:
    """Commit the award on the envelope (refused if it would exceed it), create its tranches, and only then let the
    organisation hear about it (after commit: the letter)."""
    version = award.application.call_version
    envelope = envelope_ensure(
        code=envelope_code(version.call),
        label=version.title_fr,
        budget_line=version.budget_line,
        amount=version.envelope,
    )
    commitment = commitment_create(
        envelope_id=envelope.pk,
        beneficiary=award.application.organisation,
        amount=award.amount,
        reference=award.application.reference,
        key=f"award:{award.pk}",
        actor=actor,
    )
    award.commitment = commitment
    award.status = AwardStatus.COMMITTED
    award.save(update_fields=["commitment", "status"])
    _tranches(award)
    application = award.application
    application.status = ApplicationStatus.AWARDED
    application.save(update_fields=["status", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="award_committed",
        to_state=application.status,
        changes={"commitment": commitment.pk},
    )
    transaction.on_commit(partial(award_committed.send, sender=Award, award_id=award.pk))
    return award


@transaction.atomic
def approval_record(*, actor, award_id: int, level_id: int, given_on, reference: str = "") -> AwardApproval:
    allowed, reason = can_record_approvals(actor)
    if not allowed:
        raise NotPermitted(reason)
    award = (
        Award.objects.select_for_update(of=("self",)).select_related("application__call_version__call").get(pk=award_id)
    )
    if award.status != AwardStatus.AWAITING_APPROVALS:
        raise TransitionNotAllowed(_("This award does not wait for approvals."))
    level = next((level for level in missing_levels(award) if level.pk == level_id), None)
    if level is None:
        raise InvalidInput(_("This approval is not needed, or was recorded already."), extra={"fields": {"level": []}})
    if level.requires_reference and not reference.strip():
        raise InvalidInput(
            _("Give the reference of this approval (e.g. the decision's number)."), extra={"fields": {"reference": []}}
        )
    if given_on is None or given_on > timezone.localdate():
        raise InvalidInput(_("Give the date of the approval (not in the future)."), extra={"fields": {"given_on": []}})
    approval = AwardApproval.objects.create(
        award=award, level=level, reference=reference.strip()[:100], given_on=given_on, recorded_by=actor
    )
    audit_record(
        obj=award.application,
        actor=actor,
        action="approval_recorded",
        changes={"level": level.code, "reference": approval.reference},
    )
    if not missing_levels(award):
        award_commit(award=award, actor=actor)
    return approval


@transaction.atomic
def award_send_back(*, actor, award_id: int, reason: str) -> Award:
    """Send an award back for changes: every approval given so far is void and must be given again."""
    allowed, why = can_record_approvals(actor)
    if not allowed:
        raise NotPermitted(why)
    award = Award.objects.select_for_update().get(pk=award_id)
    if award.status != AwardStatus.AWAITING_APPROVALS:
        raise TransitionNotAllowed(_("Only an award waiting for approvals can be sent back."))
    if not reason.strip():
        raise InvalidInput(_("Say what must change."), extra={"fields": {"reason": []}})
    voided = award.approvals.filter(voided_at__isnull=True).update(voided_at=timezone.now())
    award.status = AwardStatus.SENT_BACK
    award.save(update_fields=["status"])
    audit_record(
        obj=award.application,
        actor=actor,
        action="award_sent_back",
        changes={"reason": reason.strip(), "approvals_voided": voided},
    )
    return award


@transaction.atomic
def award_amend(*, actor, award_id: int, amount: Decimal, conditions: str) -> Award:
    allowed, why = can_record_approvals(actor)
    if not allowed:
        raise NotPermitted(why)
    award = Award.objects.select_for_update(of=("self",)).select_related("application").get(pk=award_id)
    if award.status != AwardStatus.SENT_BACK:
        raise TransitionNotAllowed(_("Only an award sent back can be changed."))
    amount = to_cents(amount)
    if not Decimal("0") < amount <= (award.application.amount_requested or Decimal("0")):
        raise InvalidInput(
            _("The amount must be above zero and at most the amount requested."), extra={"fields": {"amount": []}}
        )
    before = str(award.amount)
    award.amount, award.conditions, award.status = amount, conditions.strip(), AwardStatus.AWAITING_APPROVALS
    award.save(update_fields=["amount", "conditions", "status"])
    audit_record(obj=award.application, actor=actor, action="award_amended", changes={"amount": [before, str(amount)]})
    if not missing_levels(award):
        award_commit(award=award, actor=actor)
    return award
