"""A manual checklist answered by an officer: a verdict per item, and a reason wherever an item is not met."""

from django.utils.translation import gettext as _

from core.errors import InvalidInput


def checked_criteria(checklist: list[dict], criteria: dict) -> list[dict]:
    unknown = sorted(set(criteria) - {item["code"] for item in checklist})
    if unknown:
        raise InvalidInput(
            _("This criterion is not on the checklist."),
            extra={"fields": {f"criterion_{code}": [] for code in unknown}},
        )
    checked = []
    missing_reason = []
    for item in checklist:
        entry = criteria.get(item["code"]) or {}
        verdict = entry.get("verdict")
        reason = str(entry.get("reason", "")).strip()
        if verdict not in ("met", "not_met"):
            raise InvalidInput(
                _("Give a verdict on every criterion."), extra={"fields": {f"criterion_{item['code']}": []}}
            )
        if verdict == "not_met" and not reason:
            missing_reason.append(item["code"])
        checked.append({"code": item["code"], "verdict": verdict, "reason": reason[:2000]})
    if missing_reason:
        raise InvalidInput(
            _("Give the reason for every criterion that is not met."),
            extra={"fields": {f"reason_{code}": [] for code in missing_reason}},
        )
    return checked


def outcome_problem(outcome: str, checked: list[dict], question: str) -> InvalidInput | None:
    """The outcome must agree with the verdicts; a request for information needs its question."""
    if outcome == "info_requested" and not question:
        return InvalidInput(_("Write the question for the applicant."), extra={"fields": {"question": []}})
    if outcome == "not_eligible" and all(c["verdict"] == "met" for c in checked):
        return InvalidInput(
            _("An application is not eligible when at least one criterion is not met."),
            extra={"fields": {"outcome": []}},
        )
    if outcome == "eligible" and any(c["verdict"] == "not_met" for c in checked):
        return InvalidInput(
            _("An application with a criterion not met cannot be eligible."), extra={"fields": {"outcome": []}}
        )
    return None
