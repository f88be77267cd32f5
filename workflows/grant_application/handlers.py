"""The grant process listens to grants: submissions start or resume cases, reviewer places are given or freed,
closed committee sessions, committed awards and justifications move each case on."""

from django.db import transaction
from django.dispatch import receiver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from grants.models import (
    Application,
    ApplicationSnapshot,
    AssignmentStatus,
    Award,
    CommitteeSession,
    ReviewAssignment,
)
from grants.signals import (
    application_submitted,
    justification_submitted,
    review_slot_changed,
    session_closed,
)
from workflows import registry
from workflows.services.cases import case_of, case_resume, case_start


def _resume(application: Application, node_name: str) -> None:
    case_resume(application, node_name)


@receiver(application_submitted, dispatch_uid="workflows.grant_application.on_submitted")
def on_submitted(sender, application_id: int, snapshot_id: int, resubmission: bool, **kwargs) -> None:
    application = Application.objects.select_related("call_version__call", "organisation").get(pk=application_id)
    if resubmission:
        _resume(application, "await_answer")
        return
    version = application.call_version
    snapshot = ApplicationSnapshot.objects.select_related("submitted_by").get(pk=snapshot_id)
    case_start(
        pin=version.process_pin,
        actor=snapshot.submitted_by,
        reference=application.reference,
        title=version.title,
        organisation=application.organisation,
        amount=application.amount_requested,
        source=version,
        artifact=application,
    )


@receiver(review_slot_changed, dispatch_uid="workflows.grant_application.on_review_slot")
def on_review_slot(sender, assignment_id: int, **kwargs) -> None:
    """A new reviewer takes a free place (its task is given to them); a recused one frees theirs."""
    assignment = ReviewAssignment.objects.select_related("application", "reviewer").get(pk=assignment_id)
    case = case_of(assignment.application)
    if case is None:
        return
    places = Task.objects.filter(process_id=case.pk, flow_task=case.flow_class.review).exclude(
        status__in=[STATUS.DONE, STATUS.CANCELED]
    )
    with transaction.atomic():
        if assignment.status == AssignmentStatus.RECUSED:
            task = next((t for t in places if t.data.get("assignment_id") == assignment.pk), None)
            if task is not None:
                with task.activation() as activation:
                    activation.unassign()
                    activation.task.data = {**activation.task.data, "assignment_id": None}
                    activation.task.save(update_fields=["data"])
            return
        free = next((t for t in places if t.status == STATUS.NEW and not t.data.get("assignment_id")), None)
        if free is not None:
            with free.activation() as activation:
                activation.task.data = {**activation.task.data, "assignment_id": assignment.pk}
                activation.task.save(update_fields=["data"])
                activation.assign(assignment.reviewer)


@receiver(session_closed, dispatch_uid="workflows.grant_application.on_session_closed")
def on_session_closed(sender, session_id: int, **kwargs) -> None:
    session = CommitteeSession.objects.get(pk=session_id)
    for item in session.items.filter(application__isnull=False).select_related("application"):
        if item.application is not None:
            _resume(item.application, "await_committee")


@receiver(justification_submitted, dispatch_uid="workflows.grant_application.on_justification")
def on_justification(sender, award_id: int, **kwargs) -> None:
    _resume(Award.objects.select_related("application").get(pk=award_id).application, "await_justification")


def register_process_pinner() -> None:
    from core.versioning import register_process_pinner as register
    from workflows.services.cases import pin_for_publication

    register(pin_for_publication)
    assert registry.versions_of("grant_application")
