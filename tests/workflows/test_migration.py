import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS

from core.errors import InvalidInput, TransitionNotAllowed
from core.models import AuditRecord
from tests.workflows.fixtures import KEY, complete, publish, waiting
from workflows.models import Case
from workflows.refs import step_of, with_raw_ref
from workflows.services.migration import plan_migration, run_migration

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_flight(v2, start, checker):
    """Three v1 cases: two waiting at `check`, one already at `decide`."""
    first, second, third = start(), start(), start()
    complete(waiting(third, "check"), checker)
    return first, second, third


def _steps(case: Case) -> list[str]:
    return sorted(step_of(t.raw_ref) for t in with_raw_ref(Task.objects.filter(process_id=case.pk)))


def test_a_dry_run_lists_what_moves_and_what_cannot_and_changes_nothing(in_flight, capsys):
    first, _second, third = in_flight
    call_command("workflow_migrate", KEY, "--from", "1", "--to", "2", "--map", "check=screen", "--dry-run")
    out = capsys.readouterr().out
    assert "3 case(s) can move, 0 cannot" in out
    assert f"#{first.pk} DEMO-0001: check -> screen" in out
    assert f"#{third.pk} DEMO-0003: decide -> decide" in out
    assert "Dry run: nothing changed." in out
    assert set(Case.objects.values_list("process_version__version", flat=True)) == {1}
    assert not AuditRecord.objects.filter(action="case_migrated").exists()


def test_cases_without_a_mapping_for_their_waiting_step_stay_untouched(in_flight, capsys):
    first, _second, third = in_flight
    call_command("workflow_migrate", KEY, "--from", "1", "--to", "2")
    out = capsys.readouterr().out
    assert "1 case(s) can move, 2 cannot" in out
    assert f"stays  #{first.pk} DEMO-0001: waiting step check has no mapping" in out
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.process_version.version, third.process_version.version) == (1, 2)
    assert _steps(first) == ["check", "start"]


def test_a_real_migration_moves_each_case_records_it_and_the_case_runs_on(in_flight, checker, decider):
    first, _second, third = in_flight
    plan = plan_migration(key=KEY, from_version=1, to_version=2, mapping={"check": "screen"})
    moved, blocked = run_migration(plan=plan, actor=None)
    assert (len(moved), blocked) == (3, [])
    first.refresh_from_db()
    assert first.process_version.label == "demo_request@2"
    assert first.flow_class.__name__ == "DemoRequestV2Flow"
    assert _steps(first) == ["screen", "start"]
    assert _steps(third) == ["decide", "screen", "start"]  # the finished check is now history under its new name
    record = AuditRecord.objects.for_object(first).get(action="case_migrated")
    assert (record.from_state, record.to_state, record.changes) == (
        "demo_request@1",
        "demo_request@2",
        {"steps": {"check": "screen"}},
    )
    # The moved case continues on the new graph: screening, then the new second opinion, then the decision.
    complete(waiting(first, "screen"), checker)
    complete(waiting(first, "second_opinion"), checker)
    complete(waiting(first, "decide"), decider)
    first.refresh_from_db()
    assert first.status == PROCESS.DONE


def test_rerunning_a_migration_does_nothing_more(in_flight, capsys):
    args = [KEY, "--from", "1", "--to", "2", "--map", "check=screen"]
    call_command("workflow_migrate", *args)
    capsys.readouterr()
    call_command("workflow_migrate", *args)
    assert "0 case(s) can move, 0 cannot" in capsys.readouterr().out
    assert AuditRecord.objects.filter(action="case_migrated").count() == 3


def test_a_case_that_moved_on_since_the_plan_is_checked_again(in_flight, checker):
    first, _second, _third = in_flight
    plan = plan_migration(key=KEY, from_version=1, to_version=2, mapping={"check": "screen"})
    complete(waiting(first, "check"), checker)  # now waits at decide, which v2 also has
    moved, _blocked = run_migration(plan=plan, actor=None)
    assert first.pk in [m.case_id for m in moved]
    assert dict(next(m for m in moved if m.case_id == first.pk).steps) == {"decide": "decide"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nothing", "--from", "1", "--to", "2"], "Unknown process nothing"),
        ([KEY, "--from", "1", "--to", "7"], "has no version 7"),
        ([KEY, "--from", "1", "--to", "2", "--map", "check=nowhere"], "has no step nowhere"),
        ([KEY, "--from", "1", "--to", "2", "--map", "check"], "--map takes old_step=new_step"),
        ([KEY, "--from", "2", "--to", "2"], "two different versions"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(in_flight, args, message):
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("workflow_migrate", *args)
    assert set(Case.objects.values_list("process_version__version", flat=True)) == {1}


def test_a_retired_version_cannot_be_migrated_and_the_target_must_be_current(v1, start):
    publish(2)
    publish(2, "frozen")
    with translation.override("en"), pytest.raises(TransitionNotAllowed, match="can only move to a current version"):
        plan_migration(key=KEY, from_version=1, to_version=2, mapping={})
    publish(1, "retired")
    publish(2, "current")
    with translation.override("en"), pytest.raises(TransitionNotAllowed, match="retired"):
        plan_migration(key=KEY, from_version=1, to_version=2, mapping={})


def test_a_step_cannot_become_a_step_of_another_kind(in_flight):
    plan = plan_migration(key=KEY, from_version=1, to_version=2, mapping={"check": "end"})
    assert len(plan.blocked) == 2
    assert "cannot become end" in plan.blocked[0].reasons[0]


def test_the_map_must_name_target_steps(in_flight):
    with pytest.raises(InvalidInput) as error:
        plan_migration(key=KEY, from_version=1, to_version=2, mapping={"check": "screen", "x": "y"})
    assert error.value.extra["fields"]["map"] == ["y"]
