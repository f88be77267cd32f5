"""Loan applications through the API: applying on a product, editing a draft, its documents, submitting (once, with
the receipt), the signed convention; the portal's rules, a 404 for another borrower's application, a 403 for a role,
a 409 for a state, nothing half-stored after an error, and a list that costs the same whatever its length."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.roles import StaffRole
from loans.models import LoanApplication, LoanConvention, LoanDocument, LoanProject, LoanSnapshot
from tests.factories import UserFactory
from tests.loans import journey
from tests.loans.fixtures import publish_sports_product

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def version(loan_process):
    return publish_sports_product(code="sport2021", uses_borrowing_capacity=False)


@pytest.fixture
def application(version, commune, commune_editor) -> LoanApplication:
    return LoanApplication.objects.create(product_version=version, organisation=commune, created_by=commune_editor)


@pytest.fixture
def complete(version, commune, commune_editor) -> LoanApplication:
    return journey.draft(version, commune, commune_editor)


def url(application, suffix: str = "") -> str:
    return f"/api/v1/loan-applications/{application.pk}/{suffix}"


def project(**change) -> dict:
    return {
        "title": "Rénovation de la piscine",
        "description": "Travaux",
        "cost": "1200000.00",
        "requested_amount": "1000000.00",
        "depreciation_years": 25,
        "budget_reference": "764/723-60",
        **change,
    }


# --- applying -------------------------------------------------------------------------------------------------------


def test_an_editor_starts_an_application_on_a_product(token_client, version, commune, commune_editor):
    response = token_client(commune_editor).post(
        "/api/v1/loan-products/sport2021/applications/", {"organisation": commune.pk}, format="json"
    )
    assert response.status_code == 201
    created = LoanApplication.objects.get()
    body = response.json()
    assert body["id"] == created.pk and body["status"] == "draft" and body["version"] == 1
    assert created.organisation == commune and created.created_by == commune_editor
    assert body["may_edit"] is True and body["may_sign"] is False
    assert "Describe the purpose of the loan." in token_client(commune_editor).get(url(created), **EN).json()["missing"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "organisation"),
        ({"organisation": "anderlecht"}, 400, "organisation"),
        ({"organisation": 1, "product": 2}, 400, "product"),
    ],
)
def test_a_wrong_apply_body_is_a_400(token_client, version, commune_editor, body, status, field):
    response = token_client(commune_editor).post("/api/v1/loan-products/sport2021/applications/", body, format="json")
    assert response.status_code == status and field in response.json()["extra"]["fields"]
    assert not LoanApplication.objects.exists()


def test_applying_for_someone_elses_organisation_or_as_staff_is_refused(
    token_client, version, commune, other_commune, commune_editor, loan_analyst
):
    client = token_client(commune_editor)
    apply = "/api/v1/loan-products/sport2021/applications/"
    assert client.post(apply, {"organisation": other_commune.pk}, format="json").status_code == 404
    assert client.post(apply, {"organisation": 999999}, format="json").status_code == 404
    assert client.post("/api/v1/loan-products/nothing/applications/", {"organisation": commune.pk}).status_code == 404
    staff = token_client(loan_analyst).post(apply, {"organisation": commune.pk}, format="json", **EN)
    assert staff.status_code == 403
    expected = "Only an editor or a signatory of the organisation prepares its loan applications."
    assert staff.json()["message"] == expected
    assert not LoanApplication.objects.exists()


def test_a_closed_product_takes_no_application(token_client, version, commune, commune_editor):
    version.closes_at = timezone.now() - timezone.timedelta(days=1)
    version.save(update_fields=["closes_at"])
    response = token_client(commune_editor).post(
        "/api/v1/loan-products/sport2021/applications/", {"organisation": commune.pk}, format="json", **EN
    )
    assert response.status_code == 403 and response.json()["message"] == "Applications for this loan are not open."


def test_a_read_only_token_does_not_apply(token_client, version, commune, commune_editor):
    response = token_client(commune_editor, "read").post(
        "/api/v1/loan-products/sport2021/applications/", {"organisation": commune.pk}, format="json"
    )
    assert response.status_code == 403 and not LoanApplication.objects.exists()


# --- the list and one application -----------------------------------------------------------------------------------


def test_my_applications_and_nobody_elses(token_client, complete, commune_editor, other_commune_editor, auditor):
    [row] = token_client(commune_editor).get("/api/v1/loan-applications/").json()["results"]
    assert row["id"] == complete.pk and row["requested"] == "1000000.00"
    assert row["product"] == {"code": "sport2021", "version": 1, "title": complete.product_version.title_fr}
    assert token_client(other_commune_editor).get("/api/v1/loan-applications/").json()["results"] == []
    # Staff who read loan applications see all, as on the staff list; the status filter narrows.
    client = token_client(auditor)
    assert [r["id"] for r in client.get("/api/v1/loan-applications/").json()["results"]] == [complete.pk]
    assert client.get("/api/v1/loan-applications/?status=submitted").json()["results"] == []
    assert client.get("/api/v1/loan-applications/?status=nonsense").status_code == 400


def test_the_list_costs_the_same_queries_for_2_or_8_applications(token_client, complete, commune_editor):
    def more(count: int) -> None:
        for _ in range(count):
            journey.draft(complete.product_version, complete.organisation, commune_editor)

    more(1)
    client = token_client(commune_editor)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/loan-applications/").json()["results"]) == 2
    more(6)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/loan-applications/").json()["results"]) == 8
    assert len(large.captured_queries) == len(small.captured_queries)


def test_one_application_with_its_projects_and_documents(token_client, complete, commune_editor):
    body = token_client(commune_editor).get(url(complete)).json()
    [item] = body["projects"]
    assert item["title"] == "Rénovation de la piscine" and item["requested_amount"] == "1000000.00"
    assert sorted(doc["document_code"] for doc in body["documents"]) == [
        "budget_commitment",
        "council_resolution",
        "ministerial_form",
    ]
    assert body["missing"] == [] and body["submissions"] == [] and body["convention"] is None


def test_another_borrower_and_staff_who_do_not_read_applications_get_404(token_client, complete, other_commune_editor):
    document = LoanDocument.objects.filter(application=complete).first()
    for user in (other_commune_editor, UserFactory(email="r@bpl.brussels", roles=[StaffRole.REVIEWER])):
        client = token_client(user)
        assert client.get(url(complete)).status_code == 404
        assert client.get(f"/api/v1/loan-documents/{document.pk}/").status_code == 404
        assert client.put(url(complete), {}, format="json").status_code == 404


# --- editing a draft ------------------------------------------------------------------------------------------------


def test_an_editor_saves_the_purpose_and_the_projects(token_client, application, commune_editor):
    body = {"version": 1, "purpose": "Infrastructures sportives", "projects": [project(), project(title="Salle")]}
    response = token_client(commune_editor).put(url(application), body, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == 2 and len(response.json()["projects"]) == 2
    application.refresh_from_db()
    assert application.purpose == "Infrastructures sportives" and application.version == 2
    pool = application.projects.get(position=1)
    assert pool.cost == Decimal("1200000.00") and pool.depreciation_years == 25
    # Sending a saved project with its id keeps it; leaving one out removes it.
    again = {"version": 2, "purpose": "Piscine", "projects": [project(id=pool.pk, title="Piscine")]}
    assert token_client(commune_editor).put(url(application), again, format="json").status_code == 200
    assert list(application.projects.values_list("pk", "title")) == [(pool.pk, "Piscine")]


def test_a_save_behind_someone_elses_is_a_409_and_changes_nothing(token_client, application, commune_editor):
    client = token_client(commune_editor)
    assert client.put(url(application), {"version": 1, "purpose": "A", "projects": [project()]}, format="json")
    stale = client.put(url(application), {"version": 1, "purpose": "B", "projects": [project()]}, format="json", **EN)
    assert stale.status_code == 409 and stale.json()["extra"]["version"] == 2
    application.refresh_from_db()
    assert application.purpose == "A"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 1, "purpose": "x", "projects": [project(cost="800000.00")]}, "projects.1.requested_amount"),
        ({"version": 1, "purpose": "x", "projects": [project(depreciation_years=2)]}, "projects.1.depreciation_years"),
        ({"version": 1, "purpose": "x", "projects": [project(title="")]}, "projects.1.title"),
        ({"version": 1, "purpose": "x", "projects": []}, "projects"),
        ({"version": 1, "purpose": "x", "projects": [project(cost="beaucoup")]}, "projects"),
        ({"version": 1, "purpose": "x", "projects": [project(colour="red")]}, "projects"),
        ({"version": "one", "purpose": "x", "projects": [project()]}, "version"),
        ({"purpose": "x", "projects": [project()]}, "version"),
        ({"version": 1, "purpose": "x", "projects": [project(id=999999)]}, "projects"),
    ],
)
def test_a_wrong_save_is_a_400_and_stores_nothing(token_client, application, commune_editor, body, field):
    response = token_client(commune_editor).put(url(application), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    application.refresh_from_db()
    assert application.version == 1 and not LoanProject.objects.exists()


def test_staff_read_but_do_not_edit_and_a_submitted_application_is_a_409(
    token_client, complete, commune_editor, signatory, loan_analyst
):
    body = {"version": complete.version, "purpose": "x", "projects": [project()]}
    staff = token_client(loan_analyst)
    assert staff.get(url(complete)).status_code == 200
    assert staff.put(url(complete), body, format="json").status_code == 403
    token_client(signatory).post(url(complete, "submit/"))
    refused = token_client(commune_editor).put(url(complete), body, format="json", **EN)
    assert refused.status_code == 409
    assert refused.json()["message"] == "This loan application cannot be changed any more: it was submitted."


# --- documents ------------------------------------------------------------------------------------------------------


def test_an_editor_sends_downloads_and_removes_a_document(token_client, application, commune_editor):
    client = token_client(commune_editor)
    form = journey.pdf("formulaire.pdf")
    response = client.post(
        url(application, "documents/"), {"document_code": "ministerial_form", "file": form}, format="multipart"
    )
    assert response.status_code == 201
    document = LoanDocument.objects.get()
    assert response.json()["id"] == document.pk and document.original_name == "formulaire.pdf"
    download = client.get(f"/api/v1/loan-documents/{document.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == journey.PDF
    assert client.delete(f"/api/v1/loan-documents/{document.pk}/").status_code == 204
    document.refresh_from_db()
    assert document.removed_at is not None
    assert client.get(url(application)).json()["documents"] == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"document_code": "ministerial_form", "file": ("f.txt", b"text")}, "file", "Files of this kind are not"),
        ({"document_code": "ministerial_form", "file": ("f.pdf", b"")}, "file", "This file is empty."),
        ({"document_code": "ministerial_form", "file": ("f.pdf", b"MZ\x90\x00program")}, "file", None),
        ({"document_code": "unknown", "file": ("f.pdf", journey.PDF)}, "document_code", "does not ask for this"),
        ({"document_code": "council_resolution", "file": ("f.pdf", journey.PDF)}, "project", "Choose the project"),
        ({"document_code": "ministerial_form"}, "file", None),
        ({"file": ("f.pdf", journey.PDF)}, "document_code", None),
        ({"document_code": "ministerial_form", "project": "x", "file": ("f.pdf", journey.PDF)}, "project", None),
    ],
)
def test_a_wrong_document_is_a_400_and_stores_nothing(token_client, application, commune_editor, data, field, message):
    if "file" in data:
        data = {**data, "file": SimpleUploadedFile(*data["file"])}
    response = token_client(commune_editor).post(url(application, "documents/"), data, format="multipart", **EN)
    assert response.status_code == 400
    body = response.json()
    if field != "file" or message is None:
        assert field in body["extra"]["fields"]
    if message:
        assert message in body["message"] or message in str(body["extra"])
    assert not LoanDocument.objects.exists()


def test_a_document_over_the_upload_limit_is_refused(token_client, application, commune_editor, settings):
    settings.BPL_MAX_UPLOAD_BYTES = 10
    data = {"document_code": "ministerial_form", "file": journey.pdf()}
    assert token_client(commune_editor).post(url(application, "documents/"), data).status_code == 400
    assert not LoanDocument.objects.exists()


def test_documents_of_a_submitted_application_stay(token_client, complete, commune_editor, signatory, loan_analyst):
    document = LoanDocument.objects.filter(application=complete).first()
    assert token_client(loan_analyst).delete(f"/api/v1/loan-documents/{document.pk}/").status_code == 403
    token_client(signatory).post(url(complete, "submit/"))
    client = token_client(commune_editor)
    assert client.delete(f"/api/v1/loan-documents/{document.pk}/").status_code == 409
    data = {"document_code": "ministerial_form", "file": journey.pdf()}
    assert client.post(url(complete, "documents/"), data).status_code == 409
    document.refresh_from_db()
    assert document.removed_at is None and LoanDocument.objects.filter(application=complete).count() == 3


# --- submitting -----------------------------------------------------------------------------------------------------


def test_a_signatory_submits_once_and_gets_the_receipt(
    token_client, complete, signatory, commune_editor, django_capture_on_commit_callbacks
):
    client = token_client(signatory)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(complete, "submit/"), HTTP_IDEMPOTENCY_KEY="submit-1")
    assert first.status_code == 200
    complete.refresh_from_db()
    assert complete.status == "submitted" and complete.reference.startswith("FRBRTC-")
    snapshot = LoanSnapshot.objects.get()
    assert first.json()["id"] == snapshot.pk and first.json()["reference"] == complete.reference
    again = client.post(url(complete, "submit/"), HTTP_IDEMPOTENCY_KEY="submit-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert client.post(url(complete, "submit/"), {"x": 1}, HTTP_IDEMPOTENCY_KEY="submit-1").status_code == 422
    assert LoanSnapshot.objects.count() == 1
    # Without a key, a second click finds it submitted already.
    second = client.post(url(complete, "submit/"), **EN)
    assert second.status_code == 409 and second.json()["message"] == "This loan application was submitted already."
    receipt = token_client(commune_editor).get(f"/api/v1/loan-submissions/{snapshot.pk}/receipt/")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt.streaming_content).startswith(b"%PDF")
    assert token_client(commune_editor).get(url(complete)).json()["submissions"][0]["receipt_ready"] is True


def test_an_incomplete_application_is_a_400_listing_what_is_missing(token_client, application, signatory):
    response = token_client(signatory).post(url(application, "submit/"), **EN)
    assert response.status_code == 400
    assert response.json()["message"] == "The loan application is not complete yet."
    assert "Describe the purpose of the loan." in response.json()["extra"]["missing"]
    application.refresh_from_db()
    assert application.status == "draft" and not LoanSnapshot.objects.exists()


def test_only_a_signatory_submits(token_client, complete, commune_editor, other_commune_editor, loan_analyst):
    assert token_client(commune_editor).post(url(complete, "submit/")).status_code == 403
    assert token_client(loan_analyst).post(url(complete, "submit/")).status_code == 403
    assert token_client(other_commune_editor).post(url(complete, "submit/")).status_code == 404
    assert token_client(commune_editor, "read").post(url(complete, "submit/")).status_code == 403
    complete.refresh_from_db()
    assert complete.status == "draft"


def test_a_receipt_of_another_borrower_is_a_404(token_client, complete, signatory, other_commune_editor):
    token_client(signatory).post(url(complete, "submit/"))
    snapshot = LoanSnapshot.objects.get()
    # Not made yet (the task runs after the commit): a 404 rather than an empty file.
    assert token_client(signatory).get(f"/api/v1/loan-submissions/{snapshot.pk}/receipt/").status_code == 404
    assert token_client(other_commune_editor).get(f"/api/v1/loan-submissions/{snapshot.pk}/receipt/").status_code == 404


# --- the convention -------------------------------------------------------------------------------------------------


@pytest.fixture
def approved(loan_process, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks):
    version = publish_sports_product(code="conv", uses_borrowing_capacity=False)
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(version, commune, commune_editor, signatory)
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)
    return application


def signed(file=None, signed_on=None) -> dict:
    return {"file": file or journey.pdf("convention signée.pdf"), "signed_on": signed_on or timezone.localdate()}


def test_a_signatory_downloads_the_convention_and_sends_it_signed(token_client, approved, signatory):
    client = token_client(signatory)
    detail = client.get(url(approved)).json()
    assert detail["convention"]["awaiting_signature"] is True and detail["decision"]["outcome"] == "approved"
    generated = client.get(url(approved, "convention/generated/"))
    assert generated.status_code == 200 and generated["Content-Type"] == "application/pdf"
    assert client.get(url(approved, "convention/signed/")).status_code == 404  # not sent yet
    response = client.post(url(approved, "signed-convention/"), signed(), format="multipart", HTTP_IDEMPOTENCY_KEY="s1")
    assert response.status_code == 200 and response.json()["signed"] is True
    convention = LoanConvention.objects.get(application=approved)
    assert convention.signed_on == timezone.localdate() and convention.signed_uploaded_by == signatory
    replay = client.post(url(approved, "signed-convention/"), signed(), format="multipart", HTTP_IDEMPOTENCY_KEY="s1")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == response.json()
    assert client.get(url(approved, "convention/signed/")).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (signed(file=SimpleUploadedFile("c.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)), "file"),
        (signed(signed_on=timezone.localdate() + timezone.timedelta(days=2)), "signed_on"),
        ({"file": journey.pdf()}, "signed_on"),
        ({"signed_on": "2026-01-01"}, "file"),
        ({**signed(), "signed_on": "yesterday"}, "signed_on"),
    ],
)
def test_a_wrong_signed_copy_is_a_400_and_stores_nothing(token_client, approved, signatory, data, field):
    response = token_client(signatory).post(url(approved, "signed-convention/"), data, format="multipart")
    assert response.status_code == 400 and field in response.json()["extra"]["fields"]
    assert not LoanConvention.objects.get(application=approved).signed_document


def test_only_a_signatory_sends_the_signed_copy_and_only_when_one_is_awaited(
    token_client, approved, application, commune_editor, signatory, other_commune_editor
):
    assert token_client(commune_editor).post(url(approved, "signed-convention/"), signed()).status_code == 403
    assert token_client(other_commune_editor).post(url(approved, "signed-convention/"), signed()).status_code == 404
    assert token_client(other_commune_editor).get(url(approved, "convention/generated/")).status_code == 404
    draft = token_client(signatory).post(url(application, "signed-convention/"), signed(), **EN)
    assert draft.status_code == 409
    assert draft.json()["message"] == "There is no convention waiting for its signature."
    assert not LoanConvention.objects.get(application=approved).signed_document
