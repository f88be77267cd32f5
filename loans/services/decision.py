"""The analyst's analysis, the committee's opinion, and the Government's decision with the commitment."""

from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.money import format_eur, to_cents
from core.services.audit import audit_record
from finance.models import Envelope
from finance.services.commitments import commitment_create
from loans.models import (
    DecisionOutcome,
    LoanAnalysis,
    LoanApplication,
    LoanApplicationStatus,
    LoanDecision,
    Opinion,
)
from loans.permissions import can_analyse
from loans.services.applications import documents_present
from loans.services.capacity import capacity_of
from loans.services.news import borrower_tell
from loans.services.products import envelope_code
from loans.services.submission import document_label


def _require_analyst(actor) -> None:
    allowed, reason = can_analyse(actor)
    if not allowed:
        raise NotPermitted(reason)


def _locked(application_id: int, status: str, message) -> LoanApplication:
    application = (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("product_version__product", "organisation")
        .get(pk=application_id)
    )
    if application.status != status:
        raise TransitionNotAllowed(message)
    return application


def _amounts(application: LoanApplication, amounts: dict, *, field: str) -> dict[int, Decimal]:
    """An amount per project, each above zero (or zero to leave a project out) and within what was requested."""
    cleaned, errors = {}, {}
    projects = list(application.projects.all())
    known = {str(project.pk) for project in projects}
    for key in amounts:
        if str(key) not in known:
            errors[f"{field}_{key}"] = [_("This project is not in the application.")]
    for project in projects:
        raw = amounts.get(project.pk, amounts.get(str(project.pk)))
        try:
            amount = to_cents(str(raw).replace(",", "."))
        except (TypeError, ValueError, InvalidOperation):
            errors[f"{field}_{project.pk}"] = [_("Give an amount for every project (0 to leave it out).")]
            continue
        if not Decimal("0") <= amount <= project.requested_amount:
            errors[f"{field}_{project.pk}"] = [
                _("The amount for %(project)s must be between 0 and the loan requested (%(requested)s).")
                % {"project": project.title, "requested": format_eur(project.requested_amount)}
            ]
        cleaned[project.pk] = amount
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], extra={"fields": errors})
    if not any(cleaned.values()):
        raise InvalidInput(_("At least one project needs an amount above zero."), extra={"fields": {field: []}})
    return cleaned


