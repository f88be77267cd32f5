"""Committee sessions through the API: the staff pages' fields and checks, the recusal gate, idempotent decisions
and closing, the minutes in French and Dutch, a fixed number of queries."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from api.models import IdempotencyRecord
from core.roles import StaffRole
from grants.models import (
    Application,
    ApplicationStatus,
    Attendance,
    AwardStatus,
    CommitteeSession,
    Recusal,
    SessionItem,
    SessionStatus,
)
from tests.factories import UserFactory
from tests.factories.grants import CallVersionFactory
from tests.grants.journey import make_eligible, new_application, review, reviewers

pytestmark = pytest.mark.django_db

LIST = "/api/v1/sessions/"
GOOD = {"coverage": "8", "supralocal": "5", "tariff": "5"}


def url(session, action: str = "") -> str:
    return f"{LIST}{session if isinstance(session, int) else session.pk}/{action}"


def item_url(item: SessionItem, action: str) -> str:
    return f"{LIST}{item.session_id}/items/{item.pk}/{action}/"


@pytest.fixture
def secretary(db):
    return UserFactory(email="secretary@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])


@pytest.fixture
def members(db):
    return [
        UserFactory(
            email=f"member{n}@bpl.brussels", first_name="Member", last_name=f"Nr{n}", roles=["committee_member"]
        )
        for n in range(3)
    ]


@pytest.fixture
def call_manager(db):
    return UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])


@pytest.fixture
def api(token_client, secretary):
    return token_client(secretary)


@pytest.fixture
def reviewed_application(
    sports_call,
    commune,
    commune_editor,
    signatory,
    eligibility_officer,
    call_manager,
    django_capture_on_commit_callbacks,
):
    """A real application, submitted, found eligible and reviewed by two reviewers (tests/grants/journey.py)."""
    capture = django_capture_on_commit_callbacks
    application = new_application(sports_call, commune, commune_editor, signatory, capture)
    make_eligible(application, eligibility_officer, capture)
    review(application, reviewers(2), call_manager, [GOOD, GOOD], capture)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED
    return application


def reviewed(version, organisation, creator, n: int = 1, amount: str = "1000.00") -> Application:
    """A cheap application waiting for the committee, for the tests that are not about the review."""
    return Application.objects.create(
        call_version=version,
        organisation=organisation,
        reference=f"{version.call.code.upper()}-{n:04d}",
        status=ApplicationStatus.REVIEWED,
        amount_requested=Decimal(amount),
        created_by=creator,
    )


def planned(secretary, members, version, *, quorum: int = 2, held_at=None) -> CommitteeSession:
    session = CommitteeSession.objects.create(
        call=version.call, held_at=held_at or timezone.now(), quorum=quorum, secretary=secretary
    )
    session.members.set(members)
    return session


def on_agenda(session, application, position: int = 1) -> SessionItem:
    return SessionItem.objects.create(
        session=session, application=application, position=position, proposed_amount=application.amount_requested
    )


def all_present(session, members) -> None:
    for member in members:
        Attendance.objects.create(session=session, member=member, present=True)


@pytest.fixture
def version(sports_call):
    return sports_call


@pytest.fixture
def session(secretary, members, version):
    return planned(secretary, members, version)


@pytest.fixture
def item(session, version, commune, secretary):
    return on_agenda(session, reviewed(version, commune, secretary))


def create_body(version, people, **changes) -> dict:
    return {
        "call": version.call.code,
        "held_at": "2026-12-01T14:00",
        "place": "Room 1",
        "members": [m.pk for m in people],
        "quorum": 2,
        **changes,
    }


# --- the whole session, on a real reviewed application ---------------------------------------------------------


def test_a_secretary_runs_a_whole_session_through_the_api(
    api, secretary, members, reviewed_application, django_capture_on_commit_callbacks
):
    application = reviewed_application
    call_id = application.call_version.call_id
    response = api.post(
        LIST,
        {
            "call": application.call_version.call.code,  # as GET /api/v1/calls/ names it
            "held_at": "2026-12-01T14:00",
            "place": "Room 1",
            "members": [m.pk for m in members],
            "quorum": 2,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    session = CommitteeSession.objects.get()
    assert (session.call_id, session.quorum, session.secretary, session.place) == (call_id, 2, secretary, "Room 1")
    assert timezone.localtime(session.held_at).strftime("%Y-%m-%d %H:%M %Z") == "2026-12-01 14:00 CET"  # Brussels
    body = response.json()
    assert body["id"] == session.pk and body["status"] == "planned" and body["items"] == []
    assert [m["id"] for m in body["members"]] == [m.pk for m in members]
    assert all(m["present"] is None for m in body["members"])

    response = api.post(url(session, "agenda/"))
    assert response.status_code == 200
    item = SessionItem.objects.get(session=session)
    [row] = response.json()["items"]
    assert row["application"]["reference"] == application.reference
    assert (row["requested_amount"], row["proposed_amount"], row["decision"]) == ("1000000.00", "1000000.00", "")

    response = api.post(url(session, "attendance/"), {"present": [members[0].pk, members[1].pk]}, format="json")
    assert response.status_code == 200
    assert response.json()["present_count"] == 2 and response.json()["items"][0]["taking_part"] == 2

    response = api.post(
        item_url(item, "recusal"), {"member": members[1].pk, "reason": "Lives in the commune"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["taking_part"], response.json()["short_of_quorum"]) == (1, True)
    assert response.json()["recusals"][0]["member"]["id"] == members[1].pk

    # The recused member does not count: no quorum on the item, nothing recorded.
    decision = {"decision": "approved", "amount": "900000.00", "conditions": "Works start in 2027"}
    response = api.post(item_url(item, "decision"), decision, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["message"] == "No quorum on this item: 1 member(s) take part, 2 are needed."
    item.refresh_from_db()
    assert item.decision == ""

    api.post(url(session, "attendance/"), {"present": [m.pk for m in members]}, format="json")
    response = api.post(item_url(item, "decision"), decision, format="json", HTTP_IDEMPOTENCY_KEY="decide-1")
    assert response.status_code == 200
    assert (response.json()["decision"], response.json()["decided_amount"]) == ("approved", "900000.00")
    item.refresh_from_db()
    assert (item.decision, item.decided_amount, item.conditions) == (
        "approved",
        Decimal("900000.00"),
        decision["conditions"],
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url(session, "close/"), HTTP_IDEMPOTENCY_KEY="close-1")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED and session.minutes_fr and session.minutes_nl
    application.refresh_from_db()
    # Above the approval thresholds: the award waits for the approvals (the call manager's), not yet committed.
    assert application.award.status == AwardStatus.AWAITING_APPROVALS
    assert application.award.amount == Decimal("900000.00")
    assert application.status == ApplicationStatus.REVIEWED

    detail = api.get(url(session)).json()
    assert detail["items"][0]["award_id"] == application.award.pk
    assert detail["minutes"] == {"fr": True, "nl": True}
    for language in ("fr", "nl"):
        response = api.get(url(session, f"minutes/{language}/"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        text = "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
        )
        assert application.reference in text
    fr = "".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(b"".join(api.get(url(session, "minutes/fr/")).streaming_content))).pages
    )
    nl = "".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(b"".join(api.get(url(session, "minutes/nl/")).streaming_content))).pages
    )
    assert fr != nl  # each in its own language


def test_after_closing_every_action_is_a_409_and_changes_nothing(api, session, item, members):
    all_present(session, members)
    SessionItem.objects.filter(pk=item.pk).update(decision="postponed", decided_at=timezone.now())
    assert api.post(url(session, "close/")).status_code == 200
    before = (SessionItem.objects.get(pk=item.pk).decision, Attendance.objects.count(), Recusal.objects.count())
    calls = [
        (url(session, "agenda/"), {}),
        (url(session, "attendance/"), {"present": []}),
        (url(session, "close/"), {}),
        (item_url(item, "decision"), {"decision": "rejected", "reason": "Too late"}),
        (item_url(item, "recusal"), {"member": members[0].pk, "reason": "Conflict"}),
    ]
    for path, body in calls:
        response = api.post(path, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 409, path
        assert response.json()["message"] == "This session is closed: its decisions are final."
    after = (SessionItem.objects.get(pk=item.pk).decision, Attendance.objects.count(), Recusal.objects.count())
    assert after == before


# --- the list --------------------------------------------------------------------------------------------------


def test_the_list_filters_by_call_product_status_and_date(api, secretary, members, version, sports_product):
    other = CallVersionFactory(published=True)
    early = planned(secretary, members, version, held_at=timezone.make_aware(dt.datetime(2026, 3, 1, 10)))
    late = planned(secretary, members, other, held_at=timezone.make_aware(dt.datetime(2026, 9, 1, 10)))
    loan = CommitteeSession.objects.create(
        loan_product=sports_product.product,
        held_at=timezone.make_aware(dt.datetime(2026, 6, 1, 10)),
        quorum=1,
        secretary=secretary,
    )
    CommitteeSession.objects.filter(pk=late.pk).update(status=SessionStatus.CLOSED)

    def ids(query: str = "") -> list[int]:
        response = api.get(LIST + query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [late.pk, loan.pk, early.pk]  # newest first
    assert ids("?ordering=held_at") == [early.pk, loan.pk, late.pk]
    assert ids(f"?call={version.call.code}") == [early.pk]
    assert ids("?call=nosuchcall") == []
    assert ids(f"?loan_product={sports_product.product.code}") == [loan.pk]
    assert ids("?status=closed") == [late.pk]
    assert ids("?held_from=2026-05-01") == [late.pk, loan.pk]
    assert ids("?held_until=2026-06-01") == [loan.pk, early.pk]
    row = api.get(LIST + f"?call={version.call.code}").json()["results"][0]
    assert row["call"] == {"id": version.call_id, "code": version.call.code} and row["loan_product"] is None
    assert (row["member_count"], row["item_count"], row["quorum"]) == (3, 0, 2)
    assert api.get(LIST + f"?loan_product={sports_product.product.code}").json()["results"][0]["subject_code"] == (
        sports_product.product.code
    )


@pytest.mark.parametrize("query", ["?status=open", "?held_from=yesterday", "?held_until=2026-13-01"])
def test_a_bad_filter_is_a_400(api, query):
    response = api.get(LIST + query)
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]


def test_the_list_runs_a_fixed_number_of_queries(api, secretary, members, version, commune):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(LIST).status_code == 200
        return len(queries)

    session = planned(secretary, members, version)
    on_agenda(session, reviewed(version, commune, secretary))
    few = count()
    for n in range(2, 22):
        other = planned(secretary, members, version)
        on_agenda(other, reviewed(version, commune, secretary, n=n))
    assert count() == few


def test_who_reads_sessions(token_client, session, commune_editor, call_manager, members):
    assert token_client(members[0]).get(url(session)).status_code == 200  # a committee member reads
    assert token_client(call_manager).get(LIST).status_code == 200
    assert token_client(UserFactory(roles=[StaffRole.REVIEWER])).get(LIST).status_code == 403
    assert token_client(UserFactory(roles=[StaffRole.REVIEWER])).get(url(session)).status_code == 403
    # An organisation's member: staff records are not theirs to know about.
    assert token_client(commune_editor).get(LIST).status_code == 404
    assert token_client(commune_editor).get(url(session)).status_code == 404


# --- one session -----------------------------------------------------------------------------------------------


def test_the_detail_shows_members_attendance_items_recusals_and_decisions(api, session, item, members):
    Attendance.objects.create(session=session, member=members[0], present=True)
    Attendance.objects.create(session=session, member=members[1], present=False)
    Recusal.objects.create(item=item, member=members[0], reason="Conflict")
    body = api.get(url(session)).json()
    assert [m["present"] for m in body["members"]] == [True, False, None]
    assert body["attendance_recorded"] is True and body["present_count"] == 1
    [row] = body["items"]
    assert row["application"]["organisation"]["id"] == item.application.organisation_id
    assert row["taking_part"] == 0 and row["short_of_quorum"] is True
    assert row["award_id"] is None
    assert row["recusals"] == [
        {"member": {"id": members[0].pk, "name": "Member Nr0", "email": "member0@bpl.brussels"}, "reason": "Conflict"}
    ]
    assert body["secretary"]["email"] == "secretary@bpl.brussels" and body["minutes"] == {"fr": False, "nl": False}


def test_the_detail_runs_a_fixed_number_of_queries_whatever_the_items(
    api, session, version, commune, secretary, members
):
    all_present(session, members)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url(session)).status_code == 200
        return len(queries)

    first = on_agenda(session, reviewed(version, commune, secretary))
    Recusal.objects.create(item=first, member=members[0], reason="Conflict")
    few = count()
    for n in range(2, 12):
        item = on_agenda(session, reviewed(version, commune, secretary, n=n), position=n)
        Recusal.objects.create(item=item, member=members[n % 3], reason="Conflict")
    assert count() == few


@pytest.mark.parametrize("pk", [999999, 2**63 + 5])
def test_a_missing_session_is_a_404(api, pk):
    assert api.get(url(pk)).status_code == 404
    assert api.post(url(pk, "agenda/")).status_code == 404
    assert api.get(url(pk, "minutes/fr/")).status_code == 404


# --- planning a session ----------------------------------------------------------------------------------------


def test_the_secretary_reads_who_can_sit_on_a_session(api, token_client, members, secretary, call_manager):
    UserFactory(email="gone@bpl.brussels", roles=[StaffRole.COMMITTEE_MEMBER], is_active=False)
    response = api.get(LIST + "eligible-members/")
    assert response.status_code == 200
    assert response.json() == [
        {"id": m.pk, "name": f"Member Nr{n}", "email": f"member{n}@bpl.brussels"} for n, m in enumerate(members)
    ]
    assert token_client(members[0]).get(LIST + "eligible-members/").status_code == 403  # as the page: recorders
    assert token_client(call_manager).get(LIST + "eligible-members/").status_code == 403


def test_a_session_on_a_loan_product(api, members, sports_product):
    body = {
        "loan_product": sports_product.product.code,
        "held_at": "2026-12-01T14:00+01:00",
        "members": [members[0].pk],
        "quorum": 1,
    }
    response = api.post(LIST, body, format="json")
    assert response.status_code == 201
    session = CommitteeSession.objects.get()
    assert session.loan_product_id == sports_product.product_id and session.call_id is None
    assert response.json()["loan_product"]["code"] == sports_product.product.code


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quorum": 5}, "quorum", "The quorum must be between 1 and the number of members (3)."),
        ({"quorum": 0}, "quorum", "The quorum must be between 1 and the number of members (3)."),
        ({"quorum": "two"}, "quorum", None),
        ({"members": []}, "members", "A session needs members."),
        ({"members": "1,2"}, "members", None),
        ({"held_at": "next tuesday"}, "held_at", None),
        ({"call": None}, "call", "Choose the call or the loan product the session is about."),
        ({"call": "nosuchcall"}, "call", "No such call for projects."),
        ({"call": 12}, "call", "No such call for projects."),
        ({"call": "not a code"}, "call", None),
        ({"loan_product": "nosuchproduct"}, "loan_product", "No such loan product."),
        ({"colour": "red"}, "colour", "Unknown field."),
        ({"place": "x" * 201}, "place", None),
    ],
)
def test_planning_refuses_bad_input_and_stores_nothing(api, version, members, changes, field, message):
    response = api.post(LIST, create_body(version, members, **changes), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    fields = response.json()["extra"]["fields"]
    assert field in fields
    if message:
        assert fields[field] == [message]
    assert not CommitteeSession.objects.exists()


@pytest.mark.parametrize("missing", ["held_at", "members", "quorum"])
def test_planning_needs_its_fields(api, version, members, missing):
    body = create_body(version, members)
    del body[missing]
    response = api.post(LIST, body, format="json")
    assert response.status_code == 400 and missing in response.json()["extra"]["fields"]
    assert not CommitteeSession.objects.exists()


def test_only_committee_members_sit_on_a_session(api, version, members, secretary):
    body = create_body(version, [*members, secretary])
    response = api.post(LIST, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["members"] == [
        "Every member must be a committee member of the administration."
    ]
    assert not CommitteeSession.objects.exists()


def test_only_the_secretary_plans_and_records(token_client, version, members, session, item, call_manager):
    for user in (members[0], call_manager):
        client = token_client(user)
        for path, body in [
            (LIST, create_body(version, members)),
            (url(session, "agenda/"), {}),
            (url(session, "attendance/"), {"present": [members[0].pk]}),
            (url(session, "close/"), {}),
            (item_url(item, "recusal"), {"member": members[0].pk, "reason": "Conflict"}),
            (item_url(item, "decision"), {"decision": "postponed"}),
        ]:
            response = client.post(path, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 403, path
            assert response.json()["message"] == "Only the committee's secretary records sessions."
    assert CommitteeSession.objects.count() == 1
    assert not Attendance.objects.exists() and not Recusal.objects.exists()
    assert SessionItem.objects.get().decision == ""


def test_a_read_only_token_cannot_record(token_client, secretary, version, members, session):
    client = token_client(secretary, "read")
    assert client.get(url(session)).status_code == 200
    assert client.post(LIST, create_body(version, members), format="json").status_code == 403
    assert client.post(url(session, "attendance/"), {"present": []}, format="json").status_code == 403
    assert CommitteeSession.objects.count() == 1 and not Attendance.objects.exists()


def test_an_administrator_records_too(token_client, administrator, version, members):
    response = token_client(administrator).post(LIST, create_body(version, members), format="json")
    assert response.status_code == 201
    assert CommitteeSession.objects.get().secretary == administrator


# --- agenda and attendance -------------------------------------------------------------------------------------


def test_the_agenda_takes_the_reviewed_applications_not_yet_listed(api, session, version, commune, secretary):
    first = reviewed(version, commune, secretary, n=1)
    not_yet = reviewed(version, commune, secretary, n=2)
    Application.objects.filter(pk=not_yet.pk).update(status=ApplicationStatus.SUBMITTED)  # still under review
    response = api.post(url(session, "agenda/"))
    assert response.status_code == 200
    assert [row["application"]["id"] for row in response.json()["items"]] == [first.pk]
    assert api.post(url(session, "agenda/")).status_code == 200  # again: nothing new, nothing doubled
    assert SessionItem.objects.filter(session=session).count() == 1


def test_the_agenda_takes_no_fields(api, session):
    response = api.post(url(session, "agenda/"), {"application": 1}, format="json")
    assert response.status_code == 400 and "application" in response.json()["extra"]["fields"]
    assert not SessionItem.objects.exists()


def test_attendance_records_present_and_absent_members(api, session, members):
    response = api.post(url(session, "attendance/"), {"present": [members[2].pk]}, format="json")
    assert response.status_code == 200
    assert dict(Attendance.objects.values_list("member_id", "present")) == {
        members[0].pk: False,
        members[1].pk: False,
        members[2].pk: True,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"present": ["someone"]}, None),
        ({"present": 3}, None),
        ({"present": [10**12]}, None),
        ({"here": []}, "Unknown field."),
    ],
)
def test_attendance_refuses_bad_input(api, session, body, message):
    response = api.post(url(session, "attendance/"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    if message:
        assert list(response.json()["extra"]["fields"].values()) == [[message]]
    assert not Attendance.objects.exists()


def test_only_members_of_the_session_can_be_present(api, session, secretary):
    response = api.post(
        url(session, "attendance/"), {"present": [secretary.pk]}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["present"] == ["Only members of the session can be present."]
    assert not Attendance.objects.exists()


# --- recusals: a member who stands aside does not count ----------------------------------------------------------


def test_a_recused_member_does_not_count_towards_the_items_quorum(
    api, session, item, version, commune, secretary, members
):
    other = on_agenda(session, reviewed(version, commune, secretary, n=2), position=2)
    api.post(url(session, "attendance/"), {"present": [members[0].pk, members[1].pk]}, format="json")
    assert (
        api.post(item_url(item, "recusal"), {"member": members[0].pk, "reason": "Alderman"}, format="json").status_code
        == 200
    )
    response = api.post(item_url(item, "decision"), {"decision": "approved", "amount": "500.00"}, format="json")
    assert response.status_code == 409
    # The other item still has both members: its decision goes through.
    response = api.post(item_url(other, "decision"), {"decision": "approved", "amount": "500.00"}, format="json")
    assert response.status_code == 200
    item.refresh_from_db()
    other.refresh_from_db()
    assert (item.decision, other.decision) == ("", "approved")
    # A third member arriving restores the quorum on the first item.
    api.post(url(session, "attendance/"), {"present": [m.pk for m in members]}, format="json")
    assert api.post(item_url(item, "decision"), {"decision": "postponed"}, format="json").status_code == 200


def test_a_recusal_after_the_decision_is_a_409(api, session, item, members):
    all_present(session, members)
    assert api.post(item_url(item, "decision"), {"decision": "postponed"}, format="json").status_code == 200
    response = api.post(
        item_url(item, "recusal"),
        {"member": members[0].pk, "reason": "Conflict"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert response.json()["message"] == "This item is decided: a member stands aside before the decision is taken."
    assert not Recusal.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"member": "x", "reason": "Conflict"}, "member", None),
        ({"reason": "Conflict"}, "member", None),
        ({"member": 10**12, "reason": "Conflict"}, "member", None),
        ("member", "non_field_errors", None),
        ({"member": "MEMBER", "reason": ""}, "reason", "Give the reason for standing aside."),
        ({"member": "SECRETARY", "reason": "Conflict"}, "member", "Only a member of the session can stand aside."),
        ({"member": "MEMBER", "reason": "Conflict", "vote": "no"}, "vote", "Unknown field."),
        ({"member": "MEMBER", "reason": "x" * 2001}, "reason", None),
    ],
)
def test_a_recusal_refuses_bad_input(api, item, members, secretary, body, field, message):
    if isinstance(body, dict):
        body = {
            key: {"MEMBER": members[0].pk, "SECRETARY": secretary.pk}.get(value, value) for key, value in body.items()
        }
    response = api.post(item_url(item, "recusal"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    if message:
        assert response.json()["extra"]["fields"][field] == [message]
    assert not Recusal.objects.exists()


def test_an_item_of_another_session_is_a_404(api, session, secretary, members, version, commune):
    elsewhere = on_agenda(planned(secretary, members, version), reviewed(version, commune, secretary, n=9))
    path = f"{url(session)}items/{elsewhere.pk}/"
    assert api.post(path + "decision/", {"decision": "postponed"}, format="json").status_code == 404
    assert api.post(path + "recusal/", {"member": members[0].pk, "reason": "x"}, format="json").status_code == 404
    assert (
        api.post(f"{url(session)}items/{2**63}/decision/", {"decision": "postponed"}, format="json").status_code == 404
    )
    assert SessionItem.objects.get(pk=elsewhere.pk).decision == ""


# --- decisions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"decision": "award"}, "decision", None),
        ({}, "decision", None),
        ({"decision": "approved"}, "amount", "Give the amount granted."),
        ({"decision": "approved", "amount": "lots"}, "amount", None),
        ({"decision": "approved", "amount": 12.345}, "amount", None),
        ({"decision": "approved", "amount": "0"}, "amount", None),
        ({"decision": "approved", "amount": "1000.01"}, "amount", None),
        ({"decision": "rejected"}, "reason", "A rejection needs its reason."),
        ({"decision": "postponed", "vote": 3}, "vote", "Unknown field."),
        ({"decision": "postponed", "conditions": ["a"]}, "conditions", None),
    ],
)
def test_a_decision_refuses_bad_input(api, session, item, members, body, field, message):
    all_present(session, members)
    response = api.post(item_url(item, "decision"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    if message:
        assert response.json()["extra"]["fields"][field] == [message]
    item.refresh_from_db()
    assert (item.decision, item.decided_amount) == ("", None)


def test_a_decision_above_the_amount_requested_says_so(api, session, item, members):
    all_present(session, members)
    response = api.post(
        item_url(item, "decision"),
        {"decision": "approved", "amount": "1000.01"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["extra"]["fields"]["amount"] == [
        "The amount granted must be above zero and at most the amount requested (1.000,00 EUR)."
    ]


def test_a_rejection_with_its_reason(api, session, item, members):
    all_present(session, members)
    response = api.post(item_url(item, "decision"), {"decision": "rejected", "reason": "Out of scope"}, format="json")
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.decision, item.reason, item.decided_amount) == ("rejected", "Out of scope", None)


def test_a_decision_replayed_with_its_key_changes_nothing(api, session, item, members):
    all_present(session, members)
    body = {"decision": "approved", "amount": "800.00"}
    first = api.post(item_url(item, "decision"), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 200
    decided_at = SessionItem.objects.get(pk=item.pk).decided_at
    replay = api.post(item_url(item, "decision"), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert SessionItem.objects.get(pk=item.pk).decided_at == decided_at
    other = api.post(item_url(item, "decision"), {**body, "amount": "700.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 422
    assert SessionItem.objects.get(pk=item.pk).decided_amount == Decimal("800.00")
    assert IdempotencyRecord.objects.count() == 1


def test_a_refused_decision_stores_no_idempotent_answer(api, session, item):
    response = api.post(item_url(item, "decision"), {"decision": "postponed"}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert response.status_code == 409  # nobody present: no quorum
    assert not IdempotencyRecord.objects.exists()


# --- closing ----------------------------------------------------------------------------------------------------


def test_closing_needs_every_decision_and_the_quorum(api, session, item, members):
    response = api.post(url(session, "close/"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["message"] == "No quorum: 0 member(s) present, 2 needed."
    all_present(session, members)
    response = api.post(url(session, "close/"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json()["message"] == "Every item on the agenda needs a decision before the session is closed."
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED


def test_closing_commits_a_small_award_and_is_idempotent(
    api, session, item, members, django_capture_on_commit_callbacks
):
    all_present(session, members)
    api.post(item_url(item, "decision"), {"decision": "approved", "amount": "1000.00"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(url(session, "close/"), HTTP_IDEMPOTENCY_KEY="close")
    assert first.status_code == 200 and first.json()["status"] == "closed"
    application = Application.objects.get(pk=item.application_id)
    # Below every approval threshold: committed on the call's envelope at once, with its tranches.
    assert application.status == ApplicationStatus.AWARDED
    assert application.award.status == AwardStatus.COMMITTED and application.award.commitment_id
    assert sum(t.planned_amount for t in application.award.tranches.all()) == Decimal("1000.00")
    replay = api.post(url(session, "close/"), HTTP_IDEMPOTENCY_KEY="close")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert (
        api.post(url(session, "close/"), {"now": True}, format="json", HTTP_IDEMPOTENCY_KEY="close").status_code == 422
    )
    assert Application.objects.get(pk=item.application_id).award.tranches.count() == application.award.tranches.count()


def test_a_rejection_becomes_final_on_closing(api, session, item, members, django_capture_on_commit_callbacks):
    all_present(session, members)
    api.post(item_url(item, "decision"), {"decision": "rejected", "reason": "Out of scope"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(url(session, "close/")).status_code == 200
    assert Application.objects.get(pk=item.application_id).status == ApplicationStatus.REJECTED


def test_a_loan_session_gives_the_committees_opinion(
    api,
    secretary,
    members,
    sports_product,
    commune,
    commune_editor,
    signatory,
    loan_analyst,
    shares,
    django_capture_on_commit_callbacks,
):
    from loans.models import LoanApplicationStatus, Opinion
    from tests.loans.journey import analysed, eligible, submitted

    with django_capture_on_commit_callbacks(execute=True):
        application = submitted(sports_product, commune, commune_editor, signatory)
        analysed(eligible(application, loan_analyst), loan_analyst)
    body = {
        "loan_product": sports_product.product.code,
        "held_at": "2026-12-01T14:00",
        "members": [m.pk for m in members],
        "quorum": 2,
    }
    session_id = api.post(LIST, body, format="json").json()["id"]
    [row] = api.post(url(session_id, "agenda/")).json()["items"]
    assert row["loan_application"]["id"] == application.pk and row["application"] is None
    api.post(url(session_id, "attendance/"), {"present": [m.pk for m in members]}, format="json")
    decision = {"decision": "approved", "amount": row["proposed_amount"], "conditions": "Favourable"}
    assert api.post(f"{url(session_id)}items/{row['id']}/decision/", decision, format="json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(url(session_id, "close/")).status_code == 200
    application.refresh_from_db()
    assert (application.status, application.opinion) == (LoanApplicationStatus.OPINION_GIVEN, Opinion.FAVOURABLE)


# --- the minutes ------------------------------------------------------------------------------------------------


def test_minutes_exist_only_once_the_session_is_closed(api, token_client, session, members, commune_editor):
    session.minutes_fr.save("m.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    assert api.get(url(session, "minutes/fr/")).status_code == 404  # planned: no minutes yet
    CommitteeSession.objects.filter(pk=session.pk).update(status=SessionStatus.CLOSED)
    assert api.get(url(session, "minutes/fr/")).status_code == 200
    assert token_client(members[0]).get(url(session, "minutes/fr/")).status_code == 200
    assert api.get(url(session, "minutes/nl/")).status_code == 404  # not made yet
    assert api.get(url(session, "minutes/de/")).status_code == 404
    assert token_client(UserFactory(roles=[StaffRole.REVIEWER])).get(url(session, "minutes/fr/")).status_code == 403
    assert token_client(commune_editor).get(url(session, "minutes/fr/")).status_code == 404


def test_bodies_are_json_only(api, session, members):
    response = api.post(
        url(session, "attendance/"), f"present={members[0].pk}", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and set(response.json()) == {"message", "extra"}
    assert not Attendance.objects.exists()
