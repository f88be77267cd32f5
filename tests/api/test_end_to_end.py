"""Issue 8, "Done when": a commune submits a grant application and follows it to payment through the API alone.

Every step any person takes is an HTTP call with their own personal token: the commune's editor drafts and uploads,
its signatory submits and later claims the advance; the eligibility officer, the call manager, the reviewers, the
committee's secretary, the finance officer and two finance approvers do their work through /api/v1/ too. Only what
no person does through an application is set up directly: the reference data (the published call, the people and
their roles, the administration's bank accounts) and the bank, whose camt.053 statement is written from the
pain.001 file the API handed out. The commune reads, through the API, its application, its award and finally its
advance paid on the bank's value date.
"""

import datetime as dt
import io
import uuid
from decimal import Decimal

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from core.roles import StaffRole
from finance.seed import seed_treasury_accounts
from grants.seed import sample_answers
from tests.factories import BankAccountFactory, UserFactory
from tests.finance.fixtures_bank import Movement, camt_file
from tests.finance.test_money_chain import read_pain001
from tests.grants.fixtures import PDF, grant_process, sports_call  # noqa: F401

pytestmark = pytest.mark.django_db

GOOD = {"coverage": {"score": "8"}, "supralocal": {"score": "5"}, "tariff": {"score": "5"}}
ALL_MET = {code: {"verdict": "met"} for code in ("applicant", "investment", "resolution")}


class Caller:
    """One person at their own software: a personal read-write token, English answers, and a check of each status."""

    def __init__(self, user, make_token):
        _token, secret = make_token(user, "write")
        self.user = user
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {secret}", HTTP_ACCEPT_LANGUAGE="en")

    def get(self, path: str, expect: int = 200, **params):
        response = self.client.get(path, params)
        assert response.status_code == expect, (path, response.content[:500])
        return response

    def post(self, path: str, body: dict | None = None, expect: int = 200, *, files: bool = False, key: bool = True):
        headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if key else {}
        response = self.client.post(path, body or {}, format="multipart" if files else "json", **headers)
        assert response.status_code == expect, (path, response.content[:800])
        return response.json()

    def patch(self, path: str, body: dict, expect: int = 200):
        response = self.client.patch(path, body, format="json")
        assert response.status_code == expect, (path, response.content[:800])
        return response.json()


