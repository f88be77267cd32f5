"""An FRBRTC sports infrastructure loan in a browser, from the application to the first repayment.

On the portal (French), a commune's editor starts an application for the published programme, fills two projects and
sends the documents; its signatory submits and downloads the receipt, later sends the signed convention and asks for
a drawdown with its invoice. The fund's eligibility, analysis, committee opinion, decision and check of the convention
go through the services (tests/loans/journey.py); in the staff site, the loan analyst signs in with two steps,
approves the drawdown and, once finance paid it, records the first repayment with the instalment's structured
communication. Balances, ledger and schedule are checked on the pages against the database.

Selectors use ids, names, form actions, data attributes and the data the test creates, never interface texts."""

import io
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect
from pypdf import PdfReader

from core.money import format_eur
from core.ogm import ogm_display
from finance.models import Payable
from finance.services.payments import payable_mark_paid
from loans.ledger import balances, owed_by_installment
from loans.models import (
    Drawdown,
    DrawdownStatus,
    EntryKind,
    LedgerEntry,
    LoanApplication,
    LoanApplicationStatus,
    LoanStatus,
    Repayment,
)
from loans.services.convention import convention_review
from loans.services.schedules import current_schedule
from tests.browser.conftest import OUTPUT
from tests.factories import PASSWORD
from tests.loans import journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENT = Decimal("0.01")
PROJECTS = [
    {
        "title": "Rénovation de la piscine communale",
        "description": "Nouvelle toiture et traitement de l'eau.",
        "cost": ("1.200.000,00", Decimal("1200000.00")),
        "requested_amount": ("1.000.000,00", Decimal("1000000.00")),
        "depreciation_years": ("25", 25),
        "budget_reference": "764/723-60",
    },
    {
        "title": "Vestiaires du stade Vander Putten",
        "description": "Reconstruction des vestiaires.",
        "cost": ("300.000,00", Decimal("300000.00")),
        "requested_amount": ("250.000,00", Decimal("250000.00")),
        "depreciation_years": ("20", 20),
        "budget_reference": "764/723-61",
    },
]
DRAWN = Decimal("400000.00")


def in_own_thread(call):
    """Run service steps in a thread of their own: its own database connection in autocommit, so their after-commit
    work (the convention, the e-mails, eager Celery tasks) runs when they commit, whatever state Playwright's event
    loop leaves this thread's connection in."""

    def run():
        try:
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/fr/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/fr/")


def _staff_sign_in(page, address: str, user, device: TOTPDevice) -> None:
    """The staff door: password, then the code of the authenticator app, then back to the page asked for."""
    page.goto(address)
    page.wait_for_url("**/fr/staff/accounts/login/**")
    page.locator("input[name=username]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.vf-form button[type=submit]").click()
    page.wait_for_url("**/fr/staff/2fa/verify/**")
    device.refresh_from_db()
    page.locator("input[name=token]").fill(f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}")
    page.locator("form.vf-form button[type=submit]").click()
    page.wait_for_url(address)


def _pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": journey.PDF}


