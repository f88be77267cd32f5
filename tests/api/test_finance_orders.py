"""Finance API: payables, payment orders (prepare, approve with four eyes, reject) and SEPA batches (pain.001 read
back), through the services the staff pages call: 404 for members, 403 by role, 409 by state, fixed queries."""

import datetime as dt
from decimal import Decimal

import pytest
import sepaxml
from django.utils import timezone
from lxml import etree

from core.models import BankAccount
from core.roles import StaffRole
from finance.models import OrderStatus, Payable, PayableStatus, PaymentBatch, PaymentOrder
from finance.seed import seed_treasury_accounts
from tests.api.matrix.finance import approved, batched, payable, prepared, staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

P = "/api/v1/finance"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
XSD = sepaxml.__file__.rsplit("/", 1)[0] + "/schemas/pain.001.001.09.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


@pytest.fixture
def approver(db):
    return staff(StaffRole.FINANCE_APPROVER, "approver")


@pytest.fixture
def officer_client(token_client, finance_officer):
    return token_client(finance_officer)


@pytest.fixture
def approver_client(token_client, approver):
    return token_client(approver)


@pytest.fixture
def accounts(db):
    return {account.purpose: account for account in seed_treasury_accounts()}


def post(client, url, body=None, **extra):
    return client.post(url, body if body is not None else {}, format="json", **EN, **extra)


# --- payables -------------------------------------------------------------------------------------------------------


def test_payables_list_the_due_requests_with_their_live_order(officer_client, finance_officer):
    waiting = payable()
    ordered = prepared(finance_officer).payable
    rows = officer_client.get(f"{P}/payables/").json()["results"]
    by_id = {row["id"]: row for row in rows}
    assert by_id[waiting.pk]["order"] is None
    assert by_id[waiting.pk]["amount"] == "200000.00"
    assert by_id[waiting.pk]["status"] == "due" and by_id[waiting.pk]["kind"] == "other"
    assert by_id[ordered.pk]["order"] == PaymentOrder.objects.get(payable=ordered).pk
    assert [r["id"] for r in officer_client.get(f"{P}/payables/?has_order=false").json()["results"]] == [waiting.pk]
    assert [r["id"] for r in officer_client.get(f"{P}/payables/?has_order=true").json()["results"]] == [ordered.pk]
    assert officer_client.get(f"{P}/payables/?status=paid").json()["results"] == []
    assert officer_client.get(f"{P}/payables/?status=nope").status_code == 400


def test_members_get_a_404_and_other_staff_a_403(token_client, commune_editor, eligibility_officer):
    payable()
    assert token_client(commune_editor).get(f"{P}/payables/").status_code == 404
    refused = token_client(eligibility_officer).get(f"{P}/payables/", **EN)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Your staff roles do not allow this page."


@pytest.mark.parametrize("rows", [2, 12])
def test_payable_and_order_lists_run_fixed_queries(officer_client, finance_officer, django_assert_num_queries, rows):
    for _ in range(rows):
        prepared(finance_officer)
    # token (1) + last use (1) + permissions (2) + the page (1)
    with django_assert_num_queries(5):
        assert len(officer_client.get(f"{P}/payables/").json()["results"]) == rows
    with django_assert_num_queries(5):
        assert len(officer_client.get(f"{P}/payment-orders/").json()["results"]) == rows


# --- prepare --------------------------------------------------------------------------------------------------------