@transaction.atomic
def loan_analysis_record(
    *,
    actor,
    application_id: int,
    financial_situation: str,
    projects_assessment: str,
    recommendation: str,
    amounts: dict,
) -> LoanAnalysis:
    _require_analyst(actor)
    application = _locked(
        application_id, LoanApplicationStatus.ELIGIBLE, _("Only an eligible application is analysed.")
    )
    if not financial_situation.strip() or not projects_assessment.strip():
        raise InvalidInput(
            _("Write the analysis of the financial situation and of the projects."),
            extra={"fields": {"financial_situation": [], "projects_assessment": []}},
        )
    if recommendation not in Opinion.values:
        raise InvalidInput(_("Choose a recommendation."), extra={"fields": {"recommendation": []}})
    proposed = _amounts(application, amounts, field="proposed")
    for project in application.projects.all():
        project.proposed_amount = proposed[project.pk]
        project.save(update_fields=["proposed_amount"])
    analysis = LoanAnalysis.objects.create(
        application=application,
        financial_situation=financial_situation.strip(),
        projects_assessment=projects_assessment.strip(),
        recommendation=recommendation,
        proposed_total=sum(proposed.values(), Decimal("0.00")),
        analyst=actor,
    )
    application.status = LoanApplicationStatus.ANALYSED
    application.save(update_fields=["status", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="loan_analysed",
        from_state=LoanApplicationStatus.ELIGIBLE,
        to_state=application.status,
        changes={"recommendation": recommendation, "proposed": str(analysis.proposed_total)},
    )
    return analysis


def loan_opinion_record(*, application: LoanApplication, opinion: str, reason: str, actor) -> None:
    """The committee's opinion, final when its session closes (called by the committee service, in its
    transaction, with the application locked)."""
    if opinion not in Opinion.values:
        raise InvalidInput(_("Choose an opinion."))
    application.opinion = opinion
    application.opinion_reason = reason
    application.status = LoanApplicationStatus.OPINION_GIVEN
    application.save(update_fields=["opinion", "opinion_reason", "status", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="committee_opinion",
        from_state=LoanApplicationStatus.ANALYSED,
        to_state=application.status,
        changes={"opinion": opinion, "reason": reason},
    )


def _check_grant_documents(application: LoanApplication, granted: dict[int, Decimal]) -> None:
    """Documents the product marks `needed_to_grant` (the proof that the expense is committed in the borrower's
    budget) must be there for every project that gets an amount: without it the loan is not granted."""
    present = documents_present(application)
    for document in application.product_version.required_documents:
        if not document.get("needed_to_grant"):
            continue
        for project in application.projects.all():
            key = (document["code"], project.pk if document.get("per_project") else None)
            if granted[project.pk] > 0 and key not in present:
                raise InvalidInput(
                    _("%(project)s cannot be granted without this document: %(name)s.")
                    % {"project": project.title, "name": document_label(document)},
                    extra={"fields": {f"approved_{project.pk}": []}},
                )


def _check_decree(decree_reference: str, decree_date) -> None:
    if not decree_reference.strip() or decree_date is None:
        raise InvalidInput(
            _("Give the reference and the date of the Government's decree."),
            extra={"fields": {"decree_reference": [], "decree_date": []}},
        )


@transaction.atomic
def loan_decision_record(
    *,
    actor,
    application_id: int,
    outcome: str,
    decree_reference: str,
    decree_date,
    amounts: dict | None = None,
    reason: str = "",
) -> LoanDecision:
    """Record the decree. A granted loan is checked against the borrowing capacity and committed on the envelope
    under the envelope's row lock, so two decisions at once can neither exceed a borrower's cap nor the envelope."""
    _require_analyst(actor)
    application = _locked(
        application_id,
        LoanApplicationStatus.OPINION_GIVEN,
        _("The decision is recorded once the committee has given its opinion."),
    )
    _check_decree(decree_reference, decree_date)
    if outcome not in DecisionOutcome.values:
        raise InvalidInput(_("Choose a decision."), extra={"fields": {"outcome": []}})
    if outcome == DecisionOutcome.REJECTED:
        if not reason.strip():
            raise InvalidInput(_("A refusal needs its reason."), extra={"fields": {"reason": []}})
        return _record(application, actor, outcome, decree_reference, decree_date, None, reason, None)
    granted = _amounts(application, amounts or {}, field="approved")
    _check_grant_documents(application, granted)
    total = sum(granted.values(), Decimal("0.00"))
    product = application.product_version.product
    # The envelope row is the lock: two decisions for one borrower at once see each other's amount in `held`.
    envelope = Envelope.objects.select_for_update().get(code=envelope_code(product))
    capacity = capacity_of(application.product_version, application.organisation)
    if capacity is not None and total > capacity.available:
        raise InvalidInput(
            _("%(borrower)s has %(available)s of borrowing capacity left (cap %(cap)s): %(total)s cannot be granted.")
            % {
                "borrower": application.organisation.name,
                "available": format_eur(capacity.available),
                "cap": format_eur(capacity.cap),
                "total": format_eur(total),
            },
            extra={"fields": {"approved": []}},
        )
    commitment = commitment_create(
        envelope_id=envelope.pk,
        beneficiary=application.organisation,
        amount=total,
        reference=application.reference,
        key=f"loan-decision:{application.pk}",
        actor=actor,
    )
    for project in application.projects.all():
        project.approved_amount = granted[project.pk]
        project.save(update_fields=["approved_amount"])
    return _record(application, actor, outcome, decree_reference, decree_date, total, reason, commitment)


def _record(application, actor, outcome, decree_reference, decree_date, total, reason, commitment) -> LoanDecision:
    decision = LoanDecision.objects.create(
        application=application,
        outcome=outcome,
        decree_reference=decree_reference.strip(),
        decree_date=decree_date,
        approved_total=total,
        reason=reason.strip(),
        commitment=commitment,
        recorded_by=actor,
    )
    application.status = (
        LoanApplicationStatus.APPROVED if outcome == DecisionOutcome.APPROVED else LoanApplicationStatus.REJECTED
    )
    application.save(update_fields=["status", "updated_at"])
    if outcome == DecisionOutcome.APPROVED:
        from loans.tasks import loan_convention

        transaction.on_commit(partial(loan_convention.delay, application_id=application.pk))
    borrower_tell(
        application=application,
        event="granted" if outcome == DecisionOutcome.APPROVED else "refused",
        key=f"decision:{decision.pk}",
        total=total,
        decree=decision.decree_reference,
        reason=decision.reason,
    )
    audit_record(
        obj=application,
        actor=actor,
        action="loan_decided",
        from_state=LoanApplicationStatus.OPINION_GIVEN,
        to_state=application.status,
        changes={"decree": decision.decree_reference, "total": str(total or ""), "reason": decision.reason},
    )
    return decision
