"""Grant applications through the API: the portal's rules (grants.services, grants.permissions) behind every call,
a 404 for another organisation's application, 403 by role, 409 by state, 400 per field, nothing half-stored."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import AuditRecord, MembershipRole, Notification
from core.roles import StaffRole
from grants.models import Application, ApplicationDocument, ApplicationSnapshot, ApplicationStatus
from grants.seed import sample_answers
from tests.api.matrix.applications import draft_application, letter_of, pdf_upload
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.grants import CallVersionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/applications/"


def url(application, suffix: str = "") -> str:
    return f"/api/v1/applications/{application.pk}/{suffix}"


def en(response) -> dict:
    return response.json()


@pytest.fixture
def viewer(commune):
    return MembershipFactory(organisation=commune, role=MembershipRole.VIEWER, user__email="viewer@anderlecht.be").user


@pytest.fixture
def finance_approver(db):
    return UserFactory(email="approver@bpl.brussels", roles=[StaffRole.FINANCE_APPROVER])


# --- creating a draft -----------------------------------------------------------------------------------------------


def test_an_editor_starts_a_draft_on_an_open_call(token_client, sports_call, commune, commune_editor):
    response = token_client(commune_editor).post(
        LIST, {"call": sports_call.call.code, "organisation": commune.pk}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    application = Application.objects.get()
    assert body["id"] == application.pk and body["status"] == "draft" and body["version"] == 1
    assert (application.organisation, application.created_by, application.call_version) == (
        commune,
        commune_editor,
        sports_call,
    )
    assert body["call"]["code"] == sports_call.call.code and body["organisation"]["id"] == commune.pk
    assert body["editable"] is True and body["may_submit"] is False  # an editor asks a signatory
    assert [d["code"] for d in body["documents"]] == ["council_resolution", "cost_estimate", "site_plan"]
    assert AuditRecord.objects.filter(action="application_created", object_id=str(application.pk)).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "call"),
        ({"call": "sport"}, "organisation"),
        ({"call": "sport", "organisation": "abc"}, "organisation"),
        ({"call": ["sport"], "organisation": 1}, "call"),
        ({"call": "sport", "organisation": 1, "title": "typo"}, "title"),
        ({"call": "no-such-call", "organisation": 1}, "call"),
    ],
    ids=["nothing", "no organisation", "a word for an id", "a list for a code", "an unknown field", "no such call"],
)
def test_bad_create_input_is_a_400_per_field(token_client, sports_call, commune, commune_editor, data, field):
    data = {key: (commune.pk if value == 1 else value) for key, value in data.items()}
    data = {key: (sports_call.call.code if value == "sport" else value) for key, value in data.items()}
    response = token_client(commune_editor).post(LIST, data, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    assert not Application.objects.exists()


def test_another_organisation_is_a_404_and_a_viewer_or_a_closed_call_a_403(
    token_client, sports_call, commune, other_commune_editor, viewer
):
    body = {"call": sports_call.call.code, "organisation": commune.pk}
    theirs = token_client(other_commune_editor).post(LIST, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert theirs.status_code == 404 and theirs.json()["message"] == "No such organisation."
    refused = token_client(viewer).post(LIST, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only an editor or a signatory of the organisation prepares its applications."
    closed = CallVersionFactory(published=True, closed=True)
    late = token_client(viewer).post(LIST, {**body, "call": closed.call.code}, format="json")
    assert late.status_code == 403
    assert not Application.objects.exists()


def test_creating_a_draft_replays_with_the_same_idempotency_key(token_client, sports_call, commune, commune_editor):
    client = token_client(commune_editor)
    body = {"call": sports_call.call.code, "organisation": commune.pk}
    first = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    again = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1
    other = client.post(LIST, {**body, "organisation": 0}, format="json", HTTP_IDEMPOTENCY_KEY="draft-1")
    assert other.status_code == 422 and Application.objects.count() == 1


# --- the list -------------------------------------------------------------------------------------------------------


def test_members_list_their_organisations_applications_only(token_client, commune, other_commune, commune_editor):
    mine = draft_application(commune)
    draft_application(other_commune)
    rows = token_client(commune_editor).get(LIST).json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]


def test_staff_list_every_application_with_filters(
    token_client, eligibility_officer, commune, other_commune, finance_approver
):
    version = CallVersionFactory(published=True)
    first = draft_application(commune, version=version)
    second = draft_application(other_commune, status=ApplicationStatus.SUBMITTED, reference="AAP-2026-X-0001")
    client = token_client(eligibility_officer)

    def ids(query: str = "") -> list[int]:
        response = client.get(LIST + query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [second.pk, first.pk]
    assert ids("?status=submitted") == [second.pk]
    assert ids(f"?organisation={commune.pk}") == [first.pk]
    assert ids(f"?call={version.call.code}") == [first.pk]
    assert ids("?ordering=id") == [first.pk, second.pk]
    assert client.get(LIST + "?status=nonsense").status_code == 400
    # Found by schemathesis: an id filter out of the database's range was a 500 (an overflow in the query).
    for bad in ("-7.46e%2B149", "99999999999999999999999", "1.5", "abc"):
        assert client.get(f"{LIST}?organisation={bad}").status_code == 400, bad
    refused = token_client(finance_approver).get(LIST, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403  # the staff list page refuses staff who may not see applications


@pytest.mark.parametrize("count", [2, 20])
def test_the_list_runs_a_fixed_number_of_queries(
    token_client, commune, commune_editor, django_assert_max_num_queries, count
):
    version = CallVersionFactory(published=True)
    for _ in range(count):
        draft_application(commune, version=version)
    client = token_client(commune_editor)
    # token (1) + last use (1) + applications with their call and organisation (1)
    with django_assert_max_num_queries(3):
        response = client.get(LIST + "?page_size=50")
    assert len(response.json()["results"]) == count


# --- one application, its answers -----------------------------------------------------------------------------------


def test_detail_for_members_and_staff_a_404_for_others(
    token_client, draft, commune_editor, signatory, auditor, other_commune_editor, finance_approver
):
    body = token_client(signatory).get(url(draft)).json()
    assert body["answers"]["project_title"] == sample_answers()["project_title"]
    assert body["amount_requested"] == "1000000.00" and body["may_submit"] is True and body["missing"] == []
    assert {d["code"]: bool(d["current"]) for d in body["documents"]} == {
        "council_resolution": True,
        "cost_estimate": True,
        "site_plan": False,
    }
    assert token_client(auditor).get(url(draft)).status_code == 200
    for outsider in (other_commune_editor, finance_approver):
        theirs = token_client(outsider).get(url(draft), HTTP_ACCEPT_LANGUAGE="en")
        missing = token_client(outsider).get("/api/v1/applications/999999/", HTTP_ACCEPT_LANGUAGE="en")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json() == {"message": "No such application.", "extra": {}}


def test_saving_answers_checks_them_as_the_form_does(token_client, sports_call, commune, commune_editor):
    application = draft_application(commune, version=sports_call)
    client = token_client(commune_editor)
    saved = client.patch(url(application), {"version": 1, "answers": sample_answers()}, format="json")
    assert saved.status_code == 200
    assert saved.json()["version"] == 2 and saved.json()["total_cost"] == "1250000.00"
    application.refresh_from_db()
    assert application.answers["project_title"] == sample_answers()["project_title"] and application.version == 2

    bad = client.patch(
        url(application), {"version": 2, "answers": {"amount_requested": "lots", "project_title": "New"}}, format="json"
    )
    assert bad.status_code == 400 and "amount_requested" in bad.json()["extra"]["fields"]
    application.refresh_from_db()
    assert application.version == 2 and application.answers["project_title"] != "New"  # nothing saved


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"answers": {}}, "version"),
        ({"version": "two", "answers": {}}, "version"),
        ({"version": 1, "answers": ["a"]}, "answers"),
        ({"version": 1, "answers": {}, "overwrite": "maybe"}, "overwrite"),
        ({"version": 1, "answers": {}, "comment": "x"}, "comment"),
        ({"version": 1, "answers": {"no_such_question": "x"}}, "answers.no_such_question"),
    ],
)
def test_bad_save_input_is_a_400_and_saves_nothing(token_client, commune, commune_editor, data, field):
    application = draft_application(commune)
    response = token_client(commune_editor).patch(url(application), data, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    application.refresh_from_db()
    assert application.version == 1 and application.answers == {}


def test_a_stale_version_is_a_409_with_the_changes_unless_overwritten(token_client, commune, commune_editor, signatory):
    application = draft_application(commune)
    token_client(signatory).patch(url(application), {"version": 1, "answers": {"project_title": "A"}}, format="json")
    client = token_client(commune_editor)
    stale = client.patch(url(application), {"version": 1, "answers": {"project_title": "B"}}, format="json")
    assert stale.status_code == 409
    assert stale.json()["extra"]["changed"] == ["project_title"] and stale.json()["extra"]["version"] == 2
    application.refresh_from_db()
    assert application.answers["project_title"] == "A"
    body = {"version": 1, "answers": {"project_title": "B"}, "overwrite": True}
    assert client.patch(url(application), body, format="json").status_code == 200
    application.refresh_from_db()
    assert application.answers["project_title"] == "B"


def test_saving_by_role_and_state(
    token_client, draft, viewer, auditor, other_commune_editor, signatory, commune_editor
):
    body = {"version": draft.version, "answers": {"project_title": "X"}}
    assert token_client(viewer).patch(url(draft), body, format="json").status_code == 403
    assert token_client(auditor).patch(url(draft), body, format="json").status_code == 403
    assert token_client(other_commune_editor).patch(url(draft), body, format="json").status_code == 404
    assert token_client(commune_editor, "read").patch(url(draft), body, format="json").status_code == 403
    token_client(signatory).post(url(draft, "submit/"))
    late = token_client(commune_editor).patch(url(draft), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert late.status_code == 409
    assert late.json()["message"] == "This application cannot be changed any more: it was submitted."
    draft.refresh_from_db()
    assert draft.answers["project_title"] != "X"


# --- documents ------------------------------------------------------------------------------------------------------


def test_a_document_is_sent_listed_downloaded_replaced_and_removed(token_client, commune, commune_editor):
    application = draft_application(commune)
    client = token_client(commune_editor)
    sent = client.post(
        url(application, "documents/"),
        {"document_code": "council_resolution", "file": pdf_upload("résolution du conseil.pdf")},
        format="multipart",
    )
    assert sent.status_code == 201
    first = ApplicationDocument.objects.get()
    assert sent.json()["original_name"] == first.original_name == "resolution-du-conseil.pdf"
    assert first.content_type == "application/pdf"

    download = client.get(f"/api/v1/documents/{first.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    again = client.post(
        url(application, "documents/"),
        {"document_code": "council_resolution", "file": pdf_upload()},
        format="multipart",
    )
    assert again.status_code == 201
    rows = client.get(url(application, "documents/")).json()["results"]
    assert [row["id"] for row in rows] == [again.json()["id"]]  # the new file replaced the first
    first.refresh_from_db()
    assert first.removed_at is not None

    removed = client.delete(f"/api/v1/documents/{again.json()['id']}/")
    assert removed.status_code == 204
    assert client.get(url(application, "documents/")).json()["results"] == []


BAD_FILES = {
    "a text file": (SimpleUploadedFile("resolution.txt", b"hello"), "type"),
    "a program named as a PDF": (SimpleUploadedFile("resolution.pdf", b"MZ\x90\x00program"), "program"),
    "a PNG named as a PDF": (SimpleUploadedFile("resolution.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 20), "content"),
    "an empty file": (SimpleUploadedFile("resolution.pdf", b""), "empty"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_as_on_the_page(token_client, commune, commune_editor, case):
    upload, code = BAD_FILES[case]
    application = draft_application(commune)
    response = token_client(commune_editor).post(
        url(application, "documents/"), {"document_code": "council_resolution", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"file": [code]}
    assert not ApplicationDocument.objects.exists()


def test_a_file_too_large_an_unknown_document_or_no_file_is_a_400(token_client, commune, commune_editor, settings):
    settings.BPL_MAX_UPLOAD_BYTES = 20
    application = draft_application(commune)
    client = token_client(commune_editor)
    path = url(application, "documents/")
    too_big = client.post(path, {"document_code": "council_resolution", "file": pdf_upload()}, format="multipart")
    assert too_big.status_code == 400 and too_big.json()["extra"]["fields"] == {"file": ["size"]}
    settings.BPL_MAX_UPLOAD_BYTES = 1024 * 1024
    unknown = client.post(path, {"document_code": "passport", "file": pdf_upload()}, format="multipart")
    assert unknown.status_code == 400 and "document_code" in unknown.json()["extra"]["fields"]
    no_file = client.post(path, {"document_code": "council_resolution"}, format="multipart")
    assert no_file.status_code == 400 and "file" in no_file.json()["extra"]["fields"]
    not_a_file = client.post(path, {"document_code": "council_resolution", "file": "text"}, format="multipart")
    assert not_a_file.status_code == 400 and "file" in not_a_file.json()["extra"]["fields"]
    as_json = client.post(path, {"document_code": "council_resolution"}, format="json")
    assert as_json.status_code == 415
    assert not ApplicationDocument.objects.exists()


def test_documents_by_role_organisation_and_state(
    token_client, draft, viewer, auditor, other_commune_editor, signatory, commune_editor
):
    document = draft.documents.first()
    upload = {"document_code": "site_plan", "file": pdf_upload()}
    assert token_client(viewer).post(url(draft, "documents/"), upload, format="multipart").status_code == 403
    assert token_client(auditor).post(url(draft, "documents/"), upload, format="multipart").status_code == 403
    assert token_client(auditor).get(f"/api/v1/documents/{document.pk}/").status_code == 200
    other = token_client(other_commune_editor)
    assert other.post(url(draft, "documents/"), upload, format="multipart").status_code == 404
    assert other.get(url(draft, "documents/")).status_code == 404
    assert other.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert other.delete(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert token_client(viewer).delete(f"/api/v1/documents/{document.pk}/").status_code == 403
    token_client(signatory).post(url(draft, "submit/"))
    assert token_client(commune_editor).delete(f"/api/v1/documents/{document.pk}/").status_code == 409
    assert token_client(commune_editor).post(url(draft, "documents/"), upload, format="multipart").status_code == 409
    document.refresh_from_db()
    assert document.removed_at is None and draft.documents.count() == 2


@pytest.mark.parametrize("count", [1, 3])
def test_the_document_list_runs_a_fixed_number_of_queries(
    token_client, commune, commune_editor, django_assert_max_num_queries, count
):
    from tests.api.matrix.applications import document_of

    application = draft_application(commune)
    for code in ("council_resolution", "cost_estimate", "site_plan")[:count]:
        document_of(application, code)
    client = token_client(commune_editor)
    # token (1) + last use (1) + the application (1) + the caller's membership (1) + documents (1)
    with django_assert_max_num_queries(5):
        response = client.get(url(application, "documents/"))
    assert len(response.json()["results"]) == count


# --- submitting -----------------------------------------------------------------------------------------------------


def test_only_a_signatory_submits_and_a_retry_is_harmless(
    token_client, draft, commune_editor, signatory, django_capture_on_commit_callbacks
):
    refused = token_client(commune_editor).post(url(draft, "submit/"), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only a signatory of the organisation submits: ask one to sign."
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and not ApplicationSnapshot.objects.exists()

    client = token_client(signatory)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(draft, "submit/"), HTTP_IDEMPOTENCY_KEY="submit-1")
    assert first.status_code == 200
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED and first.json()["reference"] == draft.reference != ""
    snapshot = ApplicationSnapshot.objects.get()
    assert first.json()["id"] == snapshot.pk and first.json()["number"] == 1

    replay = client.post(url(draft, "submit/"), HTTP_IDEMPOTENCY_KEY="submit-1")
    assert replay.status_code == 200 and replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    other_body = client.post(url(draft, "submit/"), {"x": 1}, format="json", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert other_body.status_code == 422
    twice = client.post(url(draft, "submit/"), HTTP_ACCEPT_LANGUAGE="en")
    assert twice.status_code == 409 and twice.json()["message"] == "This application was submitted already."
    assert ApplicationSnapshot.objects.count() == 1

    # The receipt is made after the commit; the application's page links it, and so does the API.
    receipt = client.get(f"/api/v1/submissions/{snapshot.pk}/receipt/")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt.streaming_content).startswith(b"%PDF")
    assert token_client(signatory).get(url(draft)).json()["submissions"][0]["receipt_ready"] is True


def test_an_incomplete_application_lists_what_is_missing(token_client, commune, signatory, sports_call):
    application = draft_application(commune, version=sports_call)
    response = token_client(signatory).post(url(application, "submit/"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["message"] == "The application is not complete yet."
    assert any("Document missing" in item for item in response.json()["extra"]["missing"])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.reference == ""


def test_after_the_deadline_submitting_is_a_409(token_client, commune, signatory):
    closed = CallVersionFactory(published=True, closed=True)
    application = draft_application(commune, version=closed, answers=sample_answers())
    response = token_client(signatory).post(url(application, "submit/"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "The deadline passed" in response.json()["message"]
    assert not ApplicationSnapshot.objects.exists()


def test_submit_for_others_and_with_a_read_only_token(token_client, draft, signatory, other_commune_editor, auditor):
    assert token_client(other_commune_editor).post(url(draft, "submit/")).status_code == 404
    assert token_client(auditor).post(url(draft, "submit/")).status_code == 403
    assert token_client(signatory, "read").post(url(draft, "submit/")).status_code == 403
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


def test_a_missing_receipt_is_a_404(token_client, draft, signatory, other_commune_editor):
    token_client(signatory).post(url(draft, "submit/"))  # the receipt task did not run (no commit in a test)
    snapshot = ApplicationSnapshot.objects.get()
    assert token_client(signatory).get(f"/api/v1/submissions/{snapshot.pk}/receipt/").status_code == 404
    assert token_client(other_commune_editor).get(f"/api/v1/submissions/{snapshot.pk}/receipt/").status_code == 404


# --- the signature request ------------------------------------------------------------------------------------------


def test_an_editor_asks_the_signatories_to_sign(token_client, draft, commune_editor, signatory, auditor):
    response = token_client(commune_editor).post(
        url(draft, "signature-request/"), {"message": "Please sign today"}, format="json"
    )
    assert response.status_code == 201 and response.json()["message"] == "Please sign today"
    assert draft.signature_requests.get().requested_by == commune_editor
    assert Notification.objects.filter(recipient=signatory).count() == 1
    assert token_client(auditor).post(url(draft, "signature-request/"), {}, format="json").status_code == 403
    too_long = token_client(commune_editor).post(
        url(draft, "signature-request/"), {"message": "x" * 2001}, format="json"
    )
    assert too_long.status_code == 400 and draft.signature_requests.count() == 1
    token_client(signatory).post(url(draft, "submit/"))
    late = token_client(commune_editor).post(url(draft, "signature-request/"), {}, format="json")
    assert late.status_code == 409 and draft.signature_requests.count() == 1


# --- history and letters --------------------------------------------------------------------------------------------


def test_history_shows_submissions_to_members_and_the_audit_trail_to_staff(token_client, draft, signatory, auditor):
    token_client(signatory).post(url(draft, "submit/"))
    mine = token_client(signatory).get(url(draft, "history/")).json()
    assert [s["number"] for s in mine["submissions"]] == [1]
    assert mine["submissions"][0]["answers"]["project_title"] == sample_answers()["project_title"]
    assert {f["document"] for f in mine["submissions"][0]["files"]} == {"council_resolution", "cost_estimate"}
    assert mine["audit"] is None  # the portal shows no audit trail
    staff = token_client(auditor).get(url(draft, "history/")).json()
    actions = [record["action"] for record in staff["audit"]]
    assert actions[0] == "submitted" and "application_created" in actions and "document_added" in actions


def test_a_decision_letter_is_downloaded_by_members_and_staff_only(
    token_client, commune, commune_editor, auditor, other_commune_editor, finance_approver
):
    letter = letter_of(draft_application(commune, reference="AAP-2026-SPORT-0009"), kind="refusal")
    response = token_client(commune_editor).get(f"/api/v1/letters/{letter.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "AAP-2026-SPORT-0009-refusal-fr.pdf" in response["Content-Disposition"]
    assert token_client(auditor).get(f"/api/v1/letters/{letter.pk}/").status_code == 200
    for outsider in (other_commune_editor, finance_approver):
        assert token_client(outsider).get(f"/api/v1/letters/{letter.pk}/").status_code == 404
    assert token_client(commune_editor).get(f"/api/v1/letters/{letter.pk + 1000}/").status_code == 404


def test_anonymous_callers_get_a_401(api_client, commune):
    application = draft_application(commune)
    for path in (LIST, url(application), url(application, "history/"), url(application, "documents/")):
        assert api_client.get(path).status_code == 401


def test_a_member_of_an_organisation_added_later_sees_its_applications(token_client, commune):
    application = draft_application(commune)
    newcomer = MembershipFactory(organisation=OrganisationFactory()).user
    assert token_client(newcomer).get(url(application)).status_code == 404
    MembershipFactory(user=newcomer, organisation=commune)
    assert token_client(newcomer).get(url(application)).status_code == 200


def test_an_extended_deadline_is_reported(token_client, commune, commune_editor):
    application = draft_application(commune, deadline_extended_to=timezone.now() + dt.timedelta(days=400))
    body = token_client(commune_editor).get(url(application)).json()
    assert body["deadline"].startswith(str(timezone.localtime(application.deadline_extended_to).date()))
