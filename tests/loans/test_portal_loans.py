"""The borrower's loans on the portal: the list, a loan's page (terms, balances from the ledger, the schedule in force,
the instalments with their structured communication and what each still owes, due notices, drawdowns with their
invoices, repayments), and the drawdown request a signatory sends with its invoices.

Messages are checked on /en/ pages (English is the source text, so these assertions hold once the catalogues are
translated)."""

from decimal import Decimal
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.money import format_eur
from core.ogm import ogm_display
from finance.models import Commitment
from loans.ledger import balances, owed_by_installment
from loans.models import Drawdown, DrawdownInvoice, Loan, LoanApplication
from loans.services.ledger import installments_fall_due
from loans.services.notices import due_notice_send
from loans.services.repayments import repayment_record
from loans.services.schedules import current_schedule
from tests.loans import journey
from tests.loans.fixtures import days_ago, publish_sports_product

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def loan(
    loan_process, commune, commune_editor, signatory, loan_analyst, finance_officer, django_capture_on_commit_callbacks
):
    """1.000.000,00 EUR granted; 600.000,00 drawn and paid 400 days ago, so the first instalment fell due; 10.000,00
    paid on it with its structured communication; its due notice sent."""
    version = publish_sports_product(code="page", uses_borrowing_capacity=False)
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(version, commune, commune_editor, signatory)
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)
    loan = journey.active_loan(application, signatory, loan_analyst)
    journey.drawdown_paid(loan, signatory, loan_analyst, finance_officer, amount="600000.00", paid_on=days_ago(400))
    loan.refresh_from_db()
    first = loan.installments.get(n=1)
    installments_fall_due(loan, up_to=first.due_date)
    repayment_record(
        actor=finance_officer,
        loan_id=loan.pk,
        amount="10000.00",
        value_date=first.due_date,
        communication=first.structured_communication,
        key="portal-test-1",
    )
    due_notice_send(installment_id=first.pk)
    return loan


def loan_url(loan, suffix: str = "", language: str = "en") -> str:
    return f"/{language}/loans/{loan.pk}/{suffix}"


# --- the loan's page -----------------------------------------------------------------------------------------------


def test_the_loan_page_shows_terms_balances_and_the_schedule_in_force(client, loan, commune_editor):
    client.force_login(commune_editor)
    content = page(client.get(loan_url(loan)))
    assert f"Loan {loan.reference}" in content
    assert "data-granted>1.000.000,00 EUR" in content and "data-drawn>600.000,00 EUR" in content
    assert f"data-outstanding>{format_eur(balances(loan).principal)}" in content
    for term in ("20 years", "1,5 % per year", "Annual", "Annuity (equal instalments)", "at most 4 drawdowns"):
        assert term in content, term
    lines = list(current_schedule(loan).lines.order_by("n"))
    assert len(lines) == 20
    assert content.count('<tr>\n              <th scope="row">') >= 20
    first = lines[0]
    assert f"{format_eur(first.payment)}</td>" in content and f"{format_eur(first.interest)}</td>" in content
    assert f"{format_eur(lines[-1].outstanding)}</td>" in content  # 0,00 EUR at the end


def test_each_instalment_shows_its_structured_communication_what_it_still_owes_and_its_notice(
    client, loan, commune_editor
):
    client.force_login(commune_editor)
    content = page(client.get(loan_url(loan)))
    first, second = loan.installments.order_by("n")[:2]
    assert ogm_display(first.structured_communication) in content
    assert ogm_display(second.structured_communication) in content
    assert ogm_display(first.structured_communication).startswith("+++") and content.count("+++") >= 40
    (owed,) = owed_by_installment(loan)
    assert owed.total == first.amount - Decimal("10000.00")
    row = content.split('id="installment-1"')[1].split("</tr>")[0]
    assert f"data-owed>{format_eur(owed.total)}" in row
    assert f'href="/en/loan-notices/{first.pk}/"' in row
    assert "not due yet" in content.split('id="installment-2"')[1].split("</tr>")[0]
    notice = client.get(f"/en/loan-notices/{first.pk}/")
    assert notice.status_code == 200 and b"".join(notice.streaming_content).startswith(b"%PDF")