def test_an_officer_prepares_an_order_once_per_key(officer_client, finance_officer):
    request = payable()
    url = f"{P}/payables/{request.pk}/prepare-order/"
    first = post(officer_client, url, HTTP_IDEMPOTENCY_KEY="prep-1")
    assert first.status_code == 201, first.content
    order = PaymentOrder.objects.get(payable=request)
    assert first.json()["id"] == order.pk
    assert (order.status, order.amount, order.prepared_by) == (
        OrderStatus.PREPARED,
        Decimal("200000.00"),
        finance_officer,
    )
    assert first.json()["amount"] == "200000.00" and first.json()["approvals_needed"] == 1
    assert first.json()["creditor_iban"] == order.creditor_iban
    again = post(officer_client, url, HTTP_IDEMPOTENCY_KEY="prep-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert PaymentOrder.objects.count() == 1
    other_body = post(officer_client, url, {"structured_communication": "1"}, HTTP_IDEMPOTENCY_KEY="prep-1")
    assert other_body.status_code == 422
    # Without the key, a second order for the same request is refused by state.
    twice = post(officer_client, url)
    assert twice.status_code == 409
    assert "already has a payment order" in twice.json()["message"]


def test_a_bad_iban_is_a_400_and_stores_nothing(officer_client):
    request = payable()
    BankAccount.objects.filter(organisation=request.beneficiary).update(iban="BE00000000000000")
    response = post(officer_client, f"{P}/payables/{request.pk}/prepare-order/")
    assert response.status_code == 400
    assert "iban" in response.json()["extra"]["fields"]
    assert not PaymentOrder.objects.exists()


def test_a_beneficiary_without_account_is_a_400(officer_client):
    request = payable()
    BankAccount.objects.filter(organisation=request.beneficiary).delete()
    response = post(officer_client, f"{P}/payables/{request.pk}/prepare-order/")
    assert response.status_code == 400
    assert "no primary bank account" in response.json()["message"]


def test_more_than_the_commitment_leaves_is_a_409(officer_client):
    request = payable()  # 200.000,00 of a 250.000,00 commitment, of which 100.000,00 was paid before this system
    Payable.objects.create(
        commitment=request.commitment,
        beneficiary=request.beneficiary,
        amount=Decimal("100000.00"),
        reference="HIST-1",
        label="Paid in 2025",
        status=PayableStatus.PAID,
        paid_on=dt.date(2025, 12, 1),
        idempotency_key="history-1",
    )
    response = post(officer_client, f"{P}/payables/{request.pk}/prepare-order/")
    assert response.status_code == 409
    assert "more than its commitment" in response.json()["message"]
    assert not PaymentOrder.objects.exists()


def test_a_paid_request_is_a_409(officer_client):
    request = payable()
    request.status = PayableStatus.PAID
    request.save()
    assert post(officer_client, f"{P}/payables/{request.pk}/prepare-order/").status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"structured_communication": 12}, None),
        ({"extra": "x"}, "extra"),
        ({"structured_communication": "x" * 31}, None),
    ],
)
def test_prepare_refuses_bad_input(officer_client, body, field):
    request = payable()
    response = post(officer_client, f"{P}/payables/{request.pk}/prepare-order/", body)
    assert response.status_code == 400
    if field:
        assert field in response.json()["extra"]["fields"]
    assert not PaymentOrder.objects.exists()


def test_a_bad_structured_communication_is_the_services_400(officer_client):
    request = payable()
    response = post(officer_client, f"{P}/payables/{request.pk}/prepare-order/", {"structured_communication": "123"})
    assert response.status_code == 400
    assert not PaymentOrder.objects.exists()


def test_approvers_may_not_prepare_and_read_only_tokens_may_not_write(token_client, approver, finance_officer):
    request = payable()
    url = f"{P}/payables/{request.pk}/prepare-order/"
    assert post(token_client(approver), url).status_code == 403
    assert post(token_client(finance_officer, "read"), url).status_code == 403
    assert post(token_client(finance_officer), f"{P}/payables/999999/prepare-order/").status_code == 404
    assert not PaymentOrder.objects.exists()


# --- approve and reject ---------------------------------------------------------------------------------------------


def test_the_first_approval_needs_the_visa_then_approves(approver_client, approver):
    order = prepared()
    url = f"{P}/payment-orders/{order.pk}/approve/"
    missing = post(approver_client, url)
    assert missing.status_code == 400
    assert set(missing.json()["extra"]["fields"]) == {"visa_reference", "visa_date"}
    body = {"visa_reference": "CF-1", "visa_date": timezone.localdate().isoformat()}
    done = post(approver_client, url, body, HTTP_IDEMPOTENCY_KEY="ok-1")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "approved" and done.json()["first_approved_by"] == approver.email
    order.refresh_from_db()
    assert (order.status, order.visa_reference, order.first_approved_by) == (OrderStatus.APPROVED, "CF-1", approver)
    replay = post(approver_client, url, body, HTTP_IDEMPOTENCY_KEY="ok-1")
    assert replay.json() == done.json() and replay["Idempotent-Replayed"] == "true"
    assert post(approver_client, url, body).status_code == 409  # approved already


