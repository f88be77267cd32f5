"""Reads of calls and applications, scoped to what the person may see, with their joins applied."""

from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.models import Membership
from core.roles import is_staff_member
from grants.models import (
    Application,
    ApplicationDocument,
    ApplicationSnapshot,
    AssignmentStatus,
    Award,
    AwardStatus,
    CallStatus,
    CallVersion,
    DecisionLetter,
    ExpenseLine,
    Justification,
    ReviewAssignment,
    Tranche,
    TrancheKind,
    TrancheStatus,
)
from grants.permissions import can_view_application

VISIBLE_AWARD = (AwardStatus.COMMITTED, AwardStatus.CLOSED)  # the organisation hears of an award once committed


def open_calls() -> list[CallVersion]:
    """Published versions taking applications now (the grace period, per call, is applied here: a handful of rows)."""
    now = timezone.now()
    published = (
        CallVersion.objects.filter(status=CallStatus.PUBLISHED, opens_at__lte=now)
        .select_related("call__programme", "budget_line")
        .order_by("closes_at")
    )
    return [version for version in published if version.is_open(now)]


def applications_of_user(user) -> QuerySet[Application]:
    organisations = Membership.objects.filter(user=user).values("organisation_id")
    return (
        Application.objects.filter(organisation_id__in=organisations)
        .select_related("call_version__call", "organisation")
        .order_by("-updated_at")
    )


def applications_for_staff(
    *, call_id: int | None = None, status: str = "", organisation_id: int | None = None
) -> QuerySet[Application]:
    """Every application, for staff allowed to see them (the caller checks), submitted ones first, newest first."""
    applications = Application.objects.select_related("call_version__call", "organisation")
    if call_id:
        applications = applications.filter(call_version__call_id=call_id)
    if status:
        applications = applications.filter(status=status)
    if organisation_id:
        applications = applications.filter(organisation_id=organisation_id)
    return applications.order_by(F("submitted_at").desc(nulls_last=True), "-created_at", "-pk")


def staff_may_see_applications(user) -> bool:
    return is_staff_member(user) and user.has_perm("grants.view_application")


def application_for_user(user, application_id: int) -> Application | None:
    """The application if the person may see it, else None (shown as not found): a member of its organisation, staff
    allowed to, or a reviewer who declared having no conflict with it. A reviewer who has not declared gets nothing."""
    queryset = Application.objects.select_related("call_version__call__programme", "organisation", "created_by")
    if not getattr(user, "is_authenticated", False):
        return None
    if not (is_staff_member(user) and user.has_perm("grants.view_application")):
        declared = ReviewAssignment.objects.filter(
            reviewer=user, status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.DONE]
        ).values("application_id")
        queryset = queryset.filter(Q(organisation__memberships__user=user) | Q(pk__in=declared)).distinct()
    return queryset.filter(pk=application_id).first()


def document_for_user(user, document_id: int) -> ApplicationDocument | None:
    document = ApplicationDocument.objects.select_related("application").filter(pk=document_id).first()
    if document is None or application_for_user(user, document.application_id) is None:
        return None
    return document


def snapshot_for_user(user, snapshot_id: int) -> ApplicationSnapshot | None:
    snapshot = ApplicationSnapshot.objects.select_related("application").filter(pk=snapshot_id).first()
    if snapshot is None or application_for_user(user, snapshot.application_id) is None:
        return None
    return snapshot


# After the decision: what the organisation's members and staff allowed to see applications may read. Reviewers, who
# see the application they reviewed, do not see the organisation's correspondence and money.


def may_see_award_of(user, application: Application | None) -> bool:
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    return can_view_application(user, application)[0]


def awards_for_user(user) -> QuerySet[Award]:
    """The committed (or closed) awards of the person's organisations; every one for staff who see applications."""
    awards = Award.objects.filter(status__in=VISIBLE_AWARD).select_related(
        "application__organisation", "application__call_version__call"
    )
    if not staff_may_see_applications(user):
        organisations = Membership.objects.filter(user=user).values("organisation_id")
        awards = awards.filter(application__organisation_id__in=organisations)
    return awards


def award_for_user(user, award_id: int) -> Award | None:
    award = (
        Award.objects.select_related("application__organisation", "application__call_version__call")
        .filter(pk=award_id, status__in=VISIBLE_AWARD)
        .first()
    )
    if award is None or not may_see_award_of(user, award.application):
        return None
    return award


def tranche_for_user(user, tranche_id: int) -> Tranche | None:
    tranche = Tranche.objects.select_related("award__application").filter(pk=tranche_id).first()
    if tranche is None or tranche.award.status not in VISIBLE_AWARD:
        return None
    return tranche if may_see_award_of(user, tranche.award.application) else None


def letter_for_user(user, letter_id: int) -> DecisionLetter | None:
    letter = DecisionLetter.objects.select_related("application").filter(pk=letter_id).first()
    if letter is None or not letter.file or not may_see_award_of(user, letter.application):
        return None
    return letter


def expense_line_for_user(user, line_id: int) -> ExpenseLine | None:
    line = ExpenseLine.objects.select_related("justification__award__application").filter(pk=line_id).first()
    if line is None or not may_see_award_of(user, line.justification.award.application):
        return None
    return line


def advance_to_claim(award: Award, tranches: list[Tranche]) -> Tranche | None:
    """The advance the organisation may claim next (what the pages offer; tranche_claim decides in the end)."""
    if award.status != AwardStatus.COMMITTED:
        return None
    return next((t for t in tranches if t.kind == TrancheKind.ADVANCE and t.status == TrancheStatus.PLANNED), None)


def justification_outcome(justification: Justification, tranches: list[Tranche]) -> dict[str, Decimal | None]:
    """After the check: what was accepted, what was advanced, and what the check made due (the balance) or to
    recover."""
    balance = next((t for t in tranches if t.kind == TrancheKind.BALANCE), None)
    made_due = (TrancheStatus.DUE, TrancheStatus.PAID)
    paying = balance is not None and balance.status in made_due
    advanced = [t.due_amount for t in tranches if t.kind == TrancheKind.ADVANCE and t.status in made_due]
    return {
        "accepted_total": justification.accepted_total or Decimal("0.00"),
        "advanced": sum((amount for amount in advanced if amount is not None), Decimal("0.00")),
        "balance_due": balance.due_amount if paying and balance else None,
        "to_recover": justification.to_recover if justification.to_recover else None,
    }
