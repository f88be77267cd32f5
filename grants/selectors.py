"""Reads of calls and applications, scoped to what the person may see, with their joins applied."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import Membership
from core.roles import is_staff_member
from grants.models import (
    Application,
    ApplicationDocument,
    ApplicationSnapshot,
    AssignmentStatus,
    CallStatus,
    CallVersion,
    ReviewAssignment,
)


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
