"""The automatic rules' results as sentences, in the reader's language."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from core.money import format_eur

RULE_LABELS = {
    "organisation_kind": _("Kind of organisation"),
    "max_amount": _("Amount within the maximum"),
    "cofinancing": _("Co-financing"),
    "required_documents": _("Required documents"),
    "submitted_in_time": _("Submitted in time"),
}
REASONS = {
    "kind_allowed": _("Organisations of this kind may answer the call."),
    "kind_not_allowed": _("Organisations of this kind may not answer the call."),
    "amount_within_maximum": _("The amount requested (%(requested)s) is within the maximum (%(maximum)s)."),
    "amount_above_maximum": _("The amount requested (%(requested)s) is above the maximum (%(maximum)s) or missing."),
    "cofinancing_enough": _("The co-financing (%(rate)s) reaches the minimum (%(minimum)s)."),
    "cofinancing_too_low": _("The co-financing (%(rate)s) is below the minimum (%(minimum)s)."),
    "documents_complete": _("Every required document is there."),
    "documents_missing": _("Missing documents: %(missing)s."),
    "submitted_in_time": _("Submitted before the deadline."),
    "submitted_late": _("Submitted after the deadline."),
}


def _percent(value: str) -> str:
    try:
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))} %".replace(".", ",")
    except (InvalidOperation, TypeError, ValueError):
        return "—"


def explain(reason_code: str, params: dict) -> str:
    shown = dict(params)
    for key in ("requested", "maximum"):
        if key in shown:
            shown[key] = format_eur(shown[key])
    for key in ("rate", "minimum"):
        if key in shown:
            shown[key] = _percent(shown[key])
    if "missing" in shown:
        shown["missing"] = ", ".join(shown["missing"])
    template = REASONS.get(reason_code)
    return str(template) % shown if template else reason_code
