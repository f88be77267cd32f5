"""viewflow stores flows and steps as strings ("app/module.Class" and "app/module.Class.step") and imports them on
read. To see what is really stored, even when the code no longer has that step, we read the raw strings."""

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from viewflow.workflow.status import STATUS

FINISHED_TASK = [STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED]


def with_raw_ref(tasks: QuerySet) -> QuerySet:
    return tasks.annotate(raw_ref=Cast("flow_task", CharField()))


def step_of(task_ref: str) -> str:
    return task_ref.rsplit(".", 1)[-1]


def flow_of(task_ref: str) -> str:
    return task_ref.rsplit(".", 1)[0]


def task_ref(flow_ref: str, step: str) -> str:
    return f"{flow_ref}.{step}"


def step_is_missing(task) -> bool:
    """True when the code no longer has the task's step (viewflow then hands back an Obsolete node, or nothing)."""
    from viewflow.workflow.nodes import Obsolete

    return task.flow_task is None or isinstance(task.flow_task, Obsolete)
