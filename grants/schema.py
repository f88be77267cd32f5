"""Application forms as data: one schema per call version, rendered in the portal and validated on the server.

    {"sections": [{"key": "project", "title": {"fr": "...", "nl": "..."}, "show_if": {"field": "k", "equals": true},
                   "fields": [{"key": "title", "type": "text", "label": {"fr": "...", "nl": "..."},
                               "help": {...}, "required": true, "max_length": 200}, ...]}]}

Types: text, long_text, number, money, date, choice (with "choices"), yes_no, file (with "document": a required
document's code), budget_table (cost lines; its total is computed here). A money field with "role":
"amount_requested" is the amount asked; the budget table with "role": "total_cost" gives the cost; the co-financing
rate follows. A section or field with "show_if" only counts when that answer has that value.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from core.money import to_cents, to_rate

FIELD_TYPES = {"text", "long_text", "number", "money", "date", "choice", "yes_no", "file", "budget_table"}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_BUDGET_LINES = 200
MAX_TEXT = 20_000


class SchemaError(ValueError):
    """The form schema itself is not valid (a call manager's mistake, caught at publication)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _label_problems(where: str, value: Any, name: str = "label") -> list[str]:
    if not isinstance(value, dict) or not str(value.get("fr", "")).strip() or not str(value.get("nl", "")).strip():
        return [_("%(where)s: the %(name)s needs a French and a Dutch text.") % {"where": where, "name": name}]
    return []


def fields_of(schema: dict) -> list[dict]:
    return [field for section in schema.get("sections", []) for field in section.get("fields", [])]


def validate_schema(schema: Any, *, document_codes: set[str]) -> None:
    """Raise SchemaError listing every problem, or return quietly."""
    problems: list[str] = []
    if not isinstance(schema, dict) or not isinstance(schema.get("sections"), list) or not schema["sections"]:
        raise SchemaError([_("The form needs at least one section.")])
    keys: set[str] = set()
    roles: dict[str, int] = {}
    conditions: list[tuple[str, str]] = []
    for index, section in enumerate(schema["sections"], start=1):
        where = _("section %(number)s") % {"number": index}
        if not isinstance(section, dict) or not KEY.match(str(section.get("key", ""))):
            problems.append(_("%(where)s: a key of lowercase letters, digits and _ is needed.") % {"where": where})
            continue
        problems += _label_problems(where, section.get("title"), _("title"))
        if "show_if" in section:
            conditions.append(
                (where, str(section["show_if"].get("field", "")) if isinstance(section["show_if"], dict) else "")
            )
        if not isinstance(section.get("fields"), list) or not section["fields"]:
            problems.append(_("%(where)s has no field.") % {"where": where})
            continue
        for field in section["fields"]:
            problems += _field_problems(field, keys, roles, conditions, document_codes)
    for where, target in conditions:
        if target not in keys:
            problems.append(
                _("%(where)s is shown depending on %(field)s, which is not a field of the form.")
                % {"where": where, "field": target or "?"}
            )
    if roles.get("amount_requested", 0) != 1:
        problems.append(_("Exactly one money field must have the role amount_requested."))
    if roles.get("total_cost", 0) > 1:
        problems.append(_("At most one budget table can have the role total_cost."))
    if problems:
        raise SchemaError(problems)


def _field_problems(field: Any, keys: set, roles: dict, conditions: list, document_codes: set[str]) -> list[str]:
    if not isinstance(field, dict) or not KEY.match(str(field.get("key", ""))):
        return [_("A field needs a key of lowercase letters, digits and _.")]
    key, kind = field["key"], field.get("type")
    where = _("field %(key)s") % {"key": key}
    problems = []
    if key in keys:
        problems.append(_("%(where)s is defined twice.") % {"where": where})
    keys.add(key)
    if kind not in FIELD_TYPES:
        problems.append(_("%(where)s: unknown type %(type)s.") % {"where": where, "type": kind})
    problems += _label_problems(where, field.get("label"))
    if "help" in field:
        problems += _label_problems(where, field["help"], _("help"))
    if kind == "choice":
        choices = field.get("choices")
        if not isinstance(choices, list) or not choices:
            problems.append(_("%(where)s: a choice needs its options.") % {"where": where})
        else:
            for choice in choices:
                if not isinstance(choice, dict) or not str(choice.get("value", "")):
                    problems.append(_("%(where)s: every option needs a value.") % {"where": where})
                else:
                    problems += _label_problems(where, choice.get("label"))
    if kind == "file" and field.get("document") not in document_codes:
        problems.append(_("%(where)s must name one of the call's required documents.") % {"where": where})
    if kind in ("number", "money", "date") and "min" in field and "max" in field:
        try:
            low, high = (_typed(kind, field["min"]), _typed(kind, field["max"]))
            if low > high:
                problems.append(_("%(where)s: the minimum is above the maximum.") % {"where": where})
        except (ValueError, TypeError):
            problems.append(_("%(where)s: the minimum or maximum is not a valid value.") % {"where": where})
    role = field.get("role")
    if (role == "amount_requested" and kind != "money") or (role == "total_cost" and kind != "budget_table"):
        problems.append(_("%(where)s: the role %(role)s does not fit this type.") % {"where": where, "role": role})
    elif role in ("amount_requested", "total_cost"):
        roles[role] = roles.get(role, 0) + 1
    elif role is not None:
        problems.append(_("%(where)s: unknown role %(role)s.") % {"where": where, "role": role})
    if "show_if" in field:
        condition = field["show_if"]
        conditions.append((where, str(condition.get("field", "")) if isinstance(condition, dict) else ""))
    return problems


def parse_decimal(raw: Any) -> Decimal:
    """Read an amount as Belgians write it: 1.234,56 or 1234,56 or 1234.56 (a dot before exactly three digits
    and no comma is a thousands separator)."""
    if isinstance(raw, bool | float):
        raise ValueError("not an exact number")
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace("EUR", "").replace("€", "")
    if not re.fullmatch(r"-?[0-9.,]+", text or "x"):
        raise ValueError(text)
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None


def _typed(kind: str, raw: Any) -> Any:
    if kind == "date":
        text = str(raw).strip()
        # ISO from date inputs and JSON; dd/mm/yyyy as people type it.
        return dt.datetime.strptime(text, "%d/%m/%Y").date() if "/" in text else dt.date.fromisoformat(text)
    if kind == "money":
        return to_cents(parse_decimal(raw))
    return parse_decimal(raw)


def visible(item: dict, answers: dict) -> bool:
    condition = item.get("show_if")
    if not condition:
        return True
    value = answers.get(condition.get("field"))
    if "in" in condition:
        return value in condition["in"]
    return value == condition.get("equals")


def _clean_value(field: dict, raw: Any) -> tuple[Any, str | None]:
    kind = field["type"]
    if kind in ("text", "long_text"):
        value = str(raw).strip()
        limit = min(int(field.get("max_length", MAX_TEXT)), MAX_TEXT)
        if len(value) > limit:
            return None, _("At most %(limit)s characters.") % {"limit": limit}
        return value, None
    if kind == "yes_no":
        if raw in (True, "true", "yes", "on", "1", 1):
            return True, None
        if raw in (False, "false", "no", "0", 0):
            return False, None
        return None, _("Answer yes or no.")
    if kind == "choice":
        values = [str(choice["value"]) for choice in field.get("choices", [])]
        return (str(raw), None) if str(raw) in values else (None, _("Choose one of the options."))
    try:
        value = _typed(kind, raw)
    except (ValueError, TypeError):
        messages = {"date": _("Enter a date as dd/mm/yyyy."), "money": _("Enter an amount, e.g. 1.234,56.")}
        return None, messages.get(kind, _("Enter a number."))
    if kind == "money" and value < 0:
        return None, _("An amount cannot be negative.")
    if "min" in field and value < _typed(kind, field["min"]):
        return None, _("The minimum is %(min)s.") % {"min": field["min"]}
    if "max" in field and value > _typed(kind, field["max"]):
        return None, _("The maximum is %(max)s.") % {"max": field["max"]}
    return (value.isoformat() if kind == "date" else str(value)), None


def _clean_budget(raw: Any, errors: dict[str, list[str]], key: str) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_BUDGET_LINES:
        errors.setdefault(key, []).append(_("The budget table is not valid."))
        return []
    lines = []
    for index, line in enumerate(raw):
        label = str((line or {}).get("label", "")).strip()[:200] if isinstance(line, dict) else ""
        amount_raw = line.get("amount", "") if isinstance(line, dict) else ""
        if not label and str(amount_raw).strip() == "":
            continue  # an empty line the applicant has not filled
        try:
            amount = to_cents(parse_decimal(amount_raw))
        except (ValueError, TypeError):
            errors.setdefault(f"{key}.{index}.amount", []).append(_("Enter an amount, e.g. 1.234,56."))
            continue
        if amount < 0:
            errors.setdefault(f"{key}.{index}.amount", []).append(_("An amount cannot be negative."))
            continue
        if not label:
            errors.setdefault(f"{key}.{index}.label", []).append(_("Describe the cost."))
        lines.append({"label": label, "amount": str(amount)})
    return lines


def clean_answers(schema: dict, raw: dict, *, complete: bool) -> tuple[dict, dict[str, list[str]]]:
    """Cleaned answers and errors per field. `complete` also requires required visible fields (submission);
    without it (autosave) only what was typed is checked, so a half-filled form can be saved."""
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field in fields_of(schema):
        key = field["key"]
        if field["type"] == "file" or key not in raw:
            continue
        value = raw[key]
        if field["type"] == "budget_table":
            answers[key] = _clean_budget(value, errors, key)
        elif value in (None, "") or (isinstance(value, str) and not value.strip()):
            answers[key] = ""
        else:
            cleaned, error = _clean_value(field, value)
            if error:
                errors.setdefault(key, []).append(error)
            else:
                answers[key] = cleaned
    if complete:
        for section in schema.get("sections", []):
            if not visible(section, answers):
                continue
            for field in section["fields"]:
                missing = answers.get(field["key"]) in (None, "", []) and field["key"] not in errors
                if field.get("required") and field["type"] != "file" and visible(field, answers) and missing:
                    errors.setdefault(field["key"], []).append(_("This answer is required."))
    return answers, errors


def totals(schema: dict, answers: dict) -> dict[str, Decimal | None]:
    """Total cost, amount requested and co-financing rate, computed here, never taken from the browser."""
    total = requested = None
    for field in fields_of(schema):
        if field.get("role") == "total_cost":
            lines = answers.get(field["key"]) or []
            total = sum((to_cents(line["amount"]) for line in lines), Decimal("0.00")) if lines else None
        elif field.get("role") == "amount_requested" and answers.get(field["key"]) not in (None, ""):
            requested = to_cents(answers[field["key"]])
    rate = None
    if total and requested is not None and total > 0:
        rate = to_rate((total - requested) / total) if requested <= total else to_rate(0)
    return {"total_cost": total, "amount_requested": requested, "cofinancing_rate": rate}


def visible_answers(schema: dict, answers: dict) -> dict:
    """Only the answers of visible sections and fields: what a submission freezes."""
    kept = {}
    for section in schema.get("sections", []):
        if not visible(section, answers):
            continue
        for field in section["fields"]:
            if visible(field, answers) and field["key"] in answers:
                kept[field["key"]] = answers[field["key"]]
    return kept
