"""What a loan product version must hold before it can be published: terms a schedule can be built from, and
documents and checklist items named in French and Dutch."""

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.models import OrganisationKind
from loans.models import AllocationTarget, LoanProductVersion
from loans.models.products import MONTHS_PER_PERIOD

CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _bilingual(item: Any) -> bool:
    label = item.get("label") if isinstance(item, dict) else None
    return isinstance(label, dict) and bool(str(label.get("fr", "")).strip()) and bool(str(label.get("nl", "")).strip())


def coded_list_problems(items: Any, what: str) -> list[str]:
    if not isinstance(items, list):
        return [_("%(what)s: a list is expected.") % {"what": what}]
    problems, codes = [], set()
    for item in items:
        code = str(item.get("code", "")) if isinstance(item, dict) else ""
        if not CODE.match(code) or code in codes:
            problems.append(_("%(what)s: every item needs its own code.") % {"what": what})
        elif not _bilingual(item):
            problems.append(_("%(what)s %(code)s needs a French and a Dutch label.") % {"what": what, "code": code})
        codes.add(code)
    return problems


def _term_problems(version: LoanProductVersion) -> list[str]:
    problems = []
    months = MONTHS_PER_PERIOD.get(version.frequency)
    if not version.term_months or version.term_months <= 0:
        problems.append(_("The term must be at least one month."))
    elif months and version.term_months % months:
        problems.append(
            _("The term (%(months)s months) must be a whole number of payment periods of %(period)s months.")
            % {"months": version.term_months, "period": months}
        )
    elif months and version.grace_principal_periods >= version.term_months // months:
        problems.append(_("The grace on principal must leave at least one period to repay."))
    if version.grace_interest_periods > version.grace_principal_periods:
        problems.append(_("The grace on interest cannot be longer than the grace on principal."))
    if version.rate is None or version.rate <= 0:
        problems.append(_("The rate must be above zero."))
    if version.late_interest_rate is None or version.late_interest_rate < 0:
        problems.append(_("The late-interest rate cannot be negative."))
    return problems


def _drawdown_problems(version: LoanProductVersion) -> list[str]:
    problems = []
    if version.max_drawdowns < 1:
        problems.append(_("Allow at least one drawdown."))
    if version.last_drawdown_date and version.last_drawdown_date < version.closes_at.date():
        problems.append(_("The last drawdown date cannot come before applications close."))
    order = version.allocation_order
    if not isinstance(order, list) or sorted(order) != sorted(AllocationTarget.values):
        problems.append(_("The allocation order must name late interest, interest and principal once each."))
    return problems


def publication_problems(version: LoanProductVersion) -> list[str]:
    problems = []
    if not version.eligible_kinds or not set(version.eligible_kinds) <= set(OrganisationKind.values):
        problems.append(_("Choose the kinds of borrower that may apply."))
    if version.envelope is None or version.envelope <= 0:
        problems.append(_("The envelope must be above zero."))
    if not (Decimal("0") < (version.max_financing_rate or 0) <= Decimal("1")):
        problems.append(_("The maximum share of the cost must be above 0 % and at most 100 %."))
    if not version.legal_basis_fr.strip() or not version.legal_basis_nl.strip():
        problems.append(_("Give the legal basis in French and in Dutch."))
    problems += _term_problems(version)
    problems += _drawdown_problems(version)
    problems += coded_list_problems(version.required_documents, _("Document"))
    problems += coded_list_problems(version.checklist, _("Checklist item"))
    return problems
