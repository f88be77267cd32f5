import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import translation
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.status import PROCESS

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import AuditRecord
from tests.workflows.fixtures import KEY, complete, publish, waiting
from workflows import registry
from workflows.base import CaseFlow
from workflows.models import Case, ProcessVersion
from workflows.services.cases import pin_for_publication
from workflows.services.versions import sync_versions, version_set_state

pytestmark = pytest.mark.django_db


def test_both_versions_run_side_by_side_to_the_end(v2, start, checker, decider):
    old, new = start(pin=f"{KEY}@1"), start(pin=f"{KEY}@2")
    assert (old.process_version.label, new.process_version.label) == ("demo_request@1", "demo_request@2")
    complete(waiting(old, "check"), checker)
    complete(waiting(new, "screen"), checker)
    complete(waiting(new, "second_opinion"), checker)
    complete(waiting(old, "decide"), decider)
    complete(waiting(new, "decide"), decider)
    for case in (old, new):
        case.refresh_from_db()
        assert case.status == PROCESS.DONE
    assert Case.objects.get(pk=old.pk).flow_class.__name__ == "DemoRequestV1Flow"
    assert Case.objects.get(pk=new.pk).flow_class.__name__ == "DemoRequestV2Flow"


def test_a_case_keeps_the_summary_it_was_started_with(v1, start, commune):
    case = start(amount="125000.00")
    case.refresh_from_db()
    assert (case.reference, case.organisation, str(case.amount), case.source_label) == (
        "DEMO-0001",
        commune,
        "125000.00",
        "PROG-2026",
    )
    assert case.artifact.amount == case.amount


@pytest.mark.parametrize(
    ("state", "message"),
    [("draft", "is a draft"), ("frozen", "is frozen"), ("retired", "is retired")],
)
def test_a_case_cannot_start_on_a_version_that_takes_no_cases(db, start, state, message):
    sync_versions()
    if state in ("frozen",):
        publish(1)
    if state != "draft":
        publish(1, state)
    with translation.override("en"), pytest.raises(TransitionNotAllowed, match=message):
        start(pin=f"{KEY}@1")
    assert not Case.objects.exists()


def test_the_refusal_speaks_dutch_to_a_dutch_user(db, start):
    sync_versions()
    with translation.override("nl"), pytest.raises(TransitionNotAllowed) as error:
        start(pin=f"{KEY}@1")
    assert "ontwerp" in str(error.value.message)


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("demo_request", "is not a process version"),
        ("demo_request@0", "is not a process version"),
        ("nothing@1", "Unknown process nothing"),
        ("demo_request@9", "has no version 9"),
    ],
)
def test_a_bad_pin_is_refused_with_a_clear_message(v1, start, pin, message):
    with translation.override("en"), pytest.raises(InvalidInput, match=message):
        start(pin=pin)
    assert not Case.objects.exists()


def test_publication_pins_the_newest_current_version(v1):
    assert pin_for_publication(KEY) == "demo_request@1"
    publish(2)
    assert pin_for_publication(KEY) == "demo_request@2"
    assert pin_for_publication(KEY, 1) == "demo_request@1"
    publish(1, "frozen")
    with pytest.raises(TransitionNotAllowed):
        pin_for_publication(KEY, 1)
    with pytest.raises(InvalidInput):
        pin_for_publication("nothing")


def test_a_frozen_version_finishes_its_cases_but_takes_no_new_ones(v1, start, checker, decider):
    case = start()
    publish(1, "frozen")
    with pytest.raises(TransitionNotAllowed):
        start()
    complete(waiting(case, "check"), checker)
    complete(waiting(case, "decide"), decider)
    case.refresh_from_db()
    assert case.status == PROCESS.DONE


def test_a_version_with_cases_in_flight_cannot_retire_until_they_finish(v1, start, checker, decider):
    case = start()
    with translation.override("en"), pytest.raises(TransitionNotAllowed, match="1 case"):
        publish(1, "retired")
    complete(waiting(case, "check"), checker)
    complete(waiting(case, "decide"), decider)
    row = publish(1, "retired")
    assert row.state == "retired"
    with pytest.raises(TransitionNotAllowed):
        publish(1, "current")
    assert AuditRecord.objects.filter(action="version_state_changed", to_state="retired").count() == 1


def test_publishing_records_the_graph_and_only_administrators_change_versions(db, checker, administrator):
    sync_versions()
    with pytest.raises(NotPermitted):
        version_set_state(actor=checker, key=KEY, version=1, state="current")
    row = version_set_state(actor=administrator, key=KEY, version=1, state="current")
    assert row.graph_fingerprint == registry.get(KEY, 1).fingerprint()
    assert row.published_at is not None


def test_registration_refuses_a_flow_without_the_row_lock_or_our_case_model():
    class Unlocked(CaseFlow):
        lock_impl = lock.no_lock
        start = flow.StartHandle(this.begin).Next(this.end)
        end = flow.End()

    with pytest.raises(ImproperlyConfigured, match="SelectForUpdateLock"):
        registry.register("unlocked", 1)(Unlocked)

    class PlainProcess(flow.Flow):
        lock_impl = lock.select_for_update_lock
        start = flow.StartHandle().Next(this.end)
        end = flow.End()

    with pytest.raises(ImproperlyConfigured, match="Case"):
        registry.register("plain", 1)(PlainProcess)
    with pytest.raises(ImproperlyConfigured, match="already"):
        registry.register(KEY, 1)(Unlocked.__base__)
    assert [v.label for v in registry.versions_of(KEY)] == ["demo_request@1", "demo_request@2"]


def test_workflow_versions_lists_states_and_waiting_steps(v2, start, capsys):
    start(pin=f"{KEY}@1")
    start(pin=f"{KEY}@1")
    start(pin=f"{KEY}@2")
    call_command("workflow_versions")
    out = capsys.readouterr().out
    assert "demo_request@1" in out and "demo_request@2" in out
    lines = out.splitlines()
    v1_block = out.split("demo_request@2")[0]
    assert "2 case(s) in flight" in v1_block
    assert any(line.split() == ["check", "2", "waiting"] for line in lines)
    assert any(line.split() == ["screen", "1", "waiting"] for line in lines)


def test_workflow_versions_changes_a_state_from_the_command_line(db, capsys):
    call_command("workflow_versions", publish=f"{KEY}@2")
    assert ProcessVersion.objects.get(key=KEY, version=2).state == "current"
    assert "demo_request@2 is now current." in capsys.readouterr().out
