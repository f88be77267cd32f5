"""Writing the audit trail. Called by services inside their transaction, never on its own."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.forms.models import model_to_dict

from core.models import AuditRecord


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal | dt.date | dt.datetime | dt.time):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The audited fields of an object, JSON-safe, for a before/after comparison."""
    data = model_to_dict(obj, fields=fields)
    return {key: _json_safe(value) for key, value in data.items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def audit_record(
    *,
    obj: models.Model,
    actor,
    action: str,
    from_state: str = "",
    to_state: str = "",
    changes: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> AuditRecord:
    # The record must commit or roll back with the change it describes.
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record() must be called inside the transaction of the change it records")
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditRecord.objects.create(
        actor=actor_obj,
        actor_label=(actor_obj.email if actor_obj else "system")[:254],
        content_type=ContentType.objects.get_for_model(obj.__class__),
        object_id=str(obj.pk),
        object_label=str(obj)[:254],
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes={key: _json_safe(value) for key, value in (changes or {}).items()},
        remote_addr=remote_addr,
    )
