"""The administration's staff roles, as Django groups carrying permissions.

A role is a group named by its code (`call_manager`, ...). Each app declares the permissions its roles get with
`grant_role_permissions` in its AppConfig.ready(); after every migrate `sync_staff_groups` makes the groups match,
so the declarations here are the single source of truth (an extra permission added by hand is removed).
"""

from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    CALL_MANAGER = "call_manager", _("Call manager")
    ELIGIBILITY_OFFICER = "eligibility_officer", _("Eligibility officer")
    REVIEWER = "reviewer", _("Reviewer")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    COMMITTEE_SECRETARY = "committee_secretary", _("Committee secretary")
    LOAN_ANALYST = "loan_analyst", _("Loan analyst")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    FINANCE_APPROVER = "finance_approver", _("Finance approver")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


_ROLE_PERMISSIONS: dict[str, set[str]] = defaultdict(set)


def grant_role_permissions(roles: Iterable[str], permissions: Iterable[str]) -> None:
    """Declare that each of `roles` holds each of `permissions` ("app_label.codename")."""
    for role in roles:
        if role not in StaffRole.values:
            raise ValueError(f"unknown staff role {role!r}")
        _ROLE_PERMISSIONS[role].update(permissions)


def role_permissions() -> dict[str, frozenset[str]]:
    return {role: frozenset(_ROLE_PERMISSIONS.get(role, ())) for role in StaffRole.values}


ALL_ROLES = list(StaffRole.values)

# Every staff member sees organisations and the audit trail of what they can see.
grant_role_permissions(ALL_ROLES, ["core.view_organisation", "core.view_membership", "core.view_auditrecord"])
grant_role_permissions(
    [StaffRole.ADMINISTRATOR],
    [
        "core.add_organisation",
        "core.change_organisation",
        "core.manage_members",
        "core.view_bankaccount",
        "core.add_bankaccount",
        "core.change_bankaccount",
        "core.view_user",
        "core.change_user",
    ],
)
grant_role_permissions(
    [StaffRole.FINANCE_OFFICER, StaffRole.FINANCE_APPROVER, StaffRole.AUDITOR],
    ["core.view_bankaccount"],
)


def sync_staff_groups(sender=None, *, apps=global_apps, using: str = "default", verbosity: int = 0, **kwargs) -> None:
    """Create or update one group per staff role with exactly its declared permissions. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    if not global_apps.ready:
        return
    # Permissions of every app must exist before they are attached (post_migrate runs app by app).
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)

    for role, codes in role_permissions().items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        wanted = []
        for code in sorted(codes):
            app_label, codename = code.split(".", 1)
            try:
                wanted.append(Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename))
            except Permission.DoesNotExist:
                raise LookupError(f"role {role} declares unknown permission {code}") from None
        group.permissions.set(wanted)


def staff_roles_of(user) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [name for name in user.groups.values_list("name", flat=True) if name in StaffRole.values]


def is_staff_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)
