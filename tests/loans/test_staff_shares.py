"""The share table of a programme: import of an .xlsx, all or nothing with every problem listed, and each commune's
cap, what it holds and what is left."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from finance.models import Commitment, Envelope
from loans.models import DecisionOutcome, LoanApplication, LoanDecision, ShareRow, ShareTable
from tests.loans.journey import PDF

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:loans:products:{name}", args=args)


def xlsx(rows: list[tuple], name: str = "dgc-2025.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(("Commune", "Part (%)"))
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


def post(client, product, upload, label: str = "DGC 2025"):
    return client.post(url("shares_import", product.pk), {"label": label, "file": upload})


def test_an_analyst_imports_the_table_and_reads_each_communes_capacity(
    staff_client, loan_analyst, sports_product, commune, other_commune
):
    client = staff_client(loan_analyst)
    product = sports_product.product
    response = post(client, product, xlsx([("Commune d'Anderlecht", 12.5), ("Gemeente Schaarbeek", "87,5")]))
    assert response.status_code == 302 and response["Location"] == url("shares", product.pk)
    table = ShareTable.objects.get(product=product)
    assert table.label == "DGC 2025" and table.source_name == "dgc-2025.xlsx" and table.imported_by == loan_analyst
    assert dict(table.rows.values_list("organisation__code", "share")) == {
        "commune-anderlecht": Decimal("12.500000"),
        "commune-schaerbeek": Decimal("87.500000"),
    }
    page = client.get(response["Location"]).content.decode()
    # 50 M EUR x 12.5 % = 6,250,000.00; nothing held yet.
    assert "6.250.000,00 EUR" in page and "43.750.000,00 EUR" in page
    assert "DGC 2025" in page


def held(product_version, organisation, amount: str, by) -> None:
    """A loan granted to the commune under the programme, as the Government's decision records it."""
    application = LoanApplication.objects.create(
        product_version=product_version, organisation=organisation, created_by=by, reference="FRBRTC-2026-SPORT-0001"
    )
    commitment = Commitment.objects.create(
        envelope=Envelope.objects.get(code="loan-sport2021"),
        beneficiary=organisation,
        amount=Decimal(amount),
        reference="FRBRTC-2026-SPORT-0001",
        idempotency_key="test-held",
    )
    LoanDecision.objects.create(
        application=application,
        outcome=DecisionOutcome.APPROVED,
        decree_reference="AGRBC 2026/1",
        decree_date=timezone.localdate(),
        approved_total=Decimal(amount),
        commitment=commitment,
        recorded_by=by,
    )


def test_what_a_commune_holds_is_taken_off_its_cap(
    staff_client, auditor, loan_analyst, sports_product, shares, commune
):
    held(sports_product, commune, "1200000.00", loan_analyst)
    page = staff_client(auditor).get(url("shares", sports_product.product_id)).content.decode()
    # Anderlecht: 10 % of 50 M = 5,000,000.00 cap, 1,200,000.00 held, 3,800,000.00 left.
    assert "5.000.000,00 EUR" in page and "1.200.000,00 EUR" in page and "3.800.000,00 EUR" in page
    assert "Import a share table" not in page  # an auditor reads, does not import


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        (
            [("Commune d'Anderlecht", 10), ("Commune de Schaerbeek", 80)],
            ["The shares add up to 90 %, not 100 %."],
        ),
        (
            [("Commune d'Anderlecht", 10), ("Commune de Schaerbeek", 85), ("Atlantis", 5)],
            ["Row 4: Atlantis is not a commune we know."],
        ),
        ([("Commune d'Anderlecht", 100)], ["Communes missing from the table: Commune de Schaerbeek."]),
        (
            [("Commune d'Anderlecht", "dix"), ("Commune de Schaerbeek", 90)],
            ["Row 2: the share must be a percentage between 0 and 100."],
        ),
    ],
)
def test_a_wrong_table_is_refused_whole_with_its_problems(
    staff_client, loan_analyst, sports_product, commune, other_commune, rows, problems
):
    response = post(staff_client(loan_analyst), sports_product.product, xlsx(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The share table was not imported: nothing was changed." in page
    for problem in problems:
        assert problem in page
    assert not ShareTable.objects.exists() and not ShareRow.objects.exists()


@pytest.mark.parametrize(
    ("upload", "shown"),
    [
        (SimpleUploadedFile("dgc.pdf", PDF), "Send the share table as an Excel file (.xlsx)."),
        (SimpleUploadedFile("dgc.xlsx", b"commune;share\nAnderlecht;10\n"), "The content of this file does not match"),
        (SimpleUploadedFile("dgc.csv", b"commune;share\nAnderlecht;10\n"), "Files of this kind are not accepted."),
    ],
)
def test_a_file_that_is_not_an_xlsx_is_refused(staff_client, loan_analyst, sports_product, commune, upload, shown):
    response = post(staff_client(loan_analyst), sports_product.product, upload)
    assert response.status_code == 400
    assert shown in response.content.decode()
    assert not ShareTable.objects.exists()


def test_a_new_table_replaces_the_old_one_and_a_reader_cannot_import(
    staff_client, loan_analyst, finance_officer, sports_product, shares, commune, other_commune
):
    product = sports_product.product
    upload = xlsx([("commune-anderlecht", 20), ("commune-schaerbeek", 80)])
    assert post(staff_client(finance_officer), product, upload).status_code == 403
    assert ShareTable.objects.count() == 1
    client = staff_client(loan_analyst)
    assert post(client, product, xlsx([("commune-anderlecht", 20), ("commune-schaerbeek", 80)])).status_code == 302
    page = client.get(url("shares", product.pk)).content.decode()
    assert "10.000.000,00 EUR" in page  # 20 % of 50 M
    assert "Earlier tables" in page and "DGC test" in page
