"""What staff see of the work: my tasks, the queue my roles may take, what I did; and a case's timeline.

Every list selects the case, its organisation, its version and the deadline in the same query, so a page costs the
same number of queries whatever the number of tasks.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.models import AuditRecord
from core.roles import is_staff_member
from workflows.models import Case


@dataclass(frozen=True)
class TaskFilters:
    process: str = ""
    source: str = ""
    organisation: int | None = None
    step: str = ""
    due_before: dt.date | None = None
    overdue: bool = False


def _base() -> QuerySet[Task]:
    return Task.objects.filter(flow_task_type="HUMAN", process__case__isnull=False).select_related(
        "process__case__organisation", "process__case__process_version", "deadline", "owner"
    )


def _filtered(tasks: QuerySet[Task], filters: TaskFilters) -> QuerySet[Task]:
    if filters.process:
        tasks = tasks.filter(process__case__process_version__key=filters.process)
    if filters.source:
        tasks = tasks.filter(process__case__source_label=filters.source)
    if filters.organisation:
        tasks = tasks.filter(process__case__organisation_id=filters.organisation)
    if filters.step:
        tasks = tasks.filter(flow_task__endswith=f".{filters.step}")
    if filters.due_before:
        end = dt.datetime.combine(filters.due_before, dt.time.max, tzinfo=timezone.get_current_timezone())
        tasks = tasks.filter(deadline__due_at__lte=end)
    if filters.overdue:
        tasks = tasks.filter(deadline__due_at__lt=timezone.now())
    return tasks


def _by_deadline(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.order_by(F("deadline__due_at").asc(nulls_last=True), "created", "pk")


def my_tasks(user, filters: TaskFilters = TaskFilters()) -> QuerySet[Task]:
    return _by_deadline(_filtered(_base().filter(owner=user, status=STATUS.ASSIGNED), filters))


def queue(user, filters: TaskFilters = TaskFilters()) -> QuerySet[Task]:
    """Unclaimed tasks whose permission one of the user's roles holds."""
    tasks = _base().filter(status=STATUS.NEW)
    if not user.is_superuser:
        tasks = tasks.filter(owner_permission__in=sorted(user.get_all_permissions()))
    return _by_deadline(_filtered(tasks, filters))


def done_tasks(user, filters: TaskFilters = TaskFilters()) -> QuerySet[Task]:
    tasks = _base().filter(owner=user, status=STATUS.DONE)
    return _filtered(tasks, filters).order_by("-finished", "-pk")


def team_tasks(filters: TaskFilters = TaskFilters()) -> QuerySet[Task]:
    """All open human tasks, for those who assign work (call managers)."""
    tasks = _base().filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
    return _by_deadline(_filtered(tasks, filters))


def task_for_staff(user, task_id: int) -> Task | None:
    """One human task of a case, for staff who may see cases (the case page lists every task of its case)."""
    if not (is_staff_member(user) and user.has_perm("workflows.view_case")):
        return None
    return with_subjects(_base().filter(pk=task_id)).first()


def with_subjects(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Fetch what each case is about (the application) in one query per kind of object, not one per task."""
    return tasks.prefetch_related("process__case__artifact")


def case_for_staff(user, case_id: int) -> Case | None:
    if not (is_staff_member(user) and user.has_perm("workflows.view_case")):
        return None
    return Case.objects.select_related("organisation", "process_version").filter(pk=case_id).first()


def case_tasks(case: Case) -> QuerySet[Task]:
    return Task.objects.filter(process_id=case.pk).select_related("owner", "deadline").order_by("created", "pk")


def case_timeline(case: Case) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.for_object(case).select_related("actor").order_by("at", "pk")


def process_keys() -> list[str]:
    from workflows import registry

    return sorted({v.key for v in registry.all_versions()})
