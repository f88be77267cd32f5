"""Every task event of a case goes on the case's timeline (core.AuditRecord on the Case).

viewflow saves tasks from its own activations and views; we read the status before and after each save of a task
of our flows and record what changed: created, assigned, released, reassigned, started, done, cancelled, failed.
Migrations and escalations are recorded by their services.
"""

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.actor import current_actor
from core.services.audit import audit_record

TRANSITIONS = {
    (STATUS.NEW, STATUS.ASSIGNED): "task_assigned",
    (STATUS.ASSIGNED, STATUS.NEW): "task_released",
    (STATUS.ASSIGNED, STATUS.STARTED): "task_started",
}
TERMINAL = {STATUS.DONE: "task_done", STATUS.CANCELED: "task_cancelled", STATUS.ERROR: "task_failed"}


def _is_ours(task: Task) -> bool:
    from workflows.models import Case

    flow_class = getattr(task.flow_task, "flow_class", None)
    return flow_class is not None and issubclass(flow_class.process_class, Case)


@receiver(pre_save, sender=Task, dispatch_uid="workflows.events.remember")
def remember_previous_state(sender, instance: Task, **kwargs) -> None:
    if instance.pk and _is_ours(instance):
        instance._previous_state = Task.objects.filter(pk=instance.pk).values_list("status", "owner_id").first()


def _action(task: Task, created: bool) -> str | None:
    if created:
        return "task_created"
    previous = getattr(task, "_previous_state", None)
    if previous is None:
        return None
    status, owner_id = previous
    if status == task.status:
        return "task_reassigned" if status == STATUS.ASSIGNED and owner_id != task.owner_id else None
    return TERMINAL.get(STATUS(task.status)) or TRANSITIONS.get((status, task.status))


@receiver(post_save, sender=Task, dispatch_uid="workflows.events.record")
def record_task_event(sender, instance: Task, created: bool, **kwargs) -> None:
    if not _is_ours(instance):
        return
    action = _action(instance, created)
    instance._previous_state = (instance.status, instance.owner_id)
    if action is None:
        return
    from workflows.models import Case

    case = Case.objects.only("id", "reference").get(pk=instance.process_id)
    with transaction.atomic():
        audit_record(
            obj=case,
            actor=current_actor(),
            action=action,
            to_state=instance.status,
            changes={
                "task": instance.pk,
                "step": instance.flow_task.name,
                "owner": instance.owner.email if instance.owner_id else "",
            },
        )
