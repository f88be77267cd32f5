"""Two people taking the same task at the same moment: one gets it, the other a clear refusal (PostgreSQL)."""

import pytest
from viewflow.workflow.models import Task

from core.errors import TransitionNotAllowed
from tests.core.test_concurrency import run_together
from tests.workflows.fixtures import waiting
from workflows.services.task_actions import task_claim

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_people_taking_one_task_at_once_one_wins(require_postgres, v1, start, checker, other_checker):
    for _ in range(5):
        task = waiting(start())
        results = run_together(
            lambda task=task: task_claim(actor=checker, task_id=task.pk),
            lambda task=task: task_claim(actor=other_checker, task_id=task.pk),
        )
        winners = [r for r in results if isinstance(r, Task)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert isinstance(losers[0], TransitionNotAllowed)
        task.refresh_from_db()
        assert task.owner == winners[0].owner


def test_viewflows_nowait_lock_breaks_the_transaction_of_the_second_writer(require_postgres, v1, start):
    """Why our flows use SelectForUpdateLock(nowait=False): with viewflow's default NOWAIT instance, the second
    writer's transaction is left aborted instead of waiting its turn."""
    import threading

    from django.db import DatabaseError, connection, transaction
    from viewflow.workflow import lock

    case = start()
    flow_class = type(case).objects.get(pk=case.pk).flow_class
    held, release = threading.Event(), threading.Event()

    def holder():
        with transaction.atomic(), lock.select_for_update_lock(flow_class, case.pk):
            held.set()
            release.wait(timeout=10)
        connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(timeout=10)
    try:
        with pytest.raises(DatabaseError), transaction.atomic(), lock.select_for_update_lock(flow_class, case.pk):
            pass
    finally:
        release.set()
        thread.join(timeout=10)
