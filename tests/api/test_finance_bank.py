"""Finance API: bank statements (import all or nothing, lines, matches, manual matching and undo), reconciliation
workbooks (202, progress, the .xlsx read back), and the finance end of a grant's journey through the API alone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.roles import StaffRole
from finance.models import (
    BankStatement,
    LineMatch,
    OrderStatus,
    PayableStatus,
    PaymentOrder,
    ReconciliationWorkbook,
    StatementLine,
)
from finance.seed import seed_treasury_accounts
from grants.models import TrancheStatus
from tests.api.matrix.finance import batched, imported, staff, statement_file
from tests.finance.fixtures_bank import Movement, coda_file, coda_records, receivable_with_ogm
from tests.finance.fixtures_orders import *  # noqa: F403 - due_advance, its people and accounts
from tests.finance.fixtures_workbooks import open_workbook
from tests.finance.test_money_chain import bank_statement_of, read_pain001

pytestmark = pytest.mark.django_db

P = "/api/v1/finance"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def officer_client(token_client, finance_officer):
    return token_client(finance_officer)


@pytest.fixture
def payments(db):
    return {account.purpose: account for account in seed_treasury_accounts()}["payments"]


def upload(client, content: bytes, name: str = "camt053.xml", **extra):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(f"{P}/bank-statements/", {"file": file}, format="multipart", **EN, **extra)


def post(client, url, body=None, **extra):
    return client.post(url, body if body is not None else {}, format="json", **EN, **extra)


# --- import ---------------------------------------------------------------------------------------------------------


def test_a_statement_is_imported_with_its_lines(officer_client, finance_officer, payments):
    today = timezone.localdate()
    moves = [Movement(amount=Decimal("-12.50"), value_date=today, bank_reference="B-1", free="Fee")]
    response = upload(officer_client, statement_file(movements=moves, number="77"))
    assert response.status_code == 201, response.content
    statement = BankStatement.objects.get()
    body = response.json()
    assert (body["id"], body["number"], body["format"]) == (statement.pk, "77", "camt053")
    assert body["account"]["iban"] == payments.iban and body["imported_by"] == finance_officer.email
    [line] = body["lines"]
    assert (line["amount"], line["left"], line["matches"]) == ("-12.50", "12.50", [])
    assert StatementLine.objects.get().amount == Decimal("-12.50")


def test_a_malformed_file_is_a_400_with_the_line_and_nothing_is_stored(officer_client, payments):
    records = coda_records(
        iban=payments.iban, movements=[Movement(amount=Decimal("5.00"), value_date=dt.date(2026, 3, 1))]
    )
    records[2] = records[2][:32] + "100000001x345000" + records[2][48:]
    response = upload(officer_client, coda_file(records), "statement.cod")
    assert response.status_code == 400
    body = response.json()
    assert body["extra"]["line"] == 3
    assert body["message"].startswith("Line 3: the amount")
    assert body["extra"]["fields"]["file"] == [body["message"]]
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()


def test_the_same_file_twice_is_a_400_on_the_file(officer_client, payments):
    content = statement_file()
    assert upload(officer_client, content).status_code == 201
    again = upload(officer_client, content)
    assert again.status_code == 400
    assert "already imported" in again.json()["message"]
    assert "file" in again.json()["extra"]["fields"]
    assert BankStatement.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "camt.xml", "The data sent is not valid."),  # DRF's FileField: "The submitted file is empty."
        (b"MZ\x90\x00 a program", "camt.xml", "program"),
        (b"<Document/>", "statement.exe", "as the bank gives it"),
        (b"<not xml", "camt.xml", ""),
    ],
)
def test_bad_files_are_refused(officer_client, payments, content, name, words):
    response = upload(officer_client, content, name)
    assert response.status_code == 400
    assert words in response.json()["message"]
    assert "file" in response.json()["extra"]["fields"]
    assert not BankStatement.objects.exists()


def test_a_too_large_file_is_refused(officer_client, payments, settings):
    settings.BPL_MAX_UPLOAD_BYTES = 100
    response = upload(officer_client, statement_file())
    assert response.status_code == 400 and "too large" in response.json()["message"]


def test_a_statement_of_another_account_is_refused(officer_client, payments):
    response = upload(officer_client, statement_file(iban="BE62510007547061"))
    assert response.status_code == 400 and "not an account of the administration" in response.json()["message"]


def test_upload_input_and_roles(token_client, officer_client, payments, auditor, commune_editor):
    assert officer_client.post(f"{P}/bank-statements/", {}, format="multipart").status_code == 400
    assert officer_client.post(f"{P}/bank-statements/", {"file": "text"}, format="multipart").status_code == 400
    content = statement_file()
    assert upload(token_client(auditor), content).status_code == 403
    assert upload(token_client(commune_editor), content).status_code == 404
    assert upload(token_client(staff(StaffRole.FINANCE_OFFICER), "read"), content).status_code == 403
    assert not BankStatement.objects.exists()


@pytest.mark.parametrize("rows", [1, 6])
def test_statement_and_line_lists_run_fixed_queries(officer_client, payments, django_assert_num_queries, rows):
    for _ in range(rows):
        imported()
    with django_assert_num_queries(5):
        assert len(officer_client.get(f"{P}/bank-statements/").json()["results"]) == rows
    with django_assert_num_queries(5):
        assert len(officer_client.get(f"{P}/statement-lines/").json()["results"]) == rows


# --- matching by hand and undoing -----------------------------------------------------------------------------------


def test_a_line_is_matched_by_hand_to_its_order(officer_client, token_client, finance_approver_user):
    batch = batched()
    order = batch.orders.get()
    today = timezone.localdate()
    line = imported(statement_file(movements=[Movement(amount=-order.amount, value_date=today)])).lines.get()
    url = f"{P}/statement-lines/{line.pk}/matches/"
    found = officer_client.get(f"{P}/statement-lines/?amount={order.amount}").json()["results"]
    assert [row["id"] for row in found] == [line.pk]
    body = {"target": "order", "target_id": order.pk, "amount": str(order.amount)}
    assert post(token_client(finance_approver_user), url, body).status_code == 403
    wrong = post(officer_client, url, {**body, "amount": "1.00"})
    assert wrong.status_code == 400 and "paid whole" in wrong.json()["message"]
    for bad in ({**body, "target": "cheque"}, {**body, "amount": "abc"}, {**body, "more": 1}, {"target": "order"}):
        assert post(officer_client, url, bad).status_code == 400
    done = post(officer_client, url, body, HTTP_IDEMPOTENCY_KEY="m-1")
    assert done.status_code == 201, done.content
    assert post(officer_client, url, body, HTTP_IDEMPOTENCY_KEY="m-1").json() == done.json()
    assert LineMatch.objects.count() == 1
    order.refresh_from_db()
    assert (order.status, order.paid_on) == (OrderStatus.PAID, today)
    detail = officer_client.get(f"{P}/statement-lines/{line.pk}/").json()
    assert detail["left"] == "0.00" and detail["matches"][0]["payment_order"] == order.pk
    assert officer_client.get(f"{P}/statement-lines/?amount={order.amount}").json()["results"] == []
    # Paying an order moved its tranche or drawdown on: that match cannot be undone.
    undo = post(officer_client, f"{P}/line-matches/{done.json()['id']}/undo/", {"reason": "Wrong line"})
    assert undo.status_code == 409


def test_a_recovery_match_is_undone_with_a_reason(officer_client, payments):
    receivable = receivable_with_ogm(amount="500.00", number=4)
    today = timezone.localdate()
    received = Movement(amount=Decimal("500.00"), value_date=today, structured=receivable.structured_communication)
    line = imported(statement_file(movements=[received])).lines.get()
    made = post(
        officer_client,
        f"{P}/statement-lines/{line.pk}/matches/",
        {"target": "receivable", "target_id": receivable.pk, "amount": "500.00"},
    )
    assert made.status_code == 201, made.content
    url = f"{P}/line-matches/{made.json()['id']}/undo/"
    assert post(officer_client, url, {"reason": " "}).status_code == 400
    done = post(officer_client, url, {"reason": "Another debtor's payment"})
    assert done.status_code == 200 and done.json()["undo_reason"] == "Another debtor's payment"
    assert LineMatch.objects.get().undone_at is not None
    assert post(officer_client, url, {"reason": "Again"}).status_code == 409
    assert post(officer_client, f"{P}/line-matches/999999/undo/", {"reason": "x"}).status_code == 404


@pytest.fixture
def finance_approver_user(db):
    return staff(StaffRole.FINANCE_APPROVER)


# --- reconciliation workbooks ---------------------------------------------------------------------------------------


def test_a_workbook_is_requested_built_and_downloaded(
    token_client, auditor, django_capture_on_commit_callbacks, payments
):
    client = token_client(auditor)
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, f"{P}/reconciliation-workbooks/", {"year": year, "language": "en"})
    assert response.status_code == 202, response.content
    body = response.json()
    workbook = ReconciliationWorkbook.objects.get()
    assert body["id"] == workbook.pk and body["status"] == "queued" and body["download_url"] is None
    assert body["progress_url"].endswith(f"/api/v1/finance/reconciliation-workbooks/{workbook.pk}/")
    progress = client.get(body["progress_url"]).json()
    assert progress["status"] == "ready" and progress["percent"] == 100
    download = client.get(progress["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = open_workbook(b"".join(download.streaming_content))
    assert {"Payments", "Budget"} <= set(book.sheetnames)


def test_workbook_refusals(token_client, auditor, eligibility_officer, commune_editor):
    client = token_client(auditor)
    for body in ({"year": 1990}, {"year": "soon"}, {"year": 2026, "language": "de"}, {"year": 2026, "x": 1}, {}):
        assert post(client, f"{P}/reconciliation-workbooks/", body).status_code == 400
    assert post(token_client(eligibility_officer), f"{P}/reconciliation-workbooks/", {"year": 2026}).status_code == 403
    assert post(token_client(commune_editor), f"{P}/reconciliation-workbooks/", {"year": 2026}).status_code == 404
    assert not ReconciliationWorkbook.objects.exists()
    queued = ReconciliationWorkbook.objects.create(year=2026, language="en", requested_by=auditor)
    refused = client.get(f"{P}/reconciliation-workbooks/{queued.pk}/download/", **EN)
    assert refused.status_code == 409 and refused.json()["message"] == "This workbook is not ready."


@pytest.mark.parametrize("rows", [1, 6])
def test_workbook_list_runs_fixed_queries(token_client, auditor, django_assert_num_queries, rows):
    for _ in range(rows):
        ReconciliationWorkbook.objects.create(year=2026, language="en", requested_by=auditor)
    client = token_client(auditor)
    with django_assert_num_queries(5):
        assert len(client.get(f"{P}/reconciliation-workbooks/").json()["results"]) == rows


# --- the finance end of a grant's journey, through the API alone ----------------------------------------------------


def test_a_due_tranche_is_ordered_approved_batched_paid_and_matched_through_the_api(
    due_advance, accounts, token_client, finance_officer, approver, second_approver, django_capture_on_commit_callbacks
):
    officer, first, second = token_client(finance_officer), token_client(approver), token_client(second_approver)
    today = timezone.localdate()
    visa = {"visa_reference": "CF-2026-0101", "visa_date": today.isoformat()}

    (row,) = officer.get(f"{P}/payables/?status=due&kind=tranche&has_order=false").json()["results"]
    assert (row["id"], row["amount"]) == (due_advance.payable_id, "800000.00")
    order = post(officer, f"{P}/payables/{row['id']}/prepare-order/", HTTP_IDEMPOTENCY_KEY="prepare-1").json()
    assert (order["status"], order["approvals_needed"], order["kind"]) == ("prepared", 2, "tranche")
    assert post(first, f"{P}/payment-orders/{order['id']}/approve/", visa).json()["approvals_given"] == 1
    approved = post(second, f"{P}/payment-orders/{order['id']}/approve/", {"seen_approvals": 1}).json()
    assert approved["status"] == "approved"

    accounts = officer.get(f"{P}/treasury-accounts/").json()["results"]
    (account,) = [a for a in accounts if a["purpose"] == approved["account_purpose"]]
    batch_body = {"orders": [order["id"]], "scheme": "pain.001.001.09", "execution_date": today.isoformat()}
    batch = post(officer, f"{P}/payment-batches/", {**batch_body, "account": account["id"]}).json()
    xml = officer.get(f"{P}/payment-batches/{batch['id']}/pain001/").content
    pain = read_pain001(xml)
    assert [p["end_to_end_id"] for p in pain["payments"]] == [order["end_to_end_id"]]

    value_date = max(today - dt.timedelta(days=1), dt.date(today.year, 1, 1))
    camt = bank_statement_of(pain, number="101", value_date=value_date, booked=today)
    with django_capture_on_commit_callbacks(execute=True):
        imported_statement = upload(officer, camt)
    assert imported_statement.status_code == 201
    statement = officer.get(f"{P}/bank-statements/{imported_statement.json()['id']}/").json()
    (line,) = statement["lines"]
    assert (line["left"], line["matches"][0]["method"], line["matches"][0]["payment_order"]) == (
        "0.00",
        "e2e",
        order["id"],
    )
    paid = officer.get(f"{P}/payment-orders/{order['id']}/").json()
    assert (paid["status"], paid["paid_on"]) == ("paid", value_date.isoformat())
    assert officer.get(f"{P}/payables/?status=paid").json()["results"][0]["id"] == row["id"]
    due_advance.refresh_from_db()
    assert due_advance.status == TrancheStatus.PAID
    assert PaymentOrder.objects.get().payable.status == PayableStatus.PAID
