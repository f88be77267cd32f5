"""Who may take, give back and hand out tasks. Each check returns (allowed, reason)."""

from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from core.roles import is_staff_member

Decision = tuple[bool, str]
OK: Decision = (True, "")


def may_do(user, task: Task) -> Decision:
    """The task's permission is held by one of the user's roles."""
    if not is_staff_member(user):
        return False, _("Only staff take tasks.")
    if task.owner_permission and not user.has_perm(task.owner_permission):
        return False, _("Your roles do not allow this task.")
    return OK


def can_release(user, task: Task) -> Decision:
    if not getattr(task.flow_task, "claimable", True):
        return False, _("This task cannot be given back: use its own page (e.g. declare a conflict of interest).")
    if task.owner_id == user.pk or (is_staff_member(user) and user.has_perm("workflows.assign_tasks")):
        return OK
    return False, _("Only the person who holds the task, or a call manager, may give it back.")


def can_assign_others(user) -> Decision:
    if is_staff_member(user) and user.has_perm("workflows.assign_tasks"):
        return OK
    return False, _("Only call managers assign tasks to others.")
