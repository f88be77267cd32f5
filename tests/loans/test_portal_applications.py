"""Preparing a loan application on the portal: purpose and projects (saved with the version counter), documents per
project and per application, the missing items, submission by a signatory, and the read-only record afterwards.

Messages are checked on /en/ pages (English is the source text, so these assertions hold once the catalogues are
translated); the product's texts are data and checked in French or Dutch."""

import re
from decimal import Decimal
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import MembershipRole
from loans.forms_portal import amount_text
from loans.models import LoanApplication, LoanDocument, LoanProject, LoanSnapshot
from loans.services.applications import loan_application_create, loan_application_save, loan_document_add
from loans.services.eligibility import loan_eligibility_decide
from tests.factories import MembershipFactory
from tests.loans import journey

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def project(**overrides) -> dict:
    return {
        "title": "Rénovation de la piscine",
        "description": "Travaux",
        "cost": "1.200.000,00",
        "requested_amount": "1.000.000,00",
        "depreciation_years": "25",
        "budget_reference": "764/723-60",
        **overrides,
    }


def form_data(application, projects: list[dict], *, purpose: str = "Infrastructures sportives", **extra) -> dict:
    """What the page's form sends: the purpose, the version it was read at, the project rows of the formset."""
    data = {
        "purpose": purpose,
        "version": application.version,
        "projects-TOTAL_FORMS": len(projects),
        "projects-INITIAL_FORMS": 0,
        "projects-MIN_NUM_FORMS": 0,
        "projects-MAX_NUM_FORMS": 20,
    }
    for index, row in enumerate(projects):
        data.update({f"projects-{index}-{name}": value for name, value in row.items()})
    return {**data, **extra}


def url(application, suffix: str = "", language: str = "en") -> str:
    return f"/{language}/loan-applications/{application.pk}/{suffix}"


@pytest.fixture
def application(sports_product, commune, commune_editor):
    return loan_application_create(actor=commune_editor, version_id=sports_product.pk, organisation_id=commune.pk)


@pytest.fixture
def saved(application, commune_editor):
    """The application with its purpose and one project saved (version 2)."""
    journey_project = journey.project()
    loan_application_save(
        actor=commune_editor,
        application_id=application.pk,
        base_version=1,
        purpose="Infrastructures sportives",
        projects=[journey_project],
    )
    application.refresh_from_db()
    return application


def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, journey.PDF, content_type="application/pdf")


# --- the form and saving it ----------------------------------------------------------------------------------------


def test_the_form_shows_the_purpose_and_one_project_row_to_fill_in_dutch(client, application, commune_editor):
    client.force_login(commune_editor)
    content = page(client.get(url(application, language="nl")))
    assert "Leningen voor gemeentelijke sportinfrastructuur 2022-2025" in content
    assert 'name="purpose"' in content and 'name="projects-0-title"' in content
    assert 'name="projects-1-title"' not in content
    assert 'name="version" value="1"' in content
    assert "Ministerieel formulier van de projecten" in content  # the documents, in Dutch


def test_saving_stores_the_purpose_and_the_projects_with_amounts_typed_the_belgian_way(
    client, application, commune_editor
):
    client.force_login(commune_editor)
    rows = [project(cost="1.234.567,89"), project(title="Vestiaires", cost="250000.50", requested_amount="200000")]
    response = client.post(url(application), form_data(application, rows))
    assert response.status_code == 302 and response["Location"].endswith("#projects")
    application.refresh_from_db()
    assert application.version == 2 and application.purpose == "Infrastructures sportives"
    pool, changing_rooms = application.projects.order_by("position")
    assert pool.cost == Decimal("1234567.89") and pool.requested_amount == Decimal("1000000.00")
    assert pool.depreciation_years == 25 and pool.budget_reference == "764/723-60"
    assert changing_rooms.cost == Decimal("250000.50") and changing_rooms.requested_amount == Decimal("200000.00")
    content = page(client.get(response["Location"]))
    assert "The loan application was saved." in content
    assert 'value="1.234.567,89"' in content  # shown as people write it, read back the same way
    assert f'name="projects-0-id" value="{pool.pk}"' in content
    assert 'name="version" value="2"' in content


def test_saving_again_updates_a_project_in_place(client, saved, commune_editor):
    client.force_login(commune_editor)
    existing = saved.projects.get()
    response = client.post(url(saved), form_data(saved, [project(id=existing.pk, title="Piscine olympique")]))
    assert response.status_code == 302
    assert LoanProject.objects.get().pk == existing.pk
    assert LoanProject.objects.get().title == "Piscine olympique"


