"""Loan products, the schedule simulator, loans (list, page, schedule, ledger) and drawdowns through the API: the
portal's and the staff pages' rules, a 404 for another borrower's loan, a 403 for a role, a 409 for a state, money
events that a retry with the same Idempotency-Key does not repeat, and lists that cost the same whatever their size."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import IdempotencyRecord
from core.roles import StaffRole
from finance.models import Commitment, Payable
from loans.models import Drawdown, DrawdownInvoice, LedgerEntry, Loan, LoanApplication
from loans.schedules import simulate
from loans.services.ledger import installments_fall_due
from loans.services.repayments import repayment_record
from loans.services.schedules import current_schedule
from tests.api.matrix.loans import LOAN_TERMS
from tests.factories import UserFactory
from tests.loans import journey
from tests.loans.fixtures import days_ago, publish_sports_product

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def loan(
    loan_process, commune, commune_editor, signatory, loan_analyst, finance_officer, django_capture_on_commit_callbacks
):
    """1.000.000,00 EUR granted through the services; 600.000,00 drawn and paid 400 days ago, so the first instalment
    fell due; 10.000,00 paid on it."""
    version = publish_sports_product(code="api", uses_borrowing_capacity=False)
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
        key="api-test-1",
    )
    return loan


def more_loans(loan, count: int) -> None:
    """Loans of the same borrower straight in the tables (as tests/loans/test_portal_loans.py): the list's queries
    must not grow with them."""
    for number in range(count):
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
            **{name: getattr(loan, name) for name in LOAN_TERMS},
        )


def staff(role: str):
    return UserFactory(email=f"{role}@bpl.brussels", roles=[role])


def same_queries(client, url: str, grow) -> None:
    """The list costs the same number of queries before and after `grow()` adds rows."""
    with CaptureQueriesContext(connection) as small:
        first = client.get(url)
    assert first.status_code == 200
    before = len(first.json()["results"])
    grow()
    with CaptureQueriesContext(connection) as large:
        second = client.get(url)
    assert len(second.json()["results"]) > before
    assert len(large.captured_queries) == len(small.captured_queries)


# --- products -------------------------------------------------------------------------------------------------------


def test_the_open_products_are_listed_for_anyone(api_client, loan_process):
    version = publish_sports_product(code="sport2021")
    publish_sports_product(code="closed", closes_at=timezone.now() - timezone.timedelta(days=1))
    response = api_client.get("/api/v1/loan-products/", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    [row] = response.json()
    assert row["code"] == "sport2021" and row["version"] == 1 and row["is_open"] is True
    assert row["title"] == version.title_nl
    assert row["rate"] == "0.015000" and row["envelope"] == "50000000.00" and row["eligible_kinds"] == ["commune"]


def test_a_product_page_says_for_each_of_my_organisations_whether_it_may_apply(
    token_client, commune_editor, commune, other_commune, loan_analyst, loan_process
):
    version = publish_sports_product(code="sport2021")
    journey_shares = {commune: "10", other_commune: "90"}
    from tests.loans.fixtures import share_table

    share_table(version.product, journey_shares, by=loan_analyst)
    body = token_client(commune_editor).get("/api/v1/loan-products/sport2021/", **EN).json()
    [borrower] = body["borrowers"]
    assert borrower["organisation"]["id"] == commune.pk and borrower["allowed"] is True
    assert borrower["capacity"]["cap"] == "5000000.00" and borrower["capacity"]["available"] == "5000000.00"
    assert [doc["code"] for doc in body["required_documents"]] == [spec["code"] for spec in version.required_documents]
    # A staff member belongs to no borrower: none is listed.
    assert token_client(loan_analyst).get("/api/v1/loan-products/sport2021/").json()["borrowers"] == []


def test_an_unknown_or_unpublished_product_is_a_404(api_client, loan_process):
    draft = publish_sports_product(code="draft")
    draft.status = "draft"
    draft.save(update_fields=["status"])
    for code in ("nothing", "draft"):
        response = api_client.get(f"/api/v1/loan-products/{code}/")
        assert response.status_code == 404
        assert set(response.json()) == {"message", "extra"}


# --- the simulator --------------------------------------------------------------------------------------------------

SIMULATION = {"principal": "1000000.00", "rate": "3", "years": 20, "start": "2026-01-01"}


def test_an_analyst_simulates_the_schedule_of_the_staff_simulator(token_client, loan_analyst):
    response = token_client(loan_analyst).post("/api/v1/loan-simulations/", SIMULATION, format="json")
    assert response.status_code == 200
    body = response.json()
    expected = simulate(
        principal=Decimal("1000000.00"),
        rate=Decimal("3"),
        years=20,
        frequency="annual",
        method="annuity",
        day_count="30/360",
        start=timezone.datetime(2026, 1, 1).date(),
    )
    assert len(body["lines"]) == 20
    assert body["lines"][0] == {
        "n": 1,
        "due_date": "2027-01-01",
        "payment": "67215.71",
        "interest": "30000.00",
        "principal": "37215.71",
        "outstanding": "962784.29",
    }
    assert body["lines"][-1]["outstanding"] == "0.00"
    assert body["totals"]["principal"] == "1000000.00"
    assert body["totals"]["payment"] == str(sum(line.payment for line in expected))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"rate": "150"}, "non_field_errors", "The rate cannot exceed 100 percent."),
        ({"years": 0}, "non_field_errors", "The term must be at least one period."),
        ({"principal": "0.00"}, "non_field_errors", "A drawdown must be above zero."),
        ({"grace_periods": 20}, "non_field_errors", "The grace on principal must leave at least one period to repay."),
        ({"years": "twenty"}, "years", "A valid integer is required."),
        ({"method": "linear"}, "method", '"linear" is not a valid choice.'),
        ({"start": "01/01/2026"}, "start", None),
        ({"colour": "red"}, "colour", "Unknown field."),
    ],
)
def test_terms_the_simulator_refuses_are_a_400(token_client, loan_analyst, change, field, message):
    response = token_client(loan_analyst).post(
        "/api/v1/loan-simulations/", {**SIMULATION, **change}, format="json", **EN
    )
    assert response.status_code == 400
    fields = response.json()["extra"]["fields"]
    assert field in fields
    if message:
        assert message in (fields[field] + [response.json()["message"]])


def test_a_missing_input_is_a_400(token_client, loan_analyst):
    response = token_client(loan_analyst).post("/api/v1/loan-simulations/", {"rate": "3"}, format="json")
    assert response.status_code == 400
    assert {"principal", "years", "start"} <= set(response.json()["extra"]["fields"])


def test_only_analysts_simulate_as_on_the_staff_page(token_client, auditor, commune_editor):
    refused = token_client(auditor).post("/api/v1/loan-simulations/", SIMULATION, format="json", **EN)
    assert refused.status_code == 403 and refused.json()["message"] == "Only loan analysts do this."
    assert token_client(commune_editor).post("/api/v1/loan-simulations/", SIMULATION, format="json").status_code == 404


def test_a_read_only_token_cannot_post_a_simulation(token_client, loan_analyst):
    response = token_client(loan_analyst, "read").post("/api/v1/loan-simulations/", SIMULATION, format="json")
    assert response.status_code == 403


# --- the loans ------------------------------------------------------------------------------------------------------


def test_my_loans_with_their_figures_and_nothing_of_another_borrower(
    token_client, loan, commune_editor, other_commune_editor, auditor
):
    [row] = token_client(commune_editor).get("/api/v1/loans/").json()["results"]
    assert row["id"] == loan.pk and row["reference"] == loan.reference
    assert row["approved_amount"] == "1000000.00" and row["drawn"] == "600000.00"
    assert Decimal(row["outstanding"]) == sum(e.principal for e in LedgerEntry.objects.filter(loan=loan))
    assert token_client(other_commune_editor).get("/api/v1/loans/").json()["results"] == []
    # Staff who may read loans see every borrower's, as on the staff list.
    assert [r["id"] for r in token_client(auditor).get("/api/v1/loans/").json()["results"]] == [loan.pk]
    assert token_client(auditor).get("/api/v1/loans/?status=repaid").json()["results"] == []


def test_the_loan_list_costs_the_same_queries_for_1_or_4_loans(token_client, loan, commune_editor):
    same_queries(token_client(commune_editor), "/api/v1/loans/", lambda: more_loans(loan, 3))


def test_a_loan_page_has_its_balances_drawdowns_instalments_and_repayments(token_client, loan, signatory):
    body = token_client(signatory).get(f"/api/v1/loans/{loan.pk}/").json()
    assert body["reference"] == loan.reference and body["status"] == "active"
    assert body["left_to_draw"] == "400000.00" and body["drawdowns_left"] == loan.max_drawdowns - 1
    assert body["may_draw"] is True
    [drawdown] = body["drawdowns"]
    assert drawdown["status"] == "paid" and drawdown["amount"] == "600000.00"
    assert drawdown["invoices"][0]["invoice_reference"] == "F-600000.00"
    first = body["installments"][0]
    assert first["structured_communication"] == loan.installments.get(n=1).structured_communication
    assert first["owed"] is not None and body["installments"][1]["owed"] is None
    assert body["repayments"] == [
        {
            "amount": "10000.00",
            "value_date": loan.installments.get(n=1).due_date.isoformat(),
            "structured_communication": first["structured_communication"],
            "installment": 1,
        }
    ]
    assert Decimal(body["balances"]["principal"]) == Decimal(body["outstanding"])


def test_another_borrower_and_staff_who_do_not_read_loans_get_404(token_client, loan, other_commune_editor):
    reviewer = staff(StaffRole.REVIEWER)
    invoice = DrawdownInvoice.objects.get()
    for user in (other_commune_editor, reviewer):
        client = token_client(user)
        for url in (
            f"/api/v1/loans/{loan.pk}/",
            f"/api/v1/loans/{loan.pk}/schedule/",
            f"/api/v1/loan-invoices/{invoice.pk}/",
        ):
            assert client.get(url).status_code == 404, url


def test_the_schedule_in_force_line_by_line(token_client, loan, commune_editor):
    schedule = current_schedule(loan)
    response = token_client(commune_editor).get(f"/api/v1/loans/{loan.pk}/schedule/?page_size=100")
    rows = response.json()["results"]
    lines = list(schedule.lines.order_by("n"))
    assert [row["n"] for row in rows] == [line.n for line in lines]
    assert rows[0]["payment"] == str(lines[0].payment) and rows[0]["schedule_version"] == schedule.number


def test_the_schedule_costs_the_same_queries_for_5_or_20_lines(token_client, loan, commune_editor):
    client = token_client(commune_editor)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(f"/api/v1/loans/{loan.pk}/schedule/?page_size=5").json()["results"]) == 5
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(f"/api/v1/loans/{loan.pk}/schedule/?page_size=20").json()["results"]) == 20
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_loan_without_a_paid_drawdown_has_an_empty_schedule(token_client, matrix_loan, commune_editor):
    assert token_client(commune_editor).get(f"/api/v1/loans/{matrix_loan.pk}/schedule/").json()["results"] == []


@pytest.fixture
def matrix_loan(commune, commune_editor, signatory):
    from tests.api.matrix import loans as rows

    class Ctx:
        def __init__(self):
            self.commune = commune

        def user(self, persona):
            return {"commune_editor": commune_editor, "signatory": signatory}[persona]

    return rows.loan(Ctx())


# --- the ledger -----------------------------------------------------------------------------------------------------


def test_staff_read_the_ledger_in_booking_order(token_client, loan, finance_officer):
    response = token_client(finance_officer).get(f"/api/v1/loans/{loan.pk}/ledger/?page_size=100")
    rows = response.json()["results"]
    entries = list(LedgerEntry.objects.filter(loan=loan).order_by("id"))
    assert [row["id"] for row in rows] == [entry.pk for entry in entries]
    assert rows[0]["kind"] == "drawdown" and rows[0]["principal"] == "600000.00" and rows[0]["drawdown"] == 1
    kinds = {
        row["kind"]
        for row in token_client(finance_officer)
        .get(f"/api/v1/loans/{loan.pk}/ledger/?kind=repayment")
        .json()["results"]
    }
    assert kinds == {"repayment"}


def test_the_ledger_is_the_staff_pages_and_cannot_be_written(token_client, loan, signatory, finance_officer):
    assert token_client(signatory).get(f"/api/v1/loans/{loan.pk}/ledger/").status_code == 404
    assert token_client(staff(StaffRole.CALL_MANAGER)).get(f"/api/v1/loans/{loan.pk}/ledger/").status_code == 403
    for method in ("post", "put", "patch", "delete"):
        assert getattr(token_client(finance_officer), method)(f"/api/v1/loans/{loan.pk}/ledger/").status_code == 405


def test_the_ledger_costs_the_same_queries_for_2_or_6_entries(token_client, loan, finance_officer):
    client = token_client(finance_officer)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(f"/api/v1/loans/{loan.pk}/ledger/?page_size=2").json()["results"]) == 2
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(f"/api/v1/loans/{loan.pk}/ledger/?page_size=6").json()["results"]) >= 3
    assert len(large.captured_queries) == len(small.captured_queries)


# --- drawdown requests ----------------------------------------------------------------------------------------------


def drawdown_body(amount: str = "150000.50", invoices=None) -> dict:
    invoices = invoices or [
        ("F-2026-101", "100000.00", journey.pdf("f101.pdf")),
        ("F-2026-102", "50000.50", journey.pdf()),
    ]
    return {
        "amount": amount,
        "invoice_reference": [reference for reference, _amount, _file in invoices],
        "invoice_amount": [value for _reference, value, _file in invoices],
        "invoice_file": [file for _reference, _amount, file in invoices],
    }


def test_a_signatory_asks_for_a_drawdown_with_its_invoices(token_client, loan, signatory):
    response = token_client(signatory).post(f"/api/v1/loans/{loan.pk}/drawdowns/", drawdown_body(), format="multipart")
    assert response.status_code == 201, response.json()
    drawdown = Drawdown.objects.get(number=2)
    assert response.json()["id"] == drawdown.pk and response.json()["status"] == "requested"
    assert drawdown.amount == Decimal("150000.50") and drawdown.requested_by == signatory
    assert [(i.invoice_reference, i.invoice_amount) for i in drawdown.invoices.order_by("id")] == [
        ("F-2026-101", Decimal("100000.00")),
        ("F-2026-102", Decimal("50000.50")),
    ]
    invoice = drawdown.invoices.order_by("id").first()
    download = token_client(signatory).get(f"/api/v1/loan-invoices/{invoice.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == journey.PDF


def test_a_drawdown_request_replayed_with_its_key_is_asked_once(token_client, loan, signatory):
    client = token_client(signatory)
    url = f"/api/v1/loans/{loan.pk}/drawdowns/"
    first = client.post(url, drawdown_body(), format="multipart", HTTP_IDEMPOTENCY_KEY="draw-1")
    again = client.post(url, drawdown_body(), format="multipart", HTTP_IDEMPOTENCY_KEY="draw-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Drawdown.objects.filter(loan=loan).count() == 2 and DrawdownInvoice.objects.count() == 3
    other = client.post(url, drawdown_body("1000.00"), format="multipart", HTTP_IDEMPOTENCY_KEY="draw-1")
    assert other.status_code == 422
    assert Drawdown.objects.filter(loan=loan).count() == 2


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (drawdown_body("500000.00", [("F-1", "500000.00", "pdf")]), "amount", "is more than what is left to draw"),
        (
            drawdown_body("100000.00", [("F-1", "60000.00", "pdf"), ("F-2", "20000.00", "pdf")]),
            "amount",
            "do not cover",
        ),
        (drawdown_body("0", [("F-1", "100.00", "pdf")]), "amount", "Give an amount above zero."),
        (drawdown_body("100.00", [("", "100.00", "pdf")]), "invoice_reference", "Give the reference of every invoice."),
        (drawdown_body("100.00", [("F-1", "-100.00", "pdf")]), "invoice_amount", "Give an amount above zero."),
        (drawdown_body("100.00", [("F-1", "100.00", "txt")]), "file", "Files of this kind are not accepted."),
        (drawdown_body("100.00", [("F-1", "100.00", "empty")]), "file", "This file is empty."),
        (drawdown_body("100.00", [("F-1", "100.00", "exe")]), "file", None),
        (drawdown_body("cent", [("F-1", "100.00", "pdf")]), "amount", "A valid number is required."),
        ({"amount": "100.00", "invoice_reference": ["F-1"], "invoice_amount": ["100.00"]}, "invoice_file", None),
        ({**drawdown_body("100.00", [("F-1", "100.00", "pdf")]), "invoice_amount": ["1", "2"]}, "invoice_file", None),
        ({**drawdown_body("100.00", [("F-1", "100.00", "pdf")]), "colour": "red"}, "colour", "Unknown field."),
    ],
)
def test_a_wrong_drawdown_request_is_a_400_and_stores_nothing(token_client, loan, signatory, body, field, message):
    files = {
        "pdf": lambda: journey.pdf("f.pdf"),
        "txt": lambda: SimpleUploadedFile("f.txt", b"x"),
        "empty": lambda: SimpleUploadedFile("f.pdf", b""),
        "exe": lambda: SimpleUploadedFile("f.pdf", b"MZ\x90\x00 a program"),
    }
    if "invoice_file" in body:
        body = {
            **body,
            "invoice_file": [files[kind]() if isinstance(kind, str) else kind for kind in body["invoice_file"]],
        }
    response = token_client(signatory).post(f"/api/v1/loans/{loan.pk}/drawdowns/", body, format="multipart", **EN)
    assert response.status_code == 400, response.json()
    payload = response.json()
    if field != "file":
        assert field in payload["extra"]["fields"]
    if message:
        assert message in payload["message"] or message in str(payload["extra"])
    assert Drawdown.objects.count() == 1 and DrawdownInvoice.objects.count() == 1


def test_a_file_over_the_upload_limit_is_refused(token_client, loan, signatory, settings):
    settings.BPL_MAX_UPLOAD_BYTES = 10
    body = drawdown_body("100.00", [("F-1", "100.00", journey.pdf())])
    response = token_client(signatory).post(f"/api/v1/loans/{loan.pk}/drawdowns/", body, format="multipart")
    assert response.status_code == 400
    assert Drawdown.objects.count() == 1


def test_only_a_signatory_asks_for_a_drawdown(token_client, loan, commune_editor, other_commune_editor, loan_analyst):
    url = f"/api/v1/loans/{loan.pk}/drawdowns/"
    refused = token_client(commune_editor).post(url, drawdown_body(), format="multipart", **EN)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only a signatory of the organisation can do this: ask one to sign."
    assert token_client(loan_analyst).post(url, drawdown_body(), format="multipart").status_code == 403
    assert token_client(other_commune_editor).post(url, drawdown_body(), format="multipart").status_code == 404
    assert Drawdown.objects.count() == 1


def test_a_read_only_token_cannot_ask_for_a_drawdown(token_client, loan, signatory):
    response = token_client(signatory, "read").post(
        f"/api/v1/loans/{loan.pk}/drawdowns/", drawdown_body(), format="multipart"
    )
    assert response.status_code == 403
    assert Drawdown.objects.count() == 1


def test_a_loan_that_is_not_active_takes_no_drawdown(token_client, loan, signatory):
    loan.status = "repaid"
    loan.save(update_fields=["status"])
    response = token_client(signatory).post(
        f"/api/v1/loans/{loan.pk}/drawdowns/", drawdown_body(), format="multipart", **EN
    )
    # The service's own answer, as on the portal page: the loan's state makes the amount impossible.
    assert response.status_code == 400
    assert response.json()["message"] == "This loan is not active: no drawdown is possible."


# --- approving and refusing -----------------------------------------------------------------------------------------


@pytest.fixture
def requested(loan, signatory) -> Drawdown:
    from loans.services.drawdowns import InvoiceIn, drawdown_request

    return drawdown_request(
        actor=signatory,
        loan_id=loan.pk,
        amount="100000.00",
        invoices=[InvoiceIn(reference="F-9", amount="100000.00", upload=journey.pdf())],
    )


def approve_url(drawdown, action: str = "approve") -> str:
    return f"/api/v1/loans/{drawdown.loan_id}/drawdowns/{drawdown.pk}/{action}/"


def test_an_analyst_approves_a_drawdown_once(token_client, requested, loan_analyst):
    client = token_client(loan_analyst)
    first = client.post(approve_url(requested), HTTP_IDEMPOTENCY_KEY="approve-1")
    assert first.status_code == 200 and first.json()["status"] == "approved"
    requested.refresh_from_db()
    assert first.json()["payable"] == requested.payable_id
    assert requested.status == "approved" and requested.decided_by == loan_analyst
    assert Payable.objects.filter(pk=requested.payable_id, amount=Decimal("100000.00")).exists()
    again = client.post(approve_url(requested), HTTP_IDEMPOTENCY_KEY="approve-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.filter(key="approve-1").count() == 1
    # Without the key, a second approval is refused by the state: decided already.
    conflict = client.post(approve_url(requested), **EN)
    assert conflict.status_code == 409 and conflict.json()["message"] == "This drawdown was decided already."
    assert Payable.objects.count() == 2  # the paid first drawdown's and this one


def test_only_loan_analysts_decide_drawdowns(token_client, requested, auditor, signatory, other_commune_editor):
    assert token_client(auditor).post(approve_url(requested)).status_code == 403
    assert token_client(staff(StaffRole.CALL_MANAGER)).post(approve_url(requested)).status_code == 403
    for member in (signatory, other_commune_editor):
        assert token_client(member).post(approve_url(requested)).status_code == 404
    requested.refresh_from_db()
    assert requested.status == "requested"


def test_a_drawdown_of_another_loan_is_a_404(token_client, requested, loan_analyst, matrix_loan):
    url = f"/api/v1/loans/{matrix_loan.pk}/drawdowns/{requested.pk}/approve/"
    assert token_client(loan_analyst).post(url).status_code == 404


def test_an_analyst_refuses_a_drawdown_with_the_reason(token_client, requested, loan_analyst):
    client = token_client(loan_analyst)
    blank = client.post(approve_url(requested, "refuse"), {"reason": " "}, format="json", **EN)
    assert blank.status_code == 400 and blank.json()["message"] == "Say why the drawdown is refused."
    assert client.post(approve_url(requested, "refuse"), {"reason": 3, "x": 1}, format="json").status_code == 400
    response = client.post(approve_url(requested, "refuse"), {"reason": "Factures illisibles."}, format="json")
    assert response.status_code == 200 and response.json()["refusal_reason"] == "Factures illisibles."
    requested.refresh_from_db()
    assert requested.status == "rejected"
    again = client.post(approve_url(requested, "refuse"), {"reason": "Encore."}, format="json")
    assert again.status_code == 409
    assert client.post(approve_url(requested)).status_code == 409


def test_a_read_only_token_decides_nothing(token_client, requested, loan_analyst):
    assert token_client(loan_analyst, "read").post(approve_url(requested)).status_code == 403
    requested.refresh_from_db()
    assert requested.status == "requested"


# --- repayments -----------------------------------------------------------------------------------------------------


def test_finance_records_a_repayment_once(token_client, loan, finance_officer):
    client = token_client(finance_officer)
    body = {"amount": "5000.00", "value_date": timezone.localdate().isoformat(), "structured_communication": ""}
    first = client.post(f"/api/v1/loans/{loan.pk}/repayments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == 201, first.json()
    assert first.json()["amount"] == "5000.00"
    again = client.post(f"/api/v1/loans/{loan.pk}/repayments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert loan.repayments.count() == 2  # the fixture's and this one
    assert LedgerEntry.objects.filter(loan=loan, repayment__amount=Decimal("5000.00")).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0", "value_date": "2026-01-01"}, "amount"),
        ({"amount": "beaucoup", "value_date": "2026-01-01"}, "amount"),
        ({"amount": "10.00", "value_date": "2999-01-01"}, "value_date"),
        ({"amount": "10.00"}, "value_date"),
        ({"amount": "10.00", "value_date": "2026-01-01", "bank": "x"}, "bank"),
    ],
)
def test_a_wrong_repayment_is_a_400(token_client, loan, finance_officer, body, field):
    response = token_client(finance_officer).post(f"/api/v1/loans/{loan.pk}/repayments/", body, format="json")
    assert response.status_code == 400 and field in response.json()["extra"]["fields"]
    assert loan.repayments.count() == 1


def test_who_records_repayments(token_client, loan, auditor, signatory, loan_analyst):
    body = {"amount": "5000.00", "value_date": timezone.localdate().isoformat()}
    url = f"/api/v1/loans/{loan.pk}/repayments/"
    assert token_client(auditor).post(url, body, format="json").status_code == 403
    assert token_client(signatory).post(url, body, format="json").status_code == 404
    loan.status = "repaid"
    loan.save(update_fields=["status"])
    assert token_client(loan_analyst).post(url, body, format="json").status_code == 409
    assert loan.repayments.count() == 1