def test_the_preparer_cannot_approve_four_eyes(token_client):
    both = UserFactory(email="both@bpl.brussels", roles=[StaffRole.FINANCE_OFFICER, StaffRole.FINANCE_APPROVER])
    order = prepared(both)
    body = {"visa_reference": "CF-1", "visa_date": timezone.localdate().isoformat()}
    response = post(token_client(both), f"{P}/payment-orders/{order.pk}/approve/", body)
    assert response.status_code == 403
    assert "four eyes" in response.json()["message"]
    order.refresh_from_db()
    assert order.first_approved_by is None


def test_above_the_threshold_a_second_person_approves(token_client, approver):
    order = prepared(amount="300000.00", commitment_amount="300000.00")
    assert order.approvals_needed == 2
    url = f"{P}/payment-orders/{order.pk}/approve/"
    body = {"visa_reference": "CF-9", "visa_date": timezone.localdate().isoformat()}
    first = post(token_client(approver), url, {**body, "seen_approvals": 0})
    assert first.json()["status"] == "prepared" and first.json()["approvals_given"] == 1
    assert post(token_client(approver), url, {"seen_approvals": 1}).status_code == 403  # not twice the same person
    second_person = staff(StaffRole.FINANCE_APPROVER, "second")
    stale = post(token_client(second_person), url, {"seen_approvals": 0})
    assert stale.status_code == 409
    second = post(token_client(second_person), url, {"seen_approvals": 1})
    assert second.status_code == 200 and second.json()["status"] == "approved"
    order.refresh_from_db()
    assert (order.status, order.second_approved_by) == (OrderStatus.APPROVED, second_person)


@pytest.mark.parametrize("body", [{"visa_date": "yesterday"}, {"seen_approvals": 5}, {"visa": "x"}])
def test_approve_refuses_bad_input(approver_client, body):
    order = prepared()
    assert post(approver_client, f"{P}/payment-orders/{order.pk}/approve/", body).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARED


def test_reject_with_a_reason(approver_client, approver, token_client, finance_officer):
    order = prepared()
    url = f"{P}/payment-orders/{order.pk}/reject/"
    assert post(token_client(finance_officer), url, {"reason": "Wrong"}).status_code == 403
    assert post(approver_client, url, {"reason": " "}).status_code == 400
    assert post(approver_client, url).status_code == 400
    done = post(approver_client, url, {"reason": "Wrong IBAN"})
    assert done.status_code == 200 and done.json()["rejection_reason"] == "Wrong IBAN"
    order.refresh_from_db()
    assert (order.status, order.rejected_by) == (OrderStatus.REJECTED, approver)
    assert post(approver_client, url, {"reason": "Again"}).status_code == 409


def test_order_detail_and_filters(officer_client, finance_officer):
    one = prepared(finance_officer)
    two = approved(finance_officer)
    assert officer_client.get(f"{P}/payment-orders/{one.pk}/").json()["payable_reference"] == one.payable.reference
    assert officer_client.get(f"{P}/payment-orders/999999/").status_code == 404
    ids = [r["id"] for r in officer_client.get(f"{P}/payment-orders/?status=approved").json()["results"]]
    assert ids == [two.pk]
    ids = [r["id"] for r in officer_client.get(f"{P}/payment-orders/?ordering=id").json()["results"]]
    assert ids == [one.pk, two.pk]
    assert officer_client.get(f"{P}/payment-orders/?kind=tranche").json()["results"] == []
    # Found by schemathesis: an id beyond any id's range is a 400, not a database overflow.
    assert officer_client.get(f"{P}/payment-orders/?payable=-4.49e%2B279").status_code == 400
    ids = [r["id"] for r in officer_client.get(f"{P}/payment-orders/?payable={one.payable_id}").json()["results"]]
    assert ids == [one.pk]


