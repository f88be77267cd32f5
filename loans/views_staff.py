"""What the loans staff pages share (loans/urls_staff.py mounts them; one module per subdomain: products,
applications, servicing, simulator, portfolio).

Views check the reader's rights, read the input, call one service and render; the rules are in loans.services."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied

from core.errors import ApplicationError, NotPermitted
from core.i18n import pick
from grants.forms_staff import StaffFormLayout

STAFF_PAGE_SIZE = 50
LAYOUT = StaffFormLayout()


def int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def label_of(item: Any) -> str:
    """The label of a coded item ({"code": ..., "label": {"fr": ..., "nl": ...}}) in the reader's language."""
    label = item.get("label") if isinstance(item, dict) else None
    if not isinstance(label, dict):
        return ""
    return pick(str(label.get("fr", "")), str(label.get("nl", "")))


def attempt(action: Callable[[], Any]) -> tuple[Any, ApplicationError | None]:
    """Run a service: its result, or the refusal to show on the page. A refusal of the actor's rights is a 403."""
    try:
        return action(), None
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        return None, error


def problems_of(error: ApplicationError) -> list[str]:
    """The itemised problems of a refusal (a publication, an import), else its field messages."""
    problems = error.extra.get("problems")
    if problems:
        return [str(problem) for problem in problems]
    fields = error.extra.get("fields") or {}
    return [str(message) for messages_ in fields.values() for message in messages_ or []]
