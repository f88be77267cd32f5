"""Eligibility of loan applications: automatic rules on each submission, then the analyst's checklist decision."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.checklists import checked_criteria, outcome_problem
from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.money import to_cents
from core.services.audit import audit_record
from loans.models import (
    LoanApplication,
    LoanApplicationStatus,
    LoanEligibilityDecision,
    LoanEligibilityResult,
    LoanSnapshot,
)
from loans.permissions import can_analyse
from loans.services.capacity import capacity_of
from loans.services.news import borrower_tell

Verdict = tuple[bool, str, dict]
OUTCOMES = (LoanApplicationStatus.ELIGIBLE, LoanApplicationStatus.NOT_ELIGIBLE, LoanApplicationStatus.INFO_REQUESTED)


def _kind(snapshot: LoanSnapshot) -> Verdict:
    organisation = snapshot.application.organisation
    ok = organisation.kind in snapshot.application.product_version.eligible_kinds
    return ok, "kind_allowed" if ok else "kind_not_allowed", {"kind": organisation.kind}


def _in_time(snapshot: LoanSnapshot) -> Verdict:
    first = snapshot.application.snapshots.order_by("number").first() or snapshot
    ok = first.submitted_at <= snapshot.application.product_version.closes_at
    return ok, "submitted_in_time" if ok else "submitted_late", {"at": first.submitted_at.isoformat()}


def _financing(snapshot: LoanSnapshot) -> Verdict:
    rate = snapshot.application.product_version.max_financing_rate
    over = [
        p["title"]
        for p in snapshot.content["projects"]
        if Decimal(p["requested_amount"]) > to_cents(Decimal(p["cost"]) * rate)
    ]
    return not over, "financing_within_share" if not over else "financing_above_share", {"projects": over}


def _depreciation(snapshot: LoanSnapshot) -> Verdict:
    minimum = snapshot.application.product_version.min_depreciation_years
    short = [p["title"] for p in snapshot.content["projects"] if int(p["depreciation_years"]) < minimum]
    ok = not short
    return ok, "depreciation_long_enough" if ok else "depreciation_too_short", {"projects": short, "minimum": minimum}


def _documents(snapshot: LoanSnapshot) -> Verdict:
    present = {(item["document"], item["project"]) for item in snapshot.files}
    missing = []
    for document in snapshot.application.product_version.required_documents:
        if not document.get("required", True):
            continue
        wanted = (
            [(document["code"], p["id"]) for p in snapshot.content["projects"]]
            if document.get("per_project")
            else [(document["code"], None)]
        )
        missing += [code for code, project in wanted if (code, project) not in present]
    return not missing, "documents_complete" if not missing else "documents_missing", {"missing": missing}


def _capacity(snapshot: LoanSnapshot) -> Verdict:
    application = snapshot.application
    capacity = capacity_of(application.product_version, application.organisation)
    if capacity is None:
        return True, "no_capacity_rule", {}
    asked = sum((Decimal(p["requested_amount"]) for p in snapshot.content["projects"]), Decimal("0"))
    ok = asked <= capacity.available
    return (
        ok,
        "within_capacity" if ok else "above_capacity",
        {"asked": str(asked), "available": str(capacity.available), "cap": str(capacity.cap)},
    )


RULES = {
    "borrower_kind": _kind,
    "submitted_in_time": _in_time,
    "financing_share": _financing,
    "depreciation": _depreciation,
    "required_documents": _documents,
    "borrowing_capacity": _capacity,
}


def loan_eligibility_run(*, snapshot_id: int) -> list[LoanEligibilityResult]:
    """Run every rule on a submission; idempotent (one result per rule and submission)."""
    snapshot = LoanSnapshot.objects.select_related("application__organisation", "application__product_version").get(
        pk=snapshot_id
    )
    for rule, check in RULES.items():
        passed, reason, params = check(snapshot)
        try:
            with transaction.atomic():
                LoanEligibilityResult.objects.create(
                    snapshot=snapshot, rule=rule, passed=passed, reason_code=reason, params=params
                )
        except IntegrityError:
            continue  # computed already by an earlier run of this task
    return list(snapshot.eligibility_results.all())


@transaction.atomic
def loan_eligibility_decide(
    *, actor, application_id: int, outcome: str, criteria: dict, question: str = ""
) -> LoanEligibilityDecision:
    allowed, reason = can_analyse(actor)
    if not allowed:
        raise NotPermitted(reason)
    application = (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("product_version", "organisation")
        .get(pk=application_id)
    )
    if application.status != LoanApplicationStatus.SUBMITTED:
        raise TransitionNotAllowed(_("Eligibility is decided on a submitted application."))
    if outcome not in OUTCOMES:
        raise InvalidInput(_("Choose a decision."), extra={"fields": {"outcome": []}})
    checked = checked_criteria(application.product_version.checklist, criteria)
    question = question.strip()
    problem = outcome_problem(outcome, checked, question)
    if problem is not None:
        raise problem
    snapshot = application.snapshots.order_by("-number").first()
    if snapshot is None:
        raise TransitionNotAllowed(_("Eligibility is decided on a submitted application."))
    decision = LoanEligibilityDecision.objects.create(
        application=application,
        snapshot=snapshot,
        outcome=outcome,
        criteria=checked,
        question=question,
        decided_by=actor,
    )
    before = application.status
    application.status = outcome
    application.info_request = question if outcome == LoanApplicationStatus.INFO_REQUESTED else ""
    application.save(update_fields=["status", "info_request", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="eligibility_decided",
        from_state=before,
        to_state=outcome,
        changes={"criteria": checked},
    )
    borrower_tell(
        application=application,
        event=outcome,
        key=f"eligibility:{decision.pk}",
        criteria=checked,
        question=question,
    )
    return decision
