"""The organisation's pages after the decision: letters, the award and its tranches, the justification and its outcome.

The grant is built through the services (as tests/grants/test_review_to_closure.py does), for 3.000 EUR: below the
first approval threshold (3.100 EUR), so it is committed when the session closes and the letter goes out at once.
Messages are checked on /en/ pages, or against gettext in the page's language, so these assertions hold before and
after the catalogues are translated."""

import datetime as dt
from decimal import Decimal
from html import escape
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.models import MembershipRole
from core.money import format_eur
from core.roles import StaffRole
from finance.models import Payable, Receivable
from grants.models import (
    AwardStatus,
    ExpenseLine,
    Justification,
    JustificationStatus,
    LineStatus,
    TrancheStatus,
)
from grants.services.committee import agenda_from_ranking, attendance_record, item_decide, session_close, session_create
from grants.services.tranches import (
    expense_line_add,
    justification_check,
    justification_report_set,
    justification_submit,
    tranche_claim,
)
from tests.factories import MembershipFactory, UserFactory
from tests.grants.fixtures import pdf
from tests.grants.journey import make_eligible, new_application, review, reviewers

pytestmark = pytest.mark.django_db
GOOD = {"coverage": "8", "supralocal": "5", "tariff": "5"}


def page(response) -> str:
    return response.content.decode()


def shown(message: str) -> str:
    """A message as the page writes it (HTML-escaped)."""
    return escape(message)


