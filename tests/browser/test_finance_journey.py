"""A payment in the staff site's Finance pages, in a browser: from a due payment request to the bank and back.

A finance officer signs in with two steps, opens the payment requests, prepares the payment order of a due request;
a finance approver, in another browser, approves it with the controller's visa (four eyes). The officer makes the
batch of the payments account, downloads its pain.001 file and reads it back; the bank's camt.053 statement is
written from that file and the officer uploads it: the statement's page shows the line matched to the order, and the
order is paid with the bank's value date.

The payment request and the administration's accounts are made through the services, in a thread of their own (as
tests/browser/test_loan_journey.py does). Selectors use ids, names, hrefs and data attributes, never interface
texts."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from lxml import etree
from playwright.sync_api import expect

from core.roles import StaffRole
from finance.models import (
    BankStatement,
    MatchMethod,
    OrderStatus,
    Payable,
    PayableStatus,
    PaymentBatch,
    PaymentOrder,
)
from finance.models.bank import AccountPurpose
from finance.seed import seed_treasury_accounts
from tests.browser.conftest import OUTPUT
from tests.factories import PASSWORD, UserFactory
from tests.finance.fixtures_bank import Movement, camt_file
from tests.finance.fixtures_orders import make_payable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEME = "pain.001.001.09"
NS = {"p": f"urn:iso:std:iso:20022:tech:xsd:{SCHEME}"}
AMOUNT = Decimal("42500.00")


def in_own_thread(call):
    """Service steps in a thread of their own: its own database connection in autocommit, so their after-commit work
    runs when they commit, whatever state Playwright's event loop leaves this thread's connection in."""

    def run():
        try:
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def staff_sign_in(page, address: str, user, device: TOTPDevice) -> None:
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


def urls(**args) -> dict[str, str]:
    with translation.override("fr"):
        return {
            "payables": reverse("staff:finance:payables:index"),
            "prepare": reverse("staff:finance:orders:prepare", args=[args["payable"]]),
            "batch_new": reverse("staff:finance:batches:new"),
            "statements": reverse("staff:finance:statements:index"),
            "upload": reverse("staff:finance:statements:upload"),
        }


def read_pain001(content: bytes) -> dict:
    root = etree.fromstring(content)
    (payment,) = root.iterfind(".//p:CdtTrfTxInf", NS)
    return {
        "debtor_iban": root.findtext(".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS),
        "end_to_end_id": payment.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
        "amount": Decimal(payment.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
        "name": payment.findtext("p:Cdtr/p:Nm", namespaces=NS),
        "iban": payment.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
        "bic": payment.findtext("p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) or "",
    }


def test_a_finance_officer_pays_a_request_through_a_batch_and_the_bank_statement_matches_it(
    live_server, browser_page, finance_officer
):
    page = browser_page
    base = live_server.url
    today = timezone.localdate()
    value_date = max(today - dt.timedelta(days=1), dt.date(today.year, 1, 1))
    approver = UserFactory(email="visa@bpl.brussels", roles=[StaffRole.FINANCE_APPROVER])

    def due_request():
        accounts = {account.purpose: account for account in seed_treasury_accounts()}
        payable = make_payable(amount=str(AMOUNT), commitment_amount="50000.00", reference="AAP-2026-SPORT-0042")
        return accounts[AccountPurpose.PAYMENTS], payable

    payments_account, payable = in_own_thread(due_request)
    assert payable.status == PayableStatus.DUE
    address = urls(payable=payable.pk)

    # --- 1. The finance officer prepares the payment order from the payment requests page ----------------------
    officer_device = TOTPDevice.objects.create(user=finance_officer, name="phone", confirmed=True)
    staff_sign_in(page, base + address["payables"], finance_officer, officer_device)
    page.locator(f"#payable-{payable.pk} a[href='{address['prepare']}']").click()
    expect(page).to_have_url(base + address["prepare"])
    page.locator("#prepare-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/fr/staff/finance/orders/\d+/$"))
    order = PaymentOrder.objects.get(payable=payable)
    assert (order.status, order.amount, order.prepared_by) == (OrderStatus.PREPARED, AMOUNT, finance_officer)
    with translation.override("fr"):
        order_url = reverse("staff:finance:orders:detail", args=[order.pk])
        approve_url = reverse("staff:finance:orders:approve", args=[order.pk])
    expect(page).to_have_url(base + order_url)
    expect(page.locator("[data-order-status]")).to_have_attribute("data-order-status", OrderStatus.PREPARED)
    # The preparer is offered no approval (four eyes).
    expect(page.locator(f"form[action='{approve_url}']")).to_have_count(0)

    # --- 2. A finance approver, in another browser, approves it with the controller's visa ----------------------
    context = page.context.browser.new_context(locale="fr-BE", viewport={"width": 1280, "height": 900})
    try:
        other = context.new_page()
        other.set_default_timeout(15_000)
        approver_device = TOTPDevice.objects.create(user=approver, name="phone", confirmed=True)
        staff_sign_in(other, base + order_url, approver, approver_device)
        other.locator("#visa-reference").fill("CF-2026-0042")
        expect(other.locator("#visa-date")).to_have_value(today.isoformat())
        other.locator(f"form[action='{approve_url}'] button[type=submit]").click()
        expect(other.locator(f"form[action='{approve_url}']")).to_have_count(0)
        expect(other.locator("[data-order-status]")).to_have_attribute("data-order-status", OrderStatus.APPROVED)
        other.screenshot(path=str(OUTPUT / "staff-fr-payment-order.png"), full_page=True)
    finally:
        context.close()
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED
    assert (order.first_approved_by, order.visa_reference, order.visa_date) == (approver, "CF-2026-0042", today)

    # --- 3. The officer makes the batch of the payments account and downloads its pain.001 file -----------------
    page.goto(base + address["batch_new"])
    page.locator("#batch-account").select_option(str(payments_account.pk))
    expect(page.locator("#batch-date")).to_have_value(today.isoformat())
    page.locator(f"#orders-{AccountPurpose.PAYMENTS} input[name=orders][value='{order.pk}']").check()
    page.locator("#batch-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/fr/staff/finance/batches/\d+/$"))
    batch = PaymentBatch.objects.get()
    assert (batch.debtor_account, batch.scheme, batch.count, batch.total) == (payments_account, SCHEME, 1, AMOUNT)
    with page.expect_download() as download_info:
        page.locator("#download").click()
    download = download_info.value
    assert download.suggested_filename == f"{batch.reference}.xml"
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert content == bytes(batch.xml)
    pain = read_pain001(content)
    order.refresh_from_db()
    assert order.status == OrderStatus.BATCHED
    assert pain == {
        "debtor_iban": payments_account.iban,
        "end_to_end_id": order.end_to_end_id,
        "amount": AMOUNT,
        "name": order.creditor_name,
        "iban": order.creditor_iban,
        "bic": order.creditor_bic,
    }
    batch.refresh_from_db()
    assert batch.downloaded_at is not None

    # --- 4. The bank's camt.053 statement, written from the file, uploaded: the line is matched -----------------
    statement_xml = camt_file(
        iban=pain["debtor_iban"],
        number="301",
        statement_date=today,
        movements=[
            Movement(
                amount=-pain["amount"],
                value_date=value_date,
                booking_date=today,
                end_to_end_id=pain["end_to_end_id"],
                counterparty_iban=pain["iban"],
                counterparty_name=pain["name"],
                counterparty_bic=pain["bic"],
                bank_reference="EXEC-301-1",
            )
        ],
    )
    page.goto(base + address["statements"])
    page.set_input_files(
        "#statement-file", files=[{"name": "camt053-301.xml", "mimeType": "application/xml", "buffer": statement_xml}]
    )
    page.locator(f"#import form[action='{address['upload']}'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/fr/staff/finance/statements/\d+/$"))
    statement = BankStatement.objects.get()
    line = statement.lines.get()
    with translation.override("fr"):
        assert page.url == base + reverse("staff:finance:statements:detail", args=[statement.pk])
        by_hand_url = reverse("staff:finance:matching:line", args=[line.pk])
    match = line.matches.get()
    assert (match.method, match.payment_order_id, match.amount) == (MatchMethod.END_TO_END, order.pk, AMOUNT)
    expect(page.locator(f"#line-{line.pk} #match-{match.pk}")).to_contain_text(order.end_to_end_id)
    expect(page.locator(f"#line-{line.pk} a[href='{by_hand_url}']")).to_have_count(0)  # nothing left to match
    page.screenshot(path=str(OUTPUT / "staff-fr-bank-statement.png"), full_page=True)

    # --- 5. The order and its payment request are paid with the bank's value date ------------------------------
    order.refresh_from_db()
    assert (order.status, order.paid_on) == (OrderStatus.PAID, value_date)
    payable = Payable.objects.get(pk=payable.pk)
    assert (payable.status, payable.paid_on) == (PayableStatus.PAID, value_date)
    page.goto(base + order_url)
    expect(page.locator("[data-order-status]")).to_have_attribute("data-order-status", OrderStatus.PAID)
