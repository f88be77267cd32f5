import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from core.calendar import due_date
from core.models import AuditRecord, Notification
from tests.workflows.fixtures import waiting
from workflows.models import TaskDeadline, TeamLead
from workflows.services.deadlines import deadlines_sweep
from workflows.services.task_actions import task_claim
from workflows.tasks import tick

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (dt.date(2026, 3, 2), 5, dt.date(2026, 3, 9)),  # Monday + 5 = Saturday 7 -> Monday 9
        (dt.date(2026, 3, 2), 3, dt.date(2026, 3, 5)),  # counted from the day after, the last day included
        (dt.date(2026, 12, 20), 5, dt.date(2026, 12, 28)),  # 25 Fri (Christmas), 26 Sat, 27 Sun -> Monday 28
        (dt.date(2026, 7, 16), 5, dt.date(2026, 7, 22)),  # 21 July, national day -> 22
        (dt.date(2026, 10, 30), 3, dt.date(2026, 11, 3)),  # 2 November: 1 Sun, 2 administrative holiday -> 3
        (dt.date(2026, 5, 4), 4, dt.date(2026, 5, 11)),  # 8 May (Iris day) is a Friday -> Monday 11
    ],
)
def test_deadlines_count_as_the_brussels_ordinance_does(start, days, due):
    assert due_date(start, days) == due


def test_a_new_human_task_gets_its_deadline_and_a_call_can_override_it(v1, start):
    task = waiting(start())
    created = timezone.localtime(task.created).date()
    assert timezone.localtime(task.deadline.due_at).date() == due_date(created, 5)
    assert timezone.localtime(task.deadline.due_at).time() == dt.time(23, 59, 59)
    longer = waiting(start(due_overrides={"check": 20}))
    assert timezone.localtime(longer.deadline.due_at).date() == due_date(created, 20)


@pytest.fixture
def lead(db, other_checker):
    """The Dutch-speaking lead of the checking team."""
    TeamLead.objects.create(role=Group.objects.get(name="demo_checkers"), user=other_checker)
    return other_checker


def _at(deadline: TaskDeadline, **offset) -> dt.datetime:
    return deadline.due_at + dt.timedelta(**offset)


def test_the_owner_gets_a_reminder_before_the_deadline_once(v1, start, checker, django_capture_on_commit_callbacks):
    task = waiting(start())
    task_claim(actor=checker, task_id=task.pk)
    deadline = TaskDeadline.objects.get(task=task)
    assert deadlines_sweep(now=_at(deadline, days=-3)) == {"reminded": 0, "escalated": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines_sweep(now=_at(deadline, days=-1)) == {"reminded": 1, "escalated": 0}
        assert deadlines_sweep(now=_at(deadline, hours=-20)) == {"reminded": 0, "escalated": 0}
    assert [m.to for m in mail.outbox] == [[checker.email]]
    assert "DEMO-0001" in mail.outbox[0].subject


def test_a_dutch_lead_gets_a_dutch_escalation_after_the_deadline(
    v1, start, checker, lead, django_capture_on_commit_callbacks
):
    task = waiting(start())
    task_claim(actor=checker, task_id=task.pk)
    deadline = TaskDeadline.objects.get(task=task)
    with django_capture_on_commit_callbacks(execute=True):
        result = deadlines_sweep(now=_at(deadline, minutes=1))
    assert result == {"reminded": 0, "escalated": 1}
    escalation = next(m for m in mail.outbox if m.to == [lead.email])
    assert "Achterstallig" in escalation.subject
    assert "Check the request" in escalation.body
    notification = Notification.objects.get(recipient=lead)
    assert notification.language == "nl" and "/nl/staff/tasks/case/" in notification.url
    record = AuditRecord.objects.get(action="task_escalated")
    assert record.changes["leads"] == [lead.email]
    assert deadlines_sweep(now=_at(deadline, days=1)) == {"reminded": 0, "escalated": 0}


def test_an_unclaimed_task_reminds_the_team_lead(v1, start, lead, django_capture_on_commit_callbacks):
    task = waiting(start())
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep(now=_at(task.deadline, days=-1))
    assert [m.to for m in mail.outbox] == [[lead.email]]


def test_the_celery_tick_runs_the_sweep_and_beat_runs_it_every_minute(v1, start, checker, settings):
    task = waiting(start())
    task_claim(actor=checker, task_id=task.pk)
    TaskDeadline.objects.filter(task=task).update(remind_at=timezone.now() - dt.timedelta(minutes=1))
    result = tick.delay().get()
    assert result["reminded"] == 1
    assert settings.CELERY_BEAT_SCHEDULE["workflows-tick"] == {"task": "workflows.tick", "schedule": 60.0}


def test_done_tasks_are_neither_reminded_nor_escalated(v1, start, checker):
    from tests.workflows.fixtures import complete

    task = waiting(start())
    complete(task, checker)
    deadline = TaskDeadline.objects.get(task=task)
    # The next step's task is open with its own deadline (a weekend or a holiday can bring its reminder within days
    # of this one's deadline): take it out so that the sweep sees only the done task.
    TaskDeadline.objects.exclude(task=task).delete()
    assert deadlines_sweep(now=_at(deadline, days=2)) == {"reminded": 0, "escalated": 0}
    deadline.refresh_from_db()
    assert deadline.reminded_at is None and deadline.escalated_at is None


def test_a_dutch_holder_gets_a_dutch_reminder(v1, start, other_checker, django_capture_on_commit_callbacks):
    task = waiting(start())
    task_claim(actor=other_checker, task_id=task.pk)
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep(now=_at(task.deadline, days=-1))
    (message,) = mail.outbox
    assert message.to == [other_checker.email]
    assert message.subject.startswith("Herinnering")
    assert "/nl/staff/tasks/case/" in message.body


def test_the_tick_fires_viewflow_timers(db, administrator):
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import PROCESS

    from workflows.services.cases import case_start
    from workflows.services.versions import sync_versions, version_set_state

    sync_versions()
    version_set_state(actor=None, key="demo_wait", version=1, state="current")
    case = case_start(pin="demo_wait@1", actor=administrator, reference="WAIT-1")
    timer = Task.objects.get(process_id=case.pk, flow_task_type="TIMER")
    assert timer.status == "SCHEDULED"
    assert tick.delay().get()["timers"] == 0
    Task.objects.filter(pk=timer.pk).update(scheduled=timezone.now() - dt.timedelta(minutes=1))
    assert tick.delay().get()["timers"] == 1
    case.refresh_from_db()
    assert case.status == PROCESS.DONE