# --- batches --------------------------------------------------------------------------------------------------------


def test_a_batch_is_made_and_its_file_read_back(officer_client, finance_officer, accounts):
    orders = [approved(finance_officer), approved(finance_officer)]
    body = {
        "orders": [o.pk for o in orders],
        "scheme": "pain.001.001.09",
        "execution_date": timezone.localdate().isoformat(),
        "account": accounts["payments"].pk,
    }
    made = post(officer_client, f"{P}/payment-batches/", body, HTTP_IDEMPOTENCY_KEY="batch-1")
    assert made.status_code == 201, made.content
    batch = PaymentBatch.objects.get()
    assert made.json()["id"] == batch.pk and made.json()["total"] == "400000.00"
    assert [o["status"] for o in made.json()["orders"]] == ["batched", "batched"]
    assert post(officer_client, f"{P}/payment-batches/", body, HTTP_IDEMPOTENCY_KEY="batch-1").json() == made.json()
    assert PaymentBatch.objects.count() == 1
    assert post(officer_client, f"{P}/payment-batches/", body).status_code == 409  # the orders are batched already

    response = officer_client.get(f"{P}/payment-batches/{batch.pk}/pain001/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response.content == bytes(batch.xml)
    root = etree.fromstring(response.content)
    etree.XMLSchema(etree.parse(XSD)).assertValid(root)
    e2e = [tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for tx in root.iterfind(".//p:CdtTrfTxInf", NS)]
    assert sorted(e2e) == sorted(o.end_to_end_id for o in PaymentOrder.objects.filter(batch=batch))
    assert root.findtext(".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == accounts["payments"].iban
    batch.refresh_from_db()
    assert batch.downloaded_at is not None


def test_batch_refusals(officer_client, finance_officer, accounts, token_client, approver):
    order = approved(finance_officer)
    base = {"orders": [order.pk], "scheme": "pain.001.001.09", "account": accounts["payments"].pk}
    today = timezone.localdate()
    past = post(officer_client, f"{P}/payment-batches/", {**base, "execution_date": str(today - dt.timedelta(1))})
    assert past.status_code == 400 and "execution_date" in past.json()["extra"]["fields"]
    wrong_account = {**base, "execution_date": str(today), "account": accounts["frbrtc"].pk}
    assert post(officer_client, f"{P}/payment-batches/", wrong_account).status_code == 400
    not_approved = {**base, "orders": [prepared().pk], "execution_date": str(today)}
    assert post(officer_client, f"{P}/payment-batches/", not_approved).status_code == 409
    assert (
        post(officer_client, f"{P}/payment-batches/", {**base, "execution_date": str(today), "x": 1}).status_code == 400
    )
    assert (
        post(officer_client, f"{P}/payment-batches/", {**base, "orders": "1", "execution_date": str(today)}).status_code
        == 400
    )
    assert (
        post(token_client(approver), f"{P}/payment-batches/", {**base, "execution_date": str(today)}).status_code == 403
    )
    assert not PaymentBatch.objects.exists()


def test_only_the_officer_downloads_the_file(token_client, approver, auditor):
    batch = batched()
    assert token_client(approver).get(f"{P}/payment-batches/{batch.pk}/").status_code == 200
    assert token_client(approver).get(f"{P}/payment-batches/{batch.pk}/pain001/").status_code == 403
    assert token_client(auditor).get(f"{P}/payment-batches/{batch.pk}/pain001/").status_code == 403


@pytest.mark.parametrize("rows", [1, 6])
def test_batch_list_runs_fixed_queries(officer_client, finance_officer, django_assert_num_queries, rows):
    for _ in range(rows):
        batched(finance_officer)
    with django_assert_num_queries(5):
        assert len(officer_client.get(f"{P}/payment-batches/").json()["results"]) == rows
