import io

import pytest
from pypdf import PdfReader

from core.pdf import render_pdf
from tests.factories import BankAccountFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "name", "label"),
    [("fr", "Commune d'Anderlecht", "Langue de correspondance"), ("nl", "Gemeente Anderlecht", "Correspondentietaal")],
)
def test_a_pdf_is_rendered_in_the_requested_language_and_reads_back(commune, language, name, label):
    BankAccountFactory(organisation=commune, iban="BE10091012345604")
    pdf = render_pdf("documents/organisation_sheet.html", {"organisation": commune}, language=language)
    assert pdf.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert name in text
    assert label in text
    assert "BE10 0910 1234 5604" in text
