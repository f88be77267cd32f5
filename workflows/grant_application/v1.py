from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from grants.models import Application, ApplicationStatus
from workflows.base import CaseFlow
from workflows.grant_application.views import EligibilityTaskView, ReviewPendingView
from workflows.nodes import HumanTask
from workflows.registry import register


@register("grant_application", 1)
class GrantApplicationV1Flow(CaseFlow):
    """Grant application (version 1)"""

    start = flow.StartHandle(this.begin).Next(this.check_eligibility)
    check_eligibility = (
        HumanTask(EligibilityTaskView.as_view())
        .Annotation(title=_("Check eligibility"))
        .Permission("grants.check_eligibility")
        .Due(days=15, remind_days_before=3)
        .Next(this.route)
    )
    route = (
        flow.Switch()
        .Case(this.await_answer, this.information_requested)
        .Case(this.review, this.is_eligible)
        .Case(this.not_eligible, this.is_not_eligible)
    )
    await_answer = flow.Handle(this.resume).Next(this.check_eligibility)
    review = (
        HumanTask(ReviewPendingView.as_view())
        .Annotation(title=_("Review"))
        .Permission("grants.review_application")
        .Due(days=30)
        .Next(this.end)
    )
    not_eligible = flow.End()
    end = flow.End()

    def _status(self, activation) -> str:
        # Read from the database: the task page holds an older copy of the application than the service saved.
        return Application.objects.values_list("status", flat=True).get(pk=activation.process.artifact_object_id)

    def information_requested(self, activation) -> bool:
        return self._status(activation) == ApplicationStatus.INFO_REQUESTED

    def is_eligible(self, activation) -> bool:
        return self._status(activation) == ApplicationStatus.ELIGIBLE

    def is_not_eligible(self, activation) -> bool:
        return self._status(activation) == ApplicationStatus.NOT_ELIGIBLE

    def resume(self, activation, **kwargs):
        # The applicant answered and resubmitted; the officer checks again.
        return activation.process