def test_the_drawdowns_with_their_invoices_and_the_repayments_are_listed(client, loan, commune_editor):
    client.force_login(commune_editor)
    content = page(client.get(loan_url(loan)))
    invoice = DrawdownInvoice.objects.get()
    drawdown = content.split('id="drawdown-1"')[1].split("</tr>")[0]
    assert "Paid" in drawdown and "600.000,00 EUR" in drawdown
    assert f'href="/en/loan-invoices/{invoice.pk}/"' in drawdown and "F-600000.00" in drawdown
    download = client.get(f"/en/loan-invoices/{invoice.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == journey.PDF
    repayments = content.split('id="repayments"')[1]
    first = loan.installments.get(n=1)
    assert "10.000,00 EUR" in repayments and ogm_display(first.structured_communication) in repayments


def test_the_loan_page_is_in_dutch_on_dutch_pages(client, loan, commune_editor):
    client.force_login(commune_editor)
    content = page(client.get(loan_url(loan, language="nl")))
    assert "Leningen voor gemeentelijke sportinfrastructuur 2022-2025" in content
    assert '<html lang="nl">' in content


# --- asking for a drawdown -----------------------------------------------------------------------------------------


def drawdown_data(amount: str, invoices: list[tuple], **extra) -> dict:
    """The drawdown form as sent: the amount and the invoice rows (reference, amount, file or None)."""
    data = {"amount": amount, "invoices-TOTAL_FORMS": len(invoices), "invoices-INITIAL_FORMS": 0}
    for index, (reference, amount_typed, file) in enumerate(invoices):
        data[f"invoices-{index}-reference"] = reference
        data[f"invoices-{index}-amount"] = amount_typed
        if file is not None:
            data[f"invoices-{index}-file"] = file
    return {**data, **extra}


def test_a_signatory_asks_for_a_drawdown_with_several_invoices(client, loan, signatory):
    client.force_login(signatory)
    content = page(client.get(loan_url(loan)))
    assert f'action="/en/loans/{loan.pk}/drawdowns/"' in content and "Still to draw: 400.000,00 EUR." in content
    invoices = [
        ("F-2026-101", "100.000,00", journey.pdf("facture 101.pdf")),
        ("F-2026-102", "50000.50", journey.pdf("facture-102.pdf")),
        ("", "", None),  # a row left empty
    ]
    response = client.post(loan_url(loan, "drawdowns/"), drawdown_data("150.000,50", invoices))
    assert response.status_code == 302 and response["Location"].endswith("#drawdowns")
    drawdown = Drawdown.objects.get(number=2)
    assert drawdown.amount == Decimal("150000.50") and drawdown.status == "requested"
    assert drawdown.requested_by == signatory
    assert [(i.invoice_reference, i.invoice_amount) for i in drawdown.invoices.order_by("id")] == [
        ("F-2026-101", Decimal("100000.00")),
        ("F-2026-102", Decimal("50000.50")),
    ]
    content = page(client.get(response["Location"]))
    assert "Drawdown 2 of 150.000,50 EUR was asked for." in content
    assert "Requested" in content.split('id="drawdown-2"')[1].split("</tr>")[0]


def test_an_invoice_row_is_added_without_javascript(client, loan, signatory):
    client.force_login(signatory)
    data = drawdown_data("100,00", [("F-1", "100,00", None), ("", "", None), ("", "", None)], add_invoice="1")
    response = client.post(loan_url(loan, "drawdowns/"), data)
    assert response.status_code == 200
    content = page(response)
    assert 'name="invoices-3-reference"' in content and 'name="invoices-4-reference"' not in content
    assert 'value="F-1"' in content and 'value="100,00"' in content
    assert Drawdown.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "invoices", "message"),
    [
        (
            "500.000,00",
            [("F-1", "500.000,00", "pdf")],
            "500.000,00 EUR is more than what is left to draw (400.000,00 EUR of 1.000.000,00 EUR).",
        ),
        ("100.000,00", [("", "", None), ("", "", None)], "Attach the invoices the drawdown covers."),
        (
            "100.000,00",
            [("F-1", "60.000,00", "pdf"), ("F-2", "20.000,00", "pdf")],
            "The invoices (80.000,00 EUR) do not cover the drawdown asked (100.000,00 EUR).",
        ),
        ("0", [("F-1", "100,00", "pdf")], "Give an amount above zero."),
        ("cent euros", [("F-1", "100,00", "pdf")], "Give an amount above zero."),
        ("100,00", [("", "100,00", "pdf")], "Give the reference of every invoice."),
        ("100,00", [("F-1", "-100,00", "pdf")], "Give an amount above zero."),
        ("100,00", [("F-1", "100,00", None)], "Attach the invoice file."),
        ("100,00", [("F-1", "100,00", "txt")], "Files of this kind are not accepted."),
        ("100,00", [("F-1", "100,00", "empty")], "This file is empty."),
    ],
)
def test_a_wrong_drawdown_request_is_refused_with_its_message_and_nothing_is_stored(
    client, loan, signatory, amount, invoices, message
):
    files = {
        "pdf": lambda: journey.pdf("f.pdf"),
        "txt": lambda: SimpleUploadedFile("f.txt", b"x"),
        "empty": lambda: SimpleUploadedFile("f.pdf", b""),
    }
    rows = [(reference, typed, files[kind]() if kind else None) for reference, typed, kind in invoices]
    client.force_login(signatory)
    response = client.post(loan_url(loan, "drawdowns/"), drawdown_data(amount, rows))
    assert response.status_code == 400
    content = page(response)
    assert escape(message) in content
    assert 'id="error-summary"' in content and 'aria-invalid="true"' in content
    assert f'value="{amount}"' in content  # what was typed stays
    assert Drawdown.objects.count() == 1 and DrawdownInvoice.objects.count() == 1


