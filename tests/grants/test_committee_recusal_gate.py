"""grants.services.committee: a member stands aside before an item's decision, never after; a session's subject must
exist; counting who takes part costs no query per item once the recusals are prefetched."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import InvalidInput, TransitionNotAllowed
from core.roles import StaffRole
from grants.models import Application, ApplicationStatus, Attendance, CommitteeSession, Recusal, SessionItem
from grants.selectors_committee import session_items
from grants.services import committee
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(db):
    return UserFactory(roles=[StaffRole.COMMITTEE_SECRETARY])


@pytest.fixture
def members(db):
    return [UserFactory(roles=[StaffRole.COMMITTEE_MEMBER]) for _ in range(2)]


@pytest.fixture
def item(sports_call, commune, secretary, members):
    session = committee.session_create(
        actor=secretary,
        call_id=sports_call.call_id,
        held_at=timezone.now(),
        place="",
        member_ids=[m.pk for m in members],
        quorum=1,
    )
    application = Application.objects.create(
        call_version=sports_call,
        organisation=commune,
        reference="SPORT-0001",
        status=ApplicationStatus.REVIEWED,
        amount_requested=Decimal("1000.00"),
        created_by=secretary,
    )
    return SessionItem.objects.create(session=session, application=application, position=1, proposed_amount=1000)


def test_a_recusal_is_refused_once_the_item_is_decided(item, secretary, members):
    committee.attendance_record(actor=secretary, session_id=item.session_id, present_ids=[m.pk for m in members])
    committee.item_decide(actor=secretary, item_id=item.pk, decision="postponed")
    with pytest.raises(TransitionNotAllowed):
        committee.recusal_record(actor=secretary, item_id=item.pk, member_id=members[0].pk, reason="Conflict")
    assert not Recusal.objects.exists()


def test_a_recused_member_is_not_counted(item, secretary, members):
    committee.attendance_record(actor=secretary, session_id=item.session_id, present_ids=[members[0].pk])
    committee.recusal_record(actor=secretary, item_id=item.pk, member_id=members[0].pk, reason="Conflict")
    assert committee.voting_members(item) == 0
    with pytest.raises(TransitionNotAllowed):
        committee.item_decide(actor=secretary, item_id=item.pk, decision="postponed")
    item.refresh_from_db()
    assert item.decision == ""


def test_a_session_on_a_call_that_does_not_exist_is_refused(secretary, members):
    with pytest.raises(InvalidInput) as refused:
        committee.session_create(
            actor=secretary, call_id=999999, held_at=timezone.now(), place="", member_ids=[members[0].pk], quorum=1
        )
    assert "call" in refused.value.extra["fields"]
    assert not CommitteeSession.objects.exists()


def test_counting_who_takes_part_reads_the_prefetched_recusals(item, members):
    Attendance.objects.create(session=item.session, member=members[0], present=True)
    Recusal.objects.create(item=item, member=members[0], reason="Conflict")
    present = committee.present_members(item.session)
    items = list(session_items(item.session))
    with CaptureQueriesContext(connection) as queries:
        counts = [committee.voting_members(row, present) for row in items]
    assert counts == [0] and len(queries) == 0
