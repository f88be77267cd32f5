"""The reviewers of an application through the API: what the staff page's Reviewers section shows and does."""

import pytest

from core.roles import StaffRole
from grants.models import AssignmentStatus, ReviewAssignment
from grants.services.review import conflict_declare
from tests.factories import UserFactory
from tests.grants.fixtures import grant_process, sports_call  # noqa: F401
from tests.grants.journey import make_eligible, new_application, reviewers

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_manager(db):
    return UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])


@pytest.fixture
def eligible(sports_call, commune, commune_editor, signatory, eligibility_officer, django_capture_on_commit_callbacks):  # noqa: F811
    application = new_application(sports_call, commune, commune_editor, signatory, django_capture_on_commit_callbacks)
    make_eligible(application, eligibility_officer, django_capture_on_commit_callbacks)
    return application


def url(application) -> str:
    return f"/api/v1/applications/{application.pk}/reviewers/"


def test_a_call_manager_assigns_reviewers_who_then_declare(token_client, call_manager, eligible):
    people = reviewers(2)
    client = token_client(call_manager)
    before = client.get(url(eligible), HTTP_ACCEPT_LANGUAGE="en").json()
    assert before["free_places"] == 2
    assert {c["id"] for c in before["candidates"]} == {p.pk for p in people}

    response = client.post(url(eligible), {"reviewers": [p.pk for p in people]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["free_places"] == 0 and body["candidates"] == []
    assert [(a["reviewer"]["id"], a["status"], a["review"]) for a in body["assignments"]] == [
        (p.pk, AssignmentStatus.AWAITING_DECLARATION, None) for p in people
    ]
    assert set(ReviewAssignment.objects.filter(application=eligible).values_list("reviewer_id", flat=True)) == {
        p.pk for p in people
    }


def test_a_recusal_reason_is_shown_to_call_managers_only(token_client, call_manager, eligibility_officer, eligible):
    (person,) = reviewers(1)
    token_client(call_manager).post(url(eligible), {"reviewers": [person.pk]}, format="json")
    assignment = ReviewAssignment.objects.get(application=eligible)
    conflict_declare(actor=person, assignment_id=assignment.pk, conflict=True, reason="My brother is the mayor.")

    seen_by_manager = token_client(call_manager).get(url(eligible)).json()["assignments"][0]
    seen_by_officer = token_client(eligibility_officer).get(url(eligible)).json()["assignments"][0]
    assert seen_by_manager["status"] == seen_by_officer["status"] == AssignmentStatus.RECUSED
    assert seen_by_manager["recusal_reason"] == "My brother is the mayor."
    assert seen_by_officer["recusal_reason"] == ""


def test_someone_linked_to_the_applicant_is_refused_and_nothing_is_assigned(
    token_client, call_manager, eligible, commune
):
    (ok,) = reviewers(1)
    linked = UserFactory(email="linked@bpl.brussels", roles=[StaffRole.REVIEWER])
    from tests.factories import MembershipFactory

    MembershipFactory(organisation=commune, user=linked)
    response = token_client(call_manager).post(
        url(eligible), {"reviewers": [ok.pk, linked.pk]}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "may not review this application" in response.json()["message"]
    assert not ReviewAssignment.objects.filter(application=eligible).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reviewers"),
        ({"reviewers": []}, "reviewers"),
        ({"reviewers": "7"}, "reviewers"),
        ({"reviewers": ["x"]}, "reviewers"),
        ({"reviewers": [0]}, "reviewers"),
        ({"reviewers": [1], "note": "hi"}, "note"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(token_client, call_manager, eligible, body, field):
    response = token_client(call_manager).post(url(eligible), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert not ReviewAssignment.objects.exists()


def test_more_reviewers_than_places_is_refused(token_client, call_manager, eligible):
    people = reviewers(3)
    response = token_client(call_manager).post(url(eligible), {"reviewers": [p.pk for p in people]}, format="json")
    assert response.status_code == 400
    assert not ReviewAssignment.objects.exists()


def test_an_application_not_yet_eligible_is_a_409(token_client, call_manager, sports_call, commune, commune_editor):  # noqa: F811
    from grants.services.applications import application_create

    draft = application_create(actor=commune_editor, call_version_id=sports_call.pk, organisation_id=commune.pk)
    (person,) = reviewers(1)
    response = token_client(call_manager).post(url(draft), {"reviewers": [person.pk]}, format="json")
    assert response.status_code == 409


def test_an_eligibility_officer_reads_but_may_not_assign(token_client, eligibility_officer, eligible):
    (person,) = reviewers(1)
    client = token_client(eligibility_officer)
    assert client.get(url(eligible)).json()["candidates"] == []
    assert client.post(url(eligible), {"reviewers": [person.pk]}, format="json").status_code == 403
    assert not ReviewAssignment.objects.exists()


def test_members_and_unknown_ids_get_the_same_404(token_client, commune_editor, call_manager, eligible):
    member = token_client(commune_editor).get(url(eligible), HTTP_ACCEPT_LANGUAGE="en")
    missing = token_client(call_manager).get("/api/v1/applications/999999/reviewers/", HTTP_ACCEPT_LANGUAGE="en")
    assert member.status_code == missing.status_code == 404
    assert member.json() == missing.json()


def test_a_read_only_token_may_not_assign(token_client, call_manager, eligible):
    (person,) = reviewers(1)
    response = token_client(call_manager, scope="read").post(url(eligible), {"reviewers": [person.pk]}, format="json")
    assert response.status_code == 403
    assert not ReviewAssignment.objects.exists()


def test_a_replayed_assignment_assigns_once(token_client, call_manager, eligible):
    (person,) = reviewers(1)
    client = token_client(call_manager)
    first = client.post(url(eligible), {"reviewers": [person.pk]}, format="json", HTTP_IDEMPOTENCY_KEY="assign-1")
    again = client.post(url(eligible), {"reviewers": [person.pk]}, format="json", HTTP_IDEMPOTENCY_KEY="assign-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert ReviewAssignment.objects.filter(application=eligible).count() == 1


def test_the_reviewers_read_costs_the_same_whatever_the_number_of_assignments(
    token_client, call_manager, eligible, django_assert_num_queries
):
    eligible.call_version.reviewers_per_application = 3  # places stay free: the candidates are read both times
    eligible.call_version.save(update_fields=["reviewers_per_application"])
    client = token_client(call_manager)
    (first,) = reviewers(1)
    client.post(url(eligible), {"reviewers": [first.pk]}, format="json")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url(eligible))
    second = UserFactory(email="second@bpl.brussels", roles=[StaffRole.REVIEWER])
    client.post(url(eligible), {"reviewers": [second.pk]}, format="json")
    with CaptureQueriesContext(connection) as two:
        client.get(url(eligible))
    assert len(client.get(url(eligible)).json()["assignments"]) == 2
    assert len(two.captured_queries) == len(one.captured_queries)