def test_adding_a_project_row_works_without_javascript_and_saves_nothing_yet(client, application, commune_editor):
    client.force_login(commune_editor)
    response = client.post(url(application), form_data(application, [project()], add_project="1"))
    assert response.status_code == 200
    content = page(response)
    assert 'name="projects-1-title"' in content and 'name="projects-2-title"' not in content
    assert 'value="Rénovation de la piscine"' in content and "Infrastructures sportives</textarea>" in content
    assert 'id="id_projects-1-title" value="" maxlength="200" aria-describedby' in content
    assert "autofocus" in content  # on the new row's first field
    assert "Not saved yet: press Save to keep your changes." in content
    application.refresh_from_db()
    assert application.version == 1 and not application.projects.exists()


def test_removing_a_project_row_and_saving_removes_it_with_its_documents(client, saved, commune_editor):
    client.force_login(commune_editor)
    pool = saved.projects.get()
    loan_application_save(
        actor=commune_editor,
        application_id=saved.pk,
        base_version=2,
        purpose=saved.purpose,
        projects=[{**journey.project(), "id": pool.pk}, journey.project(title="Vestiaires")],
    )
    loan_document_add(
        actor=commune_editor,
        application_id=saved.pk,
        document_code="council_resolution",
        project_id=pool.pk,
        upload=pdf(),
    )
    saved.refresh_from_db()
    rooms = saved.projects.get(title="Vestiaires")
    rows = [project(id=pool.pk), project(id=rooms.pk, title="Vestiaires")]
    response = client.post(url(saved), form_data(saved, rows, remove_project="0"))
    content = page(response)
    assert response.status_code == 200 and 'name="projects-1-title"' not in content
    assert f'value="{rooms.pk}"' in content and f'name="projects-0-id" value="{pool.pk}"' not in content
    assert saved.projects.count() == 2  # not saved yet
    response = client.post(url(saved), form_data(saved, [project(id=rooms.pk, title="Vestiaires")]))
    assert response.status_code == 302
    assert list(saved.projects.values_list("title", flat=True)) == ["Vestiaires"]
    assert LoanDocument.objects.get().removed_at is not None


