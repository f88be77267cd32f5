"""What calls and loan products share: a published version is identified by the hash of what it says, and pins the
process version its cases run on (the process layer registers how, at start-up; domain apps never import it)."""

import hashlib
import json
from collections.abc import Callable, Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from core.errors import TransitionNotAllowed

_pinner: Callable[[str], str] | None = None


def register_process_pinner(pinner: Callable[[str], str]) -> None:
    global _pinner
    _pinner = pinner


def process_pin(key: str) -> str:
    """The key@version something published now runs on (the newest current version of process `key`)."""
    if _pinner is None:
        raise TransitionNotAllowed(_("No process is available to run this call's applications."))
    return _pinner(key)


def content_hash(obj: models.Model, fields: Iterable[str]) -> str:
    """The SHA-256 of everything the version says, as published: what applicants answered."""
    data = model_to_dict(obj, fields=list(fields))
    canonical = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
