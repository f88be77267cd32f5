"""The staff task inbox, across every registered process. Processes are added by the workflows registry."""

from django.db.models import QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

INBOX_LIMIT = 200


def tasks_of_user(user) -> QuerySet[Task]:
    """Tasks assigned to the user and not yet done, oldest first, with their process in the same query."""
    return (
        Task.objects.filter(owner=user, status=STATUS.ASSIGNED)
        .select_related("process")
        .order_by("created")[:INBOX_LIMIT]
    )
