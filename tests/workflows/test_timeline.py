import pytest
from django.utils import translation

from core.models import AuditRecord
from tests.workflows.fixtures import KEY, complete, publish, waiting
from workflows.services.deadlines import deadlines_sweep
from workflows.services.migration import plan_migration, run_migration
from workflows.services.task_actions import task_claim, task_release, tasks_assign

pytestmark = pytest.mark.django_db


def _timeline(case) -> list[tuple[str, str, str]]:
    records = AuditRecord.objects.for_object(case).order_by("pk")
    return [(r.action, r.changes.get("step", ""), r.actor_label) for r in records]


def test_every_task_event_is_on_the_case_timeline(v1, start, checker, call_manager, decider):
    case = start()
    task = waiting(case, "check")
    task_claim(actor=checker, task_id=task.pk)
    task_release(actor=checker, task_id=task.pk)
    tasks_assign(actor=call_manager, task_ids=[task.pk], assignee_id=checker.pk)
    complete(task, checker)
    timeline = _timeline(case)
    assert ("task_created", "check", "system") in timeline
    assert ("task_assigned", "check", checker.email) in timeline
    assert ("task_released", "check", checker.email) in timeline
    assert ("task_assigned", "check", call_manager.email) in timeline
    assert ("task_done", "check", "system") in timeline
    assert ("task_created", "decide", "system") in timeline
    assert timeline[0][0] == "task_created" and timeline[0][1] == "start"


def test_cancelled_migrated_and_escalated_are_on_the_timeline_too(v1, start, checker, administrator):
    case = start()
    task = waiting(case, "check")
    publish(2)
    run_migration(plan=plan_migration(key=KEY, from_version=1, to_version=2, mapping={"check": "screen"}), actor=None)
    deadlines_sweep(now=task.deadline.due_at.replace(year=task.deadline.due_at.year + 1))
    with waiting(case, "screen").activation() as activation:
        activation.cancel()
    actions = [action for action, _step, _actor in _timeline(case)]
    for expected in ("case_migrated", "task_escalated", "task_cancelled"):
        assert expected in actions


def test_staff_read_the_timeline_and_the_version_on_the_case_page(v1, start, checker, staff_client):
    case = start()
    task_claim(actor=checker, task_id=waiting(case).pk)
    with translation.override("en"):
        content = staff_client(checker).get(f"/en/staff/tasks/case/{case.pk}/").content.decode()
    assert "demo_request@1" in content
    assert "task_assigned" in content
    assert checker.email in content


def test_applicants_cannot_open_a_case_page(v1, start, client, commune_editor):
    case = start()
    client.force_login(commune_editor)
    assert client.get(f"/en/staff/tasks/case/{case.pk}/").status_code == 403
