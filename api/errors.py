"""One error body for the whole API: {"message": ..., "extra": {...}}, in the caller's language.

Services raise core.errors; DRF raises its own exceptions; Django raises Http404 and PermissionDenied. All of them
end here. Field errors always sit under extra["fields"], as {field: [message, ...]}.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import ApplicationError, InvalidInput


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def _fields(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_messages(item) for item in detail]
    return str(detail)


def error_body(message: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"message": str(message), "extra": extra or {}}


def _translate(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers: dict[str, str] = {}
    if isinstance(exc, InvalidInput):
        # Services name the fields in extra["fields"]; an empty list means "the message is about this field".
        fields = {
            name: [str(m) for m in msgs] or [str(exc.message)] for name, msgs in exc.extra.get("fields", {}).items()
        }
        return exc.status_code, error_body(exc.message, {**exc.extra, "fields": fields}), headers
    if isinstance(exc, ApplicationError):
        return exc.status_code, error_body(exc.message, exc.extra), headers
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        return exc.status_code, error_body(_("The data sent is not valid."), {"fields": _fields(exc.detail)}), headers
    extra: dict[str, Any] = {}
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        headers["Retry-After"] = str(int(wait))
        extra["retry_after"] = int(wait)
    if isinstance(exc, exceptions.MethodNotAllowed | exceptions.NotAcceptable | exceptions.UnsupportedMediaType):
        extra["code"] = exc.default_code
    return exc.status_code, error_body(exc.detail, extra), headers


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER. Anything else (a bug) stays a 500 with Django's own page and log."""
    if not isinstance(exc, ApplicationError | Http404 | DjangoPermissionDenied | exceptions.APIException):
        return None
    code, body, headers = _translate(exc)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # DRF sets WWW-Authenticate (and so 401 rather than 403) on the exception; keep it.
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
    set_rollback()
    return Response(body, status=code, headers=headers)
