"""Eligibility: automatic rules on each submission, then an officer's decision per checklist criterion."""

from decimal import Decimal
from functools import partial

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.checklists import checked_criteria, outcome_problem
from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Membership
from core.services.audit import audit_record
from core.services.notifications import notify
from grants.call_validation import AUTOMATIC_RULES
from grants.models import (
    Application,
    ApplicationSnapshot,
    ApplicationStatus,
    EligibilityDecision,
    EligibilityOutcome,
    EligibilityResult,
)
from grants.permissions import can_decide_eligibility
from grants.schema import totals

Verdict = tuple[bool, str, dict]


def _kind(snapshot: ApplicationSnapshot) -> Verdict:
    organisation = snapshot.application.organisation
    allowed = snapshot.application.call_version.eligible_kinds
    return (
        organisation.kind in allowed,
        "kind_allowed" if organisation.kind in allowed else "kind_not_allowed",
        {"kind": organisation.kind},
    )


def _max_amount(snapshot: ApplicationSnapshot) -> Verdict:
    version = snapshot.application.call_version
    requested = totals(version.form_schema, snapshot.answers)["amount_requested"] or Decimal("0")
    ok = Decimal("0") < requested <= version.max_amount
    return (
        ok,
        "amount_within_maximum" if ok else "amount_above_maximum",
        {"requested": str(requested), "maximum": str(version.max_amount)},
    )


def _cofinancing(snapshot: ApplicationSnapshot) -> Verdict:
    version = snapshot.application.call_version
    rate = totals(version.form_schema, snapshot.answers)["cofinancing_rate"]
    ok = rate is not None and rate >= version.min_cofinancing_rate
    return (
        ok,
        "cofinancing_enough" if ok else "cofinancing_too_low",
        {"rate": str(rate), "minimum": str(version.min_cofinancing_rate)},
    )


def _documents(snapshot: ApplicationSnapshot) -> Verdict:
    present = {item["document"] for item in snapshot.files}
    required = [d["code"] for d in snapshot.application.call_version.required_documents if d.get("required", True)]
    missing = [code for code in required if code not in present]
    return not missing, "documents_complete" if not missing else "documents_missing", {"missing": missing}


def _in_time(snapshot: ApplicationSnapshot) -> Verdict:
    from grants.services.submission import effective_deadline

    application = snapshot.application
    first = application.snapshots.order_by("number").first()
    at = first.submitted_at if first else snapshot.submitted_at
    ok = at <= effective_deadline(application)
    return ok, "submitted_in_time" if ok else "submitted_late", {"at": at.isoformat()}


RULES = {
    "organisation_kind": _kind,
    "max_amount": _max_amount,
    "cofinancing": _cofinancing,
    "required_documents": _documents,
    "submitted_in_time": _in_time,
}
assert set(RULES) == set(AUTOMATIC_RULES)


def eligibility_run_automatic(*, snapshot_id: int) -> list[EligibilityResult]:
    """Run the call's rules on a submission; idempotent (one result per rule and submission)."""
    snapshot = ApplicationSnapshot.objects.select_related("application__organisation", "application__call_version").get(
        pk=snapshot_id
    )
    rules = snapshot.application.call_version.eligibility_rules or AUTOMATIC_RULES
    for rule in rules:
        passed, reason, params = RULES[rule](snapshot)
        try:
            with transaction.atomic():
                EligibilityResult.objects.create(
                    snapshot=snapshot, rule=rule, passed=passed, reason_code=reason, params=params
                )
        except IntegrityError:
            continue  # computed already by an earlier run of this task
    return list(snapshot.eligibility_results.all())


@transaction.atomic
def eligibility_decide(
    *, actor, application_id: int, outcome: str, criteria: dict, question: str = ""
) -> EligibilityDecision:
    allowed, reason = can_decide_eligibility(actor)
    if not allowed:
        raise NotPermitted(reason)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call_version", "organisation")
        .get(pk=application_id)
    )
    if application.status != ApplicationStatus.SUBMITTED:
        raise TransitionNotAllowed(_("Eligibility is decided on a submitted application."))
    if outcome not in EligibilityOutcome.values:
        raise InvalidInput(_("Choose a decision."), extra={"fields": {"outcome": []}})
    checked = checked_criteria(application.call_version.checklist, criteria)
    question = question.strip()
    problem = outcome_problem(outcome, checked, question)
    if problem is not None:
        raise problem
    snapshot = application.snapshots.order_by("-number").first()
    if snapshot is None:  # a submitted application always has one; never decide on nothing
        raise TransitionNotAllowed(_("Eligibility is decided on a submitted application."))
    decision = EligibilityDecision.objects.create(
        application=application,
        snapshot=snapshot,
        outcome=outcome,
        criteria=checked,
        question=question,
        decided_by=actor,
    )
    before = application.status
    application.status = outcome
    application.info_request = question if outcome == EligibilityOutcome.INFO_REQUESTED else ""
    application.save(update_fields=["status", "info_request", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="eligibility_decided",
        from_state=before,
        to_state=outcome,
        changes={"criteria": checked},
    )
    _notify_organisation(application, decision)
    return decision


def _notify_organisation(application: Application, decision: EligibilityDecision) -> None:
    """Every member hears the decision in their own language; the organisation's own address in its language."""
    from django.urls import reverse

    from core.notifications import send_templated_email

    organisation = application.organisation
    if organisation.email:
        transaction.on_commit(
            partial(
                send_templated_email,
                to=[organisation.email],
                template="application_eligibility_decided",
                context={"application": application, "decision": decision, "url": ""},
                language=organisation.correspondence_language,
            )
        )
    for membership in Membership.objects.filter(organisation=application.organisation).select_related("user"):
        notify(
            recipient=membership.user,
            key=f"eligibility:{decision.pk}:{membership.user_id}",
            template="application_eligibility_decided",
            context={"application": application, "decision": decision},
            url=reverse("grants:application", args=[application.pk]),
        )