BAD_INPUTS = [
    ({"purpose": ""}, "purpose", "Describe the purpose of the loan."),
    ({"cost": "0"}, "projects-0-cost", "The cost must be an amount above zero."),
    ({"cost": "-5.000,00"}, "projects-0-cost", "The cost must be an amount above zero."),
    ({"cost": "douze mille"}, "projects-0-cost", "The cost must be an amount above zero."),
    (
        {"cost": "1.000,00", "requested_amount": "1.500,00"},
        "projects-0-requested_amount",
        "The loan can finance at most 100 % of the cost: 1.000,00 EUR.",
    ),
    ({"requested_amount": "0"}, "projects-0-requested_amount", "The loan requested must be an amount above zero."),
    ({"depreciation_years": "19"}, "projects-0-depreciation_years", "The asset must be depreciated over at least 20"),
    ({"depreciation_years": "vingt"}, "projects-0-depreciation_years", "The asset must be depreciated over at least"),
    ({"title": ""}, "projects-0-title", "Name the project."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUTS)
def test_a_bad_input_is_refused_with_its_message_and_nothing_is_stored(
    client, saved, commune_editor, change, field, message
):
    client.force_login(commune_editor)
    existing = saved.projects.get()
    purpose = change.pop("purpose", "Infrastructures sportives")
    response = client.post(url(saved), form_data(saved, [project(id=existing.pk, **change)], purpose=purpose))
    assert response.status_code == 400
    content = page(response)
    assert escape(message) in content
    assert 'id="error-summary"' in content
    assert f'href="#id_{field}"' in content  # the summary links to the field, marked invalid
    assert re.search(rf'id="id_{field}"[^>]*aria-invalid="true"', content)
    if field != "purpose":
        assert "Some projects are not valid: nothing was saved." in content
    assert 'value="Rénovation de la piscine"' in content or 'value=""' in content  # what was typed stays
    saved.refresh_from_db()
    assert saved.version == 2 and saved.purpose == "Infrastructures sportives"
    assert saved.projects.get().cost == Decimal("1200000.00")


def test_an_application_without_any_project_is_refused(client, application, commune_editor):
    client.force_login(commune_editor)
    empty_row = dict.fromkeys(project(), "")
    response = client.post(url(application), form_data(application, [empty_row]))
    assert response.status_code == 400
    assert "Add at least one project." in page(response)
    application.refresh_from_db()
    assert application.version == 1 and application.purpose == ""


def test_a_second_editor_saving_from_an_older_version_gets_the_conflict_and_keeps_what_they_typed(
    client, saved, commune_editor
):
    client.force_login(commune_editor)
    pool = saved.projects.get()
    stale = form_data(saved, [project(id=pool.pk, title="Ma piscine")], version=1)
    response = client.post(url(saved), stale)
    assert response.status_code == 409
    content = page(response)
    assert "Someone else saved this application in the meantime: reload it to see their changes." in content
    assert 'value="Ma piscine"' in content
    assert 'name="overwrite_version" value="2"' in content
    saved.refresh_from_db()
    assert saved.version == 2 and saved.projects.get().title == "Rénovation de la piscine"
    # Having seen the conflict, the person saves theirs over it deliberately.
    response = client.post(url(saved), {**stale, "overwrite_version": "2"})
    assert response.status_code == 302
    assert saved.projects.get().title == "Ma piscine"


def test_a_viewer_sees_the_application_but_may_not_change_it(client, saved, commune):
    viewer = MembershipFactory(organisation=commune, role=MembershipRole.VIEWER).user
    client.force_login(viewer)
    content = page(client.get(url(saved)))
    assert "Rénovation de la piscine" in content and 'id="application-form"' not in content
    response = client.post(url(saved), form_data(saved, [project(title="Autre")]))
    assert response.status_code == 403
    assert "Only an editor or a signatory of the organisation changes its loan applications." in page(response)
    assert saved.projects.get().title == "Rénovation de la piscine"


# --- documents -----------------------------------------------------------------------------------------------------


def upload(client, application, code: str, file, project_id=None):
    data = {"document_code": code, "file": file}
    if project_id:
        data["project"] = project_id
    return client.post(url(application, "documents/"), data)


def test_documents_are_sent_for_the_application_and_for_each_project(client, saved, commune_editor):
    client.force_login(commune_editor)
    pool = saved.projects.get()
    response = upload(client, saved, "ministerial_form", pdf("Formulaire ministériel.pdf"))
    assert response.status_code == 302 and response["Location"].endswith("#document-ministerial_form")
    response = upload(client, saved, "council_resolution", pdf("deliberation.pdf"), pool.pk)
    assert response.status_code == 302 and response["Location"].endswith(f"#document-council_resolution-{pool.pk}")
    whole, resolution = LoanDocument.objects.order_by("id")
    assert whole.project is None and whole.original_name == "Formulaire-ministeriel.pdf"
    assert resolution.project == pool
    content = page(client.get(url(saved)))
    assert f'href="/en/loan-documents/{whole.pk}/"' in content
    assert f'action="/en/loan-documents/{resolution.pk}/remove/"' in content
    assert "For the project “Rénovation de la piscine”" in content
    download = client.get(f"/en/loan-documents/{whole.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == journey.PDF


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("notes.txt", b"hello"), "Files of this kind are not accepted."),
        (SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 program"), "This file is a program, not a document"),
        (SimpleUploadedFile("fake.pdf", b"just some text"), "The content of this file does not match its name"),
        (SimpleUploadedFile("empty.pdf", b""), "This file is empty."),
    ],
)
def test_a_wrong_or_empty_file_is_refused_on_its_row_and_nothing_is_stored(
    client, saved, commune_editor, file, message
):
    client.force_login(commune_editor)
    response = upload(client, saved, "ministerial_form", file)
    assert response.status_code == 400
    content = page(response)
    assert message in content
    assert 'class="document document--error" id="document-ministerial_form"' in content
    assert not LoanDocument.objects.exists()


def test_a_document_asked_per_project_needs_its_project_and_a_file_is_needed(client, saved, commune_editor):
    client.force_login(commune_editor)
    response = upload(client, saved, "council_resolution", pdf())
    assert response.status_code == 400 and "Choose the project this document is for." in page(response)
    response = client.post(url(saved, "documents/"), {"document_code": "ministerial_form"})
    assert response.status_code == 400 and "Choose a file to send." in page(response)
    response = upload(client, saved, "unknown", pdf())
    assert response.status_code == 400 and "This loan does not ask for this document." in page(response)
    assert not LoanDocument.objects.exists()


