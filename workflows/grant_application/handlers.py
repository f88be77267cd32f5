"""The grant process listens to grants: a first submission starts a case on the version its call pinned; a
resubmission after a request for information resumes the case."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import receiver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from grants.models import Application, ApplicationSnapshot
from grants.signals import application_submitted
from workflows import registry
from workflows.models import Case
from workflows.services.cases import case_start


def case_of(application: Application) -> Case | None:
    content_type = ContentType.objects.get_for_model(Application)
    return Case.objects.filter(artifact_content_type=content_type, artifact_object_id=application.pk).first()


@receiver(application_submitted, dispatch_uid="workflows.grant_application.on_submitted")
def on_submitted(sender, application_id: int, snapshot_id: int, resubmission: bool, **kwargs) -> None:
    application = Application.objects.select_related("call_version__call", "organisation").get(pk=application_id)
    if not resubmission:
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
        return
    case = case_of(application)
    if case is None:
        return
    flow_class = case.flow_class
    with transaction.atomic():
        waiting = Task.objects.filter(process_id=case.pk, flow_task=flow_class.await_answer, status=STATUS.NEW).first()
        if waiting is not None:
            flow_class.await_answer.run(waiting)


def register_process_pinner() -> None:
    from grants.services.calls import register_process_pinner as register
    from workflows.services.cases import pin_for_publication

    register(pin_for_publication)
    assert registry.versions_of("grant_application")
