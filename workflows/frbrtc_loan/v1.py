from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from loans.models import LoanApplication, LoanApplicationStatus
from workflows.base import CaseFlow
from workflows.frbrtc_loan.views import (
    ConventionTaskView,
    LoanAnalysisTaskView,
    LoanDecisionTaskView,
    LoanEligibilityTaskView,
)
from workflows.nodes import HumanTask
from workflows.registry import register

ANALYSE = "loans.analyse_loan"


@register("frbrtc_loan", 1)
class FrbrtcLoanV1Flow(CaseFlow):
    """FRBRTC loan (version 1)"""

    start = flow.StartHandle(this.begin).Next(this.check_eligibility)
    check_eligibility = (
        HumanTask(LoanEligibilityTaskView.as_view())
        .Annotation(title=_("Check the loan application's eligibility"))
        .Permission(ANALYSE)
        .Due(days=15, remind_days_before=3)
        .Next(this.route_eligibility)
    )
    route_eligibility = (
        flow.Switch()
        .Case(this.await_answer, this.information_requested)
        .Case(this.analyse, this.is_eligible)
        .Case(this.not_eligible, this.is_not_eligible)
    )
    await_answer = flow.Handle(this.resume).Next(this.check_eligibility)
    analyse = (
        HumanTask(LoanAnalysisTaskView.as_view())
        .Annotation(title=_("Analyse the loan application"))
        .Permission(ANALYSE)
        .Due(days=30, remind_days_before=5)
        .Next(this.await_opinion)
    )
    # The selection committee gives its opinion in a session (grants' committee sessions, on the loan product).
    await_opinion = flow.Handle(this.resume).Next(this.record_decision)
    record_decision = (
        HumanTask(LoanDecisionTaskView.as_view())
        .Annotation(title=_("Record the Government's decision"))
        .Permission(ANALYSE)
        .Due(days=60, remind_days_before=10)
        .Next(this.route_decision)
    )
    route_decision = flow.Switch().Case(this.await_signature, this.is_approved).Case(this.refused, this.is_rejected)
    await_signature = flow.Handle(this.resume).Next(this.check_convention)
    check_convention = (
        HumanTask(ConventionTaskView.as_view())
        .Annotation(title=_("Check the signed convention"))
        .Permission(ANALYSE)
        .Due(days=10)
        .Next(this.route_convention)
    )
    route_convention = flow.Switch().Case(this.active, this.is_contracted).Case(this.await_signature, this.is_approved)
    not_eligible = flow.End()
    refused = flow.End()
    active = flow.End()

    def _status(self, activation) -> str:
        # Read from the database: the task page holds an older copy than the service saved.
        return LoanApplication.objects.values_list("status", flat=True).get(pk=activation.process.artifact_object_id)

    def information_requested(self, activation) -> bool:
        return self._status(activation) == LoanApplicationStatus.INFO_REQUESTED

    def is_eligible(self, activation) -> bool:
        return self._status(activation) == LoanApplicationStatus.ELIGIBLE

    def is_not_eligible(self, activation) -> bool:
        return self._status(activation) == LoanApplicationStatus.NOT_ELIGIBLE

    def is_approved(self, activation) -> bool:
        return self._status(activation) == LoanApplicationStatus.APPROVED

    def is_rejected(self, activation) -> bool:
        return self._status(activation) == LoanApplicationStatus.REJECTED

    def is_contracted(self, activation) -> bool:
        return self._status(activation) == LoanApplicationStatus.CONTRACTED

    def resume(self, activation, **kwargs):
        return activation.process
