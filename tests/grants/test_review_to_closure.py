"""grant_application@1 from submission to closure: review behind the conflict-of-interest gate, the committee
session as a record, the commitment before any letter, tranches, justification, balance or recovery."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation
from pypdf import PdfReader

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.roles import StaffRole
from finance.models import Commitment, Payable, Receivable
from grants.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    AwardStatus,
    DecisionLetter,
    ItemDecision,
    ReviewAssignment,
    TrancheStatus,
)
from grants.ranking import call_ranking
from grants.selectors import application_for_user, document_for_user
from grants.services.committee import (
    agenda_from_ranking,
    attendance_record,
    item_decide,
    recusal_record,
    session_close,
    session_create,
)
from grants.services.review import conflict_declare, possible_reviewers, reviewers_assign
from grants.services.tranches import (
    expense_line_add,
    justification_check,
    justification_report_set,
    justification_submit,
    tranche_claim,
)
from tests.factories import MembershipFactory, UserFactory
from tests.grants.fixtures import pdf
from tests.grants.journey import make_eligible, new_application, review, reviewers, run_task, waiting
from workflows.grant_application.handlers import case_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The messages matched below are the English source strings."""
    with translation.override("en"):
        yield


GOOD = {"coverage": "8", "supralocal": "5", "tariff": "5"}
WEAK = {"coverage": "5", "supralocal": "na", "tariff": "2"}


@pytest.fixture
def call_manager(db):
    return UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])


@pytest.fixture
def secretary(db):
    return UserFactory(email="secretary@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])


@pytest.fixture
def members(db):
    return [UserFactory(email=f"member{n}@bpl.brussels", roles=[StaffRole.COMMITTEE_MEMBER]) for n in range(3)]


@pytest.fixture
def eligible_application(
    sports_call, commune, commune_editor, signatory, eligibility_officer, django_capture_on_commit_callbacks
):
    application = new_application(sports_call, commune, commune_editor, signatory, django_capture_on_commit_callbacks)
    make_eligible(application, eligibility_officer, django_capture_on_commit_callbacks)
    application.refresh_from_db()
    return application


def test_a_reviewer_sees_nothing_before_declaring_and_a_conflict_frees_the_place(
    eligible_application, call_manager, django_capture_on_commit_callbacks, staff_client
):
    first, second = reviewers(2)
    with django_capture_on_commit_callbacks(execute=True):
        (assignment,) = reviewers_assign(
            actor=call_manager, application_id=eligible_application.pk, reviewer_ids=[first.pk]
        )
    document = eligible_application.documents.first()
    assert application_for_user(first, eligible_application.pk) is None
    assert document_for_user(first, document.pk) is None
    client = staff_client(first)
    assert client.get(f"/en/applications/{eligible_application.pk}/").status_code == 404
    assert client.get(f"/en/documents/{document.pk}/").status_code == 404
    task = next(t for t in waiting(eligible_application, "review") if t.owner_id == first.pk)
    page = client.get(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))
    assert "Before you review" in page.content.decode()
    assert "Rénovation de la salle omnisports" not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        conflict_declare(
            actor=first, assignment_id=assignment.pk, conflict=True, reason="My brother is an alderman", standing=True
        )
    task.refresh_from_db()
    assert (task.status, task.owner_id) == ("NEW", None)
    assert first not in possible_reviewers(eligible_application)
    with django_capture_on_commit_callbacks(execute=True):
        (replacement,) = reviewers_assign(
            actor=call_manager, application_id=eligible_application.pk, reviewer_ids=[second.pk]
        )
    task.refresh_from_db()
    assert task.owner_id == second.pk and task.data["assignment_id"] == replacement.pk
    conflict_declare(actor=second, assignment_id=replacement.pk, conflict=False)
    assert application_for_user(second, eligible_application.pk) == eligible_application
    assert client.get(f"/en/documents/{document.pk}/").status_code == 404  # the first reviewer still sees nothing


