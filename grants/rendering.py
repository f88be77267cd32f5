"""A call's form schema turned into what a template renders, in the reader's language (templates/grants/_form.html).

Values are shown as an applicant types them, and as grants.schema.parse_decimal reads them back: amounts with a
decimal comma and no thousands separator (1234,56), dates as ISO (what <input type="date"> sends), yes/no as "yes" /
"no". A value that is not in the stored form (what was typed, re-shown next to its error) is shown unchanged.
"""

import json
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language

from core.money import format_eur, to_decimal
from grants.display import text
from grants.schema import visible

_STORED_MONEY = re.compile(r"^-?\d+\.\d{2}$")
_STORED_NUMBER = re.compile(r"^-?\d+\.\d+$")


def input_value(kind: str, value: Any) -> str:
    """A stored answer as it is shown in an input (the reverse of parse_decimal for amounts and numbers)."""
    if value is None:
        return ""
    if kind == "yes_no":
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return str(value)
    shown = str(value)
    if kind == "money" and _STORED_MONEY.match(shown):
        return shown.replace(".", ",")
    if kind == "number" and _STORED_NUMBER.match(shown):
        # A stored "12.500" is twelve and a half; parse_decimal would read "12.500" as twelve thousand five hundred.
        return shown.replace(".", ",")
    return shown


def format_rate(rate: Decimal | str | None) -> str:
    """0.200000 -> "20,00 %" (the decimal comma of amounts, in every language)."""
    if rate in (None, ""):
        return ""
    percent = (to_decimal(rate) * 100).quantize(Decimal("0.01"))
    return f"{percent:.2f}".replace(".", ",") + " %"


def totals_display(totals: dict[str, Any]) -> dict[str, str]:
    """The computed totals as shown: total cost and amount requested in EUR, the co-financing rate in percent;
    "—" for what cannot be computed yet."""
    return {
        "total_cost": format_eur(totals.get("total_cost")) or "—",
        "amount_requested": format_eur(totals.get("amount_requested")) or "—",
        "cofinancing_rate": format_rate(totals.get("cofinancing_rate")) or "—",
    }


def content_language() -> str:
    """The language of the call's own texts as shown to this reader (French for English readers)."""
    return "nl" if (get_language() or "").startswith("nl") else "fr"


def _condition(item: dict) -> dict | None:
    condition = item.get("show_if")
    if not isinstance(condition, dict):
        return None
    wanted = condition["in"] if "in" in condition else [condition.get("equals")]
    return {"field": condition.get("field"), "values": [input_value("yes_no", value) for value in wanted]}


def _lines(key: str, value: Any, errors: dict) -> list[dict]:
    if not isinstance(value, list):
        return []
    lines = []
    for index, line in enumerate(value):
        line = line if isinstance(line, dict) else {}
        lines.append(
            {
                "index": index,
                "label": str(line.get("label", "")),
                "amount": input_value("money", line.get("amount", "")),
                "errors": {
                    "label": list(errors.get(f"{key}.{index}.label", [])),
                    "amount": list(errors.get(f"{key}.{index}.amount", [])),
                },
            }
        )
    return lines


def _field(field: dict, answers: dict, errors: dict, documents: dict) -> dict:
    key, kind = field["key"], field["type"]
    value = answers.get(key)
    condition = _condition(field)
    code = field.get("document") if kind == "file" else None
    lines = _lines(key, value, errors) if kind == "budget_table" else []
    return {
        "key": key,
        "id": f"field-{key}",
        "lang": content_language(),
        "type": kind,
        "label": text(field.get("label")),
        "help": text(field.get("help")),
        "required": bool(field.get("required")),
        "value": "" if kind in ("budget_table", "file") else input_value(kind, value),
        "choices": [(str(choice["value"]), text(choice.get("label"))) for choice in field.get("choices", [])],
        "lines": lines,
        "next_index": len(lines),
        "errors": [str(message) for message in errors.get(key, [])],
        "document": code,
        "current_file": documents.get(code) if code else None,
        "max_length": field.get("max_length"),
        "min": field.get("min"),
        "max": field.get("max"),
        "role": field.get("role"),
        "visible": visible(field, answers),
        "show_if": field.get("show_if"),
        "condition": json.dumps(condition) if condition else "",
    }


def form_sections(
    schema: dict, answers: dict, *, errors: dict | None = None, documents: dict | None = None
) -> list[dict]:
    """The sections and fields of the form with their labels in the current language, values, errors and files.

    `errors` maps field keys (and "costs.2.amount" for a budget line) to messages, as clean_answers returns them;
    `documents` maps a document code to its current ApplicationDocument (services.applications.documents_present).
    Hidden sections and fields are included with "visible": False, so that a page can show them live.
    """
    errors = errors or {}
    documents = documents or {}
    sections = []
    for section in schema.get("sections", []):
        condition = _condition(section)
        sections.append(
            {
                "key": section["key"],
                "id": f"section-{section['key']}",
                "lang": content_language(),
                "title": text(section.get("title")),
                "visible": visible(section, answers),
                "show_if": section.get("show_if"),
                "condition": json.dumps(condition) if condition else "",
                "fields": [_field(field, answers, errors, documents) for field in section.get("fields", [])],
            }
        )
    return sections
