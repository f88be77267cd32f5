"""Answers as a reader sees them: section titles and field labels in their language, values formatted."""

import datetime as dt
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.money import format_eur
from grants.schema import visible


def text(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value or "")
    return str(value.get("nl" if (get_language() or "").startswith("nl") else "fr", ""))


def shown(field: dict, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    kind = field["type"]
    if kind == "money":
        return format_eur(value)
    if kind == "yes_no":
        return _("yes") if value else _("no")
    if kind == "date":
        return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if kind == "choice":
        return next((text(c["label"]) for c in field.get("choices", []) if str(c["value"]) == str(value)), str(value))
    if kind == "budget_table":
        return "; ".join(f"{line['label']}: {format_eur(line['amount'])}" for line in value)
    return str(value)


def display_answers(schema: dict, answers: dict) -> list[dict]:
    sections = []
    for section in schema.get("sections", []):
        if not visible(section, answers):
            continue
        rows = [
            {"label": text(field["label"]), "value": shown(field, answers.get(field["key"]))}
            for field in section["fields"]
            if field["type"] != "file" and visible(field, answers)
        ]
        sections.append({"title": text(section["title"]), "rows": rows})
    return sections