def test_a_drawdown_after_the_last_drawdown_date_is_refused(client, loan, signatory):
    loan.last_drawdown_date = days_ago(1)
    loan.save(update_fields=["last_drawdown_date"])
    client.force_login(signatory)
    response = client.post(loan_url(loan, "drawdowns/"), drawdown_data("100,00", [("F-1", "100,00", journey.pdf())]))
    assert response.status_code == 400
    assert f"The last drawdown date ({days_ago(1):%d/%m/%Y}) has passed." in page(response)
    assert Drawdown.objects.count() == 1


def test_an_editor_sees_who_may_ask_for_a_drawdown_and_is_refused(client, loan, commune_editor, signatory):
    client.force_login(commune_editor)
    content = page(client.get(loan_url(loan)))
    assert "Only a signatory of the borrower asks for a drawdown." in content
    assert f"Who can ask: {escape(signatory.get_full_name())}." in content
    assert f'action="/en/loans/{loan.pk}/drawdowns/"' not in content
    response = client.post(loan_url(loan, "drawdowns/"), drawdown_data("100,00", [("F-1", "100,00", journey.pdf())]))
    assert response.status_code == 403
    assert "Only a signatory of the organisation can do this: ask one to sign." in page(response)
    assert Drawdown.objects.count() == 1 and DrawdownInvoice.objects.count() == 1


# --- the list, and what others may not see -------------------------------------------------------------------------


def more_loans(loan: Loan, count: int) -> None:
    """Loans of the same borrower straight in the tables: the list's queries must not grow with them."""
    terms = ("rate", "periods", "frequency", "method", "day_count", "due_date_rule", "prepayment_rule")
    terms += ("late_interest_rate", "max_drawdowns", "notice_days")
    start = Loan.objects.count()
    for number in range(start, start + count):
        application = LoanApplication.objects.create(
            product_version=loan.product_version,
            organisation=loan.borrower,
            created_by=loan.application.created_by,
            status="contracted",
        )
        commitment = Commitment.objects.create(
            envelope=loan.commitment.envelope,
            beneficiary=loan.borrower,
            amount=Decimal("1000.00"),
            reference=f"EXTRA-{number}",
            idempotency_key=f"extra-{number}",
        )
        Loan.objects.create(
            application=application,
            borrower=loan.borrower,
            product_version=loan.product_version,
            reference=f"EXTRA-{number:03d}",
            approved_amount=Decimal("1000.00"),
            commitment=commitment,
            **{name: getattr(loan, name) for name in terms},
        )


def test_my_loans_list_shows_what_was_drawn_and_what_is_outstanding(client, loan, commune_editor):
    client.force_login(commune_editor)
    content = page(client.get("/en/loans/"))
    row = content.split(f'href="/en/loans/{loan.pk}/"')[1].split("</tr>")[0]
    assert "1.000.000,00 EUR" in row and "600.000,00 EUR" in row
    assert format_eur(balances(loan).principal) in row


def test_my_loans_list_costs_the_same_queries_for_3_or_30_loans(
    client, loan, commune_editor, django_assert_max_num_queries
):
    more_loans(loan, 2)
    client.force_login(commune_editor)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/fr/loans/").status_code == 200
    more_loans(loan, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        content = page(client.get("/fr/loans/"))
    assert content.count('<a href="/fr/loans/') - content.count('<a href="/fr/loans/"') == 30


def test_another_communes_editor_gets_404_on_the_loan_and_every_file(client, loan, other_commune_editor):
    invoice = DrawdownInvoice.objects.get()
    first = loan.installments.get(n=1)
    client.force_login(other_commune_editor)
    for address in (
        loan_url(loan),
        f"/en/loan-invoices/{invoice.pk}/",
        f"/en/loan-notices/{first.pk}/",
        f"/en/loan-applications/{loan.application_id}/convention/generated/",
        f"/en/loan-applications/{loan.application_id}/convention/signed/",
        f"/en/loan-submissions/{loan.application.snapshots.get().pk}/receipt/",
        f"/en/loan-documents/{loan.application.documents.first().pk}/",
    ):
        assert client.get(address).status_code == 404, address
    response = client.post(loan_url(loan, "drawdowns/"), drawdown_data("100,00", [("F-1", "100,00", journey.pdf())]))
    assert response.status_code == 404
    assert loan.reference not in page(client.get("/en/loans/"))
    assert Drawdown.objects.count() == 1