def body(response) -> bytes:
    """A download's bytes, streamed (FileResponse) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def the_one(tasks: list[dict], step: str) -> dict:
    matching = [task for task in tasks if task["step"] == step]
    assert len(matching) == 1, tasks
    return matching[0]


@pytest.fixture
def people(db, commune, commune_editor, signatory):
    BankAccountFactory(organisation=commune, holder="Commune d'Anderlecht")
    seed_treasury_accounts()

    def staff(email: str, role: str, **fields):
        return UserFactory(email=f"{email}@bpl.brussels", roles=[role], **fields)

    return {
        "editor": commune_editor,
        "signatory": signatory,
        "officer": staff("officer", StaffRole.ELIGIBILITY_OFFICER),
        "manager": staff("calls", StaffRole.CALL_MANAGER),
        "reviewers": [staff(f"reviewer{n}", StaffRole.REVIEWER) for n in range(2)],
        "secretary": staff("secretary", StaffRole.COMMITTEE_SECRETARY),
        "members": [staff(f"member{n}", StaffRole.COMMITTEE_MEMBER) for n in range(3)],
        "finance": staff("finance", StaffRole.FINANCE_OFFICER),
        "approvers": [staff(f"approver{n}", StaffRole.FINANCE_APPROVER) for n in range(2)],
    }


def test_a_commune_applies_and_follows_its_grant_to_payment_through_the_api_alone(
    sports_call,  # noqa: F811
    commune,
    people,
    make_token,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    editor, signatory = Caller(people["editor"], make_token), Caller(people["signatory"], make_token)
    officer, manager = Caller(people["officer"], make_token), Caller(people["manager"], make_token)
    secretary, finance = Caller(people["secretary"], make_token), Caller(people["finance"], make_token)
    approvers = [Caller(user, make_token) for user in people["approvers"]]
    today = timezone.localdate()

    # --- 1. The commune finds the call, drafts, uploads and submits ----------------------------------------------
    calls = editor.get("/api/v1/calls/", open="true").json()["results"]
    call_code = sports_call.call.code
    assert [call["code"] for call in calls] == [call_code]
    draft = editor.post("/api/v1/applications/", {"call": call_code, "organisation": commune.pk}, 201, key=False)
    app_url = f"/api/v1/applications/{draft['id']}/"
    answers = {**sample_answers(), "project_title": "Salle omnisports", "amount_requested": "1000000.00"}
    saved = editor.patch(app_url, {"version": draft["version"], "answers": answers})
    assert saved["answers"]["amount_requested"] == "1000000.00"
    for code in ("council_resolution", "cost_estimate"):
        editor.post(f"{app_url}documents/", {"document_code": code, "file": pdf(f"{code}.pdf")}, 201, files=True)
    # The editor may not sign; the signatory submits (a retry with the same key is answered, not resubmitted).
    editor.post(f"{app_url}submit/", expect=403)
    key = {"HTTP_IDEMPOTENCY_KEY": "submit-salle-omnisports"}
    with capture(execute=True):
        first = signatory.client.post(f"{app_url}submit/", {}, format="json", **key)
    assert first.status_code == 200, first.content
    again = signatory.client.post(f"{app_url}submit/", {}, format="json", **key)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    application = signatory.get(app_url).json()
    assert application["status"] == "submitted" and application["reference"]
    (snapshot,) = signatory.get(f"{app_url}history/").json()["submissions"]
    receipt = signatory.get(f"/api/v1/submissions/{snapshot['id']}/receipt/")
    assert receipt["Content-Type"] == "application/pdf"
    receipt_text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body(receipt))).pages)
    assert application["reference"] in receipt_text

    # --- 2. Eligibility: the officer takes the task from the queue and decides ------------------------------------
    task = the_one(officer.get("/api/v1/tasks/queue/").json()["results"], "check_eligibility")
    officer.post(f"/api/v1/tasks/{task['id']}/claim/", key=False)
    with capture(execute=True):
        officer.post(f"/api/v1/tasks/{task['id']}/eligibility-decision/", {"outcome": "eligible", "criteria": ALL_MET})
    assert editor.get(app_url).json()["status"] == "eligible"

    # --- 3. Review: the call manager assigns two reviewers; each declares no conflict and scores ---------------------
    reviewer_ids = [user.pk for user in people["reviewers"]]
    with capture(execute=True):
        manager.post(f"{app_url}reviewers/", {"reviewers": reviewer_ids}, 201)
    for user in people["reviewers"]:
        reviewer = Caller(user, make_token)
        task = the_one(reviewer.get("/api/v1/tasks/").json()["results"], "review")
        reviewer.post(f"/api/v1/tasks/{task['id']}/conflict-declaration/", {"conflict": False}, key=False)
        with capture(execute=True):
            reviewer.post(f"/api/v1/tasks/{task['id']}/review/", {"scores": GOOD, "submit": True})
    assert editor.get(app_url).json()["status"] == "reviewed"

    # --- 4. The committee: a session on the call, its agenda, attendance, the decision, the closing ---------------
    members = [user.pk for user in people["members"]]
    session = secretary.post(
        "/api/v1/sessions/",
        {
            "call": call_code,
            "held_at": timezone.now().isoformat(),
            "place": "Salle du conseil",
            "members": members,
            "quorum": 2,
        },
        201,
    )
    session_url = f"/api/v1/sessions/{session['id']}/"
    (item,) = secretary.post(f"{session_url}agenda/", key=False)["items"]
    assert item["application"]["id"] == draft["id"]
    secretary.post(f"{session_url}attendance/", {"present": members}, key=False)
    secretary.post(f"{session_url}items/{item['id']}/decision/", {"decision": "approved", "amount": "1000000.00"})
    with capture(execute=True):
        closed = secretary.post(f"{session_url}close/")
    assert closed["status"] == "closed"
    minutes = secretary.get(f"{session_url}minutes/nl/")
    assert minutes["Content-Type"] == "application/pdf" and body(minutes).startswith(b"%PDF")

    # --- 5. The approvals the amount needs, recorded by the call manager on the award's task -----------------------
    assert editor.get(app_url).json()["award"] is None  # not committed before its approvals
    task = the_one(manager.get("/api/v1/tasks/queue/").json()["results"], "record_approvals")
    manager.post(f"/api/v1/tasks/{task['id']}/claim/", key=False)
    approvals = manager.get(f"/api/v1/tasks/{task['id']}/approvals/").json()
    assert approvals["missing_levels"]
    for level in approvals["missing_levels"]:
        with capture(execute=True):
            manager.post(
                f"/api/v1/tasks/{task['id']}/approvals/",
                {"level": level["id"], "given_on": today.isoformat(), "reference": "GVT-2026-17"},
            )
    award_id = editor.get(app_url).json()["award"]
    assert award_id is not None
    award_url = f"/api/v1/awards/{award_id}/"
    award = signatory.get(award_url).json()
    assert award["status"] == "committed"
    assert Decimal(award["amount"]) == Decimal("1000000.00")
    assert editor.get(app_url).json()["status"] == "awarded"

    # --- 6. The signatory claims the advance ------------------------------------------------------------------------
    advance = next(tranche for tranche in award["tranches"] if tranche["claimable"])
    with capture(execute=True):
        signatory.post(f"/api/v1/tranches/{advance['id']}/claim/")
    advance = next(t for t in signatory.get(award_url).json()["tranches"] if t["id"] == advance["id"])
    assert advance["status"] == "due" and Decimal(advance["due_amount"]) == Decimal("800000.00")

    # --- 7. Finance: the order, four eyes and the visa, the batch, the pain.001 file -------------------------------
    (payable,) = finance.get("/api/v1/finance/payables/", status="due").json()["results"]
    assert payable["id"] == advance["payable"]
    order = finance.post(f"/api/v1/finance/payables/{payable['id']}/prepare-order/", expect=201)
    assert Decimal(order["amount"]) == Decimal("800000.00") and order["approvals_needed"] == 2
    order_url = f"/api/v1/finance/payment-orders/{order['id']}/"
    finance.post(f"{order_url}approve/", {"visa_reference": "CF-2026-0101", "visa_date": today.isoformat()}, 403)
    approvers[0].post(f"{order_url}approve/", {"visa_reference": "CF-2026-0101", "visa_date": today.isoformat()})
    approved = approvers[1].post(f"{order_url}approve/", {"seen_approvals": 1})
    assert approved["status"] == "approved"
    account = next(
        a for a in finance.get("/api/v1/finance/treasury-accounts/").json()["results"] if a["purpose"] == "payments"
    )
    batch = finance.post(
        "/api/v1/finance/payment-batches/",
        {
            "orders": [order["id"]],
            "scheme": "pain.001.001.09",
            "execution_date": today.isoformat(),
            "account": account["id"],
        },
        201,
    )
    xml = body(finance.get(f"/api/v1/finance/payment-batches/{batch['id']}/pain001/"))
    pain = read_pain001(xml)
    (payment,) = pain["payments"]
    assert payment["amount"] == Decimal("800000.00")
    assert payment["iban"] == commune.bank_accounts.get().iban

    # --- 8. The bank executes the file; its camt.053 statement is uploaded and matched ------------------------------
    value_date = max(today - dt.timedelta(days=1), dt.date(today.year, 1, 1))
    statement_file = camt_file(
        iban=pain["debtor_iban"],
        number="101",
        statement_date=today,
        movements=[
            Movement(
                amount=-payment["amount"],
                value_date=value_date,
                booking_date=today,
                end_to_end_id=payment["end_to_end_id"],
                counterparty_iban=payment["iban"],
                counterparty_name=payment["name"],
                counterparty_bic=payment["bic"],
                bank_reference="EXEC-101-1",
            )
        ],
    )
    upload = SimpleUploadedFile("camt053-101.xml", statement_file, content_type="application/xml")
    with capture(execute=True):
        statement = finance.post("/api/v1/finance/bank-statements/", {"file": upload}, 201, files=True, key=False)
    # Matching runs once the import commits (here: when the captured on-commit work runs), so read it back.
    (line,) = finance.get(f"/api/v1/finance/bank-statements/{statement['id']}/").json()["lines"]
    assert (Decimal(line["matched"]), Decimal(line["left"])) == (payment["amount"], Decimal("0.00"))
    assert finance.get(order_url).json()["status"] == "paid"

    # --- 9. The commune sees its advance paid, on the bank's date ---------------------------------------------------
    award = editor.get(award_url).json()
    advance = next(t for t in award["tranches"] if t["id"] == advance["id"])
    assert advance["status"] == "paid"
    assert advance["paid_on"] == value_date.isoformat()