def test_suggestions_exclude_people_linked_to_the_applicant_and_balance_open_reviews(
    eligible_application,
    sports_call,
    call_manager,
    other_commune,
    other_commune_editor,
    django_capture_on_commit_callbacks,
):
    busy, free = reviewers(2)
    linked = UserFactory(email="linked@bpl.brussels", roles=[StaffRole.REVIEWER])
    MembershipFactory(user=linked, organisation=eligible_application.organisation)
    other = Application.objects.create(
        call_version=sports_call, organisation=other_commune, created_by=other_commune_editor, status="eligible"
    )
    reviewers_assign(actor=call_manager, application_id=other.pk, reviewer_ids=[busy.pk])
    suggested = list(possible_reviewers(eligible_application))
    assert linked not in suggested
    assert suggested.index(free) < suggested.index(busy)  # fewer open reviews first
    with pytest.raises(InvalidInput, match="may not review"):
        reviewers_assign(actor=call_manager, application_id=eligible_application.pk, reviewer_ids=[linked.pk])
    extra = UserFactory(email="extra@bpl.brussels", roles=[StaffRole.REVIEWER])
    with pytest.raises(InvalidInput, match="free reviewer place"):
        reviewers_assign(
            actor=call_manager, application_id=eligible_application.pk, reviewer_ids=[busy.pk, free.pk, extra.pk]
        )
    assert not eligible_application.assignments.exists()
    with pytest.raises(NotPermitted):
        reviewers_assign(actor=busy, application_id=eligible_application.pk, reviewer_ids=[free.pk])