def _upload(page, key: str, name: str) -> None:
    page.set_input_files(f"#upload-{key}", files=[_pdf(name)])
    page.locator(f"#document-{key} form.upload-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"#document-{re.escape(key)}$"))
    expect(page.locator(f"#document-{key} .current-file")).to_contain_text(name)


def _annuity(principal: Decimal, rate: Decimal, periods: int) -> Decimal:
    """The constant payment of an annuity, computed here independently of loans/schedules.py."""
    return (principal * rate / (1 - (1 + rate) ** -periods)).quantize(CENT, rounding=ROUND_HALF_UP)


def test_a_commune_borrows_for_its_sports_infrastructure_and_repays_its_first_instalment(
    live_server,
    browser_page,
    sports_product,
    shares,
    commune,
    commune_editor,
    signatory,
    loan_analyst,
    finance_officer,
):
    page = browser_page
    base = live_server.url
    code = sports_product.product.code

    # --- 1. The editor finds the programme and prepares the application ----------------------------------------------
    _sign_in(page, base, commune_editor.email)
    page.goto(f"{base}/fr/loan-products/")
    page.locator(f"a[href='/fr/loan-products/{code}/']").first.click()
    page.wait_for_url(f"{base}/fr/loan-products/{code}/")
    expect(page.locator("h1")).to_have_text(sports_product.title_fr)
    expect(page.locator(f"#borrower-{commune.pk} [data-available]")).to_have_text(format_eur(Decimal("5000000")))
    page.locator(f"#borrower-{commune.pk} form.apply-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/fr/loan-applications/\d+/$"))
    application = LoanApplication.objects.get()
    assert application.organisation == commune and application.status == LoanApplicationStatus.DRAFT

    page.fill("#id_purpose", "Infrastructures sportives communales 2025")
    for index, project in enumerate(PROJECTS):
        if index:  # a second row, added by the server (the page works without JavaScript)
            page.locator("#application-form button[name=add_project]").click()
            expect(page.locator(f"#id_projects-{index}-title")).to_be_visible()
        for name, value in project.items():
            typed = value[0] if isinstance(value, tuple) else value
            page.fill(f"#id_projects-{index}-{name}", typed)
    page.locator("#application-form > p > button[type=submit]:not([name])").click()
    page.wait_for_url(re.compile(r"#projects$"))
    application.refresh_from_db()
    assert application.purpose == "Infrastructures sportives communales 2025"
    saved = list(application.projects.order_by("position"))
    assert [p.title for p in saved] == [p["title"] for p in PROJECTS]
    for project, expected in zip(saved, PROJECTS, strict=True):
        assert project.cost == expected["cost"][1]
        assert project.requested_amount == expected["requested_amount"][1]
        assert project.depreciation_years == expected["depreciation_years"][1]
    expect(page.locator("#id_projects-0-cost")).to_have_value("1.200.000,00")  # read back as it was typed

    # The documents: the ministerial form for the whole application, a resolution and a budget proof per project.
    _upload(page, "ministerial_form", "formulaire-ministeriel.pdf")
    for project in saved:
        _upload(page, f"council_resolution-{project.pk}", f"deliberation-{project.pk}.pdf")
        _upload(page, f"budget_commitment-{project.pk}", f"engagement-{project.pk}.pdf")
    assert application.documents.filter(removed_at__isnull=True).count() == 5
    # An editor prepares but does not sign: no submit form for them.
    expect(page.locator("form.submit-form")).to_have_count(0)
    expect(page.locator("[data-submit-refusal]")).to_be_visible()
    page.screenshot(path=str(OUTPUT / "portal-fr-loan-application.png"), full_page=True)

    # --- the signatory submits and downloads the receipt (another browser context) -------------------------------
    context = page.context.browser.new_context(locale="fr-BE", accept_downloads=True)
    try:
        borrower = context.new_page()
        borrower.set_default_timeout(15_000)
        _sign_in(borrower, base, signatory.email)
        application_url = f"{base}/fr/loan-applications/{application.pk}/"
        borrower.goto(application_url)
        borrower.locator("form.submit-form button[type=submit]").click()
        borrower.wait_for_url(application_url)
        application.refresh_from_db()
        assert application.status == LoanApplicationStatus.SUBMITTED
        reference = application.reference
        assert reference.startswith("FRBRTC-")
        expect(borrower.locator(".messages")).to_contain_text(reference)
        expect(borrower.locator("#application-form")).to_have_count(0)  # the record, no longer the form
        with borrower.expect_download() as download_info:
            borrower.locator("a[data-receipt]").click()
        with open(download_info.value.path(), "rb") as receipt:
            text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.read())).pages)
        assert reference in text
        assert application.snapshots.count() == 1

        # --- 2. The fund: eligibility, analysis, committee opinion, the Government's decision (services) --------
        def fund_decides():
            journey.eligible(application, loan_analyst)
            journey.analysed(application, loan_analyst)
            journey.opinion_session(application)
            journey.decided(application, loan_analyst)

        in_own_thread(fund_decides)
        application.refresh_from_db()
        assert application.convention.document  # generated after the decision's commit
        assert application.status == LoanApplicationStatus.APPROVED

        # The convention is ready: the signatory sends the signed copy from the application's page.
        borrower.goto(application_url)
        expect(borrower.locator("a[data-convention]")).to_be_visible()
        expect(borrower.locator("[data-approved-total]")).to_have_text(format_eur(Decimal("1250000.00")))
        borrower.fill("#signed-on", timezone.localdate().isoformat())
        borrower.set_input_files("#signed-file", files=[_pdf("convention-signee.pdf")])
        borrower.locator("form.convention-form button[type=submit]").click()
        borrower.wait_for_url(re.compile(r"#convention$"))
        loan = in_own_thread(lambda: convention_review(actor=loan_analyst, application_id=application.pk, accept=True))
        assert loan is not None and loan.status == LoanStatus.ACTIVE
        assert loan.approved_amount == Decimal("1250000.00") and loan.borrower == commune

        # The signatory follows the link to the loan and asks for a first drawdown with its invoice.
        borrower.goto(application_url)
        borrower.locator(f"#loan-link a[href='/fr/loans/{loan.pk}/']").click()
        loan_url = f"{base}/fr/loans/{loan.pk}/"
        borrower.wait_for_url(loan_url)
        expect(borrower.locator("[data-granted]")).to_have_text(format_eur(loan.approved_amount))
        expect(borrower.locator("table.schedule")).to_have_count(0)  # the term starts with the first payment
        borrower.fill("#id_amount", "400.000,00")
        borrower.fill("#id_invoices-0-reference", "F-2025-0042")
        borrower.fill("#id_invoices-0-amount", "400.000,00")
        borrower.set_input_files("#id_invoices-0-file", files=[_pdf("facture.pdf")])
        borrower.locator("form#drawdown > p > button[type=submit]:not([name])").click()
        borrower.wait_for_url(re.compile(r"#drawdowns$"))
        drawdown = Drawdown.objects.get(loan=loan)
        assert drawdown.status == DrawdownStatus.REQUESTED and drawdown.amount == DRAWN
        assert [i.invoice_reference for i in drawdown.invoices.all()] == ["F-2025-0042"]
        expect(borrower.locator("#drawdown-1 [data-drawdown-status]")).to_have_class(
            re.compile(r"status--drawdown-requested")
        )

        # --- the loan analyst, in the staff site: signs in with two steps and approves the drawdown --------------
        device = TOTPDevice.objects.create(user=loan_analyst, name="phone", confirmed=True)
        with translation.override("fr"):
            staff_loan_url = base + reverse("staff:loans:loans:detail", args=[loan.pk])
            approve_url = reverse("staff:loans:loans:approve", args=[loan.pk, drawdown.pk])
        page.context.clear_cookies()  # the editor's session ends; the analyst signs in in this window
        _staff_sign_in(page, staff_loan_url, loan_analyst, device)
        expect(page.locator("[data-balance=drawn]")).to_have_text(format_eur(0))
        page.locator(f"form[action='{approve_url}'] button[type=submit]").click()
        # The staff site submits with Turbo (the redirect's #anchor is not kept): the page shows the form gone.
        expect(page.locator(f"form[action='{approve_url}']")).to_have_count(0)
        drawdown.refresh_from_db()
        assert drawdown.status == DrawdownStatus.APPROVED and drawdown.decided_by == loan_analyst
        payable = Payable.objects.get(pk=drawdown.payable_id)
        assert payable.amount == DRAWN and payable.status == "due"

        # Finance paid it a year ago (service): the term starts then and the first instalment falls due now.
        paid_on = timezone.localdate() - relativedelta(years=1)
        in_own_thread(lambda: payable_mark_paid(actor=finance_officer, payable_id=payable.pk, paid_on=paid_on))
        loan.refresh_from_db()
        assert loan.start_date == paid_on
        schedule = current_schedule(loan)
        lines = list(schedule.lines.order_by("n"))
        # The schedule: 20 yearly annuities at 1,5 % (30/360) on what was drawn, repaying it exactly.
        assert len(lines) == loan.periods == 20
        assert lines[0].due_date == paid_on + relativedelta(years=1)
        assert lines[0].interest == (DRAWN * Decimal("0.015")).quantize(CENT)
        assert lines[0].payment == _annuity(DRAWN, Decimal("0.015"), 20)
        assert sum(line.principal for line in lines) == DRAWN and lines[-1].outstanding == 0
        first = loan.installments.get(n=1)
        assert first.amount == lines[0].payment and first.due_date == lines[0].due_date

        # The borrower reads the instalment's structured communication on its loan page, to pay with it.
        borrower.goto(loan_url)
        ogm = borrower.locator("#installment-1 [data-ogm]").inner_text().strip()
        assert ogm == ogm_display(first.structured_communication)

        # --- the analyst records the repayment with that communication, on the loan's staff page --------------
        page.goto(staff_loan_url)
        expect(page.locator("[data-balance=drawn]")).to_have_text(format_eur(DRAWN))
        expect(page.locator("[data-balance=principal]")).to_have_text(format_eur(DRAWN))
        page.fill("#repayment-amount", format_eur(first.amount, with_currency=False))
        page.fill("#repayment-date", first.due_date.isoformat())
        page.fill("#repayment-ogm", ogm)
        page.locator("#repayment form button[type=submit]").click()
        expect(page.locator("#ledger tr[data-event^='repayment:']")).not_to_have_count(0)

        repayment = Repayment.objects.get(loan=loan)
        assert repayment.amount == first.amount and repayment.installment == first
        assert repayment.value_date == first.due_date and repayment.recorded_by == loan_analyst
        booked = LedgerEntry.objects.filter(loan=loan, event=f"repayment:{repayment.pk}")
        assert {entry.kind for entry in booked} == {EntryKind.REPAYMENT}
        assert sum(e.interest for e in booked) == -lines[0].interest
        assert sum(e.principal for e in booked) == -lines[0].principal
        assert sum(e.late_interest for e in booked) == 0
        after = balances(loan)
        assert after.principal == DRAWN - lines[0].principal
        assert after.interest == Decimal("0.00") and after.late_interest == Decimal("0.00")
        assert [owed.total for owed in owed_by_installment(loan)] == [Decimal("0.00")]

        expect(page.locator("[data-balance=principal]")).to_have_text(format_eur(after.principal))
        expect(page.locator("[data-balance=interest]")).to_have_text(format_eur(0))
        expect(page.locator("[data-balance=late-interest]")).to_have_text(format_eur(0))
        expect(page.locator("[data-balance=arrears]")).to_have_text(format_eur(0))
        repaid_row = page.locator(f"#ledger tr[data-event='repayment:{repayment.pk}']")
        expect(repaid_row).to_have_count(1)
        expect(repaid_row).to_contain_text(format_eur(-lines[0].principal))
        expect(repaid_row).to_contain_text(format_eur(-lines[0].interest))
        page.screenshot(path=str(OUTPUT / "staff-fr-loan.png"), full_page=True)

        # --- 3. The borrower's loan page: the schedule in force, the balances and the payment received ---------
        assert current_schedule(loan).pk == schedule.pk  # an exact instalment changes no schedule
        borrower.goto(loan_url)
        expect(borrower.locator("#schedule [data-payment='1']")).to_have_text(format_eur(lines[0].payment))
        expect(borrower.locator("#schedule [data-payment]")).to_have_text([format_eur(line.payment) for line in lines])
        expect(borrower.locator("[data-drawn]")).to_have_text(format_eur(DRAWN))
        expect(borrower.locator("[data-outstanding]")).to_have_text(format_eur(after.principal))
        expect(borrower.locator("[data-interest]")).to_have_text(format_eur(0))
        expect(borrower.locator("#repayments")).to_contain_text(ogm)
        expect(borrower.locator("#repayments")).to_contain_text(format_eur(first.amount))
        expect(borrower.locator("#drawdown-1 [data-drawdown-status]")).to_have_class(
            re.compile(r"status--drawdown-paid")
        )
        borrower.screenshot(path=str(OUTPUT / "portal-fr-loan.png"), full_page=True)
    finally:
        context.close()
