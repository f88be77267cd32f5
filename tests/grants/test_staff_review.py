"""The staff pages of the review half: reviewers on the application page, the ranking of a call, its dashboard."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.roles import StaffRole
from finance.models import Payable, PayableStatus
from grants.models import (
    Application,
    ApplicationSnapshot,
    ApplicationStatus,
    AssignmentStatus,
    Review,
    ReviewAssignment,
    ReviewStatus,
)
from grants.scoring import below_thresholds, weighted_score
from grants.seed import SCORING_GRID
from grants.services.awards import approval_record, missing_levels
from grants.services.committee import (
    agenda_from_ranking,
    attendance_record,
    item_decide,
    session_close,
    session_create,
)
from grants.services.review import conflict_declare, reviewers_assign
from grants.services.tranches import tranche_claim
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.grants import CallVersionFactory
from tests.grants.journey import make_eligible, new_application, review, reviewers

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
GOOD = {"coverage": "8", "supralocal": "5", "tariff": "5"}  # 0.75
WEAK = {"coverage": "5", "supralocal": "na", "tariff": "2"}  # 33/70 = 0.471429: n/a left out, not zero


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:grants:{name}", args=args)


def rows(html: str) -> list[str]:
    return re.findall(r"<tr[ >].*?</tr>", html, re.S)


def row_of(html: str, needle: str) -> str:
    return next(row for row in rows(html) if needle in row)


def reviewers_card(html: str) -> str:
    start = html.index('id="reviewers"')
    return html[start : html.index('<div class="mdc-card staff-card">', start)]


@pytest.fixture
def call_manager(db):
    return UserFactory(email="calls@bpl.brussels", first_name="Carla", last_name="Manager", roles=["call_manager"])


@pytest.fixture
def eligible_application(
    sports_call, commune, commune_editor, signatory, eligibility_officer, django_capture_on_commit_callbacks
):
    application = new_application(sports_call, commune, commune_editor, signatory, django_capture_on_commit_callbacks)
    make_eligible(application, eligibility_officer, django_capture_on_commit_callbacks)
    application.refresh_from_db()
    return application


# Reviewers on the application page -----------------------------------------------------------------------------


def test_a_call_manager_assigns_reviewers_from_the_application_page(
    staff_client, call_manager, eligible_application, django_capture_on_commit_callbacks
):
    first, second = reviewers(2)
    client = staff_client(call_manager)
    page = client.get(url("applications:detail", eligible_application.pk)).content.decode()
    assert "2 free reviewer places." in page
    assert f'name="reviewers" value="{first.pk}"' in page and "(0 open reviews)" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("applications:reviewers", eligible_application.pk), {"reviewers": [first.pk, second.pk]}
        )
    assert response.status_code == 302
    assert response["Location"].endswith(url("applications:detail", eligible_application.pk) + "#reviewers")
    assigned = ReviewAssignment.objects.filter(application=eligible_application)
    assert set(assigned.values_list("reviewer_id", flat=True)) == {first.pk, second.pk}
    eligible_application.refresh_from_db()
    assert eligible_application.status == ApplicationStatus.UNDER_REVIEW

    page = client.get(url("applications:detail", eligible_application.pk)).content.decode()
    assert row_of(page, second.get_full_name()).count("Waiting for the conflict-of-interest declaration") == 1
    assert "0 free reviewer places." in page
    assert "Assign reviewers" not in page  # no free place left


def test_a_person_linked_to_the_applicant_is_refused_with_the_reason_and_nothing_is_stored(
    staff_client, call_manager, eligible_application
):
    (free,) = reviewers(1)
    linked = UserFactory(email="linked@bpl.brussels", first_name="Luc", last_name="Linked", roles=[StaffRole.REVIEWER])
    MembershipFactory(user=linked, organisation=eligible_application.organisation)
    client = staff_client(call_manager)
    page = client.get(url("applications:detail", eligible_application.pk)).content.decode()
    assert f'value="{free.pk}"' in page and f'value="{linked.pk}"' not in page  # never suggested

    response = client.post(url("applications:reviewers", eligible_application.pk), {"reviewers": [free.pk, linked.pk]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "These people may not review this application" in page and "Luc Linked" in page
    assert "Nothing was assigned." in page
    assert re.search(rf'value="{free.pk}" checked', page)  # the choice is kept
    assert not ReviewAssignment.objects.exists()

    response = client.post(url("applications:reviewers", eligible_application.pk), {})
    assert response.status_code == 400 and "Choose at least one reviewer." in response.content.decode()
    response = client.post(url("applications:reviewers", eligible_application.pk), {"reviewers": ["x"]})
    assert response.status_code == 400 and "Choose reviewers from the list." in response.content.decode()
    assert not ReviewAssignment.objects.exists()


def test_only_call_managers_assign_and_reviewers_never_see_the_page(
    staff_client, eligibility_officer, eligible_application
):
    (reviewer,) = reviewers(1)
    client = staff_client(eligibility_officer)
    page = client.get(url("applications:detail", eligible_application.pk)).content.decode()
    assert "Reviewers" in page and "2 free reviewer places." in page
    assert "Assign reviewers" not in page
    response = client.post(url("applications:reviewers", eligible_application.pk), {"reviewers": [reviewer.pk]})
    assert response.status_code == 403
    assert not ReviewAssignment.objects.exists()

    client = staff_client(reviewer)
    assert client.get(url("applications:detail", eligible_application.pk)).status_code == 403
    assert (
        client.post(url("applications:reviewers", eligible_application.pk), {"reviewers": [reviewer.pk]}).status_code
        == 403
    )


def test_the_section_shows_each_state_the_scores_and_the_recusal_reason_to_call_managers_only(
    staff_client, call_manager, eligibility_officer, eligible_application, django_capture_on_commit_callbacks
):
    recused, scorer, waiting_one = reviewers(3)
    with django_capture_on_commit_callbacks(execute=True):
        (assignment,) = reviewers_assign(
            actor=call_manager, application_id=eligible_application.pk, reviewer_ids=[recused.pk]
        )
    with django_capture_on_commit_callbacks(execute=True):
        conflict_declare(actor=recused, assignment_id=assignment.pk, conflict=True, reason="My brother is an alderman")
    review(eligible_application, [scorer], call_manager, [WEAK], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        reviewers_assign(actor=call_manager, application_id=eligible_application.pk, reviewer_ids=[waiting_one.pk])

    page = staff_client(call_manager).get(url("applications:detail", eligible_application.pk)).content.decode()
    recused_row = row_of(page, recused.get_full_name())
    assert "Recused" in recused_row and "My brother is an alderman" in recused_row
    scored = row_of(page, scorer.get_full_name())
    assert "Review submitted" in scored
    assert "47,14" in scored  # (50 x 5/10 + 20 x 2/5) / 70, out of 100
    assert re.search(r"Intérêt supra-local: <strong>n/a</strong>", scored)
    assert "5 / 10" in scored and "2 / 5" in scored
    assert "Waiting for the conflict-of-interest declaration" in row_of(page, waiting_one.get_full_name())
    assert "0 free reviewer places." in page

    page = staff_client(eligibility_officer).get(url("applications:detail", eligible_application.pk)).content.decode()
    section = reviewers_card(page)
    assert "Recused" in row_of(section, recused.get_full_name())
    assert "My brother is an alderman" not in section
    assert "47,14" in section


# Ranking -------------------------------------------------------------------------------------------------------


@pytest.fixture
def version(db):
    return CallVersionFactory(published=True, call__code="sport")


@pytest.fixture
def scorers(db):
    return [UserFactory(email=f"scorer{n}@bpl.brussels", roles=[StaffRole.REVIEWER]) for n in range(2)]


def ranked(version, scorers, reference: str, *reviews: dict, amount="1000000.00", submitted_minute=0) -> Application:
    """A reviewed application built directly, as the review services leave it (without the process)."""
    organisation = OrganisationFactory()
    submitted_at = dt.datetime(2031, 2, 3, 14, submitted_minute, tzinfo=BRUSSELS)
    application = Application.objects.create(
        call_version=version,
        organisation=organisation,
        created_by=scorers[0],
        reference=reference,
        status=ApplicationStatus.REVIEWED,
        amount_requested=Decimal(amount),
        submitted_at=submitted_at,
    )
    ApplicationSnapshot.objects.create(
        application=application,
        number=1,
        answers={},
        files=[],
        sha256="0" * 64,
        submitted_at=submitted_at,
        submitted_by=scorers[0],
    )
    for reviewer, raw in zip(scorers, reviews, strict=False):
        scores = {code: {"score": value, "comment": ""} for code, value in raw.items()}
        assignment = ReviewAssignment.objects.create(
            application=application, reviewer=reviewer, assigned_by=reviewer, status=AssignmentStatus.DONE
        )
        Review.objects.create(
            assignment=assignment,
            scores=scores,
            status=ReviewStatus.SUBMITTED,
            weighted_score=weighted_score(SCORING_GRID, scores),
            below_threshold=below_thresholds(SCORING_GRID, scores),
            submitted_at=submitted_at,
        )
    return application


def test_the_ranking_page_orders_the_applications_and_shows_the_effect_of_na(
    staff_client, call_manager, version, scorers
):
    ranked(version, scorers, "AAP-2031-SPORT-0001", {"coverage": "6", "supralocal": "6", "tariff": "3"})  # 60,00
    # n/a on supra-local: (50 x 0.6 + 20 x 1) / 70 = 71,43 (it would be 50,00 if n/a counted as zero).
    ranked(version, scorers, "AAP-2031-SPORT-0002", {"coverage": "6", "supralocal": "na", "tariff": "5"})
    ranked(version, scorers, "AAP-2031-SPORT-0003", GOOD, WEAK, amount="1234.56")  # 61,07, divergent
    ranked(version, scorers, "AAP-2031-SPORT-0004", {"coverage": "3", "supralocal": "10", "tariff": "5"})  # 65,00
    response = staff_client(call_manager).get(url("calls:ranking", version.call_id))
    assert response.status_code == 200
    page = response.content.decode()
    order = [re.search(r"AAP-2031-SPORT-\d{4}", row).group(0) for row in rows(page) if "AAP-2031-SPORT-" in row]
    assert order == ["AAP-2031-SPORT-0002", "AAP-2031-SPORT-0004", "AAP-2031-SPORT-0003", "AAP-2031-SPORT-0001"]

    with_na = row_of(page, "AAP-2031-SPORT-0002")
    assert "71,43" in with_na and "<li>Intérêt supra-local: n/a</li>" in with_na
    divergent = row_of(page, "AAP-2031-SPORT-0003")
    assert "61,07" in divergent and "Divergent" in divergent and "1.234,56 EUR" in divergent
    assert ">2<" in divergent  # two reviews
    assert "Zone peu couverte" in row_of(page, "AAP-2031-SPORT-0004").split("Mean per criterion")[0]
    below = row_of(page, "AAP-2031-SPORT-0004")
    assert re.search(r'class="staff-flag">Zone peu couverte<', below)  # 3 is below the minimum of 4
    assert "Divergent" not in row_of(page, "AAP-2031-SPORT-0001")
    assert "Reviewed" in row_of(page, "AAP-2031-SPORT-0001")
    assert "a tie goes to the higher mean score on the heaviest criterion (Zone peu couverte)" in page


def test_the_ranking_page_runs_a_fixed_number_of_queries(
    staff_client, call_manager, version, scorers, django_assert_max_num_queries
):
    client = staff_client(call_manager)
    for number in range(1, 4):
        ranked(version, scorers, f"AAP-2031-SPORT-{number:04d}", GOOD, WEAK)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url("calls:ranking", version.call_id)).status_code == 200
    for number in range(4, 26):
        ranked(version, scorers, f"AAP-2031-SPORT-{number:04d}", GOOD, GOOD, submitted_minute=number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("calls:ranking", version.call_id))
    assert len([row for row in rows(response.content.decode()) if "AAP-2031-SPORT-" in row]) == 25


def test_the_dashboard_runs_a_fixed_number_of_queries(
    staff_client, call_manager, version, scorers, django_assert_max_num_queries
):
    client = staff_client(call_manager)
    for number in range(1, 4):
        ranked(version, scorers, f"AAP-2031-SPORT-{number:04d}", GOOD, WEAK)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url("calls:dashboard", version.call_id)).status_code == 200
    for number in range(4, 26):
        ranked(version, scorers, f"AAP-2031-SPORT-{number:04d}", GOOD, GOOD, submitted_minute=number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("calls:dashboard", version.call_id))
    assert ">25<" in row_of(response.content.decode(), 'id="status-reviewed"')


def test_the_ranking_and_the_dashboard_are_refused_to_reviewers(staff_client, version, scorers):
    client = staff_client(scorers[0])
    assert client.get(url("calls:ranking", version.call_id)).status_code == 403
    assert client.get(url("calls:dashboard", version.call_id)).status_code == 403


def test_the_call_page_links_to_the_ranking_the_dashboard_and_the_sessions(staff_client, call_manager, version):
    page = staff_client(call_manager).get(url("calls:version", version.call_id, 1)).content.decode()
    assert url("calls:ranking", version.call_id) in page
    assert url("calls:dashboard", version.call_id) in page
    assert f"{url('sessions:index')}?call={version.call_id}" in page


# Dashboard -----------------------------------------------------------------------------------------------------


def test_the_dashboard_before_any_commitment_shows_the_published_envelope(staff_client, call_manager, version, scorers):
    ranked(version, scorers, "AAP-2031-SPORT-0001", GOOD, GOOD)
    page = staff_client(call_manager).get(url("calls:dashboard", version.call_id)).content.decode()
    assert "43.000.000,00 EUR" in row_of(page, 'id="figure-envelope"')
    assert "0,00 EUR" in row_of(page, 'id="figure-committed"')
    assert "43.000.000,00 EUR" in row_of(page, 'id="figure-available"')
    assert ">1<" in row_of(page, 'id="status-reviewed"')
    assert "75,00" in row_of(page, "AAP-2031-SPORT-0001")


def test_the_dashboard_after_an_award_shows_what_is_committed_due_and_paid(
    staff_client,
    call_manager,
    eligible_application,
    signatory,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    application = eligible_application
    review(application, reviewers(2), call_manager, [GOOD, GOOD], django_capture_on_commit_callbacks)
    secretary = UserFactory(roles=[StaffRole.COMMITTEE_SECRETARY])
    members = [UserFactory(roles=[StaffRole.COMMITTEE_MEMBER]) for _ in range(2)]
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
                actor=call_manager, award_id=award.pk, level_id=level.pk, given_on=timezone.localdate(), reference="R"
            )
    advance = award.tranches.get(number=1)
    tranche_claim(actor=signatory, tranche_id=advance.pk)

    client = staff_client(call_manager)
    with django_assert_max_num_queries(40):
        page = client.get(url("calls:dashboard", application.call_version.call_id)).content.decode()
    assert "43.000.000,00 EUR" in row_of(page, 'id="figure-envelope"')
    assert "1.000.000,00 EUR" in row_of(page, 'id="figure-committed"')
    assert "800.000,00 EUR" in row_of(page, 'id="figure-due"')
    assert "0,00 EUR" in row_of(page, 'id="figure-paid"')
    assert "42.000.000,00 EUR" in row_of(page, 'id="figure-available"')
    assert ">1<" in row_of(page, 'id="status-awarded"') and ">0<" in row_of(page, 'id="status-reviewed"')
    assert "75,00" in row_of(page, application.reference)
    # The chart: inline SVG with its text alternative, no script.
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "Committed: 1.000.000,00 EUR" in svg
    assert "<script" not in svg
    widths = dict(re.findall(r'staff-chart__row--(\w+)".*?width="(\d+)"', svg, re.S))
    assert widths["envelope"] == "480" and widths["committed"] == str(480 * 1_000_000 // 43_000_000)

    advance.refresh_from_db()
    assert Payable.objects.filter(pk=advance.payable_id).update(status=PayableStatus.PAID) == 1  # finance pays
    page = client.get(url("calls:dashboard", application.call_version.call_id)).content.decode()
    assert "0,00 EUR" in row_of(page, 'id="figure-due"')
    assert "800.000,00 EUR" in row_of(page, 'id="figure-paid"')
