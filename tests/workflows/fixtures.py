"""The demo process (tests/workflow_demo) in two versions, the people who work on it, and helpers to run cases."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.roles import StaffRole
from tests.factories import UserFactory
from tests.workflow_demo.models import DemoProgramme, DemoRequest
from workflows.models import Case
from workflows.services.cases import case_start
from workflows.services.versions import sync_versions, version_set_state

KEY = "demo_request"


def publish(version: int, state: str = "current"):
    return version_set_state(actor=None, key=KEY, version=version, state=state)


@pytest.fixture
def v1(db):
    sync_versions()
    return publish(1)


@pytest.fixture
def v2(v1):
    return publish(2)


def _group(name: str, *codenames: str) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    return group


@pytest.fixture
def checker(db):
    user = UserFactory(email="checker@bpl.brussels", roles=[StaffRole.ELIGIBILITY_OFFICER])
    user.groups.add(_group("demo_checkers", "check_demorequest"))
    return user


@pytest.fixture
def other_checker(db):
    user = UserFactory(email="checker2@bpl.brussels", preferred_language="nl", roles=[StaffRole.ELIGIBILITY_OFFICER])
    user.groups.add(_group("demo_checkers", "check_demorequest"))
    return user


@pytest.fixture
def decider(db):
    user = UserFactory(email="decider@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])
    user.groups.add(_group("demo_deciders", "decide_demorequest"))
    return user


@pytest.fixture
def call_manager(db):
    return UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])


@pytest.fixture
def programme(db):
    return DemoProgramme.objects.create(code="PROG-2026")


@pytest.fixture
def start(programme, commune, administrator):
    """Start a demo case: start(pin="demo_request@1", amount="1000")."""
    counter = iter(range(1, 100_000))

    def run(pin: str = f"{KEY}@1", amount: str = "125000.00", **extra) -> Case:
        number = next(counter)
        request = DemoRequest.objects.create(programme=programme, organisation=commune, amount=Decimal(amount))
        return case_start(
            pin=pin,
            actor=administrator,
            reference=f"DEMO-{number:04d}",
            title=f"Demo request {number}",
            organisation=commune,
            amount=Decimal(amount),
            source=programme,
            artifact=request,
            **extra,
        )

    return run


def waiting(case: Case, step: str | None = None) -> Task:
    tasks = Task.objects.filter(process_id=case.pk, flow_task_type="HUMAN").exclude(
        status__in=[STATUS.DONE, STATUS.CANCELED]
    )
    if step:
        tasks = tasks.filter(flow_task__endswith=f".{step}")
    return tasks.get()


def complete(task: Task, user) -> None:
    """Do a human task the way its page does: take it if needed, start it, execute it."""
    with task.activation() as activation:
        if activation.task.status == STATUS.NEW:
            activation.assign(user)
    with task.activation() as activation:
        activation.start(None)
        activation.execute()
