from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from grants.models import Application, ApplicationStatus, AwardStatus
from workflows.base import CaseFlow
from workflows.grant_application.views import (
    ApprovalsTaskView,
    EligibilityTaskView,
    JustificationTaskView,
    ReviewTaskView,
)
from workflows.nodes import DynamicSplit, HumanTask, SystemAssignedTask
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
        .Next(this.route_eligibility)
    )
    route_eligibility = (
        flow.Switch()
        .Case(this.await_answer, this.information_requested)
        .Case(this.reviews, this.is_eligible)
        .Case(this.not_eligible, this.is_not_eligible)
    )
    await_answer = flow.Handle(this.resume).Next(this.check_eligibility)
    # One place per reviewer the call asks for; the call manager gives each place to a reviewer.
    reviews = DynamicSplit().Each(this.review, this.review_places)
    review = (
        SystemAssignedTask(ReviewTaskView.as_view())
        .Annotation(title=_("Review"))
        .Permission("grants.change_callversion")
        .Due(days=20, remind_days_before=5)
        .Next(this.reviews_done)
    )
    reviews_done = flow.Join().Next(this.await_committee)
    await_committee = flow.Handle(this.resume).Next(this.route_committee)
    route_committee = (
        flow.Switch()
        .Case(this.await_justification, this.is_committed)
        .Case(this.record_approvals, this.awaits_approvals)
        .Case(this.not_selected, this.is_rejected)
        .Case(this.await_committee, this.is_postponed)
    )
    record_approvals = (
        HumanTask(ApprovalsTaskView.as_view())
        .Annotation(title=_("Record approvals"))
        .Permission("grants.add_awardapproval")
        .Due(days=30)
        .Next(this.await_justification)
    )
    await_justification = flow.Handle(this.resume).Next(this.check_justification)
    check_justification = (
        HumanTask(JustificationTaskView.as_view())
        .Annotation(title=_("Check the justification"))
        .Permission("grants.check_justification")
        .Due(days=30)
        .Next(this.closed)
    )
    not_eligible = flow.End()
    not_selected = flow.End()
    closed = flow.End()

    def _application(self, activation) -> Application:
        # Read from the database: the task page holds an older copy of the application than the service saved.
        return Application.objects.select_related("call_version").get(pk=activation.process.artifact_object_id)

    def information_requested(self, activation) -> bool:
        return self._application(activation).status == ApplicationStatus.INFO_REQUESTED

    def is_eligible(self, activation) -> bool:
        return self._application(activation).status == ApplicationStatus.ELIGIBLE

    def is_not_eligible(self, activation) -> bool:
        return self._application(activation).status == ApplicationStatus.NOT_ELIGIBLE

    def review_places(self, activation) -> list[dict]:
        places = self._application(activation).call_version.reviewers_per_application
        return [{"place": number} for number in range(1, places + 1)]

    def is_committed(self, activation) -> bool:
        return self._application(activation).status == ApplicationStatus.AWARDED

    def awaits_approvals(self, activation) -> bool:
        award = getattr(self._application(activation), "award", None)
        return award is not None and award.status in (AwardStatus.AWAITING_APPROVALS, AwardStatus.SENT_BACK)

    def is_rejected(self, activation) -> bool:
        return self._application(activation).status == ApplicationStatus.REJECTED

    def is_postponed(self, activation) -> bool:
        return self._application(activation).status == ApplicationStatus.REVIEWED

    def resume(self, activation, **kwargs):
        return activation.process
