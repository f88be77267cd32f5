"""After the Government's decision, on the application's page: the decision, the convention to download, the signed
copy a signatory sends (a PDF and the date of signature), the reason when an analyst refused an earlier copy, and the
link to the loan once it is active.

Messages are checked on /en/ pages (English is the source text, so these assertions hold once the catalogues are
translated)."""

import datetime as dt
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from loans.models import LoanConvention
from loans.services.convention import convention_review
from loans.services.decision import loan_decision_record
from tests.loans import journey
from tests.loans.fixtures import publish_sports_product

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def opinion_given(loan_process, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks):
    version = publish_sports_product(code="conv", uses_borrowing_capacity=False)
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(version, commune, commune_editor, signatory)
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    application.refresh_from_db()
    return application


@pytest.fixture
def approved(opinion_given, loan_analyst, django_capture_on_commit_callbacks):
    """Granted 1.000.000,00 EUR by decree AGRBC 2026/123; the convention is made after the commit."""
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(opinion_given, loan_analyst)
    assert opinion_given.convention.document
    return opinion_given


def signed_copy(client, application, *, file=None, signed_on: str | None = None):
    data = {"signed_on": timezone.localdate().isoformat() if signed_on is None else signed_on}
    if file is not False:
        data["file"] = file or journey.pdf("convention signée.pdf")
    return client.post(f"/en/loan-applications/{application.pk}/signed-convention/", data)


def test_the_granted_loan_shows_the_decision_and_the_convention_to_download(client, approved, signatory):
    client.force_login(signatory)
    content = page(client.get(f"/en/loan-applications/{approved.pk}/"))
    assert "Decision of the Government" in content and "Loan granted" in content
    assert f"AGRBC 2026/123 of {timezone.localdate():%d/%m/%Y}" in content
    assert "data-approved-total>1.000.000,00 EUR" in content
    assert f'href="/en/loan-applications/{approved.pk}/convention/generated/"' in content
    assert f'action="/en/loan-applications/{approved.pk}/signed-convention/"' in content
    download = client.get(f"/en/loan-applications/{approved.pk}/convention/generated/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_signatory_sends_the_signed_convention_with_its_date(client, approved, signatory):
    client.force_login(signatory)
    signed_on = timezone.localdate() - dt.timedelta(days=2)
    response = signed_copy(client, approved, signed_on=signed_on.strftime("%d/%m/%Y"))  # as people type it
    assert response.status_code == 302 and response["Location"].endswith("#convention")
    convention = LoanConvention.objects.get()
    assert convention.signed_document and convention.signed_on == signed_on
    assert convention.signed_uploaded_by == signatory and convention.signed_name == "convention-signee.pdf"
    content = page(client.get(response["Location"]))
    assert "The signed convention was sent." in content
    assert f"signed on {signed_on:%d/%m/%Y}" in content and "Brussels Local Authorities are checking it." in content
    assert f'href="/en/loan-applications/{approved.pk}/convention/signed/"' in content
    download = client.get(f"/en/loan-applications/{approved.pk}/convention/signed/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == journey.PDF


@pytest.mark.parametrize(
    ("file", "signed_on", "message"),
    [
        (SimpleUploadedFile("scan.png", PNG), None, "Send the signed convention as a PDF."),
        (SimpleUploadedFile("scan.pdf", b"not a pdf"), None, "The content of this file does not match its name"),
        (SimpleUploadedFile("scan.pdf", b""), None, "This file is empty."),
        (None, (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "not in the future"),
        (None, "", "Give the date of signature (not in the future)."),
        (None, "31/02/2026", "Give the date of signature (not in the future)."),
        (False, None, "Choose a file to send."),
    ],
)
def test_a_signed_copy_that_is_not_a_pdf_or_wrongly_dated_is_refused_and_nothing_is_stored(
    client, approved, signatory, file, signed_on, message
):
    client.force_login(signatory)
    response = signed_copy(client, approved, file=file, signed_on=signed_on)
    assert response.status_code == 400
    content = page(response)
    assert message in content
    assert 'id="convention-error"' in content and 'aria-invalid="true"' in content
    if signed_on:
        assert f'value="{signed_on}"' in content  # the date typed stays
    convention = LoanConvention.objects.get()
    assert not convention.signed_document and convention.signed_on is None


def test_an_editor_sees_who_signs_and_is_refused(client, approved, commune_editor, signatory):
    client.force_login(commune_editor)
    content = page(client.get(f"/en/loan-applications/{approved.pk}/"))
    assert "Only a signatory of the borrower sends the signed convention." in content
    assert f"Who can sign: {escape(signatory.get_full_name())}." in content
    assert 'name="signed_on"' not in content
    response = signed_copy(client, approved)
    assert response.status_code == 403
    assert "Only a signatory of the organisation can do this: ask one to sign." in page(response)
    assert not LoanConvention.objects.get().signed_document


def test_the_reason_of_a_refused_copy_is_shown_and_a_new_copy_can_be_sent(client, approved, signatory, loan_analyst):
    client.force_login(signatory)
    signed_copy(client, approved)
    convention_review(actor=loan_analyst, application_id=approved.pk, accept=False, reason="Signature manquante p. 3.")
    content = page(client.get(f"/en/loan-applications/{approved.pk}/"))
    assert "Your previous signed copy was refused" in content and "Signature manquante p. 3." in content
    assert 'name="signed_on"' in content
    assert signed_copy(client, approved).status_code == 302
    convention = LoanConvention.objects.get()
    assert convention.signed_document and convention.refusal_reason == ""


def test_once_accepted_the_application_links_to_the_active_loan(client, approved, signatory, loan_analyst):
    client.force_login(signatory)
    signed_copy(client, approved)
    loan = convention_review(actor=loan_analyst, application_id=approved.pk, accept=True)
    content = page(client.get(f"/en/loan-applications/{approved.pk}/"))
    assert "Convention signed" in content and f'href="/en/loans/{loan.pk}/"' in content
    assert "The signed convention was accepted on" in content and 'name="signed_on"' not in content
    again = signed_copy(client, approved)
    assert again.status_code == 409 and "There is no convention waiting for its signature." in page(again)


def test_a_refused_loan_shows_the_reason(client, opinion_given, signatory, loan_analyst):
    loan_decision_record(
        actor=loan_analyst,
        application_id=opinion_given.pk,
        outcome="rejected",
        decree_reference="AGRBC 2026/124",
        decree_date=timezone.localdate(),
        reason="Enveloppe épuisée.",
    )
    client.force_login(signatory)
    content = page(client.get(f"/en/loan-applications/{opinion_given.pk}/"))
    assert "Loan refused" in content and "Enveloppe épuisée." in content
    assert 'id="convention"' not in content


def test_another_communes_editor_gets_404_on_the_convention(client, approved, signatory, other_commune_editor):
    client.force_login(signatory)
    signed_copy(client, approved)
    client.force_login(other_commune_editor)
    for kind in ("generated", "signed"):
        assert client.get(f"/en/loan-applications/{approved.pk}/convention/{kind}/").status_code == 404
    assert signed_copy(client, approved).status_code == 404
