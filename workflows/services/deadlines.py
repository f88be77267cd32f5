"""Deadlines of human tasks: computed when the task is created; reminders before, escalation after."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.calendar import due_date
from core.services.audit import audit_record
from core.services.notifications import notify
from workflows.models import Case, TaskDeadline, TeamLead

logger = logging.getLogger(__name__)

OPEN_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
SWEEP_BATCH = 500


def _end_of_day(day: dt.date) -> dt.datetime:
    # A deadline is the whole last day, in Brussels time.
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ZoneInfo(settings.TIME_ZONE))


def deadline_create(*, task: Task) -> TaskDeadline:
    node = task.flow_task
    case = Case.objects.only("due_overrides").get(pk=task.process_id)
    days = int(case.due_overrides.get(node.name, node.due_days))
    created = timezone.localtime(task.created).date()
    due_at = _end_of_day(due_date(created, days))
    remind_at = max(due_at - dt.timedelta(days=node.remind_days_before), timezone.now())
    return TaskDeadline.objects.create(task=task, due_at=due_at, remind_at=remind_at)


def _leads_for(task: Task) -> list:
    """The leads of the teams whose role may do the task (by the task's permission)."""
    if not task.owner_permission:
        return []
    app_label, codename = task.owner_permission.split(".", 1)
    leads = TeamLead.objects.filter(
        role__permissions__codename=codename, role__permissions__content_type__app_label=app_label
    ).select_related("user")
    return list({lead.user_id: lead.user for lead in leads}.values())


def _task_context(task: Task) -> dict:
    case = task.process.case
    # The step title stays lazy: it is translated when the message renders in the recipient's language.
    step = task.flow_task.task_title or task.flow_task.name
    return {"task": task, "case": case, "step": step, "due_at": task.deadline.due_at}


def _case_url(task: Task, recipient) -> str:
    with translation.override(recipient.preferred_language):
        return reverse("staff:tasks:case", args=[task.process_id])


def _send_reminder(deadline: TaskDeadline) -> None:
    task = deadline.task
    recipients = [task.owner] if task.owner_id else _leads_for(task)
    for recipient in recipients:
        notify(
            recipient=recipient,
            key=f"task-reminder:{task.pk}:{recipient.pk}:{deadline.due_at:%Y%m%d}",
            template="workflow_task_reminder",
            context=_task_context(task),
            url=_case_url(task, recipient),
        )


def _escalate(deadline: TaskDeadline) -> None:
    task = deadline.task
    leads = _leads_for(task)
    for lead in leads:
        notify(
            recipient=lead,
            key=f"task-escalation:{task.pk}:{lead.pk}:{deadline.due_at:%Y%m%d}",
            template="workflow_task_escalated",
            context={**_task_context(task), "owner": task.owner},
            url=_case_url(task, lead),
        )
    audit_record(
        obj=task.process.case,
        actor=None,
        action="task_escalated",
        changes={"task": task.pk, "step": task.flow_task.name, "leads": [lead.email for lead in leads]},
    )


def deadlines_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send due reminders and escalations. Each deadline is handled in its own transaction, under a row lock,
    and marked as handled, so two sweeps at once or a sweep run twice never notify twice."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    open_tasks = Q(task__status__in=OPEN_STATUSES)
    reminder_ids = list(
        TaskDeadline.objects.filter(
            open_tasks, reminded_at__isnull=True, remind_at__lte=now, due_at__gt=now
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    escalation_ids = list(
        TaskDeadline.objects.filter(open_tasks, escalated_at__isnull=True, due_at__lte=now).values_list(
            "pk", flat=True
        )[:SWEEP_BATCH]
    )
    for deadline_id in reminder_ids:
        counts["reminded"] += _handle(deadline_id, "reminded_at", _send_reminder, now)
    for deadline_id in escalation_ids:
        counts["escalated"] += _handle(deadline_id, "escalated_at", _escalate, now)
    return counts


def _handle(deadline_id: int, mark: str, action, now: dt.datetime) -> int:
    with transaction.atomic():
        deadline = (
            TaskDeadline.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("task__owner", "task__process__case")
            .filter(pk=deadline_id, **{f"{mark}__isnull": True})
            .first()
        )
        if deadline is None:  # handled by a concurrent sweep
            return 0
        action(deadline)
        setattr(deadline, mark, now)
        deadline.save(update_fields=[mark])
    return 1