def test_a_document_is_removed(client, saved, commune_editor):
    client.force_login(commune_editor)
    upload(client, saved, "ministerial_form", pdf())
    document = LoanDocument.objects.get()
    response = client.post(f"/en/loan-documents/{document.pk}/remove/")
    assert response.status_code == 302 and response["Location"].endswith("#documents")
    document.refresh_from_db()
    assert document.removed_at is not None
    assert "Document missing: Formulaire ministériel des projets" in page(client.get(url(saved)))


# --- submitting ----------------------------------------------------------------------------------------------------


def test_an_editor_sees_what_is_missing_and_who_can_submit_and_is_refused(client, saved, commune_editor, signatory):
    client.force_login(commune_editor)
    content = page(client.get(url(saved)))
    assert "Document missing: Formulaire ministériel des projets" in content
    assert "Document missing for Rénovation de la piscine: Délibération du conseil communal" in content
    assert "Only a signatory of the borrower submits the application." in content
    assert f"Who can submit: {escape(signatory.get_full_name())}." in content
    assert 'action="/en/loan-applications/' not in content.split('id="submit"')[1]  # no submit button for them
    response = client.post(url(saved, "submit/"))
    assert response.status_code == 403
    assert "Only a signatory of the organisation can do this: ask one to sign." in page(response)
    saved.refresh_from_db()
    assert saved.status == "draft" and not LoanSnapshot.objects.exists()


def test_an_incomplete_application_is_not_submitted_and_the_missing_items_are_listed(client, saved, signatory):
    client.force_login(signatory)
    response = client.post(url(saved, "submit/"))
    assert response.status_code == 400
    content = page(response)
    assert "The loan application is not complete yet." in content
    assert "Document missing: Formulaire ministériel des projets" in content
    assert "Document missing for Rénovation de la piscine: Bewijs" not in content  # English page, French data
    saved.refresh_from_db()
    assert saved.status == "draft" and saved.reference == "" and not LoanSnapshot.objects.exists()


def test_a_borrower_over_its_borrowing_capacity_cannot_submit(
    client, sports_product, shares, commune, commune_editor, signatory
):
    big = journey.project(cost="7000000.00", requested="6000000.00")
    application = journey.draft(sports_product, commune, commune_editor, projects=[big])
    client.force_login(signatory)
    content = page(client.get(url(application)))
    assert "exceed the borrowing capacity left to Commune d&#x27;Anderlecht" in content
    response = client.post(url(application, "submit/"))
    assert response.status_code == 400
    assert (
        "The loans asked (6.000.000,00 EUR) exceed the borrowing capacity left to Commune d&#x27;Anderlecht under "
        "this programme (5.000.000,00 EUR of 5.000.000,00 EUR)." in page(response)
    )
    application.refresh_from_db()
    assert application.status == "draft" and not LoanSnapshot.objects.exists()


