"""The checks every staff page starts with: a staff member holding the permission, or a permissions decision
(allowed, reason) that must pass. A refusal is a 403 with the reason in the reader's language."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from core.roles import is_staff_member


def require_staff_permission(user, perm: str) -> None:
    if not (is_staff_member(user) and user.has_perm(perm)):
        raise PermissionDenied(_("Your staff roles do not allow this page."))


def require_decision(decision: tuple[bool, str]) -> None:
    """A permissions check (allowed, reason) that must pass to see the page."""
    allowed, reason = decision
    if not allowed:
        raise PermissionDenied(reason)
