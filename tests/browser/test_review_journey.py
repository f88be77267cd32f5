"""In a browser: a reviewer declares and scores from My tasks; then the committee's secretary records the session
(plan, agenda, attendance, decision, close) and finds the minutes."""

import pytest
from django.db import transaction
from django.utils import translation

from core.roles import StaffRole
from grants.models import (
    ApplicationStatus,
    AssignmentStatus,
    CommitteeSession,
    ItemDecision,
    ReviewAssignment,
    SessionStatus,
)
from grants.services.review import conflict_declare, review_save, reviewers_assign
from tests.browser.conftest import OUTPUT
from tests.factories import UserFactory
from tests.grants.journey import make_eligible, new_application, reviewers, run_task, waiting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, client) -> None:
    """Hand the test client's session (signed in with the second factor) to the browser."""
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])


def test_a_reviewer_scores_and_the_secretary_records_the_session_in_the_browser(
    live_server,
    browser_page,
    staff_client,
    sports_call,
    commune,
    commune_editor,
    signatory,
    eligibility_officer,
    django_capture_on_commit_callbacks,
):
    call_manager = UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])
    secretary = UserFactory(email="secretary@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])
    members = [
        UserFactory(
            email=f"member{n}@bpl.brussels", first_name="Member", last_name=f"Nr{n}", roles=["committee_member"]
        )
        for n in range(2)
    ]
    capture = django_capture_on_commit_callbacks
    application = new_application(sports_call, commune, commune_editor, signatory, capture)
    make_eligible(application, eligibility_officer, capture)
    in_browser, other = reviewers(2)
    with capture(execute=True):
        reviewers_assign(actor=call_manager, application_id=application.pk, reviewer_ids=[in_browser.pk, other.pk])
    # The other reviewer scores through the services, as in tests/grants/journey.py.
    theirs = ReviewAssignment.objects.get(application=application, reviewer=other)
    conflict_declare(actor=other, assignment_id=theirs.pk, conflict=False)
    task = next(t for t in waiting(application, "review") if t.data.get("assignment_id") == theirs.pk)
    scores = {
        code: {"score": value, "comment": ""}
        for code, value in {"coverage": "8", "supralocal": "5", "tariff": "5"}.items()
    }
    with capture(execute=True):
        run_task(task, other, lambda: review_save(actor=other, assignment_id=theirs.pk, scores=scores, submit=True))

    page = browser_page
    sign_in(page, live_server, staff_client(in_browser))
    with translation.override("en"):
        page.goto(f"{live_server.url}/en/staff/tasks/inbox/")
    page.get_by_role("heading", name="My tasks").wait_for()
    page.locator("tr", has_text=application.reference).get_by_role("link", name="Open").click()
    page.get_by_role("heading", name="Before you review: conflict of interest").wait_for()
    assert "Rénovation de la salle omnisports" not in page.content()  # nothing of the file before declaring
    page.get_by_label("I declare that I have no conflict of interest with this application.").check()
    page.get_by_role("button", name="Declare").click()
    page.get_by_role("heading", name="Your scores").wait_for()
    page.locator("input[name=score_coverage]").fill("7")
    page.locator("input[name=score_supralocal]").fill("na")
    page.locator("input[name=comment_supralocal]").fill("Local club only")
    page.locator("input[name=score_tariff]").fill("4")
    page.locator("#comment").fill("A sound project.")
    page.screenshot(path=str(OUTPUT / "staff-review.png"), full_page=True)
    page.get_by_role("button", name="Submit the review").click()
    page.get_by_role("heading", name="My tasks").wait_for()
    mine = ReviewAssignment.objects.select_related("review").get(application=application, reviewer=in_browser)
    assert mine.status == AssignmentStatus.DONE
    assert mine.review.scores["supralocal"] == {"score": "na", "comment": "Local club only"}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED

    sign_in(page, live_server, staff_client(secretary))
    page.goto(f"{live_server.url}/en/staff/grants/calls/{sports_call.call_id}/v1/")
    page.locator(".staff-card").get_by_role("link", name="Committee sessions").click()  # the call's own link
    page.get_by_role("link", name="Plan a session").click()
    page.get_by_role("heading", name="Plan a committee session").wait_for()
    assert page.get_by_label("On the applications of").input_value() == f"call:{sports_call.call_id}"
    page.locator("input[name=held_at]").fill("2026-12-01T14:00")
    page.locator("input[name=place]").fill("Room 1")
    for member in members:
        page.get_by_label(f"Member {member.last_name} ({member.email})").check()
    page.locator("input[name=quorum]").fill("2")
    page.get_by_role("button", name="Plan the session").click()
    page.get_by_role("heading", name="Committee session on").wait_for()
    session = CommitteeSession.objects.get()
    assert page.get_by_text("01/12/2026 14:00").first.is_visible()

    page.get_by_role("button", name="Build the agenda from the ranking").click()
    page.get_by_role("heading", name=application.reference).wait_for()
    for member in members:
        page.locator("#attendance").get_by_label(f"Member {member.last_name}").check()
    page.get_by_role("button", name="Record the attendance").click()
    page.get_by_text("2 members present.").wait_for()
    page.get_by_text("2 taking part, quorum 2").wait_for()
    item = page.locator("section.staff-item", has_text=application.reference)
    item.get_by_role("radio", name="Approved").check()
    assert item.locator("input[name=amount]").input_value() == "1.000.000,00"
    item.locator("input[name=amount]").fill("950.000,00")
    item.locator("textarea[name=conditions]").fill("Works start in 2027")
    item.get_by_role("button", name="Record the decision").click()
    page.locator(".staff-decision", has_text="950.000,00 EUR").wait_for()
    page.get_by_role("button", name="Close the session").click()
    page.get_by_role("link", name="Minutes (Français, PDF)").wait_for()
    assert page.get_by_role("link", name="Minutes (Nederlands, PDF)").is_visible()
    page.screenshot(path=str(OUTPUT / "staff-session.png"), full_page=True)

    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert session.items.get().decision == ItemDecision.APPROVED
    with page.expect_download() as download:
        page.get_by_role("link", name="Minutes (Français, PDF)").click()
    assert download.value.suggested_filename.endswith("-fr.pdf")
    with transaction.atomic():
        assert application.session_items.get().decided_amount == 950000
