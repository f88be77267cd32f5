"""The commune's side of a grant through the API alone: a draft, its answers, its documents, the signatory's
submission; then (staff work, done here through the services as their pages do) eligibility, review and the
committee; then the award, the claim for the advance, its payment, and the justification."""

import datetime as dt

import pytest
from django.utils import timezone

from finance.services.payments import payable_mark_paid
from grants.models import ApplicationStatus
from grants.seed import sample_answers
from tests.grants.fixtures import pdf
from tests.grants.journey import make_eligible
from tests.grants.test_portal_awards import decide

pytestmark = pytest.mark.django_db


def test_a_commune_follows_its_application_to_payment_through_the_api(
    token_client,
    sports_call,
    commune,
    commune_editor,
    signatory,
    eligibility_officer,
    finance_officer,
    django_capture_on_commit_callbacks,
):
    editor, signer = token_client(commune_editor), token_client(signatory)
    created = editor.post(
        "/api/v1/applications/", {"call": sports_call.call.code, "organisation": commune.pk}, format="json"
    )
    assert created.status_code == 201
    app_id, version = created.json()["id"], created.json()["version"]
    answers = {**sample_answers(), "amount_requested": "3000.00"}
    saved = editor.patch(f"/api/v1/applications/{app_id}/", {"version": version, "answers": answers}, format="json")
    assert saved.status_code == 200
    for code in ("council_resolution", "cost_estimate"):
        sent = editor.post(
            f"/api/v1/applications/{app_id}/documents/",
            {"document_code": code, "file": pdf(f"{code}.pdf")},
            format="multipart",
        )
        assert sent.status_code == 201
    assert editor.get(f"/api/v1/applications/{app_id}/").json()["missing"] == []
    assert editor.post(f"/api/v1/applications/{app_id}/signature-request/", {}, format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        submitted = signer.post(f"/api/v1/applications/{app_id}/submit/", HTTP_IDEMPOTENCY_KEY="journey-submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    receipt = signer.get(f"/api/v1/submissions/{submitted.json()['id']}/receipt/")
    assert receipt.status_code == 200

    # Staff work (other areas of the API): eligibility, review, the committee's approval of 3.000 EUR.
    from grants.models import Application

    application = Application.objects.get(pk=app_id)
    make_eligible(application, eligibility_officer, django_capture_on_commit_callbacks)
    decide(application, django_capture_on_commit_callbacks, decision="approved", amount="3000", conditions="")

    detail = signer.get(f"/api/v1/applications/{app_id}/").json()
    assert detail["status"] == ApplicationStatus.AWARDED and detail["award"] is not None
    assert [letter["kind"] for letter in detail["letters"]] == ["award"]
    assert signer.get(f"/api/v1/letters/{detail['letters'][0]['id']}/").status_code == 200
    award = signer.get(f"/api/v1/awards/{detail['award']}/").json()
    advance = award["tranches"][0]
    assert (advance["kind"], advance["claimable"], advance["planned_amount"]) == ("advance", True, "2400.00")

    claimed = signer.post(f"/api/v1/tranches/{advance['id']}/claim/", HTTP_IDEMPOTENCY_KEY="journey-claim")
    assert claimed.status_code == 200 and claimed.json()["status"] == "due"
    # Finance pays the payable (the finance area's orders and statements; here by hand, as its page records it).
    payable_mark_paid(
        actor=finance_officer, payable_id=claimed.json()["payable"], paid_on=timezone.localdate() - dt.timedelta(1)
    )
    paid = signer.get(f"/api/v1/awards/{award['id']}/").json()["tranches"][0]
    assert paid["status"] == "paid" and paid["paid_on"] is not None

    line = editor.post(
        f"/api/v1/awards/{award['id']}/justification/lines/",
        {
            "invoice_reference": "F-1",
            "supplier": "Toitures Dupont SA",
            "amount": "3000.00",
            "paid_on": "2026-05-01",
            "proof": pdf("invoice.pdf"),
        },
        format="multipart",
    )
    assert line.status_code == 201
    report = editor.post(
        f"/api/v1/awards/{award['id']}/justification/report/", {"report": pdf("report.pdf")}, format="multipart"
    )
    assert report.status_code == 200
    justified = signer.post(f"/api/v1/awards/{award['id']}/justification/submit/", HTTP_IDEMPOTENCY_KEY="journey-j")
    assert justified.status_code == 200 and justified.json()["status"] == "submitted"
