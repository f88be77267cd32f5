"""API-wide permission rules: what a token's scope allows, and who may create a token."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from api.models import ApiToken
from core.roles import is_staff_member


class TokenScopeAllows(permissions.BasePermission):
    """A read-only token can only read, whatever its owner could do with a read-write one."""

    message = _("This token is read-only.")

    def has_permission(self, request: Request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and not token.can_write:
            return request.method in permissions.SAFE_METHODS
        return True


def can_create_token(user, *, second_factor_verified: bool) -> tuple[bool, str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False, str(_("Sign in to create a token."))
    # A staff token acts with the staff member's rights without their second factor: so it needs one at creation.
    if is_staff_member(user) and not second_factor_verified:
        return False, str(_("Staff members must pass two-step sign-in before creating a token."))
    return True, ""
