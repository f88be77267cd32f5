"""What a call version must hold before it can be published, beyond its form (grants.schema)."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.models import OrganisationKind
from grants.schema import KEY, SchemaError, validate_schema

AUTOMATIC_RULES = ["organisation_kind", "max_amount", "cofinancing", "required_documents", "submitted_in_time"]


def _bilingual(item: Any, name: str = "label") -> bool:
    value = item.get(name) if isinstance(item, dict) else None
    return isinstance(value, dict) and bool(str(value.get("fr", "")).strip()) and bool(str(value.get("nl", "")).strip())


def _coded_list(items: Any, what: str) -> list[str]:
    if not isinstance(items, list):
        return [_("%(what)s: a list is expected.") % {"what": what}]
    problems, codes = [], set()
    for item in items:
        code = str(item.get("code", "")) if isinstance(item, dict) else ""
        if not KEY.match(code) or code in codes:
            problems.append(_("%(what)s: every item needs its own code.") % {"what": what})
        elif not _bilingual(item):
            problems.append(_("%(what)s %(code)s needs a French and a Dutch label.") % {"what": what, "code": code})
        codes.add(code)
    return problems


def publication_problems(version) -> list[str]:
    problems = []
    if not version.eligible_kinds or not set(version.eligible_kinds) <= set(OrganisationKind.values):
        problems.append(_("Choose the kinds of organisation that may apply."))
    if version.max_amount is None or version.max_amount <= 0:
        problems.append(_("The maximum amount per application must be above zero."))
    if version.envelope is None or version.envelope <= 0 or (version.max_amount or 0) > version.envelope:
        problems.append(_("The envelope must be above zero and at least the maximum amount per application."))
    if not (Decimal("0") <= version.min_cofinancing_rate < Decimal("1")):
        problems.append(_("The minimum co-financing rate must be between 0 and 1 (e.g. 0.2 for 20 %)."))
    if not (
        version.title_fr.strip() and version.title_nl.strip() and version.text_fr.strip() and version.text_nl.strip()
    ):
        problems.append(_("The call needs its title and text in French and in Dutch."))
    problems += _coded_list(version.required_documents, _("Required document"))
    problems += _coded_list(version.checklist, _("Checklist item"))
    problems += _scoring_problems(version.scoring_grid)
    problems += _tranche_problems(version.tranche_plan)
    unknown = (
        set(version.eligibility_rules) - set(AUTOMATIC_RULES) if isinstance(version.eligibility_rules, list) else {"?"}
    )
    if unknown:
        problems.append(_("Unknown automatic rule: %(rules)s.") % {"rules": ", ".join(sorted(map(str, unknown)))})
    codes = (
        {str(d.get("code")) for d in version.required_documents if isinstance(d, dict)}
        if isinstance(version.required_documents, list)
        else set()
    )
    try:
        validate_schema(version.form_schema, document_codes=codes)
    except SchemaError as error:
        problems += error.problems
    return problems


def _scoring_problems(grid: Any) -> list[str]:
    """Weights are percentages summing to 100; each criterion has a maximum above zero and a minimum within it."""
    problems = _coded_list(grid, _("Scoring criterion"))
    total = Decimal("0")
    for item in grid if isinstance(grid, list) else []:
        try:
            weight, maximum = Decimal(str(item.get("weight"))), Decimal(str(item.get("max_score")))
            minimum = Decimal(str(item.get("min_score", 0)))
            ok = weight > 0 and maximum > 0 and Decimal("0") <= minimum <= maximum
            total += weight
        except (ArithmeticError, TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(
                _(
                    "Scoring criterion %(code)s needs a weight and a maximum above zero, "
                    "and a minimum within the maximum."
                )
                % {"code": item.get("code")}
            )
    if isinstance(grid, list) and grid and total != 100:
        problems.append(
            _("The weights of the scoring grid must add up to 100 (they add up to %(total)s).") % {"total": total}
        )
    return problems


def _tranche_problems(plan: Any) -> list[str]:
    try:
        shares = [Decimal(str(share)) for share in plan]
    except (ArithmeticError, TypeError, ValueError):
        return [_("The tranche plan is a list of percentages, e.g. [80, 20].")]
    if not shares or any(share <= 0 for share in shares) or sum(shares) != 100:
        return [_("The tranche plan's percentages must be above zero and add up to 100.")]
    return []