def test_a_signatory_submits_and_the_page_becomes_the_record_with_its_receipt(
    client, sports_product, shares, commune, commune_editor, signatory, django_capture_on_commit_callbacks
):
    application = journey.draft(sports_product, commune, commune_editor)
    client.force_login(signatory)
    assert "The application is complete." in page(client.get(url(application)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(application, "submit/"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted" and application.reference.startswith("FRBRTC-")
    content = page(client.get(url(application)))
    assert f"Your loan application was submitted. Its reference is {application.reference}" in content
    assert 'id="application-form"' not in content and "Submitted" in content
    snapshot = application.snapshots.get()
    assert f'href="/en/loan-submissions/{snapshot.pk}/receipt/"' in content
    receipt = client.get(f"/en/loan-submissions/{snapshot.pk}/receipt/")
    assert receipt.status_code == 200 and b"".join(receipt.streaming_content).startswith(b"%PDF")
    # A second click finds it submitted already: nothing more happens.
    again = client.post(url(application, "submit/"))
    assert again.status_code == 409 and "This loan application was submitted already." in page(again)
    assert application.snapshots.count() == 1
    # Nor can it be changed any more.
    response = client.post(url(application), form_data(application, [project(title="Autre")]))
    assert response.status_code == 409
    assert application.projects.get().title == "Rénovation de la piscine"


def test_a_question_from_the_analyst_is_shown_and_the_application_is_changed_and_submitted_again(
    client, sports_product, shares, commune, commune_editor, signatory, loan_analyst
):
    application = journey.submitted(sports_product, commune, commune_editor, signatory)
    criteria = journey.checklist_met(sports_product)
    loan_eligibility_decide(
        actor=loan_analyst,
        application_id=application.pk,
        outcome="info_requested",
        criteria=criteria,
        question="Joignez le devis de l'entrepreneur.",
    )
    client.force_login(commune_editor)
    content = page(client.get(url(application)))
    assert "Question from Brussels Local Authorities" in content
    assert "Joignez le devis de l&#x27;entrepreneur." in content
    assert 'id="application-form"' in content and "Submitting again" in content
    pool = application.projects.get()
    application.refresh_from_db()
    response = client.post(url(application), form_data(application, [project(id=pool.pk, cost="1.300.000,00")]))
    assert response.status_code == 302
    client.force_login(signatory)
    assert client.post(url(application, "submit/")).status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted" and application.snapshots.count() == 2
    assert application.projects.get().cost == Decimal("1300000.00")


# --- the list, and what others may not see -------------------------------------------------------------------------


def test_my_loan_applications_list_costs_the_same_queries_for_3_or_30_applications(
    client, sports_product, commune, commune_editor, other_commune, django_assert_max_num_queries
):
    def add(count: int) -> None:
        for _ in range(count):
            LoanApplication.objects.create(
                product_version=sports_product, organisation=commune, created_by=commune_editor
            )

    LoanApplication.objects.create(
        product_version=sports_product, organisation=other_commune, created_by=commune_editor
    )
    client.force_login(commune_editor)
    add(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/fr/loan-applications/").status_code == 200
    add(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        content = page(client.get("/fr/loan-applications/"))
    assert content.count('<a href="/fr/loan-applications/') - content.count('<a href="/fr/loan-applications/"') == 30
    assert "Prêts pour les infrastructures sportives communales 2022-2025" in content


def test_the_list_shows_the_total_requested(client, saved, commune_editor):
    client.force_login(commune_editor)
    content = page(client.get("/en/loan-applications/"))
    assert "1.000.000,00 EUR" in content and "Draft" in content and "Commune d&#x27;Anderlecht" in content


def test_another_communes_editor_gets_404_on_the_application_and_its_files(
    client,
    sports_product,
    shares,
    commune,
    commune_editor,
    signatory,
    other_commune_editor,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(sports_product, commune, commune_editor, signatory)
    document = application.documents.first()
    snapshot = application.snapshots.get()
    client.force_login(other_commune_editor)
    for address in (
        url(application),
        f"/en/loan-documents/{document.pk}/",
        f"/en/loan-submissions/{snapshot.pk}/receipt/",
        f"/en/loan-applications/{application.pk}/convention/generated/",
    ):
        assert client.get(address).status_code == 404, address
    for address in (
        url(application),
        url(application, "documents/"),
        url(application, "submit/"),
        url(application, "signed-convention/"),
        f"/en/loan-documents/{document.pk}/remove/",
    ):
        assert client.post(address).status_code == 404, address
    assert "Rénovation" not in page(client.get("/en/loan-applications/"))
    document.refresh_from_db()
    assert document.removed_at is None


def test_the_pages_need_a_sign_in(client, application):
    response = client.get(url(application))
    assert response.status_code == 302 and response["Location"].startswith("/en/login/")


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("1.234.567,89", "1234567.89"),
        ("1234567.89", "1234567.89"),
        ("1234567,89", "1234567.89"),
        ("1 234 567,89 EUR", "1234567.89"),
        ("1.500", "1500"),
        ("1.234.567", "1234567"),
        ("douze", "douze"),  # left for the service to refuse in its own words
    ],
)
def test_amounts_are_read_the_belgian_way_and_the_plain_way(typed, sent):
    assert amount_text(typed) == sent


def test_a_form_without_its_rows_count_is_refused_and_nothing_is_stored(client, saved, commune_editor):
    client.force_login(commune_editor)
    response = client.post(url(saved), {"purpose": "Autre", "version": saved.version, "projects-0-title": "X"})
    assert response.status_code == 400
    assert "The data sent could not be read: reload the page." in page(response)
    saved.refresh_from_db()
    assert saved.purpose == "Infrastructures sportives" and saved.version == 2


def test_an_unknown_application_or_document_is_not_found(client, commune_editor):
    client.force_login(commune_editor)
    assert client.get("/en/loan-applications/999999/").status_code == 404
    assert client.post("/en/loan-documents/999999/remove/").status_code == 404
