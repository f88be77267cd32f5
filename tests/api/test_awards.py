"""Awards, tranches and the justification through the API: the portal's rules (grants.services.tranches) behind
every call; claims and the justification's submission are idempotent; a paid tranche shows as paid."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import MembershipRole
from core.roles import StaffRole
from finance.models import Payable
from finance.services.payments import payable_mark_paid
from grants.models import AwardStatus, ExpenseLine, Justification, JustificationStatus, LineStatus, TrancheStatus
from grants.services.tranches import justification_check
from tests.api.matrix.applications import committed_award, letter_of, line_of, pdf_upload, report_of
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/awards/"


def url(award, suffix: str = "") -> str:
    return f"/api/v1/awards/{award.pk}/{suffix}"


def claim_url(tranche) -> str:
    return f"/api/v1/tranches/{tranche.pk}/claim/"


@pytest.fixture
def award(commune):
    return committed_award(commune)


@pytest.fixture
def viewer(commune):
    return MembershipFactory(organisation=commune, role=MembershipRole.VIEWER, user__email="viewer@anderlecht.be").user


@pytest.fixture
def finance_approver(db):
    return UserFactory(email="approver@bpl.brussels", roles=[StaffRole.FINANCE_APPROVER])


def a_line(**overrides) -> dict:
    line = {
        "invoice_reference": "F-2026-001",
        "supplier": "Toitures Dupont SA",
        "amount": "1234.56",
        "paid_on": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
        "proof": pdf_upload("invoice-001.pdf"),
    }
    line.update(overrides)
    return {key: value for key, value in line.items() if value is not None}


# --- the award ------------------------------------------------------------------------------------------------------


def test_members_and_staff_read_the_award_with_its_tranches_and_letters(
    token_client, award, commune_editor, auditor, other_commune_editor, finance_approver
):
    letter = letter_of(award.application)
    body = token_client(commune_editor).get(url(award)).json()
    assert body["amount"] == "3000.00" and body["status"] == "committed"
    assert body["application"] == {"id": award.application.pk, "reference": award.application.reference}
    assert [(t["number"], t["kind"], t["share"], t["planned_amount"], t["status"]) for t in body["tranches"]] == [
        (1, "advance", "80.00", "2400.00", "planned"),
        (2, "balance", "20.00", "600.00", "planned"),
    ]
    assert [t["claimable"] for t in body["tranches"]] == [True, False]
    assert [row["id"] for row in body["letters"]] == [letter.pk]
    assert body["justification_status"] == "draft"
    assert token_client(auditor).get(url(award)).status_code == 200
    for outsider in (other_commune_editor, finance_approver):
        theirs = token_client(outsider).get(url(award), HTTP_ACCEPT_LANGUAGE="en")
        assert theirs.status_code == 404 and theirs.json() == {"message": "No such grant.", "extra": {}}


def test_an_award_waiting_for_approvals_is_not_shown_yet(token_client, award, commune_editor):
    award.status = AwardStatus.AWAITING_APPROVALS
    award.save()
    assert token_client(commune_editor).get(url(award)).status_code == 404
    assert token_client(commune_editor).get(LIST).json()["results"] == []


def test_the_list_of_awards_by_organisation_and_for_staff(
    token_client, award, other_commune, commune_editor, other_commune_editor, auditor, finance_approver
):
    theirs = committed_award(other_commune)
    assert [row["id"] for row in token_client(commune_editor).get(LIST).json()["results"]] == [award.pk]
    assert [row["id"] for row in token_client(other_commune_editor).get(LIST).json()["results"]] == [theirs.pk]
    staff = token_client(auditor)
    assert [row["id"] for row in staff.get(LIST).json()["results"]] == [theirs.pk, award.pk]
    assert [row["id"] for row in staff.get(f"{LIST}?organisation={other_commune.pk}").json()["results"]] == [theirs.pk]
    assert [row["id"] for row in staff.get(f"{LIST}?application={award.application_id}").json()["results"]] == [
        award.pk
    ]
    assert staff.get(f"{LIST}?status=closed").json()["results"] == []
    assert staff.get(f"{LIST}?status=nonsense").status_code == 400
    assert staff.get(f"{LIST}?application=99999999999999999999999").status_code == 400
    assert token_client(finance_approver).get(LIST).status_code == 403


@pytest.mark.parametrize("count", [1, 5])
def test_the_award_list_runs_a_fixed_number_of_queries(
    token_client, commune, commune_editor, django_assert_max_num_queries, count
):
    for _ in range(count):
        committed_award(commune)
    client = token_client(commune_editor)
    # token (1) + last use (1) + awards with their application, call and organisation (1)
    with django_assert_max_num_queries(3):
        response = client.get(LIST)
    assert len(response.json()["results"]) == count


# --- claiming an advance --------------------------------------------------------------------------------------------


def test_only_a_signatory_claims_the_advance_once(token_client, award, commune_editor, signatory, auditor):
    advance = award.tranches.get(number=1)
    refused = token_client(commune_editor).post(claim_url(advance), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only a signatory of the organisation signs a claim."
    assert token_client(auditor).post(claim_url(advance)).status_code == 403
    assert token_client(signatory, "read").post(claim_url(advance)).status_code == 403
    advance.refresh_from_db()
    assert advance.status == TrancheStatus.PLANNED and not Payable.objects.exists()

    client = token_client(signatory)
    first = client.post(claim_url(advance), HTTP_IDEMPOTENCY_KEY="claim-1")
    assert first.status_code == 200
    advance.refresh_from_db()
    assert (advance.status, advance.due_amount, advance.claimed_by) == (
        TrancheStatus.DUE,
        Decimal("2400.00"),
        signatory,
    )
    payable = Payable.objects.get()
    assert first.json()["status"] == "due" and first.json()["payable"] == payable.pk
    assert payable.amount == Decimal("2400.00")

    replay = client.post(claim_url(advance), HTTP_IDEMPOTENCY_KEY="claim-1")
    assert replay.status_code == 200 and replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    assert client.post(claim_url(advance), {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="claim-1").status_code == 422
    again = client.post(claim_url(advance), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and again.json()["message"] == "This tranche cannot be claimed."
    assert Payable.objects.count() == 1


def test_the_balance_cannot_be_claimed_and_others_get_a_404(token_client, award, signatory, other_commune_editor):
    balance = award.tranches.get(number=2)
    assert token_client(signatory).post(claim_url(balance)).status_code == 409
    advance = award.tranches.get(number=1)
    assert token_client(other_commune_editor).post(claim_url(advance)).status_code == 404
    assert token_client(signatory).post("/api/v1/tranches/999999/claim/").status_code == 404
    assert not Payable.objects.exists()


def test_a_paid_tranche_shows_as_paid(token_client, award, signatory, finance_officer):
    advance = award.tranches.get(number=1)
    token_client(signatory).post(claim_url(advance))
    paid_on = timezone.localdate() - dt.timedelta(days=1)
    payable_mark_paid(actor=finance_officer, payable_id=Payable.objects.get().pk, paid_on=paid_on)
    row = token_client(signatory).get(url(award)).json()["tranches"][0]
    assert row["status"] == "paid" and row["paid_on"] == paid_on.isoformat() and row["due_amount"] == "2400.00"


# --- the justification ----------------------------------------------------------------------------------------------


def test_lines_are_added_with_their_proof_read_and_removed(token_client, award, commune_editor, other_commune_editor):
    client = token_client(commune_editor)
    added = client.post(url(award, "justification/lines/"), a_line(), format="multipart")
    assert added.status_code == 201
    line = ExpenseLine.objects.get()
    assert (line.amount, line.proof_name, line.invoice_reference) == (
        Decimal("1234.56"),
        "invoice-001.pdf",
        "F-2026-001",
    )
    body = client.get(url(award, "justification/")).json()
    assert body["status"] == "draft" and body["editable"] is True and body["declared_total"] == "1234.56"
    assert [row["id"] for row in body["lines"]] == [line.pk] and body["outcome"] is None

    proof = client.get(f"/api/v1/expense-lines/{line.pk}/proof/")
    assert proof.status_code == 200 and proof["Content-Type"] == "application/pdf"
    assert b"".join(proof.streaming_content).startswith(b"%PDF")
    other = token_client(other_commune_editor)
    assert other.get(f"/api/v1/expense-lines/{line.pk}/proof/").status_code == 404
    assert other.delete(f"/api/v1/expense-lines/{line.pk}/").status_code == 404
    assert other.get(url(award, "justification/")).status_code == 404
    assert other.post(url(award, "justification/lines/"), a_line(), format="multipart").status_code == 404
    assert ExpenseLine.objects.count() == 1

    assert client.delete(f"/api/v1/expense-lines/{line.pk}/").status_code == 204
    assert not ExpenseLine.objects.exists()


BAD_LINES = {
    "no proof": ({"proof": None}, "proof"),
    "a negative amount": ({"amount": "-150.00"}, "amount"),
    "letters in the amount": ({"amount": "12a4"}, "amount"),
    "three decimals": ({"amount": "12.345"}, "amount"),
    "a date in the future": ({"paid_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat()}, "paid_on"),
    "no date": ({"paid_on": "someday"}, "paid_on"),
    "no supplier": ({"supplier": ""}, "supplier"),
    "an unknown field": ({"vat": "21"}, "vat"),
    "a text file": ({"proof": SimpleUploadedFile("invoice.txt", b"paid")}, "file"),
    "a program named as a PDF": ({"proof": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00program")}, "file"),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_a_bad_expense_line_is_a_400_and_nothing_is_stored(token_client, award, commune_editor, case):
    overrides, field = BAD_LINES[case]
    response = token_client(commune_editor).post(
        url(award, "justification/lines/"), a_line(**overrides), format="multipart"
    )
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert not ExpenseLine.objects.exists()


def test_a_line_too_large_is_refused(token_client, award, commune_editor, settings):
    settings.BPL_MAX_UPLOAD_BYTES = 10
    response = token_client(commune_editor).post(url(award, "justification/lines/"), a_line(), format="multipart")
    assert response.status_code == 400 and response.json()["extra"]["fields"] == {"file": ["size"]}
    assert not ExpenseLine.objects.exists()


def test_viewers_and_staff_may_not_prepare_the_justification(token_client, award, viewer, auditor):
    for person in (viewer, auditor):
        client = token_client(person)
        assert client.post(url(award, "justification/lines/"), a_line(), format="multipart").status_code == 403
        report = client.post(url(award, "justification/report/"), {"report": pdf_upload()}, format="multipart")
        assert report.status_code == 403
    line = line_of(award)
    assert token_client(viewer).delete(f"/api/v1/expense-lines/{line.pk}/").status_code == 403
    assert ExpenseLine.objects.count() == 1 and not Justification.objects.get().report


def test_the_report_is_sent_and_downloaded(token_client, award, commune_editor, auditor, other_commune_editor):
    client = token_client(commune_editor)
    assert client.get(url(award, "justification/report/")).status_code == 404  # none sent yet
    no_file = client.post(url(award, "justification/report/"), {}, format="multipart")
    assert no_file.status_code == 400 and "report" in no_file.json()["extra"]["fields"]
    program = client.post(
        url(award, "justification/report/"), {"report": SimpleUploadedFile("r.pdf", b"MZ\x90")}, format="multipart"
    )
    assert program.status_code == 400
    assert not Justification.objects.exists()  # each refusal rolled back whole
    sent = client.post(url(award, "justification/report/"), {"report": pdf_upload("activity.pdf")}, format="multipart")
    assert sent.status_code == 200 and sent.json()["report_name"] == "activity.pdf"
    download = token_client(auditor).get(url(award, "justification/report/"))
    assert download.status_code == 200 and 'filename="activity.pdf"' in download["Content-Disposition"]
    assert token_client(other_commune_editor).get(url(award, "justification/report/")).status_code == 404


def test_only_a_signatory_submits_a_complete_justification_once(token_client, award, commune_editor, signatory):
    editor = token_client(commune_editor)
    refused = editor.post(url(award, "justification/submit/"), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only a signatory of the organisation submits the justification."
    client = token_client(signatory)
    missing = client.post(url(award, "justification/submit/"), HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 400
    assert missing.json()["message"] == "The justification is missing: at least one expense line, the activity report."

    line = line_of(award)
    report_of(award)
    first = client.post(url(award, "justification/submit/"), HTTP_IDEMPOTENCY_KEY="justify-1")
    assert first.status_code == 200 and first.json()["status"] == "submitted" and first.json()["editable"] is False
    justification = Justification.objects.get()
    assert justification.status == JustificationStatus.SUBMITTED and justification.submitted_by == signatory
    replay = client.post(url(award, "justification/submit/"), HTTP_IDEMPOTENCY_KEY="justify-1")
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    again = client.post(url(award, "justification/submit/"), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and again.json()["message"] == "The justification was submitted already."

    late = editor.post(url(award, "justification/lines/"), a_line(), format="multipart")
    assert late.status_code == 409
    assert editor.delete(f"/api/v1/expense-lines/{line.pk}/").status_code == 409
    assert ExpenseLine.objects.count() == 1


def test_after_the_check_the_outcome_and_the_balance_due_are_shown(
    token_client, award, signatory, eligibility_officer, finance_officer
):
    token_client(signatory).post(claim_url(award.tranches.get(number=1)))
    line = line_of(award)
    line.amount = Decimal("3000.00")
    line.save()
    report_of(award)
    token_client(signatory).post(url(award, "justification/submit/"))
    justification_check(
        actor=eligibility_officer, award_id=award.pk, decisions={line.pk: {"status": LineStatus.ACCEPTED}}
    )
    body = token_client(signatory).get(url(award, "justification/")).json()
    assert body["status"] == "checked" and body["lines"][0]["status"] == "accepted"
    assert body["outcome"] == {
        "accepted_total": "3000.00",
        "advanced": "2400.00",
        "balance_due": "600.00",
        "to_recover": None,
    }
    award_body = token_client(signatory).get(url(award)).json()
    assert award_body["status"] == "closed" and award_body["tranches"][1]["status"] == "due"
    balance = award.tranches.get(number=2)
    payable_mark_paid(actor=finance_officer, payable_id=balance.payable_id, paid_on=timezone.localdate())
    assert token_client(signatory).get(url(award)).json()["tranches"][1]["status"] == "paid"
