"""The staff pages of committee sessions: planning, agenda, attendance, recusals, decisions, closing, minutes."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from core.roles import StaffRole
from grants.models import ApplicationStatus, AwardStatus, CommitteeSession, SessionItem, SessionStatus
from tests.factories import UserFactory
from tests.grants.journey import make_eligible, new_application, review, reviewers

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
GOOD = {"coverage": "8", "supralocal": "5", "tariff": "5"}


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:grants:sessions:{name}", args=args)


@pytest.fixture
def call_manager(db):
    return UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])


@pytest.fixture
def secretary(db):
    return UserFactory(email="secretary@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])


@pytest.fixture
def members(db):
    return [
        UserFactory(
            email=f"member{n}@bpl.brussels", first_name="Member", last_name=f"Nr{n}", roles=[StaffRole.COMMITTEE_MEMBER]
        )
        for n in range(3)
    ]


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
    application = new_application(sports_call, commune, commune_editor, signatory, django_capture_on_commit_callbacks)
    make_eligible(application, eligibility_officer, django_capture_on_commit_callbacks)
    review(application, reviewers(2), call_manager, [GOOD, GOOD], django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED
    return application


def alert(response) -> str:
    match = re.search(r'role="alert">(.*?)</div>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def test_a_secretary_records_a_whole_session_through_the_pages(
    staff_client, secretary, members, reviewed_application, signatory, django_capture_on_commit_callbacks, client
):
    application = reviewed_application
    call_id = application.call_version.call_id
    client = staff_client(secretary)
    page = client.get(url("index") + f"?call={call_id}").content.decode()
    assert "Plan a session" in page and "No committee session yet." in page
    page = client.get(url("create") + f"?call={call_id}").content.decode()
    assert "Member Nr0" in page and "secretary@bpl.brussels" not in page  # only committee members are offered

    data = {
        "subject": f"call:{call_id}",
        "held_at": "2026-12-01T14:00",
        "place": "Room 1",
        "members": [m.pk for m in members],
        "quorum": "5",
    }
    response = client.post(url("create"), data)
    assert response.status_code == 400
    assert "The quorum must be between 1 and the number of members (3)." in response.content.decode()
    assert not CommitteeSession.objects.exists()
    response = client.post(url("create"), {**data, "quorum": "2"})
    session = CommitteeSession.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", session.pk)
    assert session.held_at == dt.datetime(2026, 12, 1, 14, 0, tzinfo=BRUSSELS)
    page = client.get(url("detail", session.pk)).content.decode()
    assert "01/12/2026 14:00" in page and "Room 1" in page and "The agenda is empty" in page

    assert client.post(url("agenda", session.pk)).status_code == 302
    item = SessionItem.objects.get(session=session)
    page = client.get(url("detail", session.pk)).content.decode()
    assert application.reference in page and "1.000.000,00 EUR" in page

    client.post(url("attendance", session.pk), {"present": [members[0].pk, members[1].pk]})
    page = client.get(url("detail", session.pk)).content.decode()
    assert "2 members present." in page and "2 taking part, quorum 2" in page
    response = client.post(url("recusal", item.pk), {"member": members[1].pk, "reason": ""})
    assert response.status_code == 400 and "Give the reason for standing aside." in alert(response)
    response = client.post(url("recusal", item.pk), {"member": members[1].pk, "reason": "Lives in the commune"})
    assert response.status_code == 302
    page = client.get(url("detail", session.pk)).content.decode()
    assert "1 taking part, quorum 2" in page and "Lives in the commune" in page

    response = client.post(url("decide", item.pk), {"decision": "approved", "amount": "900.000,00"})
    assert response.status_code == 400
    assert "No quorum on this item: 1 member(s) take part, 2 are needed." in alert(response)
    assert 'value="900.000,00"' in response.content.decode()  # what was typed stays
    item.refresh_from_db()
    assert item.decision == ""

    response = client.post(url("close", session.pk))
    assert response.status_code == 409
    assert "Every item on the agenda needs a decision before the session is closed." in alert(response)
    assert "Nothing was changed." in alert(response)
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED

    client.post(url("attendance", session.pk), {"present": [m.pk for m in members]})
    response = client.post(url("decide", item.pk), {"decision": "approved", "amount": "1.000.000,01"})
    assert response.status_code == 400 and "at most the amount requested (1.000.000,00 EUR)" in alert(response)
    response = client.post(
        url("decide", item.pk), {"decision": "approved", "amount": "900.000,00", "conditions": "Works start in 2027"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.decision, item.decided_amount) == ("approved", Decimal("900000.00"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("close", session.pk))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED and session.minutes_fr and session.minutes_nl
    application.refresh_from_db()
    assert application.award.status == AwardStatus.AWAITING_APPROVALS
    page = client.get(url("detail", session.pk)).content.decode()
    assert "Record the decision" not in page and "Close the session" not in page  # decisions are read-only now
    assert "900.000,00 EUR" in page and "Works start in 2027" in page
    assert url("minutes", session.pk, "fr") in page and url("minutes", session.pk, "nl") in page

    response = client.get(url("minutes", session.pk, "nl"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(url("minutes", session.pk, "de")).status_code == 404

    response = client.post(url("decide", item.pk), {"decision": "rejected", "reason": "Too late"})
    assert response.status_code == 400 and "This session is closed: its decisions are final." in alert(response)

    client.logout()
    client.force_login(signatory)  # an applicant: the staff door refuses them
    assert client.get(url("minutes", session.pk, "fr")).status_code == 403


def test_committee_members_see_sessions_but_only_the_secretary_records(
    staff_client, secretary, members, reviewed_application
):
    from django.utils import timezone

    from grants.services.committee import session_create

    session = session_create(
        actor=secretary,
        call_id=reviewed_application.call_version.call_id,
        held_at=timezone.now(),
        place="",
        member_ids=[m.pk for m in members],
        quorum=2,
    )
    client = staff_client(members[0])
    page = client.get(url("detail", session.pk)).content.decode()
    assert "Build the agenda from the ranking" not in page and "Record the attendance" not in page
    assert client.get(url("index")).status_code == 200
    assert client.get(url("create")).status_code == 403
    assert client.post(url("agenda", session.pk)).status_code == 403
    assert client.post(url("attendance", session.pk), {"present": [members[0].pk]}).status_code == 403
    assert client.post(url("close", session.pk)).status_code == 403
    assert not session.items.exists() and not session.attendance.exists()
    assert client.get(url("minutes", session.pk, "fr")).status_code == 404  # not closed: no minutes yet

    reviewer = UserFactory(roles=[StaffRole.REVIEWER])
    client = staff_client(reviewer)
    assert client.get(url("index")).status_code == 403
    assert client.get(url("detail", session.pk)).status_code == 403
    assert client.get(url("minutes", session.pk, "fr")).status_code == 403
