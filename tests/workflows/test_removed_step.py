"""viewflow reads a case's graph from the current code. A deploy that removes (or renames) a step on which a task is
waiting leaves that task pointing at nothing, and viewflow's own task lists then fail with a server error. Here we
reproduce it, and show how our pages, checks and migration deal with it."""

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.urls import NoReverseMatch, get_resolver
from django.utils import translation
from viewflow.workflow.models import Task

from tests.workflows.fixtures import KEY, publish, waiting
from workflows import registry
from workflows.checks import orphaned_tasks
from workflows.models import ProcessVersion
from workflows.refs import task_ref

pytestmark = pytest.mark.django_db


def _remove_step_under(task: Task, step: str = "examine") -> None:
    """What a deploy that renamed `check` to `examine` in the same class leaves in the database."""
    flow_ref = registry.get(KEY, 1).flow_ref
    Task.objects.filter(pk=task.pk).update(flow_task=task_ref(flow_ref, step))


@pytest.fixture
def orphan(v1, start):
    case = start()
    task = waiting(case, "check")
    _remove_step_under(task)
    return case, Task.objects.get(pk=task.pk)


def test_viewflow_itself_fails_on_a_waiting_task_whose_step_was_removed(orphan, staff_client, administrator):
    _case, _task = orphan
    client = staff_client(administrator)
    assert get_resolver().url_patterns  # build the URL tree, as the first request would
    with translation.override("en"):
        url = registry.get(KEY, 1).flow_class.instance.reverse("task_list")
    assert url == "/en/staff/tasks/flows/demorequestv1/tasks/"
    client.raise_request_exception = True
    with pytest.raises(NoReverseMatch):
        client.get(url)


@pytest.mark.parametrize("page", ["queue", "team", "case"])
def test_our_pages_show_the_task_and_say_the_step_is_gone(orphan, staff_client, administrator, checker, page):
    case, _task = orphan
    # The queue shows what the person's roles may do: the checker's; the team page is the call manager's.
    client = staff_client(checker if page == "queue" else administrator)
    client.raise_request_exception = True
    path = f"/en/staff/tasks/case/{case.pk}/" if page == "case" else f"/en/staff/tasks/{page}/"
    response = client.get(path)
    assert response.status_code == 200
    assert "Step removed: the case must be migrated" in response.content.decode()


def test_taking_a_task_on_a_removed_step_is_refused_with_a_reason(orphan, staff_client, checker):
    _case, task = orphan
    client = staff_client(checker)
    response = client.post(f"/en/staff/tasks/task/{task.pk}/take/", follow=True)
    assert "no longer exists" in response.content.decode()
    task.refresh_from_db()
    assert task.owner_id is None


def test_the_system_check_reports_the_orphaned_task(orphan):
    assert orphaned_tasks() == [("demo_request@1", "examine", 1)]
    errors = [e for e in run_checks(databases=["default"]) if e.id == "workflows.E001"]
    assert len(errors) == 1
    assert "examine" in errors[0].msg
    # Without a database (plain `manage.py check`) the check stays silent rather than failing to connect.
    assert not [e for e in run_checks() if e.id == "workflows.E001"]


def test_a_migration_with_a_map_rescues_the_case(orphan, capsys):
    case, _task = orphan
    publish(2)
    call_command("workflow_migrate", KEY, "--from", "1", "--to", "2", "--map", "examine=screen")
    assert "Moved 1 case(s)" in capsys.readouterr().out
    assert orphaned_tasks() == []
    assert waiting(case, "screen").status == "NEW"


def test_the_check_fails_when_a_published_graph_is_changed_in_code(v1, monkeypatch):
    assert not [e for e in run_checks(databases=["default"]) if e.id == "workflows.E002"]
    ProcessVersion.objects.filter(key=KEY, version=1).update(graph_fingerprint="0" * 64)
    errors = [e for e in run_checks(databases=["default"]) if e.id == "workflows.E002"]
    assert len(errors) == 1 and "demo_request@1" in errors[0].msg
