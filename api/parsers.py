"""A JSON parser that refuses bodies over API_MAX_JSON_BYTES before reading them into memory.

DRF reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not protect JSON bodies.
"""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers

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
