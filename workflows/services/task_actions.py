"""Claiming, releasing and handing out human tasks, and doing one, through viewflow's activations, under the case's
lock."""

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.actor import acting_as
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from core.models import User
from core.roles import is_staff_member
from workflows.permissions import can_assign_others, can_release, may_do
from workflows.refs import step_is_missing

T = TypeVar("T")


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


def _ensure_may_act(actor: User, task: Task) -> None:
    """A task from the queue needs its permission; a task given to one person by a service (a reviewer's place) is
    that person's alone, as its page says to anyone else."""
    if getattr(task.flow_task, "claimable", True):
        allowed, reason = may_do(actor, task)
        if not allowed:
            raise NotPermitted(reason)
    elif task.owner_id != actor.pk:
        raise NotPermitted(_("This task is given to someone else."))


def task_for_action(*, actor: User, task_id: int) -> Task:
    """The task someone is about to act on, checked before anything is read from their request: a 404 when there is
    no such task (or they are not staff), a 403 when their roles may not do it."""
    if not is_staff_member(actor):
        raise NotFound(_("No such task."))
    task = _task(task_id)
    _ensure_may_act(actor, task)
    return task


def step_of_task(task: Task) -> tuple[str, str]:
    """(process key, step name), e.g. ("grant_application", "check_eligibility")."""
    return task.process.case.process_version.key, task.flow_task.name


def _ensure_step(task: Task, process: str, step: str) -> None:
    if step_of_task(task) != (process, step):
        raise TransitionNotAllowed(
            _("This task is the step “%(step)s”: this action is not done there.")
            % {"step": task.flow_task.task_title or task.flow_task.name}
        )


def task_at_step(*, actor: User, task_id: int, process: str, step: str) -> Task:
    """What a task's page shows before its form is sent: for those who may do the task, at that step."""
    task = task_for_action(actor=actor, task_id=task_id)
    _ensure_step(task, process, step)
    return task


@transaction.atomic
def task_act(
    *,
    actor: User,
    task_id: int,
    process: str,
    step: str,
    action: Callable[[Task], T],
    completes: Callable[[T], bool] = lambda result: True,
) -> T:
    """Do a human task the way its page does: under the case's lock, the task must be at `step` of `process` and
    taken by the actor; `action` calls the domain service; when `completes(result)`, the task is done and the process
    moves on. Any refusal leaves everything as it was."""
    task = _task(task_id)
    with task.activation() as activation, acting_as(actor):
        task = activation.task
        _ensure_may_act(actor, task)
        _ensure_step(task, process, step)
        if task.status != STATUS.ASSIGNED or task.owner_id != actor.pk:
            raise TransitionNotAllowed(_("Take the task first: only the person who holds a task does it."))
        result = action(task)
        if completes(result):
            activation.start(None)
            activation.execute()
    return result