def decide(application, capture, **decision) -> None:
    """Review, then a committee session deciding `decision` (item_decide's arguments) on the application, closed."""
    call_manager = UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])
    review(application, reviewers(2), call_manager, [GOOD, GOOD], capture)
    secretary = UserFactory(email="secretary@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])
    members = [UserFactory(email=f"member{n}@bpl.brussels", roles=[StaffRole.COMMITTEE_MEMBER]) for n in range(3)]
    session = session_create(
        actor=secretary,
        call_id=application.call_version.call_id,
        held_at=timezone.now(),
        place="Room 1",
        member_ids=[m.pk for m in members],
        quorum=2,
    )
    (item,) = agenda_from_ranking(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
    item_decide(actor=secretary, item_id=item.pk, **decision)
    with capture(execute=True):
        session_close(actor=secretary, session_id=session.pk)
    application.refresh_from_db()


@pytest.fixture
def decided_application(
    sports_call, commune, commune_editor, signatory, eligibility_officer, django_capture_on_commit_callbacks
):
    application = new_application(sports_call, commune, commune_editor, signatory, django_capture_on_commit_callbacks)
    make_eligible(application, eligibility_officer, django_capture_on_commit_callbacks)
    return application


@pytest.fixture
def granted(decided_application, django_capture_on_commit_callbacks) -> SimpleNamespace:
    """An application awarded 3.000 EUR (of 1.000.000 requested), committed, its award letter sent."""
    application = decided_application
    decide(
        application,
        django_capture_on_commit_callbacks,
        decision="approved",
        amount="3000",
        conditions="Works start in 2027",
    )
    award = application.award
    assert award.status == AwardStatus.COMMITTED
    reviewer = application.assignments.select_related("reviewer").first().reviewer
    return SimpleNamespace(application=application, award=award, reviewer=reviewer)


def justification_url(award, suffix: str = "", language: str = "en") -> str:
    return f"/{language}/awards/{award.pk}/justification/{suffix}"


def a_line(**overrides) -> dict:
    line = {
        "invoice_reference": "F-2026-001",
        "supplier": "Toitures Dupont SA",
        "amount": "1.234,56",
        "paid_on": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
        "proof": pdf("invoice-001.pdf"),
    }
    line.update(overrides)
    return {key: value for key, value in line.items() if value is not None}


def add_lines(award, editor, count: int, *, start: int = 0) -> list[ExpenseLine]:
    return [
        expense_line_add(
            actor=editor,
            award_id=award.pk,
            invoice_reference=f"F-{n}",
            supplier=f"Supplier {n}",
            amount="100,00",
            paid_on=dt.date(2026, 5, 1),
            proof=pdf(f"f{n}.pdf"),
        )
        for n in range(start, start + count)
    ]


# --- letters and the award on the application page ------------------------------------------------------------------


def test_the_award_and_its_letter_are_shown_and_the_letter_is_downloaded_by_members_only(
    client, granted, commune_editor, other_commune_editor, eligibility_officer
):
    application = granted.application
    letter = application.letters.get(kind="award")
    client.force_login(commune_editor)
    text = page(client.get(f"/en/applications/{application.pk}/"))
    assert f"/en/letters/{letter.pk}/" in text and "Award letter" in text
    assert "3.000,00 EUR" in text and "Works start in 2027" in text and "Committed" in text
    # The sports call pays 80 % in advance and the balance of 20 % after the justification.
    assert "80,00 %" in text and "2.400,00 EUR" in text and "20,00 %" in text and "600,00 EUR" in text
    assert f"/en/awards/{granted.award.pk}/justification/" in text

    response = client.get(f"/en/letters/{letter.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert application.reference in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    client.force_login(eligibility_officer)  # staff allowed to see applications
    assert client.get(f"/en/letters/{letter.pk}/").status_code == 200
    for outsider in (
        other_commune_editor,
        granted.reviewer,  # sees the application they reviewed, not the organisation's correspondence
        UserFactory(email="approver@bpl.brussels", roles=[StaffRole.FINANCE_APPROVER]),
    ):
        client.force_login(outsider)
        assert client.get(f"/en/letters/{letter.pk}/").status_code == 404
    client.force_login(granted.reviewer)
    reviewer_page = client.get(f"/en/applications/{application.pk}/")
    assert reviewer_page.status_code == 200 and f"/en/letters/{letter.pk}/" not in page(reviewer_page)
    assert client.get(f"/en/letters/{letter.pk + 1000}/").status_code == 404


def test_a_refusal_letter_is_listed_without_an_award(
    client, decided_application, commune_editor, other_commune_editor, django_capture_on_commit_callbacks
):
    application = decided_application
    decide(application, django_capture_on_commit_callbacks, decision="rejected", reason="Budget exhausted")
    letter = application.letters.get(kind="refusal")
    client.force_login(commune_editor)
    text = page(client.get(f"/en/applications/{application.pk}/"))
    assert "Refusal letter" in text and f"/en/letters/{letter.pk}/" in text
    assert 'id="award"' not in text and "/justification/" not in text
    assert client.get(f"/en/letters/{letter.pk}/").status_code == 200
    client.force_login(other_commune_editor)
    assert client.get(f"/en/letters/{letter.pk}/").status_code == 404


def test_the_signatory_signs_the_claim_for_the_advance_and_an_editor_cannot(
    client, granted, commune_editor, signatory, other_commune_editor
):
    application = granted.application
    advance = granted.award.tranches.get(number=1)
    claim_url = f"/en/tranches/{advance.pk}/claim/"

    client.force_login(commune_editor)
    text = page(client.get(f"/en/applications/{application.pk}/"))
    assert "data-claim>" not in text
    assert "Only a signatory of the organisation signs a claim." in text  # why the editor cannot
    refused = client.post(claim_url)
    assert refused.status_code == 400
    assert "Only a signatory of the organisation signs a claim." in page(refused)
    advance.refresh_from_db()
    assert advance.status == TrancheStatus.PLANNED and not Payable.objects.exists()

    client.force_login(other_commune_editor)
    assert client.post(claim_url).status_code == 404

    client.force_login(signatory)
    assert "data-claim>" in page(client.get(f"/en/applications/{application.pk}/"))
    response = client.post(claim_url)
    assert response.status_code == 302 and response["Location"].endswith(f"/en/applications/{application.pk}/#award")
    advance.refresh_from_db()
    assert (advance.status, advance.due_amount, advance.claimed_by) == (
        TrancheStatus.DUE,
        Decimal("2400.00"),
        signatory,
    )
    after = page(client.get(response["Location"]))
    assert "is now due to your organisation" in after and "data-claim>" not in after
    again = client.post(claim_url)
    assert again.status_code == 409 and "This tranche cannot be claimed." in page(again)
    assert Payable.objects.count() == 1


# --- the justification ----------------------------------------------------------------------------------------------


def test_a_line_is_added_with_its_proof_shown_and_removed(client, granted, commune_editor, other_commune_editor):
    award = granted.award
    client.force_login(commune_editor)
    response = client.post(justification_url(award, "lines/"), a_line(paid_on="01/05/2026"))
    assert response.status_code == 302 and response["Location"].endswith("/justification/#lines")
    line = ExpenseLine.objects.get()
    assert (line.amount, line.paid_on, line.proof_name) == (Decimal("1234.56"), dt.date(2026, 5, 1), "invoice-001.pdf")
    text = page(client.get(justification_url(award)))
    assert "F-2026-001" in text and "1.234,56 EUR" in text and "01/05/2026" in text
    assert "The expense line F-2026-001 (1.234,56 EUR) was added." in text

    proof = client.get(f"/en/expense-lines/{line.pk}/proof/")
    assert proof.status_code == 200 and proof["Content-Disposition"].startswith("attachment;")
    assert b"".join(proof.streaming_content).startswith(b"%PDF")
    client.force_login(other_commune_editor)
    assert client.get(justification_url(award)).status_code == 404
    assert client.get(f"/en/expense-lines/{line.pk}/proof/").status_code == 404
    assert client.post(f"/en/expense-lines/{line.pk}/remove/").status_code == 404
    assert client.post(justification_url(award, "lines/"), a_line()).status_code == 404
    assert ExpenseLine.objects.count() == 1

    client.force_login(commune_editor)
    removed = client.post(f"/en/expense-lines/{line.pk}/remove/")
    assert removed.status_code == 302 and not ExpenseLine.objects.exists()


BAD_LINES = {
    "no proof": ({"proof": None}, "Attach the proof of payment: a line without proof cannot be accepted."),
    "letters in the amount": ({"amount": "12a4,00"}, "Enter an amount above zero, e.g. 1.234,56."),
    "a negative amount": ({"amount": "-150,00"}, "Enter an amount above zero, e.g. 1.234,56."),
    "a date in the future": (
        {"paid_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()},
        "Give the payment date (not in the future).",
    ),
    "no date": ({"paid_on": "someday"}, "Give the payment date (not in the future)."),
    "a text file": (
        {"proof": SimpleUploadedFile("invoice.txt", b"paid", content_type="text/plain")},
        "Files of this kind are not accepted.",
    ),
    "a program named as a PDF": (
        {"proof": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00program", content_type="application/pdf")},
        "This file is a program, not a document: it is refused.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_a_bad_expense_line_is_refused_with_the_services_message_and_nothing_is_stored(
    client, granted, commune_editor, case
):
    overrides, message = BAD_LINES[case]
    client.force_login(commune_editor)
    response = client.post(justification_url(granted.award, "lines/"), a_line(**overrides))
    assert response.status_code == 400
    text = page(response)
    assert shown(message) in text
    assert 'value="Toitures Dupont SA"' in text  # what was typed is kept
    assert not ExpenseLine.objects.exists() and not Justification.objects.exists()


def test_a_refusal_is_shown_in_the_readers_language(client, granted, commune_editor):
    client.force_login(commune_editor)
    response = client.post(justification_url(granted.award, "lines/", language="fr"), a_line(proof=None))
    assert response.status_code == 400
    with translation.override("fr"):
        expected = gettext("Attach the proof of payment: a line without proof cannot be accepted.")
    assert shown(expected) in page(response)
    assert not ExpenseLine.objects.exists()


def test_a_viewer_reads_the_justification_but_cannot_change_it(client, granted, commune):
    viewer = MembershipFactory(
        organisation=commune, role=MembershipRole.VIEWER, user__email="viewer@anderlecht.be"
    ).user
    client.force_login(viewer)
    text = page(client.get(justification_url(granted.award)))
    assert "Only an editor or a signatory of the organisation prepares the justification." in text
    assert 'name="invoice_reference"' not in text
    refused = client.post(justification_url(granted.award, "lines/"), a_line())
    assert refused.status_code == 400 and not ExpenseLine.objects.exists()


def test_the_report_is_sent_and_only_a_signatory_submits_a_complete_justification(
    client, granted, commune_editor, signatory, other_commune_editor
):
    award = granted.award
    add_lines(award, commune_editor, 1)
    client.force_login(commune_editor)
    text = page(client.get(justification_url(award)))
    assert "Only a signatory of the organisation submits the justification." in text
    editor_submits = client.post(justification_url(award, "submit/"))
    assert editor_submits.status_code == 400
    assert "Only a signatory of the organisation submits the justification." in page(editor_submits)

    client.force_login(signatory)
    without_report = client.post(justification_url(award, "submit/"))
    assert without_report.status_code == 400
    assert "The justification is missing: the activity report." in page(without_report)
    no_file = client.post(justification_url(award, "report/"))
    assert no_file.status_code == 400 and "Choose a file to send." in page(no_file)
    not_a_document = client.post(
        justification_url(award, "report/"), {"report": SimpleUploadedFile("report.exe", b"MZ\x90\x00")}
    )
    assert not_a_document.status_code == 400 and "This file is a program" in page(not_a_document)
    justification = Justification.objects.get(award=award)
    assert not justification.report and justification.status == JustificationStatus.DRAFT

    client.force_login(commune_editor)
    sent = client.post(justification_url(award, "report/"), {"report": pdf("activity-report.pdf")})
    assert sent.status_code == 302 and sent["Location"].endswith("/justification/#report")
    report = client.get(justification_url(award, "report/file/"))
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment;")
    assert 'filename="activity-report.pdf"' in report["Content-Disposition"]
    client.force_login(other_commune_editor)
    assert client.get(justification_url(award, "report/file/")).status_code == 404

    client.force_login(signatory)
    submitted = client.post(justification_url(award, "submit/"))
    assert submitted.status_code == 302
    justification.refresh_from_db()
    assert justification.status == JustificationStatus.SUBMITTED and justification.submitted_by == signatory
    text = page(client.get(justification_url(award)))
    assert "The justification was submitted." in text and 'name="invoice_reference"' not in text
    late = client.post(justification_url(award, "lines/"), a_line())
    assert late.status_code == 409 and "The justification was submitted already." in page(late)
    assert ExpenseLine.objects.count() == 1


@pytest.mark.parametrize(
    ("rejected_amount", "accepted_amounts", "figure"),
    [
        # 3.000 accepted of 3.000 granted, 2.400 advanced: the balance of 600 is due.
        ("500,00", ["2.000,00", "1.000,00"], ("data-balance-due", "600,00 EUR")),
        # 2.000 accepted, 2.400 advanced: 400 to pay back, no balance.
        ("1.000,00", ["1.500,00", "500,00"], ("data-to-recover", "400,00 EUR")),
    ],
    ids=["balance", "recovery"],
)
def test_after_the_check_the_page_shows_each_line_and_the_balance_or_the_recovery(
    client, granted, commune_editor, signatory, eligibility_officer, rejected_amount, accepted_amounts, figure
):
    award = granted.award
    tranche_claim(actor=signatory, tranche_id=award.tranches.get(number=1).pk)
    lines = [
        expense_line_add(
            actor=commune_editor,
            award_id=award.pk,
            invoice_reference=f"F-{n}",
            supplier="Toitures Dupont SA",
            amount=amount,
            paid_on=dt.date(2026, 5, 1),
            proof=pdf(f"f{n}.pdf"),
        )
        for n, amount in enumerate([rejected_amount, *accepted_amounts])
    ]
    justification_report_set(actor=commune_editor, award_id=award.pk, upload=pdf("report.pdf"))
    justification_submit(actor=signatory, award_id=award.pk)
    decisions = {line.pk: {"status": LineStatus.ACCEPTED} for line in lines[1:]}
    decisions[lines[0].pk] = {"status": LineStatus.REJECTED, "reason": "Study costs are not eligible"}
    justification_check(actor=eligibility_officer, award_id=award.pk, decisions=decisions)

    client.force_login(commune_editor)
    text = page(client.get(justification_url(award)))
    assert "Checked" in text and 'name="invoice_reference"' not in text
    assert f'data-line="{lines[0].pk}"' in text and "Rejected" in text and "Study costs are not eligible" in text
    assert text.count("data-line-status>Accepted<") == 2
    attribute, amount = figure
    accepted = Justification.objects.get(award=award).accepted_total
    assert accepted == sum((line.amount for line in lines[1:]), Decimal("0.00"))
    assert f"data-accepted-total>{format_eur(accepted)}<" in text
    assert f"{attribute}>{amount}<" in text
    other = "data-to-recover" if attribute == "data-balance-due" else "data-balance-due"
    assert other not in text
    if attribute == "data-to-recover":
        assert Receivable.objects.get().amount == Decimal("400.00")


def test_the_justification_page_reads_the_same_number_of_queries_for_3_or_30_lines(client, granted, commune_editor):
    award = granted.award
    add_lines(award, commune_editor, 3)
    client.force_login(commune_editor)
    client.get(justification_url(award))  # warm the session and the permission caches alike for both counts

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(justification_url(award))
        assert response.status_code == 200
        return len(queries)

    few = count()
    add_lines(award, commune_editor, 27, start=3)
    many = count()
    assert page(client.get(justification_url(award))).count("data-line=") == 30
    assert many == few
