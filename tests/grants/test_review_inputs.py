"""Bad input in the review half: each refused with a clear message, nothing changed."""

import copy

import pytest
from django.utils import timezone, translation

from core.errors import InvalidInput, TransitionNotAllowed
from core.roles import StaffRole
from grants.call_validation import publication_problems
from grants.models import AwardStatus, Review
from grants.services.awards import approval_record, award_amend, award_send_back, missing_levels
from grants.services.committee import agenda_from_ranking, attendance_record, item_decide, session_close, session_create
from grants.services.review import conflict_declare, review_save, reviewers_assign
from tests.factories import UserFactory
from tests.factories.grants import CallVersionFactory
from tests.grants.journey import make_eligible, new_application, review, reviewers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The messages matched below are the English source strings."""
    with translation.override("en"):
        yield


GOOD = {"coverage": "8", "supralocal": "5", "tariff": "5"}


@pytest.fixture
def call_manager(db):
    return UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])


@pytest.fixture
def active_assignment(
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
    (reviewer,) = reviewers(1)
    with django_capture_on_commit_callbacks(execute=True):
        (assignment,) = reviewers_assign(actor=call_manager, application_id=application.pk, reviewer_ids=[reviewer.pk])
    conflict_declare(actor=reviewer, assignment_id=assignment.pk, conflict=False)
    return assignment


@pytest.mark.parametrize(
    ("scores", "field", "message"),
    [
        ({"coverage": "11", "supralocal": "5", "tariff": "5"}, "score_coverage", "between 0 and 10"),
        ({"coverage": "-1", "supralocal": "5", "tariff": "5"}, "score_coverage", "between 0 and 10"),
        ({"coverage": "eight", "supralocal": "5", "tariff": "5"}, "score_coverage", "a number or n/a"),
        ({"coverage": "8", "supralocal": "", "tariff": "5"}, "score_supralocal", "score or n/a"),
        ({"coverage": "na", "supralocal": "na", "tariff": "na"}, "scores", "At least one"),
    ],
)
def test_a_bad_score_is_refused_and_nothing_is_saved(active_assignment, scores, field, message):
    raw = {code: {"score": value} for code, value in scores.items()}
    with translation.override("en"), pytest.raises(InvalidInput) as error:
        review_save(actor=active_assignment.reviewer, assignment_id=active_assignment.pk, scores=raw, submit=True)
    assert message in " ".join(map(str, error.value.extra["fields"][field]))
    assert not Review.objects.exists()


def test_a_draft_review_may_be_incomplete_and_is_kept(active_assignment):
    review_save(
        actor=active_assignment.reviewer,
        assignment_id=active_assignment.pk,
        scores={"coverage": {"score": "7"}},
        submit=False,
    )
    draft = Review.objects.get()
    assert draft.status == "draft" and draft.scores["coverage"]["score"] == "7"


def test_scoring_before_declaring_or_someone_elses_review_is_refused(
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
    first, second = reviewers(2)
    with django_capture_on_commit_callbacks(execute=True):
        assignment, _other = reviewers_assign(
            actor=call_manager, application_id=application.pk, reviewer_ids=[first.pk, second.pk]
        )
    with pytest.raises(TransitionNotAllowed, match="Declare first"):
        review_save(actor=first, assignment_id=assignment.pk, scores={}, submit=False)
    from core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        conflict_declare(actor=second, assignment_id=assignment.pk, conflict=False)
    with pytest.raises(InvalidInput, match="what the conflict is"):
        conflict_declare(actor=first, assignment_id=assignment.pk, conflict=True, reason=" ")


def test_a_weight_grid_that_does_not_add_up_to_100_cannot_be_published(grant_process):
    version = CallVersionFactory()
    grid = copy.deepcopy(version.scoring_grid)
    grid[0]["weight"] = 40
    version.scoring_grid = grid
    with translation.override("en"):
        problems = publication_problems(version)
    assert any("add up to 100 (they add up to 90)" in p for p in problems)


def test_sending_an_award_back_voids_its_approvals_and_a_change_needs_them_again(
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
    secretary = UserFactory(email="secretary@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])
    member = UserFactory(email="member@bpl.brussels", roles=[StaffRole.COMMITTEE_MEMBER])
    session = session_create(
        actor=secretary, call_id=sports_call.call_id, held_at=timezone.now(), place="", member_ids=[member.pk], quorum=1
    )
    (item,) = agenda_from_ranking(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[member.pk])
    item_decide(actor=secretary, item_id=item.pk, decision="approved", amount="20000")
    with django_capture_on_commit_callbacks(execute=True):
        session_close(actor=secretary, session_id=session.pk)
    award = application.__class__.objects.get(pk=application.pk).award
    first, *_rest = missing_levels(award)
    approval_record(actor=call_manager, award_id=award.pk, level_id=first.pk, given_on=timezone.localdate())
    with pytest.raises(InvalidInput, match="Say what must change"):
        award_send_back(actor=call_manager, award_id=award.pk, reason="")
    award_send_back(actor=call_manager, award_id=award.pk, reason="Lower the amount")
    award.refresh_from_db()
    assert award.status == AwardStatus.SENT_BACK
    assert award.approvals.get().voided_at is not None
    with pytest.raises(InvalidInput, match="at most the amount requested"):
        award_amend(actor=call_manager, award_id=award.pk, amount="2000000", conditions="")
    award_amend(actor=call_manager, award_id=award.pk, amount="3000", conditions="")  # below every threshold
    award.refresh_from_db()
    assert award.status == AwardStatus.COMMITTED and award.commitment.amount == 3000
