"""Parsers with limits: JSON bodies over API_MAX_JSON_BYTES are refused before they are read into memory, and forms
over Django's field, file or size limits get the API's error body.

DRF reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not protect JSON bodies.
"""

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from api.errors import PayloadTooLarge


class LimitedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        too_large = PayloadTooLarge(_("The body is larger than %(limit)d bytes.") % {"limit": limit})
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and str(length).isdigit() and int(length) > limit:
            raise too_large
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise too_large
        return super().parse(io.BytesIO(body), media_type, parser_context)


def _refuse_limits(parse):
    """Django refuses too many fields or files, or too big a form, with a SuspiciousOperation, which would reach the
    caller as Django's HTML 400 page; the API answers its own error body instead."""

    def wrapper(self, stream, media_type=None, parser_context=None):
        try:
            return parse(self, stream, media_type, parser_context)
        except RequestDataTooBig:
            raise PayloadTooLarge(_("The body is larger than the server accepts.")) from None
        except (TooManyFieldsSent, TooManyFilesSent):
            raise ParseError(_("The form has more fields or files than the server accepts.")) from None

    return wrapper


class LimitedFormParser(parsers.FormParser):
    parse = _refuse_limits(parsers.FormParser.parse)


class LimitedMultiPartParser(parsers.MultiPartParser):
    parse = _refuse_limits(parsers.MultiPartParser.parse)
