"""A commune's loan through the API, from the product to the paid drawdown and its schedule. The staff steps that
belong to other areas of the API (eligibility, analysis, committee, decision, the convention's check, finance's
payment) are taken through their services, as the journey helpers of tests/loans do."""

from decimal import Decimal

import pytest
from django.utils import timezone

from finance.services.payments import payable_mark_paid
from loans.models import Drawdown, LoanApplication
from loans.services.convention import convention_review
from tests.loans import journey
from tests.loans.fixtures import publish_sports_product

pytestmark = pytest.mark.django_db


def test_a_commune_applies_signs_draws_and_follows_its_loan_through_the_api(
    token_client,
    loan_process,
    commune,
    commune_editor,
    signatory,
    loan_analyst,
    finance_officer,
    django_capture_on_commit_callbacks,
):
    publish_sports_product(code="sport2021", uses_borrowing_capacity=False)
    editor, signer, analyst = token_client(commune_editor), token_client(signatory), token_client(loan_analyst)

    [product] = editor.get("/api/v1/loan-products/").json()
    created = editor.post(
        f"/api/v1/loan-products/{product['code']}/applications/", {"organisation": commune.pk}, format="json"
    )
    assert created.status_code == 201
    application_url = f"/api/v1/loan-applications/{created.json()['id']}/"
    body = {"version": 1, "purpose": "Infrastructures sportives", "projects": [journey.project()]}
    saved = editor.put(application_url, body, format="json").json()
    [item] = saved["projects"]
    documents = (("ministerial_form", {}), ("council_resolution", {"project": item["id"]}))
    for code, project in (*documents, ("budget_commitment", {"project": item["id"]})):
        data = {"document_code": code, "file": journey.pdf(f"{code}.pdf"), **project}
        assert editor.post(f"{application_url}documents/", data, format="multipart").status_code == 201
    assert editor.get(application_url).json()["missing"] == []

    with django_capture_on_commit_callbacks(execute=True):
        submitted = signer.post(f"{application_url}submit/", HTTP_IDEMPOTENCY_KEY="journey-submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert editor.get(f"/api/v1/loan-submissions/{submitted.json()['id']}/receipt/").status_code == 200

    application = LoanApplication.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)

    assert editor.get(application_url).json()["convention"]["awaiting_signature"] is True
    assert signer.get(f"{application_url}convention/generated/").status_code == 200
    sent = signer.post(
        f"{application_url}signed-convention/",
        {"file": journey.pdf("signed.pdf"), "signed_on": timezone.localdate().isoformat()},
        format="multipart",
    )
    assert sent.status_code == 200
    convention_review(actor=loan_analyst, application_id=application.pk, accept=True)

    loan_id = editor.get(application_url).json()["loan"]
    assert [row["id"] for row in editor.get("/api/v1/loans/").json()["results"]] == [loan_id]
    asked = signer.post(
        f"/api/v1/loans/{loan_id}/drawdowns/",
        {
            "amount": "400000.00",
            "invoice_reference": ["F-1"],
            "invoice_amount": ["400000.00"],
            "invoice_file": [journey.pdf("invoice.pdf")],
        },
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="journey-drawdown",
    )
    assert asked.status_code == 201
    approved = analyst.post(
        f"/api/v1/loans/{loan_id}/drawdowns/{asked.json()['id']}/approve/", HTTP_IDEMPOTENCY_KEY="journey-approve"
    )
    assert approved.status_code == 200 and approved.json()["payable"] is not None
    payable_mark_paid(actor=finance_officer, payable_id=approved.json()["payable"], paid_on=timezone.localdate())

    loan = editor.get(f"/api/v1/loans/{loan_id}/").json()
    assert loan["drawdowns"][0]["status"] == "paid" and loan["drawn"] == "400000.00"
    assert loan["start_date"] == timezone.localdate().isoformat()
    schedule = editor.get(f"/api/v1/loans/{loan_id}/schedule/?page_size=100").json()["results"]
    assert schedule and schedule[-1]["outstanding"] == "0.00"
    assert sum(Decimal(row["principal"]) for row in schedule) == Decimal("400000.00")
    ledger = analyst.get(f"/api/v1/loans/{loan_id}/ledger/").json()["results"]
    assert [(row["kind"], row["principal"]) for row in ledger] == [("drawdown", "400000.00")]
    assert Drawdown.objects.get().status == "paid"