def test_from_review_to_a_closed_grant_with_a_balance(
    eligible_application,
    call_manager,
    secretary,
    members,
    signatory,
    commune_editor,
    eligibility_officer,
    django_capture_on_commit_callbacks,
    staff_client,
):
    application = eligible_application
    review(application, reviewers(2), call_manager, [GOOD, WEAK], django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED
    (row,) = call_ranking(application.call_version.call)
    # First reviewer 0.75; second (5/10 at 50 %, n/a, 2/5 at 20 %) = 33/70 = 0.471429, n/a left out, not zero.
    assert row.consolidated.score == Decimal("0.610715")
    assert row.consolidated.divergent is True  # 27.9 points apart, the call's margin is 20
    assert waiting(application, "await_committee")

    session = session_create(
        actor=secretary,
        call_id=application.call_version.call_id,
        held_at=timezone.now(),
        place="Room 1",
        member_ids=[m.pk for m in members],
        quorum=2,
    )
    (item,) = agenda_from_ranking(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[members[0].pk, members[1].pk])
    recusal_record(actor=secretary, item_id=item.pk, member_id=members[1].pk, reason="Lives in the commune")
    with pytest.raises(TransitionNotAllowed, match="No quorum on this item"):
        item_decide(actor=secretary, item_id=item.pk, decision="approved", amount="900000")
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
    with pytest.raises(InvalidInput, match="at most the amount requested"):
        item_decide(actor=secretary, item_id=item.pk, decision="approved", amount="1000000.01")
    item_decide(
        actor=secretary, item_id=item.pk, decision="approved", amount="1000000", conditions="Works start in 2027"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session_close(actor=secretary, session_id=session.pk)
    session.refresh_from_db()
    assert session.minutes_fr and session.minutes_nl
    minutes = PdfReader(io.BytesIO(session.minutes_nl.read())).pages[0].extract_text()
    assert application.reference in minutes.replace("\n", "")

    application.refresh_from_db()
    award = application.award
    # 1.000.000 EUR is above the thresholds: no commitment, no letter until the approvals are recorded.
    assert award.status == AwardStatus.AWAITING_APPROVALS and award.commitment is None
    assert not DecisionLetter.objects.exists() and not Commitment.objects.exists()
    assert not any(application.reference in m.subject for m in mail.outbox)
    (approvals,) = waiting(application, "record_approvals")
    from grants.services.awards import approval_record, missing_levels

    levels = missing_levels(award)
    assert [level.code for level in levels] == ["finance_inspection", "budget_minister", "government_decision"]
    with pytest.raises(InvalidInput, match="reference"):
        approval_record(actor=call_manager, award_id=award.pk, level_id=levels[2].pk, given_on=timezone.localdate())
    for level in levels[:2]:
        approval_record(actor=call_manager, award_id=award.pk, level_id=level.pk, given_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        run_task(
            approvals,
            call_manager,
            lambda: approval_record(
                actor=call_manager,
                award_id=award.pk,
                level_id=levels[2].pk,
                given_on=timezone.localdate(),
                reference="GOV-2026-117",
            ),
        )
    award.refresh_from_db()
    assert award.status == AwardStatus.COMMITTED and award.commitment.amount == Decimal("1000000.00")
    letter = DecisionLetter.objects.get(application=application, kind="award")
    assert letter.sent_at is not None and letter.created_at >= award.commitment.created_at
    text = PdfReader(io.BytesIO(letter.file.read())).pages[0].extract_text()
    assert "1.000.000,00 EUR" in text and application.reference in text

    advance, balance = award.tranches.order_by("number")
    assert (advance.planned_amount, balance.planned_amount) == (Decimal("800000.00"), Decimal("200000.00"))
    with pytest.raises(NotPermitted):
        tranche_claim(actor=commune_editor, tranche_id=advance.pk)
    tranche_claim(actor=signatory, tranche_id=advance.pk)
    advance.refresh_from_db()
    assert advance.status == TrancheStatus.DUE and advance.payable.status == "due"

    with pytest.raises(InvalidInput) as error:
        expense_line_add(
            actor=commune_editor,
            award_id=award.pk,
            invoice_reference="F-1",
            supplier="Toitures SA",
            amount="500.000,00",
            paid_on=dt.date(2026, 5, 1),
            proof=None,
        )
    assert list(error.value.extra["fields"]) == ["proof"]
    expense_line_add(
        actor=commune_editor,
        award_id=award.pk,
        invoice_reference="F-1",
        supplier="Toitures SA",
        amount="600.000,00",
        paid_on=dt.date(2026, 5, 1),
        proof=pdf("f1.pdf"),
    )
    rejected = expense_line_add(
        actor=commune_editor,
        award_id=award.pk,
        invoice_reference="F-2",
        supplier="Bureau X",
        amount="150.000,00",
        paid_on=dt.date(2026, 6, 1),
        proof=pdf("f2.pdf"),
    )
    third = expense_line_add(
        actor=commune_editor,
        award_id=award.pk,
        invoice_reference="F-3",
        supplier="Vestiaires SPRL",
        amount="300.000,00",
        paid_on=dt.date(2026, 6, 2),
        proof=pdf("f3.pdf"),
    )
    justification_report_set(actor=commune_editor, award_id=award.pk, upload=pdf("report.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        justification_submit(actor=signatory, award_id=award.pk)
    (check,) = waiting(application, "check_justification")
    first_line = award.justification.lines.get(invoice_reference="F-1")
    decisions = {
        first_line.pk: {"status": "accepted"},
        rejected.pk: {"status": "rejected", "reason": "Study costs are not eligible"},
        third.pk: {"status": "accepted"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        run_task(
            check,
            eligibility_officer,
            lambda: justification_check(actor=eligibility_officer, award_id=award.pk, decisions=decisions),
        )
    balance.refresh_from_db()
    # Accepted 900.000 of the 1.000.000 awarded; 800.000 advanced: 100.000 balance is due, nothing to recover.
    assert (balance.status, balance.due_amount) == (TrancheStatus.DUE, Decimal("100000.00"))
    assert Payable.objects.filter(status="due").count() == 2 and not Receivable.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CLOSED
    assert case_of(application).status == "DONE"


def test_a_rejected_line_can_make_an_advance_to_recover(
    eligible_application,
    call_manager,
    secretary,
    members,
    signatory,
    commune_editor,
    eligibility_officer,
    django_capture_on_commit_callbacks,
):
    from grants.services.awards import approval_record, missing_levels

    application = eligible_application
    review(application, reviewers(2), call_manager, [GOOD, GOOD], django_capture_on_commit_callbacks)
    session = session_create(
        actor=secretary,
        call_id=application.call_version.call_id,
        held_at=timezone.now(),
        place="",
        member_ids=[m.pk for m in members],
        quorum=2,
    )
    (item,) = agenda_from_ranking(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
    item_decide(actor=secretary, item_id=item.pk, decision="approved", amount="1000000")
    with django_capture_on_commit_callbacks(execute=True):
        session_close(actor=secretary, session_id=session.pk)
    application.refresh_from_db()
    award = application.award
    for level in missing_levels(award):
        with django_capture_on_commit_callbacks(execute=True):
            approval_record(
                actor=call_manager, award_id=award.pk, level_id=level.pk, given_on=timezone.localdate(), reference="REF"
            )
    award.refresh_from_db()
    advance = award.tranches.get(number=1)
    tranche_claim(actor=signatory, tranche_id=advance.pk)
    line = expense_line_add(
        actor=commune_editor,
        award_id=award.pk,
        invoice_reference="F-9",
        supplier="S",
        amount="500000",
        paid_on=dt.date(2026, 5, 1),
        proof=pdf(),
    )
    justification_report_set(actor=commune_editor, award_id=award.pk, upload=pdf("report.pdf"))
    justification_submit(actor=signatory, award_id=award.pk)
    with pytest.raises(InvalidInput, match="Decide on every line"):
        justification_check(actor=eligibility_officer, award_id=award.pk, decisions={line.pk: {"status": "rejected"}})
    justification_check(actor=eligibility_officer, award_id=award.pk, decisions={line.pk: {"status": "accepted"}})
    award.justification.refresh_from_db()
    # 500.000 justified, 800.000 advanced: 300.000 to recover, no balance.
    assert award.justification.to_recover == Decimal("300000.00")
    assert Receivable.objects.get().amount == Decimal("300000.00")
    assert award.tranches.get(number=2).status == TrancheStatus.CANCELLED


def test_a_session_cannot_close_without_quorum_or_with_undecided_items(
    eligible_application, call_manager, secretary, members, django_capture_on_commit_callbacks
):
    review(eligible_application, reviewers(2), call_manager, [GOOD, GOOD], django_capture_on_commit_callbacks)
    session = session_create(
        actor=secretary,
        call_id=eligible_application.call_version.call_id,
        held_at=timezone.now(),
        place="",
        member_ids=[m.pk for m in members],
        quorum=3,
    )
    (item,) = agenda_from_ranking(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[members[0].pk, members[1].pk])
    with pytest.raises(TransitionNotAllowed, match="No quorum"):
        session_close(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
    with pytest.raises(TransitionNotAllowed, match="needs a decision"):
        session_close(actor=secretary, session_id=session.pk)
    with pytest.raises(InvalidInput, match="reason"):
        item_decide(actor=secretary, item_id=item.pk, decision=ItemDecision.REJECTED, reason="  ")
    item_decide(actor=secretary, item_id=item.pk, decision=ItemDecision.POSTPONED)
    with django_capture_on_commit_callbacks(execute=True):
        session_close(actor=secretary, session_id=session.pk)
    eligible_application.refresh_from_db()
    assert eligible_application.status == ApplicationStatus.REVIEWED
    assert waiting(eligible_application, "await_committee")  # back in line for the next session
    with pytest.raises(TransitionNotAllowed):
        item_decide(actor=secretary, item_id=item.pk, decision=ItemDecision.APPROVED, amount="10")


def test_an_amount_above_the_envelope_is_refused_at_the_decision(
    eligible_application, call_manager, secretary, members, django_capture_on_commit_callbacks
):
    version = eligible_application.call_version
    version.__class__.objects.filter(pk=version.pk).update(envelope=Decimal("500000.00"))
    review(eligible_application, reviewers(2), call_manager, [GOOD, GOOD], django_capture_on_commit_callbacks)
    session = session_create(
        actor=secretary,
        call_id=version.call_id,
        held_at=timezone.now(),
        place="",
        member_ids=[m.pk for m in members],
        quorum=1,
    )
    (item,) = agenda_from_ranking(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[members[0].pk])
    with pytest.raises(InvalidInput, match=re.escape("envelope has 500.000,00 EUR left")):
        item_decide(actor=secretary, item_id=item.pk, decision="approved", amount="600000")
    assert not ReviewAssignment.objects.filter(status=AssignmentStatus.AWAITING_DECLARATION).exists()
