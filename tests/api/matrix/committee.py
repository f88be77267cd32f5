"""Matrix rows: committee sessions (staff only).

Reading: the committee's secretary and members, call managers, auditors, administrators (grants.view_committeesession);
recording: the secretary and administrators (grants.permissions.can_record_sessions). Members of organisations: 404.
Sent without a body, a recorder gets a 400 on what needs input (it passed authorization); the agenda and the
attendance are sent an empty object (200: nothing reviewed to put on the agenda, nobody present); closing is a 409
(no decision, no quorum). The minutes exist: the session of that row is closed with its French minutes made.
"""

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from grants.models import Application, ApplicationStatus, CommitteeSession, SessionItem, SessionStatus
from tests.api.matrix import staff_only
from tests.factories import UserFactory
from tests.factories.grants import CallVersionFactory

READERS = ["committee_secretary", "administrator", "committee_member", "call_manager", "auditor"]
RECORDERS = ["committee_secretary", "administrator"]


def readers(status: int) -> dict[str, int]:
    return staff_only(dict.fromkeys(READERS, status))


def recorders(status: int) -> dict[str, int]:
    return staff_only(dict.fromkeys(RECORDERS, status))


BASE = "/api/v1/sessions/"
ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", BASE): readers(200),
    ("POST", BASE): recorders(400),
    ("GET", BASE + "eligible-members/"): recorders(200),
    ("GET", BASE + "{id}/"): readers(200),
    ("POST", BASE + "{id}/agenda/"): recorders(200),
    ("POST", BASE + "{id}/attendance/"): recorders(200),
    ("POST", BASE + "{id}/close/"): recorders(409),
    ("GET", BASE + "{id}/minutes/{language}/"): readers(200),
    ("POST", BASE + "{id}/items/{item_id}/recusal/"): recorders(400),
    ("POST", BASE + "{id}/items/{item_id}/decision/"): recorders(400),
}

# An empty object: the agenda and the attendance then succeed (200) and closing meets its state (409).
BODIES: dict[tuple[str, str], dict] = {
    ("POST", BASE + "{id}/agenda/"): {},
    ("POST", BASE + "{id}/attendance/"): {},
    ("POST", BASE + "{id}/close/"): {},
}


def path_values(ctx, method: str, path: str, persona: str) -> dict:
    if path == BASE + "eligible-members/":
        return {}
    version = CallVersionFactory(published=True)
    secretary = UserFactory(roles=["committee_secretary"])
    closed = path.endswith("/minutes/{language}/")
    session = CommitteeSession.objects.create(
        call=version.call,
        held_at=timezone.now() + dt.timedelta(days=7),
        quorum=1,
        secretary=secretary,
        status=SessionStatus.CLOSED if closed else SessionStatus.PLANNED,
    )
    session.members.add(UserFactory(roles=["committee_member"]))
    if closed:
        session.minutes_fr.save("minutes-fr.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        return {"id": session.pk, "language": "fr"}
    if "{item_id}" not in path:
        return {"id": session.pk}
    application = Application.objects.create(
        call_version=version,
        organisation=ctx.commune,
        reference=f"{version.call.code.upper()}-0001",
        status=ApplicationStatus.REVIEWED,
        amount_requested=Decimal("1000.00"),
        created_by=secretary,
    )
    item = SessionItem.objects.create(session=session, application=application, position=1, proposed_amount=1000)
    return {"id": session.pk, "item_id": item.pk}
