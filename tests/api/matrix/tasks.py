"""Matrix rows: staff work (my tasks, the queue, one task, claim, release, each task's action).

Staff work is invisible to members (404) and not scoped by organisation: any staff member may read the lists and a
task; acting needs the task's permission (the role that takes it from the queue), and a reviewer's place is its
reviewer's alone. Actions are sent without a body: a persona allowed to act gets the 400 of a missing body, which
shows it passed authorization (the body is read before the task's step and holder are checked).
"""

from viewflow.workflow.status import STATUS

from core.roles import StaffRole
from grants.models import Application, ApplicationStatus
from tests.api.matrix import staff_only
from tests.factories import UserFactory
from tests.factories.grants import CallVersionFactory
from workflows.services.cases import case_start
from workflows.services.versions import sync_versions, version_set_state

ALL_STAFF = dict.fromkeys(StaffRole.values, 200)
ACT = "/api/v1/tasks/{id}/"

# endpoint -> (step the task is made at, the staff roles that pass authorization)
ACTIONS: dict[str, tuple[str, list[str]]] = {
    "eligibility-decision": ("grant_application.check_eligibility", [StaffRole.ELIGIBILITY_OFFICER]),
    "conflict-declaration": ("grant_application.review", [StaffRole.REVIEWER]),
    "review": ("grant_application.review", [StaffRole.REVIEWER]),
    "approvals": ("grant_application.record_approvals", [StaffRole.CALL_MANAGER, StaffRole.ADMINISTRATOR]),
    "send-back": ("grant_application.record_approvals", [StaffRole.CALL_MANAGER, StaffRole.ADMINISTRATOR]),
    "amendment": ("grant_application.record_approvals", [StaffRole.CALL_MANAGER, StaffRole.ADMINISTRATOR]),
    "justification-check": (
        "grant_application.check_justification",
        [StaffRole.ELIGIBILITY_OFFICER, StaffRole.FINANCE_OFFICER],
    ),
    "loan-eligibility-decision": ("frbrtc_loan.check_eligibility", [StaffRole.LOAN_ANALYST]),
    "loan-analysis": ("frbrtc_loan.analyse", [StaffRole.LOAN_ANALYST]),
    "loan-decision": ("frbrtc_loan.record_decision", [StaffRole.LOAN_ANALYST]),
    "convention-check": ("frbrtc_loan.check_convention", [StaffRole.LOAN_ANALYST]),
}

ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/tasks/"): staff_only(ALL_STAFF),
    ("GET", "/api/v1/tasks/queue/"): staff_only(ALL_STAFF),
    ("GET", ACT): staff_only(ALL_STAFF),
    # A waiting eligibility check: its officers take it.
    ("POST", ACT + "claim/"): staff_only({StaffRole.ELIGIBILITY_OFFICER: 200}),
    # Held by the persona when an eligibility officer, else by another officer: the holder or a call manager
    # (who hands out work) gives it back.
    ("POST", ACT + "release/"): staff_only(
        {StaffRole.ELIGIBILITY_OFFICER: 200, StaffRole.CALL_MANAGER: 200, StaffRole.ADMINISTRATOR: 200}
    ),
    # What the approvals and justification pages show before their form: for those who may do the task. The
    # matrix's task has no award behind it, so those who pass authorization get the 409 of "nothing to show".
    ("GET", ACT + "approvals/"): staff_only({StaffRole.CALL_MANAGER: 409, StaffRole.ADMINISTRATOR: 409}),
    ("GET", ACT + "justification-check/"): staff_only(
        {StaffRole.ELIGIBILITY_OFFICER: 409, StaffRole.FINANCE_OFFICER: 409}
    ),
    **{
        ("POST", f"{ACT}{action}/"): staff_only(dict.fromkeys(roles, 400)) for action, (_step, roles) in ACTIONS.items()
    },
}


def _flow_task(ref: str):
    from workflows.frbrtc_loan.v1 import FrbrtcLoanV1Flow
    from workflows.grant_application.v1 import GrantApplicationV1Flow

    process, step = ref.split(".")
    flow = GrantApplicationV1Flow if process == "grant_application" else FrbrtcLoanV1Flow
    return getattr(flow, step)


def _eligibility_task(ctx):
    """A submitted grant application's case, started as a submission starts it: one waiting eligibility check."""
    sync_versions()
    version_set_state(actor=None, key="grant_application", version=1, state="current")
    call_version = CallVersionFactory(published=True)
    editor = ctx.user("commune_editor")
    application = Application.objects.create(
        call_version=call_version, organisation=ctx.commune, created_by=editor, status=ApplicationStatus.SUBMITTED
    )
    case = case_start(
        pin="grant_application@1",
        actor=editor,
        reference=application.reference or f"APP-{application.pk}",
        organisation=ctx.commune,
        source=call_version,
        artifact=application,
    )
    return case.task_set.get(flow_task_type="HUMAN")


def path_values(ctx, method: str, path: str, persona: str) -> dict:
    if path in ("/api/v1/tasks/", "/api/v1/tasks/queue/"):
        return {}
    task = _eligibility_task(ctx)
    user = ctx.user(persona)
    if path.endswith("/release/"):
        holder = user if persona == f"staff:{StaffRole.ELIGIBILITY_OFFICER}" else None
        holder = holder or UserFactory(email="holder@bpl.brussels", roles=[StaffRole.ELIGIBILITY_OFFICER])
        task.owner, task.status = holder, STATUS.ASSIGNED
        task.save()
    action = path.removeprefix(ACT).strip("/")
    if action in ACTIONS:
        # The authorization of an action depends on the task's permission (or, for a reviewer's place, on whom it is
        # given to), read before the body: the same task row is moved to the endpoint's step, cheaply.
        node = _flow_task(ACTIONS[action][0])
        task.flow_task = node
        task.owner_permission = node._owner_permission
        if not getattr(node, "claimable", True):
            reviewer = user if persona == f"staff:{StaffRole.REVIEWER}" else None
            reviewer = reviewer or UserFactory(email="placed@bpl.brussels", roles=[StaffRole.REVIEWER])
            task.owner, task.status = reviewer, STATUS.ASSIGNED
        task.save()
    return {"id": task.pk}
