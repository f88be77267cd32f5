"""Claiming, releasing and handing out human tasks, through viewflow's activations, under the case's lock."""

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.actor import acting_as
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from core.models import User
from workflows.permissions import can_assign_others, can_release, may_do
from workflows.refs import step_is_missing


def _task(task_id: int) -> Task:
    task = Task.objects.filter(pk=task_id, flow_task_type="HUMAN", process__case__isnull=False).first()
    if task is None:
        raise NotFound(_("No such task."))
    if step_is_missing(task):
        raise TransitionNotAllowed(
            _("This step no longer exists in the case's process version: an administrator must migrate the case.")
        )
    return task


def _ensure_open_for(task: Task, user: User) -> None:
    if not getattr(task.flow_task, "claimable", True):
        raise TransitionNotAllowed(_("This task is given to a person from its own page; it cannot be taken."))
    if task.status == STATUS.ASSIGNED:
        raise TransitionNotAllowed(
            _("This task is already taken by %(owner)s.") % {"owner": task.owner.get_full_name() or task.owner.email}
        )
    if task.status != STATUS.NEW:
        raise TransitionNotAllowed(_("This task is not waiting to be taken any more."))
    allowed, reason = may_do(user, task)
    if not allowed:
        raise NotPermitted(reason)


@transaction.atomic
def task_claim(*, actor: User, task_id: int) -> Task:
    task = _task(task_id)
    # The case lock makes two people clicking "take" at once see one winner and one clear refusal.
    with task.activation() as activation, acting_as(actor):
        _ensure_open_for(activation.task, actor)
        activation.assign(actor)
    return activation.task


@transaction.atomic
def task_release(*, actor: User, task_id: int) -> Task:
    task = _task(task_id)
    with task.activation() as activation, acting_as(actor):
        if activation.task.status != STATUS.ASSIGNED:
            raise TransitionNotAllowed(_("This task is not taken by anyone."))
        allowed, reason = can_release(actor, activation.task)
        if not allowed:
            raise NotPermitted(reason)
        activation.unassign()
    return activation.task


@transaction.atomic
def tasks_assign(*, actor: User, task_ids: list[int], assignee_id: int) -> list[Task]:
    """Give waiting tasks to one person: all of them or, if any cannot go to that person, none."""
    allowed, reason = can_assign_others(actor)
    if not allowed:
        raise NotPermitted(reason)
    if not task_ids:
        raise InvalidInput(_("Choose at least one task."), extra={"fields": {"tasks": []}})
    assignee = User.objects.filter(pk=assignee_id, is_active=True, is_staff=True).first()
    if assignee is None:
        raise InvalidInput(_("Choose a member of staff."), extra={"fields": {"assignee": []}})
    done = []
    for task_id in sorted(set(task_ids)):  # a fixed order: two bulk assignments cannot deadlock on the cases
        task = _task(task_id)
        with task.activation() as activation, acting_as(actor):
            try:
                _ensure_open_for(activation.task, assignee)
            except NotPermitted:
                raise InvalidInput(
                    _("%(person)s may not do task #%(task)s.")
                    % {"person": assignee.get_full_name() or assignee.email, "task": task_id}
                ) from None
            activation.assign(assignee)
        done.append(activation.task)
    return done
