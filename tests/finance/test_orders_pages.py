"""The staff pages of payment orders, batches and the budget: what each person sees and may do, refusals shown on
the page with nothing changed, the file downloaded once generated, and lists in a fixed number of queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.models import BankAccount
from core.roles import StaffRole
from finance.models import BudgetCredit, OrderStatus, PaymentBatch, PaymentOrder
from finance.models.bank import AccountPurpose
from finance.services.budget import credit_set
from finance.services.orders import batch_create, order_prepare
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.grants import BudgetLineFactory
from tests.finance.fixtures_orders import *  # noqa: F403
from tests.finance.fixtures_orders import approved, make_payable

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
TOMORROW = TODAY() + dt.timedelta(days=1)


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:finance:{name}", args=args)


def prepare_token(page: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)


# Preparing from the payment requests page ----------------------------------------------------------------------


def test_a_finance_officer_prepares_an_order_from_the_payment_requests_page(staff_client, finance_officer, payable):
    client = staff_client(finance_officer)
    requests_page = client.get(url("payables:index")).content.decode()
    assert url("orders:prepare", payable.pk) in requests_page
    page = client.get(url("orders:prepare", payable.pk)).content.decode()
    account = BankAccount.objects.get(organisation=payable.beneficiary)
    assert account.iban_display in page and "200.000,00 EUR" in page
    token = prepare_token(page)
    response = client.post(url("orders:prepare", payable.pk), {"token": token, "structured_communication": ""})
    order = PaymentOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == url("orders:detail", order.pk)
    # The same page posted twice (a double click, a retry) makes one order.
    assert client.post(url("orders:prepare", payable.pk), {"token": token}).status_code == 302
    assert PaymentOrder.objects.count() == 1
    requests_page = client.get(url("payables:index")).content.decode()
    assert order.end_to_end_id in requests_page and url("orders:prepare", payable.pk) not in requests_page
    detail = client.get(url("orders:detail", order.pk)).content.decode()
    assert order.end_to_end_id in detail and "0 of 1" in detail
    assert url("orders:approve", order.pk) not in detail  # the officer prepares, never approves


def test_an_invalid_iban_is_shown_on_the_prepare_page_and_nothing_is_stored(staff_client, finance_officer, payable):
    BankAccount.objects.filter(organisation=payable.beneficiary).update(iban="BE68539007547035")
    client = staff_client(finance_officer)
    token = prepare_token(client.get(url("orders:prepare", payable.pk)).content.decode())
    response = client.post(url("orders:prepare", payable.pk), {"token": token})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The bank account BE68539007547035 of Commune d&#x27;Evere is not valid" in page
    assert "Nothing was changed." in page
    assert not PaymentOrder.objects.exists()


def test_readers_see_orders_but_cannot_prepare_and_applicants_are_refused(
    staff_client, auditor, client, commune_editor, payable, finance_officer
):
    order = order_prepare(actor=finance_officer, payable_id=payable.pk)
    reader = staff_client(auditor)
    assert order.end_to_end_id in reader.get(url("orders:index")).content.decode()
    detail = reader.get(url("orders:detail", order.pk)).content.decode()
    assert url("orders:approve", order.pk) not in detail and url("orders:reject", order.pk) not in detail
    assert reader.get(url("orders:prepare", payable.pk)).status_code == 403
    assert reader.post(url("orders:approve", order.pk), {"visa_reference": "X"}).status_code == 403
    assert reader.get(url("batches:new")).status_code == 403
    assert reader.get(url("batches:index")).status_code == 200
    client.force_login(commune_editor)
    for name, args in (("orders:index", ()), ("orders:detail", (order.pk,)), ("budget:index", ())):
        assert client.get(url(name, *args)).status_code in (302, 403)
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARED


# Approving and rejecting ---------------------------------------------------------------------------------------


def test_an_approver_approves_with_the_visa_on_the_order_page(staff_client, approver, finance_officer, payable):
    order = order_prepare(actor=finance_officer, payable_id=payable.pk)
    client = staff_client(approver)
    page = client.get(url("orders:detail", order.pk)).content.decode()
    assert url("orders:approve", order.pk) in page and 'name="visa_reference"' in page
    response = client.post(
        url("orders:approve", order.pk), {"visa_reference": "", "visa_date": "", "seen_approvals": 0}
    )
    assert response.status_code == 400
    assert "Give the reference of the controller&#x27;s visa." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARED
    response = client.post(
        url("orders:approve", order.pk),
        {"visa_reference": "CF-2026/55", "visa_date": TODAY().isoformat(), "seen_approvals": 0},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.visa_reference == "CF-2026/55"
    page = client.get(url("orders:detail", order.pk)).content.decode()
    assert "CF-2026/55" in page and "approved" in page  # the history lists the approval


def test_approving_ones_own_order_on_the_page_is_refused_with_the_reason(staff_client, payable):
    both = UserFactory(email="both@bpl.brussels", roles=[StaffRole.FINANCE_OFFICER, StaffRole.FINANCE_APPROVER])
    order = order_prepare(actor=both, payable_id=payable.pk)
    client = staff_client(both)
    page = client.get(url("orders:detail", order.pk)).content.decode()
    assert 'id="four-eyes"' in page and 'name="visa_reference"' not in page
    response = client.post(
        url("orders:approve", order.pk),
        {"visa_reference": "CF-1", "visa_date": TODAY().isoformat(), "seen_approvals": 0},
    )
    assert response.status_code == 403
    assert "You prepared this payment order: another person approves it (four eyes)." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARED and order.first_approved_by is None


def test_a_rejection_on_the_page_needs_a_reason_and_lets_a_new_order_be_prepared(
    staff_client, approver, finance_officer, payable
):
    order = order_prepare(actor=finance_officer, payable_id=payable.pk)
    client = staff_client(approver)
    response = client.post(url("orders:reject", order.pk), {"reason": " "})
    assert response.status_code == 400 and "Give the reason." in response.content.decode()
    assert client.post(url("orders:reject", order.pk), {"reason": "Wrong beneficiary"}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED
    officer = staff_client(finance_officer)
    page = officer.get(url("orders:detail", order.pk)).content.decode()
    assert "Wrong beneficiary" in page and url("orders:prepare", payable.pk) in page
    token = prepare_token(officer.get(url("orders:prepare", payable.pk)).content.decode())
    assert officer.post(url("orders:prepare", payable.pk), {"token": token}).status_code == 302
    assert PaymentOrder.objects.filter(payable=payable, status=OrderStatus.PREPARED).count() == 1


def test_the_orders_list_filters_by_status_in_a_fixed_number_of_queries(
    staff_client, auditor, finance_officer, approver, django_assert_max_num_queries
):
    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            payable = make_payable(
                amount="10.00", commitment_amount="10.00", reference=f"Q-{n}", beneficiary=OrganisationFactory()
            )
            if n % 2:
                approved(payable, finance_officer, approver)
            else:
                order_prepare(actor=finance_officer, payable_id=payable.pk)

    client = staff_client(auditor)
    add(3, 1)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("orders:index")).status_code == 200
    add(30, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("orders:index")).content.decode()
    assert page.count('id="order-') == 33
    approved_page = client.get(url("orders:index") + "?status=approved").content.decode()
    assert approved_page.count('id="order-') == 17
    assert "Approved (17)" in approved_page


# Batches -------------------------------------------------------------------------------------------------------


def test_a_batch_is_made_on_the_page_and_its_file_downloaded(
    staff_client, finance_officer, approver, accounts, payable
):
    order = approved(payable, finance_officer, approver)
    client = staff_client(finance_officer)
    page = client.get(url("batches:new")).content.decode()
    assert order.end_to_end_id in page and accounts[AccountPurpose.PAYMENTS].iban in page
    response = client.post(
        url("batches:new"),
        {
            "account": accounts[AccountPurpose.FRBRTC].pk,
            "scheme": "pain.001.001.09",
            "execution_date": TOMORROW.isoformat(),
            "orders": [order.pk],
        },
    )
    assert response.status_code == 400
    assert "A batch holds the orders of one paying account" in response.content.decode()
    assert not PaymentBatch.objects.exists()
    response = client.post(
        url("batches:new"),
        {
            "account": accounts[AccountPurpose.PAYMENTS].pk,
            "scheme": "pain.001.001.03",
            "execution_date": TOMORROW.isoformat(),
            "orders": [order.pk],
        },
    )
    batch = PaymentBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == url("batches:detail", batch.pk)
    detail = client.get(url("batches:detail", batch.pk)).content.decode()
    assert batch.reference in detail and order.end_to_end_id in detail and "Not yet" in detail
    download = client.get(url("batches:file", batch.pk))
    assert download.status_code == 200 and download["Content-Type"] == "application/xml"
    assert download["Content-Disposition"] == f'attachment; filename="{batch.reference}.xml"'
    assert download.content == bytes(batch.xml) and b"pain.001.001.03" in download.content
    batch.refresh_from_db()
    assert batch.downloaded_at is not None
    assert staff_client(approver).get(url("batches:file", batch.pk)).status_code == 403


def test_the_batches_list_runs_a_fixed_number_of_queries(
    staff_client, finance_officer, approver, accounts, auditor, django_assert_max_num_queries
):
    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            order = approved(
                make_payable(
                    amount="10.00", commitment_amount="10.00", reference=f"B-{n}", beneficiary=OrganisationFactory()
                ),
                finance_officer,
                approver,
            )
            batch_create(
                actor=finance_officer,
                order_ids=[order.pk],
                scheme="pain.001.001.09",
                execution_date=TOMORROW,
                account_id=accounts[AccountPurpose.PAYMENTS].pk,
            )

    client = staff_client(auditor)
    add(2, 1)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("batches:index")).status_code == 200
    add(20, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("batches:index")).content.decode()
    assert page.count('id="batch-') == 22


# Budget --------------------------------------------------------------------------------------------------------


def test_the_budget_dashboard_shows_figures_a_chart_and_the_overrun(staff_client, approver, auditor):
    year = TODAY().year
    sport = BudgetLineFactory()
    credit_set(actor=approver, budget_line_id=sport.pk, year=year, commitment_credit="100000", payment_credit="0")
    make_payable(amount="150000.00", commitment_amount="150000.00", budget_line=sport)
    page = staff_client(auditor).get(url("budget:index") + f"?year={year}").content.decode()
    table = page.split('id="budget-table"')[1].split("</table>")[0]
    assert "100.000,00 EUR" in table and "150.000,00 EUR" in table
    assert '<strong class="staff-errors" title="Committed above the credit">-50.000,00 EUR</strong>' in table
    chart = page.split("<svg")[1].split("</svg>")[0]
    assert chart.count("<rect") == 4 and chart.count('fill="#a4161a" stroke="#000"') == 1  # committed, in red
    assert "Committed 150.000,00 EUR" in chart  # the text alternative
    assert url("budget:credit") not in page  # an auditor reads, never sets credits


def test_credits_are_set_on_the_dashboard_and_refusals_shown(staff_client, approver):
    year = TODAY().year
    sport = BudgetLineFactory()
    make_payable(amount="150000.00", commitment_amount="150000.00", budget_line=sport)
    client = staff_client(approver)
    response = client.post(
        url("budget:credit"),
        {"budget_line": sport.pk, "year": year, "commitment_credit": "149.999,99", "payment_credit": "0"},
    )
    assert response.status_code == 400
    assert "already committed 150.000,00 EUR on this line" in response.content.decode()
    assert not BudgetCredit.objects.exists()
    response = client.post(
        url("budget:credit"),
        {"budget_line": sport.pk, "year": year, "commitment_credit": "2.000.000,00", "payment_credit": "500000"},
    )
    assert response.status_code == 302 and response["Location"] == url("budget:index") + f"?year={year}"
    assert BudgetCredit.objects.get().commitment_credit == Decimal("2000000.00")


def test_the_budget_dashboard_runs_a_fixed_number_of_queries(staff_client, approver, django_assert_max_num_queries):
    year = TODAY().year

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            budget_line = BudgetLineFactory(code=f"99.000.00.00.00.{n:02d}")
            credit_set(
                actor=approver, budget_line_id=budget_line.pk, year=year, commitment_credit="10", payment_credit="10"
            )
            make_payable(
                amount="1.00",
                commitment_amount="2.00",
                reference=f"D-{n}",
                budget_line=budget_line,
                envelope_code=f"d-{n}",
            )

    client = staff_client(approver)
    add(2, 1)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("budget:index")).status_code == 200
    add(25, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("budget:index")).content.decode()
    assert page.count('id="line-') == 27
