"""What changed between two submissions of an application, field by field, for staff to read side by side."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

from grants.models import ApplicationSnapshot
from grants.schema import fields_of


@dataclass(frozen=True)
class Change:
    label: str
    before: Any
    after: Any


def _label(field: dict) -> str:
    label = field.get("label") or {}
    return str(label.get("nl" if (get_language() or "").startswith("nl") else "fr", field["key"]))


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(
            f"{line.get('label', '')}: {line.get('amount', '')}" for line in value if isinstance(line, dict)
        )
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return "" if value is None else str(value)


def snapshot_diff(before: ApplicationSnapshot, after: ApplicationSnapshot) -> list[Change]:
    schema = after.application.call_version.form_schema
    changes = [
        Change(_label(field), _shown(before.answers.get(field["key"])), _shown(after.answers.get(field["key"])))
        for field in fields_of(schema)
        if field["type"] != "file" and before.answers.get(field["key"]) != after.answers.get(field["key"])
    ]
    old_files = {item["document"]: item for item in before.files}
    new_files = {item["document"]: item for item in after.files}
    for code in sorted(set(old_files) | set(new_files)):
        old, new = old_files.get(code), new_files.get(code)
        if (old or {}).get("sha256") != (new or {}).get("sha256"):
            changes.append(Change(code, (old or {}).get("name", ""), (new or {}).get("name", "")))
    return changes
