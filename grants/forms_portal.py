"""Reading what the portal's application form sends (a normal POST or the autosave JSON) into raw answers for
grants.services.applications.application_save, which validates them. Nothing here decides what is valid."""

import datetime as dt
import re
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from grants.schema import clean_answers, fields_of

_LINE = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)-(?P<index>\d{1,4})-(?P<part>label|amount)$")
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def _date(raw: Any) -> Any:
    """dd/mm/yyyy (typed where the browser has no date picker) as the ISO date the schema stores."""
    match = _DAY_FIRST.match(str(raw)) if isinstance(raw, str) else None
    if match is None:
        return raw
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return raw


def _lines(post: QueryDict, key: str, removed: str) -> list[dict[str, str]]:
    rows: dict[int, dict[str, str]] = {}
    for name in post:
        match = _LINE.match(name)
        if match and match["key"] == key and f"{key}-{match['index']}" != removed:
            rows.setdefault(int(match["index"]), {"label": "", "amount": ""})[match["part"]] = post.get(name, "")
    return [rows[index] for index in sorted(rows)]


EMPTY: tuple[Any, ...] = (None, "", [])


def _normalised(schema: dict, raw: dict[str, Any], saved: dict[str, Any]) -> dict[str, Any]:
    """Valid answers in their stored form (1234,56 -> 1234.56, "yes" -> true), the others as typed; an empty answer
    to a question never answered is left out. The service validates again; its edit-conflict check then compares
    like with like, instead of reporting 1234,56 as a change from the saved 1234.56, or an empty box as a change
    from a question nobody answered. What is stored is the same either way."""
    cleaned, errors = clean_answers(schema, raw, complete=False)
    failing = {name.split(".")[0] for name in errors}
    answers = {key: (cleaned[key] if key in cleaned and key not in failing else value) for key, value in raw.items()}
    return {key: value for key, value in answers.items() if not (value in EMPTY and saved.get(key) in EMPTY)}


def answers_from_post(schema: dict, post: QueryDict, saved: dict[str, Any]) -> dict[str, Any]:
    """The answers of the fields present in the POST. A budget table arrives as rows key-N-label / key-N-amount
    (with a key-present marker, so that removing every row still counts); "remove_line" = "key-N" drops a row."""
    removed = post.get("remove_line", "")
    answers: dict[str, Any] = {}
    for field in fields_of(schema):
        key, kind = field["key"], field["type"]
        if kind == "file":
            continue
        if kind == "budget_table":
            if f"{key}-present" in post:
                answers[key] = _lines(post, key, removed)
        elif key in post:
            answers[key] = _date(post.get(key)) if kind == "date" else post.get(key)
    return _normalised(schema, answers, saved)


def autosave_payload(schema: dict, body: Any, saved: dict[str, Any]) -> tuple[int, dict[str, Any], bool]:
    """(version, answers, overwrite) from the autosave JSON body; a malformed body is refused as invalid input."""
    if not isinstance(body, dict):
        raise InvalidInput(_("The data sent could not be read."), extra={"fields": {}})
    version, answers, overwrite = body.get("version"), body.get("answers"), body.get("overwrite", False)
    if isinstance(version, bool) or not isinstance(version, int) or not isinstance(answers, dict):
        raise InvalidInput(_("The data sent could not be read."), extra={"fields": {}})
    if not isinstance(overwrite, bool):
        raise InvalidInput(_("The data sent could not be read."), extra={"fields": {}})
    kinds = {field["key"]: field["type"] for field in fields_of(schema)}
    cleaned = {
        key: (_date(value) if kinds[key] == "date" else value)
        for key, value in answers.items()
        if key in kinds and kinds[key] != "file"
    }
    return version, _normalised(schema, cleaned, saved), overwrite
