"""Reads, scoped to what the user may see, with their joins already applied."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import get_language

from core.models import AuditRecord, Membership, Notification, NotificationMode, Organisation, User
from core.roles import is_staff_member


def organisations_of_user(user) -> QuerySet[Organisation]:
    """The organisations a person acts for, with their memberships, in one query plus one prefetch."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return (
        Organisation.objects.filter(memberships__user=user, is_active=True)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(user=user),
                to_attr="my_memberships",
            )
        )
        .order_by("kind", "name_fr")
    )


def organisation_for_user(user, code: str) -> Organisation | None:
    """One organisation by code, if the user may see it (member or staff), else None (shown as a 404)."""
    queryset = Organisation.objects.select_related("parent").prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("user").order_by("user__last_name", "user__email"),
            to_attr="prefetched_memberships",
        ),
        "bank_accounts",
    )
    if not (is_staff_member(user) and user.has_perm("core.view_organisation")):
        queryset = queryset.filter(memberships__user=user)
    return queryset.filter(code=code).first()


def organisations_for_staff(*, kind: str = "", search: str = "") -> QuerySet[Organisation]:
    """All organisations with their member count, sorted by their name in the reader's language."""
    name = "name_nl" if (get_language() or "").startswith("nl") else "name_fr"
    queryset = Organisation.objects.select_related("parent").annotate(member_count=Count("memberships"))
    if kind:
        queryset = queryset.filter(kind=kind)
    if search:
        queryset = queryset.filter(
            Q(name_fr__icontains=search) | Q(name_nl__icontains=search) | Q(kbo_number__contains=search)
        )
    return queryset.order_by("kind", name)


def audit_trail(obj) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.for_object(obj).select_related("actor", "content_type")


def notifications_of_user(user) -> QuerySet[Notification]:
    """A person's own notifications, newest first; nothing to join, the text is stored on each row."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_notification_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def users_awaiting_digest() -> list[int]:
    """The ids of active daily-digest readers with something not yet e-mailed."""
    return list(
        User.objects.filter(
            notification_mode=NotificationMode.DAILY_DIGEST, is_active=True, notifications__emailed_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
