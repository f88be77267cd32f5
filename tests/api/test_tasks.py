"""Staff work through the API: my tasks, the queue, one task, taking and giving back, and the grant process's task
actions with the checks of their pages (the conflict-of-interest gate among them)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.roles import StaffRole
from grants.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    AwardStatus,
    EligibilityDecision,
    ReviewAssignment,
)
from grants.services.review import reviewers_assign
from tests.factories import UserFactory
from tests.grants.journey import ALL_MET, make_eligible, new_application, reviewers, waiting
from workflows.models import TaskDeadline
from workflows.services.task_actions import task_claim

pytestmark = pytest.mark.django_db

INBOX = "/api/v1/tasks/"
QUEUE = "/api/v1/tasks/queue/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url(task, action: str = "") -> str:
    return f"/api/v1/tasks/{task.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def submitted(sports_call, commune, commune_editor, signatory, capture):
    return new_application(sports_call, commune, commune_editor, signatory, capture)


@pytest.fixture
def eligibility_task(submitted) -> Task:
    (task,) = waiting(submitted, "check_eligibility")
    return task


@pytest.fixture
def call_manager(db):
    return UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])


@pytest.fixture
def officer_client(token_client, eligibility_officer):
    return token_client(eligibility_officer)


def decision_body(outcome: str = "eligible", **extra) -> dict:
    return {"outcome": outcome, "criteria": ALL_MET, **extra}


# --- inbox, queue, detail -------------------------------------------------------------------------------------------


def test_the_queue_shows_what_my_roles_may_take_and_the_inbox_what_i_hold(
    eligibility_task, submitted, token_client, eligibility_officer, call_manager
):
    client = token_client(eligibility_officer)
    [row] = client.get(QUEUE).json()["results"]
    assert row["id"] == eligibility_task.pk
    assert (row["process"], row["step"], row["status"], row["owner"]) == (
        "grant_application",
        "check_eligibility",
        "NEW",
        None,
    )
    assert row["case"]["reference"] == submitted.reference
    assert row["case"]["organisation"]["code"] == "commune-anderlecht"
    assert row["case"]["process_version"] == "grant_application@1"
    assert row["subject"] == {
        "type": "grant_application",
        "id": submitted.pk,
        "reference": submitted.reference,
        "status": "submitted",
    }
    assert row["due_at"] == TaskDeadline.objects.get(task=eligibility_task).due_at.isoformat().replace("+00:00", "Z")
    assert client.get(INBOX).json()["results"] == []
    # A call manager's roles do not allow this task: not in their queue.
    assert token_client(call_manager).get(QUEUE).json()["results"] == []

    task_claim(actor=eligibility_officer, task_id=eligibility_task.pk)
    assert client.get(QUEUE).json()["results"] == []
    [mine] = client.get(INBOX).json()["results"]
    assert (mine["id"], mine["status"], mine["owner"]["email"]) == (
        eligibility_task.pk,
        "ASSIGNED",
        "eligibility@bpl.brussels",
    )


def test_filters_are_the_pages_and_a_bad_filter_is_a_400(eligibility_task, submitted, officer_client, other_commune):
    def ids(query: str) -> list[int]:
        response = officer_client.get(QUEUE + query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert ids("?process=grant_application") == [eligibility_task.pk]
    assert ids("?process=frbrtc_loan") == []
    assert ids(f"?organisation={submitted.organisation_id}") == [eligibility_task.pk]
    assert ids(f"?organisation={other_commune.pk}") == []
    assert ids("?step=check_eligibility") == [eligibility_task.pk]
    assert ids("?step=review") == []
    assert ids(f"?due_before={tomorrow.isoformat()}") == []
    assert ids("?due_before=2100-01-01") == [eligibility_task.pk]
    assert ids("?overdue=true") == []
    assert ids("?overdue=false") == [eligibility_task.pk]
    TaskDeadline.objects.filter(task=eligibility_task).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert ids("?overdue=true") == [eligibility_task.pk]
    assert officer_client.get(QUEUE).json()["results"][0]["overdue"] is True

    for query, field in [
        ("?process=nope", "process"),
        ("?organisation=abc", "organisation"),
        ("?due_before=x", "due_before"),
    ]:
        response = officer_client.get(QUEUE + query, **EN)
        assert response.status_code == 400
        assert list(response.json()["extra"]["fields"]) == [field]


def test_the_queue_is_ordered_by_deadline_and_pages_with_a_cursor(
    sports_call, commune, commune_editor, signatory, capture, officer_client
):
    applications = [
        new_application(sports_call, commune, commune_editor, signatory, capture, title=f"P{n}") for n in range(3)
    ]
    tasks = [waiting(application, "check_eligibility")[0] for application in applications]
    now = timezone.now()
    for days, task in zip([5, 1, 3], tasks, strict=True):
        TaskDeadline.objects.filter(task=task).update(due_at=now + dt.timedelta(days=days))
    first = officer_client.get(QUEUE + "?page_size=2").json()
    assert [row["id"] for row in first["results"]] == [tasks[1].pk, tasks[2].pk]
    second = officer_client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [tasks[0].pk]
    latest_first = officer_client.get(QUEUE + "?ordering=-due_at").json()["results"]
    assert [row["id"] for row in latest_first] == [tasks[0].pk, tasks[2].pk, tasks[1].pk]


@pytest.mark.parametrize("path", [INBOX, QUEUE])
def test_a_page_of_tasks_costs_the_same_queries_for_2_or_12_tasks(
    path, sports_call, commune, commune_editor, signatory, capture, eligibility_officer, token_client
):
    client = token_client(eligibility_officer)

    def grow_to(count: int) -> int:
        while Task.objects.filter(flow_task__endswith=".check_eligibility").count() < count:
            application = new_application(sports_call, commune, commune_editor, signatory, capture)
            if path == INBOX:
                task_claim(actor=eligibility_officer, task_id=waiting(application, "check_eligibility")[0].pk)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert len(response.json()["results"]) == count
        return len(queries)

    assert grow_to(2) == grow_to(12)


def test_members_get_404_and_anonymous_401(eligibility_task, token_client, commune_editor, api_client):
    client = token_client(commune_editor)
    for path in (INBOX, QUEUE, url(eligibility_task)):
        assert client.get(path).status_code == 404
        assert api_client.get(path).status_code == 401
    assert client.post(url(eligibility_task, "claim")).status_code == 404


def test_one_task_shows_its_case_and_application(eligibility_task, submitted, token_client, auditor):
    response = token_client(auditor).get(url(eligibility_task), **EN)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["step"], body["step_title"]) == (
        eligibility_task.pk,
        "check_eligibility",
        "Check eligibility",
    )
    assert body["subject"]["id"] == submitted.pk and body["claimable"] is True
    assert token_client(auditor).get("/api/v1/tasks/999999/").status_code == 404


# --- claim and release ----------------------------------------------------------------------------------------------


def test_claim_then_release(eligibility_task, officer_client, eligibility_officer):
    response = officer_client.post(url(eligibility_task, "claim"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["owner"]["id"]) == ("ASSIGNED", eligibility_officer.pk)
    eligibility_task.refresh_from_db()
    assert eligibility_task.owner == eligibility_officer

    again = officer_client.post(url(eligibility_task, "claim"), **EN)
    assert again.status_code == 409 and "already taken" in again.json()["message"]

    response = officer_client.post(url(eligibility_task, "release"))
    assert response.status_code == 200 and response.json()["status"] == "NEW"
    eligibility_task.refresh_from_db()
    assert (eligibility_task.status, eligibility_task.owner) == (STATUS.NEW, None)
    again = officer_client.post(url(eligibility_task, "release"), **EN)
    assert again.status_code == 409 and "not taken by anyone" in again.json()["message"]


def test_a_role_that_may_not_do_the_task_gets_403_and_nothing_changes(eligibility_task, token_client, call_manager):
    response = token_client(call_manager).post(url(eligibility_task, "claim"), **EN)
    assert response.status_code == 403 and response.json()["message"] == "Your roles do not allow this task."
    eligibility_task.refresh_from_db()
    assert eligibility_task.owner is None


def test_someone_elses_task_is_given_back_only_by_them_or_a_call_manager(
    eligibility_task, token_client, eligibility_officer, call_manager
):
    other = UserFactory(email="other.officer@bpl.brussels", roles=[StaffRole.ELIGIBILITY_OFFICER])
    task_claim(actor=eligibility_officer, task_id=eligibility_task.pk)
    assert token_client(other).post(url(eligibility_task, "release")).status_code == 403
    assert token_client(call_manager).post(url(eligibility_task, "release")).status_code == 200


def test_a_read_only_token_cannot_claim(eligibility_task, eligibility_officer, make_token, api_client):
    _token, secret = make_token(eligibility_officer, scope="read")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api_client.get(url(eligibility_task)).status_code == 200
    assert api_client.post(url(eligibility_task, "claim")).status_code == 403
    assert (
        api_client.post(url(eligibility_task, "eligibility-decision"), decision_body(), format="json").status_code
        == 403
    )
    eligibility_task.refresh_from_db()
    assert eligibility_task.owner is None


# --- eligibility decision -------------------------------------------------------------------------------------------


def test_an_eligibility_decision_moves_the_case_to_review(eligibility_task, submitted, officer_client, capture):
    officer_client.post(url(eligibility_task, "claim"))
    with capture(execute=True):
        response = officer_client.post(url(eligibility_task, "eligibility-decision"), decision_body(), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["task"]["status"] == "DONE" and body["task"]["subject"]["status"] == "eligible"
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.ELIGIBLE
    places = waiting(submitted, "review")
    assert len(places) == submitted.call_version.reviewers_per_application
    assert sorted(t["id"] for t in body["open_tasks"]) == sorted(t.pk for t in places)
    assert {t["step"] for t in body["open_tasks"]} == {"review"}


def test_an_information_request_needs_its_question(eligibility_task, submitted, officer_client, capture):
    officer_client.post(url(eligibility_task, "claim"))
    path = url(eligibility_task, "eligibility-decision")
    response = officer_client.post(path, decision_body("info_requested"), format="json", **EN)
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"question": ["Write the question for the applicant."]}
    with capture(execute=True):
        response = officer_client.post(
            path, decision_body("info_requested", question="Which clubs use the hall?"), format="json"
        )
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.INFO_REQUESTED
    assert [t["step"] for t in response.json()["open_tasks"]] == []  # waiting for the applicant (a Handle)
    assert waiting(submitted, "await_answer")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"outcome": "maybe", "criteria": ALL_MET}, ["outcome"]),
        ({"criteria": ALL_MET}, ["outcome"]),
        ({"outcome": "eligible"}, ["criteria"]),
        ({"outcome": "eligible", "criteria": "all met"}, ["criteria"]),
        ({"outcome": "eligible", "criteria": {"applicant": {"verdict": "perhaps"}}}, ["criteria"]),
        ({"outcome": "eligible", "criteria": ALL_MET, "colour": "blue"}, ["colour"]),
        ({"outcome": "eligible", "criteria": {"applicant": {"verdict": "met", "x": 1}}}, ["criteria"]),
        ({"outcome": "eligible", "criteria": {"applicant": {"verdict": "met"}}}, ["criteria.investment.verdict"]),
        (
            {"outcome": "eligible", "criteria": {**ALL_MET, "applicant": {"verdict": "not_met"}}},
            ["criteria.applicant.reason"],
        ),
        (
            {"outcome": "eligible", "criteria": {**ALL_MET, "applicant": {"verdict": "not_met", "reason": "No."}}},
            ["outcome"],
        ),
        ({"outcome": "eligible", "criteria": {**ALL_MET, "unknown": {"verdict": "met"}}}, ["criteria.unknown.verdict"]),
    ],
)
def test_a_bad_decision_is_a_400_and_changes_nothing(eligibility_task, submitted, officer_client, body, fields):
    officer_client.post(url(eligibility_task, "claim"))
    response = officer_client.post(url(eligibility_task, "eligibility-decision"), body, format="json")
    assert response.status_code == 400, response.json()
    assert sorted(response.json()["extra"]["fields"]) == fields
    submitted.refresh_from_db()
    eligibility_task.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED and not EligibilityDecision.objects.exists()
    assert eligibility_task.status == STATUS.ASSIGNED


def test_a_task_not_taken_is_a_409_take_it_first(eligibility_task, submitted, officer_client, eligibility_officer):
    response = officer_client.post(url(eligibility_task, "eligibility-decision"), decision_body(), format="json", **EN)
    assert response.status_code == 409 and "Take the task first" in response.json()["message"]
    other = UserFactory(email="other.officer@bpl.brussels", roles=[StaffRole.ELIGIBILITY_OFFICER])
    task_claim(actor=other, task_id=eligibility_task.pk)
    response = officer_client.post(url(eligibility_task, "eligibility-decision"), decision_body(), format="json")
    assert response.status_code == 409
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_a_role_without_the_permission_gets_403_before_its_body_is_read(eligibility_task, token_client, call_manager):
    response = token_client(call_manager).post(url(eligibility_task, "eligibility-decision"), {}, format="json")
    assert response.status_code == 403


def test_another_steps_endpoint_is_a_409(eligibility_task, officer_client):
    officer_client.post(url(eligibility_task, "claim"))
    body = {"lines": []}
    response = officer_client.post(url(eligibility_task, "justification-check"), body, format="json", **EN)
    # An eligibility officer also checks justifications: allowed, but this task is not that step.
    assert response.status_code == 409 and "this action is not done there" in response.json()["message"]


def test_an_unknown_task_is_a_404(officer_client):
    assert (
        officer_client.post("/api/v1/tasks/999999/eligibility-decision/", decision_body(), format="json").status_code
        == 404
    )


def test_a_decision_replayed_with_its_key_changes_nothing(eligibility_task, submitted, officer_client, capture):
    officer_client.post(url(eligibility_task, "claim"))
    path = url(eligibility_task, "eligibility-decision")
    with capture(execute=True):
        first = officer_client.post(path, decision_body(), format="json", HTTP_IDEMPOTENCY_KEY="decide-1")
    assert first.status_code == 200
    replay = officer_client.post(path, decision_body(), format="json", HTTP_IDEMPOTENCY_KEY="decide-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert EligibilityDecision.objects.count() == 1
    other = officer_client.post(path, decision_body("not_eligible"), format="json", HTTP_IDEMPOTENCY_KEY="decide-1")
    assert other.status_code == 422
    # Without the key, the same decision again is refused: the task is done.
    assert officer_client.post(path, decision_body(), format="json").status_code == 409


# --- review: the conflict-of-interest gate --------------------------------------------------------------------------


@pytest.fixture
def eligible(submitted, eligibility_officer, capture) -> Application:
    make_eligible(submitted, eligibility_officer, capture)
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def placed(eligible, call_manager, capture):
    """Two reviewers with a place each; returns [(reviewer, task), ...]."""
    people = reviewers(2)
    with capture(execute=True):
        reviewers_assign(actor=call_manager, application_id=eligible.pk, reviewer_ids=[p.pk for p in people])
    places = {t.owner_id: t for t in waiting(eligible, "review")}
    return [(person, places[person.pk]) for person in people]


GOOD = {"coverage": {"score": "8"}, "supralocal": {"score": "5"}, "tariff": {"score": "5", "comment": "Fair prices"}}


def test_a_reviewer_declares_no_conflict_then_reviews_and_the_case_goes_to_committee(
    placed, eligible, token_client, capture
):
    (first, first_task), (second, second_task) = placed
    client = token_client(first)
    # A review place is given by the call manager: it is never taken or given back.
    assert client.post(url(first_task, "claim")).status_code == 409
    assert client.post(url(first_task, "release")).status_code == 403
    # The review stays closed until the declaration.
    response = client.post(url(first_task, "review"), {"scores": GOOD, "submit": True}, format="json", **EN)
    assert response.status_code == 409 and "conflict of interest" in response.json()["message"]

    response = client.post(url(first_task, "conflict-declaration"), {"conflict": False}, format="json")
    assert response.status_code == 200 and response.json()["task"]["status"] == "ASSIGNED"
    assert ReviewAssignment.objects.get(reviewer=first).status == AssignmentStatus.ACTIVE

    draft = client.post(url(first_task, "review"), {"scores": {"coverage": {"score": "7"}}}, format="json")
    assert draft.status_code == 200 and draft.json()["task"]["status"] == "ASSIGNED"
    with capture(execute=True):
        response = client.post(
            url(first_task, "review"), {"scores": GOOD, "comment": "Solid", "submit": True}, format="json"
        )
    assert response.status_code == 200 and response.json()["task"]["status"] == "DONE"
    assert ReviewAssignment.objects.get(reviewer=first).review.weighted_score is not None

    # The second reviewer: a place is theirs alone.
    assert client.post(url(second_task, "conflict-declaration"), {"conflict": False}, format="json").status_code == 403
    second_client = token_client(second)
    second_client.post(url(second_task, "conflict-declaration"), {"conflict": False}, format="json")
    with capture(execute=True):
        response = second_client.post(url(second_task, "review"), {"scores": GOOD, "submit": True}, format="json")
    assert response.status_code == 200
    eligible.refresh_from_db()
    assert eligible.status == ApplicationStatus.REVIEWED
    assert waiting(eligible, "await_committee")


def test_a_reviewer_who_declares_a_conflict_cannot_review(placed, eligible, token_client, capture):
    (first, task), _second = placed
    client = token_client(first)
    response = client.post(url(task, "conflict-declaration"), {"conflict": True}, format="json", **EN)
    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == ["reason"]
    with capture(execute=True):
        response = client.post(
            url(task, "conflict-declaration"), {"conflict": True, "reason": "My sister is mayor"}, format="json"
        )
    assert response.status_code == 200
    assignment = ReviewAssignment.objects.get(reviewer=first)
    assert assignment.status == AssignmentStatus.RECUSED
    task.refresh_from_db()
    assert (task.status, task.owner_id, task.data["assignment_id"]) == (STATUS.NEW, None, None)
    # The gate: no review, no second declaration.
    response = client.post(url(task, "review"), {"scores": GOOD, "submit": True}, format="json")
    assert response.status_code == 403
    assert client.post(url(task, "conflict-declaration"), {"conflict": False}, format="json").status_code == 403
    assert not hasattr(assignment, "review") or assignment.review is None


def test_a_conflict_declared_in_the_same_request_batch_still_blocks_the_review(placed, token_client):
    """Even before the place is freed (the process hears of it after the commit), the service refuses the review."""
    (first, task), _second = placed
    client = token_client(first)
    client.post(url(task, "conflict-declaration"), {"conflict": True, "reason": "Conflict"}, format="json")
    response = client.post(url(task, "review"), {"scores": GOOD, "submit": True}, format="json")
    assert response.status_code == 409
    assert ReviewAssignment.objects.get(reviewer=first).status == AssignmentStatus.RECUSED


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"scores": {**GOOD, "coverage": {"score": "11"}}, "submit": True}, ["scores.coverage.score"]),
        ({"scores": {"coverage": {"score": "abc"}}}, ["scores.coverage.score"]),
        ({"scores": {**GOOD, "coverage": {"score": ""}}, "submit": True}, ["scores.coverage.score"]),
        ({"scores": GOOD, "submit": "sometimes"}, ["submit"]),
        ({"scores": [1, 2]}, ["scores"]),
        ({"submit": True}, ["scores"]),
        ({"scores": GOOD, "stars": 5}, ["stars"]),
    ],
)
def test_bad_scores_are_a_400_and_save_nothing(placed, token_client, body, fields):
    (first, task), _second = placed
    client = token_client(first)
    client.post(url(task, "conflict-declaration"), {"conflict": False}, format="json")
    response = client.post(url(task, "review"), body, format="json")
    assert response.status_code == 400, response.json()
    assert sorted(response.json()["extra"]["fields"]) == fields
    assignment = ReviewAssignment.objects.get(reviewer=first)
    assert assignment.status == AssignmentStatus.ACTIVE and not hasattr(assignment, "review")


def test_a_declaration_replayed_with_its_key(placed, token_client):
    (first, task), _second = placed
    client = token_client(first)
    path = url(task, "conflict-declaration")
    first_answer = client.post(path, {"conflict": False}, format="json", HTTP_IDEMPOTENCY_KEY="coi-1")
    replay = client.post(path, {"conflict": False}, format="json", HTTP_IDEMPOTENCY_KEY="coi-1")
    assert (replay.status_code, replay["Idempotent-Replayed"], replay.json()) == (200, "true", first_answer.json())
    assert client.post(path, {"conflict": False}, format="json").status_code == 409  # declared already


# --- committee, approvals, justification ----------------------------------------------------------------------------


@pytest.fixture
def reviewed(placed, eligible, capture):
    from grants.services.review import conflict_declare, review_save
    from tests.grants.journey import run_task

    for person, task in placed:
        assignment = ReviewAssignment.objects.get(reviewer=person)
        conflict_declare(actor=person, assignment_id=assignment.pk, conflict=False)
        raw = {code: {"score": value["score"], "comment": ""} for code, value in GOOD.items()}
        with capture(execute=True):
            run_task(
                task,
                person,
                lambda a=assignment, u=person, r=raw: review_save(actor=u, assignment_id=a.pk, scores=r, submit=True),
            )
    eligible.refresh_from_db()
    return eligible


@pytest.fixture
def awaiting_approvals(reviewed, capture):
    """The committee approves 1.000.000 EUR: above the thresholds, the award waits for three approvals."""
    from grants.services.committee import (
        agenda_from_ranking,
        attendance_record,
        item_decide,
        session_close,
        session_create,
    )

    secretary = UserFactory(email="secretary@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])
    members = [UserFactory(email=f"member{n}@bpl.brussels", roles=[StaffRole.COMMITTEE_MEMBER]) for n in range(3)]
    session = session_create(
        actor=secretary,
        call_id=reviewed.call_version.call_id,
        held_at=timezone.now(),
        place="Room 1",
        member_ids=[m.pk for m in members],
        quorum=2,
    )
    (item,) = agenda_from_ranking(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
    item_decide(actor=secretary, item_id=item.pk, decision="approved", amount="1000000")
    with capture(execute=True):
        session_close(actor=secretary, session_id=session.pk)
    reviewed.refresh_from_db()
    assert reviewed.award.status == AwardStatus.AWAITING_APPROVALS
    return reviewed


def test_approvals_then_the_award_is_committed_and_the_task_ends(
    awaiting_approvals, token_client, call_manager, capture
):
    from grants.services.awards import missing_levels

    application = awaiting_approvals
    (task,) = waiting(application, "record_approvals")
    client = token_client(call_manager)
    assert client.post(url(task, "claim")).status_code == 200
    levels = missing_levels(application.award)
    today = timezone.localdate().isoformat()
    path = url(task, "approvals")
    shown = client.get(path).json()
    assert [level["id"] for level in shown["missing_levels"]] == [level.pk for level in levels]
    assert [level["code"] for level in shown["missing_levels"]] == [
        "finance_inspection",
        "budget_minister",
        "government_decision",
    ]
    assert (shown["amount"], shown["status"], shown["approvals"]) == ("1000000.00", "awaiting_approvals", [])
    response = client.post(path, {"level": levels[2].pk, "given_on": today}, format="json", **EN)
    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == ["reference"]
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    assert client.post(path, {"level": levels[0].pk, "given_on": future}, format="json").status_code == 400
    assert client.post(path, {"level": "first", "given_on": today}, format="json").status_code == 400
    for level in levels[:2]:
        response = client.post(path, {"level": level.pk, "given_on": today}, format="json")
        assert response.status_code == 200 and response.json()["task"]["status"] == "ASSIGNED"
    assert [level["code"] for level in client.get(path).json()["missing_levels"]] == ["government_decision"]
    # The same approval twice: not needed any more.
    assert client.post(path, {"level": levels[0].pk, "given_on": today}, format="json").status_code == 400
    with capture(execute=True):
        response = client.post(
            path,
            {"level": levels[2].pk, "given_on": today, "reference": "GOV-2026-117"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="approval-3",
        )
    assert response.status_code == 200 and response.json()["task"]["status"] == "DONE"
    application.award.refresh_from_db()
    assert application.award.status == AwardStatus.COMMITTED
    assert application.award.commitment.amount == Decimal("1000000.00")
    assert waiting(application, "await_justification")


def test_send_back_and_amend_an_award(awaiting_approvals, token_client, call_manager):
    application = awaiting_approvals
    (task,) = waiting(application, "record_approvals")
    client = token_client(call_manager)
    client.post(url(task, "claim"))
    assert client.post(url(task, "amendment"), {"amount": "900000.00"}, format="json").status_code == 409
    assert client.post(url(task, "send-back"), {}, format="json").status_code == 400
    response = client.post(url(task, "send-back"), {"reason": "Lower the amount"}, format="json")
    assert response.status_code == 200
    application.award.refresh_from_db()
    assert application.award.status == AwardStatus.SENT_BACK
    assert client.post(url(task, "amendment"), {"amount": "lots"}, format="json").status_code == 400
    assert client.post(url(task, "amendment"), {"amount": "2000000.00"}, format="json").status_code == 400
    response = client.post(url(task, "amendment"), {"amount": "900000.00", "conditions": "Phase 1"}, format="json")
    assert response.status_code == 200
    application.award.refresh_from_db()
    assert (application.award.status, application.award.amount) == (
        AwardStatus.AWAITING_APPROVALS,
        Decimal("900000.00"),
    )


def test_only_call_managers_record_approvals(awaiting_approvals, token_client, eligibility_officer):
    (task,) = waiting(awaiting_approvals, "record_approvals")
    body = {"level": 1, "given_on": timezone.localdate().isoformat()}
    assert token_client(eligibility_officer).post(url(task, "approvals"), body, format="json").status_code == 403


@pytest.fixture
def justification_submitted(awaiting_approvals, call_manager, signatory, commune_editor, capture):
    from grants.services.awards import approval_record, missing_levels
    from grants.services.tranches import expense_line_add, justification_report_set, justification_submit
    from tests.grants.fixtures import pdf
    from tests.grants.journey import run_task

    application = awaiting_approvals
    award = application.award
    (task,) = waiting(application, "record_approvals")
    for level in missing_levels(award)[:2]:
        approval_record(actor=call_manager, award_id=award.pk, level_id=level.pk, given_on=timezone.localdate())
    last = missing_levels(award)[0]
    with capture(execute=True):
        run_task(
            task,
            call_manager,
            lambda: approval_record(
                actor=call_manager, award_id=award.pk, level_id=last.pk, given_on=timezone.localdate(), reference="G-1"
            ),
        )
    for number, amount in ((1, "600.000,00"), (2, "150.000,00")):
        expense_line_add(
            actor=commune_editor,
            award_id=award.pk,
            invoice_reference=f"F-{number}",
            supplier="Toitures SA",
            amount=amount,
            paid_on=dt.date(2026, 5, number),
            proof=pdf(f"f{number}.pdf"),
        )
    justification_report_set(actor=commune_editor, award_id=award.pk, upload=pdf("report.pdf"))
    with capture(execute=True):
        justification_submit(actor=signatory, award_id=award.pk)
    application.refresh_from_db()
    return application


def test_a_justification_check_closes_the_case(justification_submitted, token_client, eligibility_officer, capture):
    application = justification_submitted
    (task,) = waiting(application, "check_justification")
    client = token_client(eligibility_officer)
    client.post(url(task, "claim"))
    first, second = application.award.justification.lines.order_by("invoice_reference")
    path = url(task, "justification-check")
    shown = client.get(path).json()
    assert shown["status"] == "submitted"
    assert [(line["id"], line["amount"], line["status"]) for line in shown["lines"]] == [
        (first.pk, "600000.00", "pending"),
        (second.pk, "150000.00", "pending"),
    ]
    bad_bodies = [
        ({"lines": [{"line": first.pk, "status": "accepted"}]}, [f"lines.{second.pk}.status"]),
        (
            {"lines": [{"line": first.pk, "status": "accepted"}, {"line": second.pk, "status": "rejected"}]},
            [f"lines.{second.pk}.reason"],
        ),
        ({"lines": [{"line": first.pk, "status": "maybe"}]}, ["lines"]),
        ({"lines": [{"line": first.pk, "status": "accepted"}] * 2}, ["lines"]),
        (
            {
                "lines": [
                    {"line": first.pk, "status": "accepted"},
                    {"line": second.pk, "status": "accepted"},
                    {"line": 999999, "status": "accepted"},
                ]
            },
            ["lines.999999.status"],
        ),
    ]
    for body, fields in bad_bodies:
        response = client.post(path, body, format="json")
        assert response.status_code == 400, (body, response.json())
        assert sorted(response.json()["extra"]["fields"]) == fields
    body = {
        "lines": [
            {"line": first.pk, "status": "accepted"},
            {"line": second.pk, "status": "rejected", "reason": "Study costs are not eligible"},
        ]
    }
    with capture(execute=True):
        response = client.post(path, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["task"]["status"] == "DONE" and response.json()["open_tasks"] == []
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CLOSED
    second.refresh_from_db()
    assert (second.status, second.reason) == ("rejected", "Study costs are not eligible")
