"""People's own settings, and the staff roles the administration gives them."""

from functools import partial

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted
from core.models import Language, NotificationMode, User
from core.roles import StaffRole, is_staff_member
from core.services.audit import audit_record


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    if language not in Language.values:
        raise InvalidInput(_("This language is not available."), extra={"fields": {"language": [language]}})
    if user.preferred_language != language:
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        user.preferred_language = language
    return user


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    phone: str,
    preferred_language: str,
    notification_mode: str | None = None,
) -> User:
    """Save a person's own settings; an empty notification_mode leaves the current choice."""
    if preferred_language not in Language.values:
        raise InvalidInput(_("This language is not available."), extra={"fields": {"preferred_language": []}})
    if notification_mode and notification_mode not in NotificationMode.values:
        raise InvalidInput(_("Choose how notifications are e-mailed."), extra={"fields": {"notification_mode": []}})
    user = User.objects.select_for_update().get(pk=user.pk)
    leaves_digest = user.notification_mode == NotificationMode.DAILY_DIGEST and notification_mode == "immediate"
    user.first_name, user.last_name = first_name.strip()[:150], last_name.strip()[:150]
    user.phone, user.preferred_language = phone.strip()[:32], preferred_language
    user.notification_mode = notification_mode or user.notification_mode
    user.save(update_fields=["first_name", "last_name", "phone", "preferred_language", "notification_mode"])
    if leaves_digest:
        _send_pending_now(user)
    return user


def _send_pending_now(user: User) -> None:
    """Someone leaving the daily digest gets what was waiting for it now, not never."""
    from core.tasks import send_notification_email

    for notification_id in user.notifications.filter(emailed_at__isnull=True).values_list("pk", flat=True):
        transaction.on_commit(partial(send_notification_email.delay, notification_id=notification_id))


@transaction.atomic
def staff_roles_set(*, actor: User, user_id: int, roles: list[str]) -> User:
    if not (actor.is_superuser or (is_staff_member(actor) and actor.has_perm("core.change_user"))):
        raise NotPermitted(_("Only an administrator may give staff roles."))
    unknown = sorted(set(roles) - set(StaffRole.values))
    if unknown:
        raise InvalidInput(_("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)})
    user = User.objects.select_for_update().get(pk=user_id)
    before = sorted(user.groups.filter(name__in=StaffRole.values).values_list("name", flat=True))
    keep = list(user.groups.exclude(name__in=StaffRole.values))
    user.groups.set(keep + list(Group.objects.filter(name__in=roles)))
    user.is_staff = bool(roles) or user.is_superuser
    user.save(update_fields=["is_staff"])
    audit_record(obj=user, actor=actor, action="staff_roles_changed", changes={"roles": [before, sorted(roles)]})
    return user
