"""Finance (staff only): what the API's finance modules share.

The endpoints mirror the Finance pages of the staff site (finance/urls_staff*.py) and call what those pages call:
api/finance_orders.py (payables, payment orders, batches), api/finance_bank.py (bank statements, matching,
reconciliation workbooks), api/finance_programmes.py (Paradigm transfers, We Pulse financing).

Who may call: the page's own check (core.views.access.require_staff_permission with the page's permission) for
staff; members of organisations get a 404, as for any staff object (they are not theirs to know about). The
actions then call the page's service, whose refusals (four eyes, a role that may read but not act) are 403s.
"""

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from api.permissions import TokenScopeAllows
from core.roles import is_staff_member
from core.views.access import require_staff_permission

ERROR = {"$ref": "#/components/schemas/Error"}


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ERROR, description=description)


NOT_FOUND = error("No such object; or you are not a staff member.")
CONFLICT = error("Not allowed in the object's current state.")
UNPROCESSABLE = error("This Idempotency-Key was already used with another request.")
UNSUPPORTED = error("The body's media type is not one this endpoint reads.")
MAX_ID = 2**63 - 1


def id_filter(field_name: str, **kwargs) -> django_filters.NumberFilter:
    """An object's id as a filter: a value out of any id's range is a 400, never a database overflow."""
    return django_filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID, **kwargs)


class FinanceStaff(permissions.BasePermission):
    """The staff page's permission check (the view's `page_permission`); anyone who is not staff gets a 404."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not is_staff_member(user):
            raise exceptions.NotFound(_("Not found."))
        require_staff_permission(user, view.page_permission)
        return True


STAFF_PERMISSIONS = [permissions.IsAuthenticated, FinanceStaff, TokenScopeAllows]


class FinanceView:
    """Mixin: the permission classes of every finance endpoint; set `page_permission` to the page's."""

    permission_classes: Any = STAFF_PERMISSIONS
    page_permission: Any = ""
