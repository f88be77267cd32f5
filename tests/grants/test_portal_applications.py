"""Preparing, saving, documents and submitting an application on the portal.

Messages of the application are checked on /en/ pages (English is the source text) or against gettext in the page's
language, so these assertions hold before and after the catalogues are translated."""

import copy
import io
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from core.models import MembershipRole, Notification
from core.roles import StaffRole
from grants.models import Application, ApplicationDocument, ApplicationSnapshot, CallVersion
from grants.rendering import form_sections
from grants.seed import FORM_SCHEMA, sample_answers
from grants.services.applications import application_create, application_save, document_add
from tests.factories import MembershipFactory, UserFactory
from tests.factories.grants import CallVersionFactory
from workflows.services.versions import sync_versions, version_set_state

pytestmark = pytest.mark.django_db

# A real, minimal PDF (one empty page): what an applicant's scanner or office suite sends, only smaller.
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R /Size 4 >>\n"
    b"%%EOF\n"
)


def small_pdf(name: str = "resolution.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def call_version(db):
    return CallVersionFactory(published=True)


@pytest.fixture
def application(call_version, commune, commune_editor):
    return application_create(actor=commune_editor, call_version_id=call_version.pk, organisation_id=commune.pk)


@pytest.fixture
def grant_process(db):
    """grant_application@1 takes cases: a submission starts one."""
    sync_versions()
    return version_set_state(actor=None, key="grant_application", version=1, state="current")


def _complete(application: Application, actor) -> Application:
    application_save(
        actor=actor, application_id=application.pk, base_version=application.version, answers=sample_answers()
    )
    for code in ("council_resolution", "cost_estimate"):
        document_add(actor=actor, application_id=application.pk, document_code=code, upload=small_pdf(f"{code}.pdf"))
    application.refresh_from_db()
    return application


def _autosave(client, application, answers, *, version=None, overwrite=False, language="en"):
    return client.post(
        f"/{language}/applications/{application.pk}/autosave/",
        data=json.dumps(
            {"version": application.version if version is None else version, "answers": answers, "overwrite": overwrite}
        ),
        content_type="application/json",
    )


# --- the form and saving it ---------------------------------------------------------------------------------------


def test_the_form_shows_every_question_in_the_readers_language(client, application, commune_editor):
    client.force_login(commune_editor)
    dutch = client.get(f"/nl/applications/{application.pk}/").content.decode()
    for label in ("Titel van het project", "Soort infrastructuur", "Zwembad", "Kosten van het project", "Situatieplan"):
        assert label in dutch
    assert "Intitulé du projet" not in dutch
    assert 'name="costs-0-label"' in dutch  # an empty budget line to fill
    # The explanation is asked only when the project has a supra-local interest: hidden, and shown live by the script.
    assert 'id="field-supralocal_explanation" data-field="supralocal_explanation"' in dutch
    assert '&quot;values&quot;: [&quot;yes&quot;]}" hidden>' in dutch


def test_saving_with_the_save_button_stores_the_answers_and_shows_the_totals(client, application, commune_editor):
    client.force_login(commune_editor)
    response = client.post(
        f"/fr/applications/{application.pk}/",
        {
            "version": "1",
            "project_title": "Nouvelle piscine",
            "facility_kind": "pool",
            "start_date": "01/03/2024",
            "supralocal": "yes",
            "supralocal_explanation": "Utilisée par trois communes.",
            "costs-present": "1",
            "costs-0-label": "Gros œuvre",
            "costs-0-amount": "1.000.000,00",
            "costs-1-label": "Équipements",
            "costs-1-amount": "250000,50",
            "costs-2-label": "",
            "costs-2-amount": "",
            "amount_requested": "800.000",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.version == 2
    assert application.answers["project_title"] == "Nouvelle piscine"
    assert application.answers["start_date"] == "2024-03-01"
    assert application.answers["supralocal"] is True
    assert application.answers["costs"] == [
        {"label": "Gros œuvre", "amount": "1000000.00"},
        {"label": "Équipements", "amount": "250000.50"},
    ]
    assert str(application.total_cost) == "1250000.50"
    page = client.get(response["Location"]).content.decode()
    assert "1.250.000,50 EUR" in page and "800.000,00 EUR" in page
    assert 'value="800000,00"' in page  # shown as typed, read back by parse_decimal
    assert 'value="Utilisée par trois communes."' not in page and "Utilisée par trois communes.</textarea>" in page
    assert 'name="version" value="2"' in page


def test_removing_a_budget_line_without_javascript(client, application, commune_editor):
    client.force_login(commune_editor)
    application_save(
        actor=commune_editor,
        application_id=application.pk,
        base_version=1,
        answers={"costs": sample_answers()["costs"]},
    )
    response = client.post(
        f"/fr/applications/{application.pk}/",
        {
            "version": "2",
            "costs-present": "1",
            "costs-0-label": "Toiture",
            "costs-0-amount": "900000,00",
            "costs-1-label": "Vestiaires",
            "costs-1-amount": "350000,00",
            "remove_line": "costs-0",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#field-costs")
    application.refresh_from_db()
    assert application.answers["costs"] == [{"label": "Vestiaires", "amount": "350000.00"}]


def test_autosave_stores_the_answers_and_returns_the_new_version_and_the_totals(client, application, commune_editor):
    client.force_login(commune_editor)
    response = _autosave(
        client,
        application,
        {
            "costs": [{"label": "Toiture", "amount": "900.000,00"}, {"label": "", "amount": ""}],
            "amount_requested": "450000",
            "low_coverage_zone": "yes",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert len(body["saved_at"]) == 8 and body["saved_at"].count(":") == 2
    assert body["totals"] == {
        "total_cost": "900000.00",
        "amount_requested": "450000.00",
        "cofinancing_rate": "0.500000",
    }
    assert body["totals_display"]["cofinancing_rate"] == "50,00 %"
    application.refresh_from_db()
    assert application.version == 2 and application.answers["low_coverage_zone"] is True


@pytest.mark.parametrize("amount", ["douze", "-100,00"])
def test_a_budget_line_with_letters_or_a_negative_amount_is_refused_in_the_users_language(
    client, application, commune_editor, amount
):
    client.force_login(commune_editor)
    response = _autosave(
        client,
        application,
        {"project_title": "Piscine", "costs": [{"label": "Toiture", "amount": amount}]},
        language="nl",
    )
    assert response.status_code == 400
    with translation.override("nl"):
        expected = gettext("Enter an amount, e.g. 1.234,56." if amount == "douze" else "An amount cannot be negative.")
        message = gettext("Some answers are not valid: nothing was saved.")
    assert response.json() == {"message": message, "fields": {"costs.0.amount": [expected]}}
    application.refresh_from_db()
    assert application.version == 1 and application.answers == {}


def test_an_invalid_amount_sent_with_the_save_button_is_shown_next_to_the_line_and_nothing_is_stored(
    client, application, commune_editor
):
    client.force_login(commune_editor)
    response = client.post(
        f"/en/applications/{application.pk}/",
        {
            "version": "1",
            "project_title": "Piscine",
            "costs-present": "1",
            "costs-0-label": "A",
            "costs-0-amount": "-5",
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "An amount cannot be negative." in content
    assert 'name="costs-0-amount" id="field-costs-0-amount" value="-5"' in content  # what was typed, kept
    assert 'value="Piscine"' in content
    application.refresh_from_db()
    assert application.version == 1 and application.answers == {}


def test_an_amount_above_the_call_maximum_is_refused_with_the_maximum_and_not_stored(
    client, application, commune_editor
):
    client.force_login(commune_editor)
    response = _autosave(client, application, {"amount_requested": "3.000.000,00"})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "amount_requested": ["The maximum per application for this call is 2.500.000,00 EUR."]
    }
    application.refresh_from_db()
    assert application.version == 1 and "amount_requested" not in application.answers


def test_a_money_field_with_a_maximum_in_the_form_gives_a_field_error(client, commune, commune_editor):
    schema = copy.deepcopy(FORM_SCHEMA)
    next(f for s in schema["sections"] for f in s["fields"] if f["key"] == "amount_requested")["max"] = "2500000"
    version = CallVersionFactory(published=True, form_schema=schema)
    application = application_create(actor=commune_editor, call_version_id=version.pk, organisation_id=commune.pk)
    client.force_login(commune_editor)
    response = _autosave(client, application, {"amount_requested": "2.500.000,01"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"amount_requested": ["The maximum is 2500000."]}
    application.refresh_from_db()
    assert application.version == 1


def test_a_malformed_autosave_is_refused(client, application, commune_editor):
    client.force_login(commune_editor)
    response = client.post(
        f"/en/applications/{application.pk}/autosave/", data="not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "The data sent could not be read."


def test_two_people_editing_at_once_the_second_sees_what_the_first_saved_then_may_overwrite(
    client, application, commune_editor, signatory
):
    other = type(client)()
    client.force_login(commune_editor)
    other.force_login(signatory)
    # Both opened the page at version 1; the editor saves first.
    assert _autosave(client, application, {"project_title": "Piscine communale"}, version=1).status_code == 200
    response = _autosave(other, application, {"project_title": "Salle omnisports", "users_per_week": "300"}, version=1)
    assert response.status_code == 409
    body = response.json()
    assert body["message"].startswith("Someone else saved this application in the meantime")
    assert body["version"] == 2
    assert body["changed"] == ["project_title", "users_per_week"]
    assert body["answers"]["project_title"] == "Piscine communale"
    assert body["changed_display"][0] == {
        "key": "project_title",
        "label": "Intitulé du projet",
        "value": "Piscine communale",
    }
    application.refresh_from_db()
    assert application.answers["project_title"] == "Piscine communale" and application.version == 2

    response = _autosave(
        other, application, {"project_title": "Salle omnisports", "users_per_week": "300"}, version=1, overwrite=True
    )
    assert response.status_code == 200 and response.json()["version"] == 3
    application.refresh_from_db()
    assert application.answers["project_title"] == "Salle omnisports"


def test_an_amount_typed_with_a_comma_is_not_reported_as_a_conflicting_change(client, application, commune_editor):
    client.force_login(commune_editor)
    assert _autosave(client, application, {"amount_requested": "1000,00"}).status_code == 200
    assert _autosave(client, application, {"project_title": "Piscine"}, version=2).status_code == 200
    # The page sends every box, the empty ones too: a question nobody answered is not a change either.
    response = _autosave(
        client,
        application,
        {"amount_requested": "1000,00", "project_title": "Stade", "description": "", "costs": [{"label": ""}]},
        version=2,
    )
    assert response.status_code == 409
    assert response.json()["changed"] == ["project_title"]


def test_a_conflict_on_the_save_button_lists_the_changes_and_offers_to_overwrite(
    client, application, commune_editor, signatory
):
    application_save(actor=signatory, application_id=application.pk, base_version=1, answers={"project_title": "Stade"})
    client.force_login(commune_editor)
    data = {"version": "1", "project_title": "Piscine"}
    response = client.post(f"/en/applications/{application.pk}/", data)
    assert response.status_code == 409
    content = response.content.decode()
    assert "<dt>Intitulé du projet</dt><dd>Stade</dd>" in content
    assert 'value="Piscine"' in content  # the writer's own answer is still in the form
    assert "Keep theirs (reload the page)" in content and 'name="overwrite" value="1"' in content
    application.refresh_from_db()
    assert application.answers["project_title"] == "Stade"

    response = client.post(f"/en/applications/{application.pk}/", {**data, "overwrite": "1"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.answers["project_title"] == "Piscine" and application.version == 3


def test_a_viewer_sees_the_application_read_only_and_cannot_save(client, application, commune):
    viewer = MembershipFactory(organisation=commune, role=MembershipRole.VIEWER).user
    client.force_login(viewer)
    page = client.get(f"/en/applications/{application.pk}/").content.decode()
    assert 'id="application-form"' not in page and "This application has not been submitted." in page
    assert client.post(f"/en/applications/{application.pk}/", {"version": "1", "project_title": "X"}).status_code == 403
    response = _autosave(client, application, {"project_title": "X"})
    assert response.status_code == 403
    assert response.json()["message"] == "Only an editor or a signatory of the organisation changes its applications."
    application.refresh_from_db()
    assert application.answers == {}


def test_another_communes_application_is_not_found(client, application, other_commune_editor):
    client.force_login(other_commune_editor)
    assert client.get(f"/fr/applications/{application.pk}/").status_code == 404
    assert _autosave(client, application, {"project_title": "X"}).status_code == 404
    assert client.get(f"/fr/applications/{application.pk}/submit/").status_code == 404
    assert client.post(f"/fr/applications/{application.pk}/sign-request/").status_code == 404
    application.refresh_from_db()
    assert application.answers == {}


def test_the_applications_list_costs_the_same_queries_for_3_or_30_applications(
    client, call_version, commune, commune_editor, other_commune, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            Application.objects.create(call_version=call_version, organisation=commune, created_by=commune_editor)

    Application.objects.create(call_version=call_version, organisation=other_commune, created_by=commune_editor)
    client.force_login(commune_editor)
    add(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/fr/applications/").status_code == 200
    add(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        content = client.get("/fr/applications/").content.decode()
    assert content.count('href="/fr/applications/') - content.count('href="/fr/applications/"') == 30
    assert "Appel à projets Infrastructures sportives 2021-2023" in content


# --- documents ----------------------------------------------------------------------------------------------------


def _upload(client, application, code, upload, language="en"):
    return client.post(f"/{language}/applications/{application.pk}/documents/", {"document_code": code, "file": upload})


def test_a_pdf_is_accepted_and_only_members_and_staff_may_download_it(
    client, application, commune_editor, other_commune_editor, eligibility_officer
):
    client.force_login(commune_editor)
    response = _upload(client, application, "council_resolution", small_pdf("Délibération du 12 mars.pdf"))
    assert response.status_code == 302 and response["Location"].endswith("#documents")
    document = ApplicationDocument.objects.get()
    assert document.original_name == "Deliberation-du-12-mars.pdf" and document.size == len(PDF)
    page = client.get(f"/en/applications/{application.pk}/").content.decode()
    assert f'href="/en/documents/{document.pk}/"' in page
    assert f'action="/en/documents/{document.pk}/remove/"' in page

    download = client.get(f"/en/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    client.force_login(other_commune_editor)
    assert client.get(f"/en/documents/{document.pk}/").status_code == 404
    client.force_login(eligibility_officer)
    assert client.get(f"/en/documents/{document.pk}/").status_code == 200


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT / "applications"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("resolution.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "This file is a program, not a document"),
        ("resolution.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "The content of this file does not match its name"),
        ("resolution.exe", PDF, "Files of this kind are not accepted."),
    ],
)
def test_a_program_or_a_disguised_file_is_refused_and_nothing_is_stored(
    client, application, commune_editor, settings, name, content, message
):
    client.force_login(commune_editor)
    response = _upload(client, application, "council_resolution", SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApplicationDocument.objects.exists() and _stored_files(settings) == []


def test_a_refusal_is_in_the_users_language(client, application, commune_editor):
    client.force_login(commune_editor)
    response = _upload(client, application, "council_resolution", SimpleUploadedFile("a.pdf", b"MZ" + b"\0" * 10), "nl")
    with translation.override("nl"):
        expected = gettext("This file is a program, not a document: it is refused.")
    assert response.status_code == 400 and expected in response.content.decode()


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(client, application, commune_editor, settings):
    settings.BPL_MAX_UPLOAD_BYTES = 100
    client.force_login(commune_editor)
    response = _upload(client, application, "council_resolution", small_pdf())
    assert response.status_code == 400
    assert "This file is too large" in response.content.decode()
    assert not ApplicationDocument.objects.exists() and _stored_files(settings) == []


def test_an_unknown_document_or_no_file_is_refused(client, application, commune_editor, settings):
    client.force_login(commune_editor)
    response = _upload(client, application, "passport", small_pdf())
    assert response.status_code == 400 and "This call does not ask for this document." in response.content.decode()
    response = client.post(f"/en/applications/{application.pk}/documents/", {"document_code": "council_resolution"})
    assert response.status_code == 400 and "Choose a file to send." in response.content.decode()
    assert not ApplicationDocument.objects.exists() and _stored_files(settings) == []


def test_a_document_is_removed(client, application, commune_editor, other_commune_editor):
    document = document_add(
        actor=commune_editor, application_id=application.pk, document_code="cost_estimate", upload=small_pdf()
    )
    client.force_login(other_commune_editor)
    assert client.post(f"/en/documents/{document.pk}/remove/").status_code == 404
    client.force_login(commune_editor)
    response = client.post(f"/en/documents/{document.pk}/remove/")
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.removed_at is not None
    page = client.get(f"/en/applications/{application.pk}/").content.decode()
    assert f'href="/en/documents/{document.pk}/"' not in page


# --- signing and submitting ---------------------------------------------------------------------------------------


def test_an_editor_asks_the_signatories_to_sign(client, application, commune_editor, signatory):
    client.force_login(commune_editor)
    page = client.get(f"/en/applications/{application.pk}/").content.decode()
    assert "Ask a signatory to sign" in page and "Check and submit" not in page
    response = client.post(f"/en/applications/{application.pk}/sign-request/", {"message": "Prêt à signer."})
    assert response.status_code == 302
    assert application.signature_requests.get().message == "Prêt à signer."
    assert Notification.objects.filter(recipient=signatory, template="application_signature_request").exists()


def test_an_editor_cannot_submit(client, application, commune_editor):
    _complete(application, commune_editor)
    client.force_login(commune_editor)
    page = client.get(f"/en/applications/{application.pk}/submit/").content.decode()
    assert "Only a signatory of the organisation submits: ask one to sign." in page
    assert "Sign and submit" not in page
    response = client.post(f"/en/applications/{application.pk}/submit/")
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "draft" and not application.snapshots.exists()


def test_missing_items_are_listed_before_submission(client, application, signatory):
    client.force_login(signatory)
    page = client.get(f"/en/applications/{application.pk}/submit/").content.decode()
    assert "Intitulé du projet: This answer is required." in page
    assert "Document missing: Délibération du conseil communal" in page
    assert "Sign and submit" not in page
    response = client.post(f"/en/applications/{application.pk}/submit/")
    assert response.status_code == 400
    assert "The application is not complete yet." in response.content.decode()
    assert "Document missing: Estimation détaillée des coûts" in response.content.decode()
    assert not ApplicationSnapshot.objects.exists()


def test_a_signatory_submits_gets_the_reference_and_a_receipt_by_e_mail(
    client, application, commune_editor, signatory, grant_process, django_capture_on_commit_callbacks
):
    _complete(application, commune_editor)
    client.force_login(signatory)
    page = client.get(f"/en/applications/{application.pk}/submit/").content.decode()
    assert "The application is complete." in page and "Sign and submit" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/applications/{application.pk}/submit/")
    assert response.status_code == 302 and response["Location"] == f"/en/applications/{application.pk}/"
    reference = f"AAP-{timezone.localtime().year}-{application.call_version.call.code.upper()}-0001"
    application.refresh_from_db()
    assert application.reference == reference and application.status == "submitted"

    page = client.get(response["Location"]).content.decode()
    assert f"Your application was submitted. Its reference is {reference}" in page
    snapshot = application.snapshots.get()
    assert f'href="/en/submissions/{snapshot.pk}/receipt/"' in page
    assert 'id="application-form"' not in page and "Rénovation de la salle omnisports" in page

    receipts = [message for message in mail.outbox if message.attachments]
    assert len(receipts) == 1 and signatory.email in receipts[0].to
    name, content, content_type = receipts[0].attachments[0]
    assert name == f"{reference}.pdf" and content_type == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert reference in text

    receipt = client.get(f"/en/submissions/{snapshot.pk}/receipt/")
    assert receipt.status_code == 200 and b"".join(receipt.streaming_content).startswith(b"%PDF-")


def test_a_double_click_on_submit_submits_once(
    client, application, commune_editor, signatory, grant_process, django_capture_on_commit_callbacks
):
    _complete(application, commune_editor)
    client.force_login(signatory)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/en/applications/{application.pk}/submit/")
        second = client.post(f"/en/applications/{application.pk}/submit/", follow=True)
    assert first.status_code == 302
    assert second.status_code == 200 and second.redirect_chain[-1][0] == f"/en/applications/{application.pk}/"
    assert "This application was submitted already." in second.content.decode()
    assert ApplicationSnapshot.objects.filter(application=application).count() == 1
    assert len([message for message in mail.outbox if message.attachments]) == 1


def test_a_submission_after_the_deadline_and_its_grace_period_is_refused(
    client, application, commune_editor, signatory, grant_process
):
    _complete(application, commune_editor)
    now = timezone.now()
    CallVersion.objects.filter(pk=application.call_version_id).update(
        opens_at=now - timezone.timedelta(days=10), closes_at=now - timezone.timedelta(minutes=16), grace_minutes=15
    )
    client.force_login(signatory)
    response = client.post(f"/en/applications/{application.pk}/submit/", follow=True)
    assert "the application can no longer be submitted." in response.content.decode()
    assert "The deadline passed on" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "draft" and not application.snapshots.exists()


def test_within_the_grace_period_the_submission_is_accepted(
    client, application, commune_editor, signatory, grant_process
):
    _complete(application, commune_editor)
    now = timezone.now()
    CallVersion.objects.filter(pk=application.call_version_id).update(
        opens_at=now - timezone.timedelta(days=10), closes_at=now - timezone.timedelta(minutes=10), grace_minutes=15
    )
    client.force_login(signatory)
    assert client.post(f"/en/applications/{application.pk}/submit/").status_code == 302
    assert application.snapshots.count() == 1


def test_a_submitted_application_cannot_be_saved_any_more(
    client, application, commune_editor, signatory, grant_process
):
    _complete(application, commune_editor)
    client.force_login(signatory)
    client.post(f"/en/applications/{application.pk}/submit/")
    application.refresh_from_db()
    response = _autosave(client, application, {"project_title": "Changed"})
    assert response.status_code == 409
    assert response.json()["message"] == "This application cannot be changed any more: it was submitted."
    response = client.get(f"/en/applications/{application.pk}/submit/", follow=True)
    assert "This application was submitted already." in response.content.decode()


def test_staff_allowed_to_see_applications_read_them_on_the_portal(client, application, commune_editor):
    auditor = UserFactory(email="auditor@bpl.brussels", roles=[StaffRole.AUDITOR])
    _complete(application, commune_editor)
    client.force_login(auditor)
    page = client.get(f"/en/applications/{application.pk}/").content.decode()
    assert "Rénovation de la salle omnisports" in page and 'id="application-form"' not in page
    assert _autosave(client, application, {"project_title": "X"}).status_code == 403


def test_the_form_include_renders_read_only_for_a_preview(application, commune_editor):
    """The staff preview renders the same include with readonly: nothing can be typed, sent or removed."""
    application_save(actor=commune_editor, application_id=application.pk, base_version=1, answers=sample_answers())
    document = document_add(
        actor=commune_editor, application_id=application.pk, document_code="council_resolution", upload=small_pdf()
    )
    application.refresh_from_db()
    with translation.override("nl"):
        sections = form_sections(
            application.call_version.form_schema,
            application.answers,
            documents={"council_resolution": document},
        )
        html = render_to_string("grants/_form.html", {"sections": sections, "readonly": True})
    assert "Titel van het project" in html and 'value="Rénovation de la salle omnisports"' in html
    assert 'value="900000,00"' in html and 'value="1000000,00"' in html
    assert html.count("<input") + html.count("<select") + html.count("<textarea") == html.count(" disabled")
    assert "remove_line" not in html and "add_line" not in html and "-present" not in html
    assert f'href="/nl/documents/{document.pk}/"' in html
    assert [section["key"] for section in sections] == ["project", "criteria", "budget"]
    explanation = next(f for f in sections[1]["fields"] if f["key"] == "supralocal_explanation")
    assert explanation["visible"] is False and explanation["show_if"] == {"field": "supralocal", "equals": True}
