"""Idempotency-Key for POSTs that submit, decide or create a money event.

The first successful answer is stored in the same transaction as the change it reports, so either both exist or
neither does. A retry with the same key and the same body gets that answer back and changes nothing; the same key
with another body or on another endpoint is refused (422). An answer that is an error is not stored: the failed
attempt changed nothing, so trying again is safe.
"""

import functools
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import IdempotencyConflict
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

# How an idempotent operation documents the header in the schema.
IDEMPOTENCY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description=gettext_lazy(
        "Send the same key to retry safely: the first answer is returned and nothing changes again."
    ),
)


def request_fingerprint(request: Request) -> str:
    data: Any = request.data
    if hasattr(data, "lists"):  # a form or multipart body
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, request: Request, fingerprint: str) -> Response:
    if record.method != request.method or record.path != request.path or record.request_hash != fingerprint:
        raise IdempotencyConflict(_("This Idempotency-Key was already used with a different request."))
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler):
    """Decorate an APIView's post(); requests without the header run as usual."""

    @functools.wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise ValidationError({HEADER: [_("Send a key of 1 to 255 printable characters.")]})
        fingerprint = request_fingerprint(request)
        existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if existing is not None:
            return _replay(existing, request, fingerprint)
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if response.status_code >= 400:
                    return response
                body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
                IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method or "",
                    path=request.path,
                    request_hash=fingerprint,
                    response_status=response.status_code,
                    response_body=body,
                )
        except IntegrityError:
            # A concurrent request with the same key committed first: ours rolled back whole, theirs is the answer.
            existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if existing is None:
                raise
            return _replay(existing, request, fingerprint)
        return response

    return wrapper
