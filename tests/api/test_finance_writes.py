"""Finance API writes that mirror the last staff pages: a payable recorded as paid by hand, documents added to a
Paradigm transfer, We Pulse participation and financing plans. Each through the page's service and checks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditRecord
from core.roles import StaffRole
from finance.models import OrderStatus, ParadigmAttachment, PayableStatus, WePulseFinancingPlan, WePulseParticipant
from finance.seed_programmes import wepulse_programme_ensure
from tests.api.matrix.finance import joined, payable, planned, prepared, staff, transfer
from tests.factories import OrganisationFactory
from tests.finance.fixtures_programmes import pdf

pytestmark = pytest.mark.django_db

P = "/api/v1/finance"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PLAN = {"cost": "100000.00", "regional_share": "60000.00", "loan_amount": "0.00", "own_funds": "40000.00"}


@pytest.fixture
def officer_client(token_client, finance_officer):
    return token_client(finance_officer)


# --- A payable paid by hand -----------------------------------------------------------------------------------------


def test_a_payable_is_recorded_paid_once(officer_client, finance_officer):
    due = payable()
    url = f"{P}/payables/{due.pk}/paid/"
    today = timezone.localdate().isoformat()
    first = officer_client.post(url, {"paid_on": today}, format="json", HTTP_IDEMPOTENCY_KEY="paid-1")
    assert first.status_code == 200, first.content
    due.refresh_from_db()
    assert (due.status, due.paid_on) == (PayableStatus.PAID, timezone.localdate())
    assert first.json()["status"] == "paid" and first.json()["paid_on"] == today
    again = officer_client.post(url, {"paid_on": today}, format="json", HTTP_IDEMPOTENCY_KEY="paid-1")
    assert again.status_code == 200 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = officer_client.post(url, {"paid_on": "2020-01-01"}, format="json", HTTP_IDEMPOTENCY_KEY="paid-1")
    assert other.status_code == 422
    assert AuditRecord.objects.filter(action="paid", object_id=str(due.pk)).count() == 1
    twice = officer_client.post(url, {"paid_on": today}, format="json", **EN)
    assert twice.status_code == 409
    assert twice.json()["message"] == "This payment request is not waiting to be paid."


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({}, "paid_on"),
        ({"paid_on": None}, "paid_on"),
        ({"paid_on": "yesterday"}, "paid_on"),
        ({"paid_on": 20260101}, "paid_on"),
        ({"paid_on": "2999-01-01"}, "paid_on"),
        ({"paid_on": "2026-01-01", "amount": "1.00"}, "amount"),
    ],
)
def test_bad_payment_dates_are_400s(officer_client, sent, field):
    due = payable()
    response = officer_client.post(f"{P}/payables/{due.pk}/paid/", sent, format="json", **EN)
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    due.refresh_from_db()
    assert due.status == PayableStatus.DUE


def test_a_payable_with_an_order_waiting_for_approval_is_a_409(officer_client):
    order = prepared()
    url = f"{P}/payables/{order.payable_id}/paid/"
    response = officer_client.post(url, {"paid_on": timezone.localdate().isoformat()}, format="json", **EN)
    assert response.status_code == 409
    assert "waiting for approval" in response.json()["message"]
    order.refresh_from_db()
    order.payable.refresh_from_db()
    assert (order.status, order.payable.status) == (OrderStatus.PREPARED, PayableStatus.DUE)


def test_only_finance_officers_record_payments(token_client, auditor, eligibility_officer, commune_editor):
    due = payable()
    url = f"{P}/payables/{due.pk}/paid/"
    sent = {"paid_on": timezone.localdate().isoformat()}
    for user in (auditor, staff(StaffRole.FINANCE_APPROVER)):
        refused = token_client(user).post(url, sent, format="json", **EN)
        assert refused.status_code == 403
        assert refused.json()["message"] == "Only finance officers record payments."
    assert token_client(eligibility_officer).post(url, sent, format="json").status_code == 403
    assert token_client(commune_editor).post(url, sent, format="json").status_code == 404
    assert token_client(staff(StaffRole.FINANCE_OFFICER), "read").post(url, sent, format="json").status_code == 403
    officer = token_client(staff(StaffRole.FINANCE_OFFICER))
    assert officer.post(f"{P}/payables/999999/paid/", sent, format="json").status_code == 404
    due.refresh_from_db()
    assert due.status == PayableStatus.DUE


# --- Documents added to a Paradigm transfer -------------------------------------------------------------------------


def test_documents_are_added_to_a_transfer(officer_client):
    old = transfer(documents=1)
    url = f"{P}/paradigm-transfers/{old.pk}/documents/"
    sent = {"attachments": [pdf("proof.pdf"), pdf("bank.pdf")]}
    first = officer_client.post(url, sent, format="multipart", HTTP_IDEMPOTENCY_KEY="docs-1")
    assert first.status_code == 201, first.content
    names = [document["original_name"] for document in first.json()["attachments"]]
    assert names[1:] == ["proof.pdf", "bank.pdf"]
    assert old.attachments.count() == 3
    assert AuditRecord.objects.filter(action="paradigm_attachments_added").count() == 1
    again = officer_client.post(
        url, {"attachments": [pdf("proof.pdf"), pdf("bank.pdf")]}, format="multipart", HTTP_IDEMPOTENCY_KEY="docs-1"
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert old.attachments.count() == 3
    other = officer_client.post(url, {"attachments": [pdf("x.pdf")]}, format="multipart", HTTP_IDEMPOTENCY_KEY="docs-1")
    assert other.status_code == 422


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"attachments": [pdf("run.pdf", b"MZ\x90\x00 program")]},
        {"attachments": [pdf("good.pdf"), pdf("notes.exe")]},
        {"attachments": [pdf("image.png")]},
        {"attachments": [pdf(f"p{n}.pdf") for n in range(11)]},
        {"attachments": [pdf("good.pdf")], "comment": "unknown"},
    ],
    ids=["none", "program", "bad-name", "content-not-name", "too-many", "unknown-field"],
)
def test_bad_documents_store_nothing(officer_client, sent):
    old = transfer()
    response = officer_client.post(f"{P}/paradigm-transfers/{old.pk}/documents/", sent, format="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["extra"]["fields"]
    assert not ParadigmAttachment.objects.exists()


def test_a_document_too_big_is_refused(officer_client, settings):
    old = transfer()
    settings.BPL_MAX_UPLOAD_BYTES = 10
    response = officer_client.post(
        f"{P}/paradigm-transfers/{old.pk}/documents/", {"attachments": [pdf()]}, format="multipart", **EN
    )
    assert response.status_code == 400
    assert "too large" in response.json()["message"]
    assert not ParadigmAttachment.objects.exists()


def test_documents_are_multipart_only_and_for_officers(officer_client, token_client, auditor, commune_editor):
    old = transfer()
    url = f"{P}/paradigm-transfers/{old.pk}/documents/"
    assert officer_client.post(url, {"attachments": []}, format="json").status_code == 415
    for user in (auditor, staff(StaffRole.FINANCE_APPROVER)):
        refused = token_client(user).post(url, {"attachments": [pdf()]}, format="multipart", **EN)
        assert refused.status_code == 403
        assert refused.json()["message"] == "Only finance officers record transfers to Paradigm."
    assert token_client(commune_editor).post(url, {"attachments": [pdf()]}, format="multipart").status_code == 404
    read_only = token_client(staff(StaffRole.FINANCE_OFFICER), "read")
    assert read_only.post(url, {"attachments": [pdf()]}, format="multipart").status_code == 403
    missing = officer_client.post(f"{P}/paradigm-transfers/999999/documents/", {"attachments": [pdf()]})
    assert missing.status_code == 404
    assert not ParadigmAttachment.objects.exists()


# --- We Pulse participation -----------------------------------------------------------------------------------------


def test_participation_is_recorded_and_changed(officer_client, commune, finance_officer):
    wepulse_programme_ensure()
    url = f"{P}/wepulse/participants/{commune.pk}/"
    done = officer_client.post(url, {"joined": True, "joined_on": "2021-03-01", "note": "Council 12/2020"})
    assert done.status_code == 200, done.content
    participant = WePulseParticipant.objects.get(organisation=commune)
    assert (participant.joined, participant.joined_on, participant.note, participant.updated_by) == (
        True,
        dt.date(2021, 3, 1),
        "Council 12/2020",
        finance_officer,
    )
    assert done.json()["id"] == participant.pk and done.json()["authority"]["id"] == commune.pk
    left = officer_client.post(url, {"joined": False}, format="json")
    assert left.status_code == 200
    participant.refresh_from_db()
    assert (participant.joined, participant.joined_on) == (False, None)
    assert WePulseParticipant.objects.count() == 1
    assert AuditRecord.objects.filter(action="wepulse_participant_set").count() == 2


def test_an_authority_with_plans_cannot_leave(officer_client, commune):
    plan = planned(joined(commune))
    response = officer_client.post(f"{P}/wepulse/participants/{commune.pk}/", {"joined": False}, format="json", **EN)
    assert response.status_code == 409
    assert "remove them" in response.json()["message"]
    plan.participant.refresh_from_db()
    assert plan.participant.joined


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"joined": True}, "joined_on"),
        ({"joined": True, "joined_on": "2999-01-01"}, "joined_on"),
        ({"joined": "maybe"}, "joined"),
        ({"joined": True, "joined_on": "soon"}, "joined_on"),
        ({}, "joined"),
        ({"joined": False, "organisation": 1}, "organisation"),
        ({"joined": False, "note": "x" * 301}, "note"),
    ],
)
def test_bad_participations_are_400s(officer_client, commune, sent, field):
    wepulse_programme_ensure()
    response = officer_client.post(f"{P}/wepulse/participants/{commune.pk}/", sent, format="json", **EN)
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    assert not WePulseParticipant.objects.exists()


def test_participation_is_for_officers_and_authorities(token_client, officer_client, auditor, commune, commune_editor):
    wepulse_programme_ensure()
    url = f"{P}/wepulse/participants/{commune.pk}/"
    sent = {"joined": True, "joined_on": "2021-03-01"}
    for user in (auditor, staff(StaffRole.FINANCE_APPROVER)):
        refused = token_client(user).post(url, sent, format="json", **EN)
        assert refused.status_code == 403
        assert "Only finance officers" in refused.json()["message"]
    assert token_client(commune_editor).post(url, sent, format="json").status_code == 404
    assert token_client(staff(StaffRole.FINANCE_OFFICER), "read").post(url, sent, format="json").status_code == 403
    zone = OrganisationFactory(code="zone-midi", kind="police_zone")
    assert officer_client.post(f"{P}/wepulse/participants/{zone.pk}/", sent, format="json").status_code == 404
    assert officer_client.post(f"{P}/wepulse/participants/999999/", sent, format="json").status_code == 404
    assert not WePulseParticipant.objects.exists()


def test_without_a_programme_participation_is_a_404(officer_client, commune):
    sent = {"joined": True, "joined_on": "2021-03-01"}
    assert officer_client.post(f"{P}/wepulse/participants/{commune.pk}/", sent, format="json").status_code == 404


# --- We Pulse financing plans ---------------------------------------------------------------------------------------


def _domain(programme, cpas_only=False):
    return programme.domains.filter(cpas_only=cpas_only).order_by("position", "code").first()


def test_a_plan_is_set_once_per_key_and_replaced(officer_client, commune, finance_officer):
    participant = joined(commune)
    domain = _domain(participant.programme)
    url = f"{P}/wepulse/participants/{commune.pk}/plans/{domain.pk}/"
    first = officer_client.post(url, PLAN, format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
    assert first.status_code == 200, first.content
    plan = WePulseFinancingPlan.objects.get()
    assert (plan.participant, plan.domain, plan.cost, plan.regional_share, plan.own_funds, plan.updated_by) == (
        participant,
        domain,
        Decimal("100000.00"),
        Decimal("60000.00"),
        Decimal("40000.00"),
        finance_officer,
    )
    assert first.json()["id"] == plan.pk and first.json()["cost"] == "100000.00"
    again = officer_client.post(url, PLAN, format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = {**PLAN, "cost": "90000.00", "own_funds": "30000.00"}
    assert officer_client.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="plan-1").status_code == 422
    replaced = officer_client.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="plan-2")
    assert replaced.status_code == 200 and replaced.json()["id"] == plan.pk
    plan.refresh_from_db()
    assert (plan.cost, plan.own_funds) == (Decimal("90000.00"), Decimal("30000.00"))
    assert WePulseFinancingPlan.objects.count() == 1
    assert AuditRecord.objects.filter(action="wepulse_plan_set").count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"own_funds": "39999.99"}, "cost"),
        ({"cost": "0.00", "regional_share": "0.00", "own_funds": "0.00"}, "cost"),
        ({"regional_share": "-1.00"}, "regional_share"),
        ({"cost": "abc"}, "cost"),
        ({"cost": 1.5}, "cost"),
        ({"loan_amount": "1.234"}, "loan_amount"),
        ({"loan": 999999, "loan_amount": "10000.00", "own_funds": "30000.00"}, "loan"),
        ({"loan": "first"}, "loan"),
        ({"budget": "1"}, "budget"),
    ],
)
def test_bad_plans_are_400s_and_store_nothing(officer_client, commune, changes, field):
    participant = joined(commune)
    url = f"{P}/wepulse/participants/{commune.pk}/plans/{_domain(participant.programme).pk}/"
    response = officer_client.post(url, {**PLAN, **changes}, format="json", **EN)
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    assert not WePulseFinancingPlan.objects.exists()


def test_a_plan_that_does_not_add_up_says_so(officer_client, commune):
    participant = joined(commune)
    url = f"{P}/wepulse/participants/{commune.pk}/plans/{_domain(participant.programme).pk}/"
    response = officer_client.post(url, {**PLAN, "own_funds": "1.00"}, format="json", **EN)
    assert response.json()["message"].startswith("The plan does not add up")


def test_a_missing_field_is_a_400(officer_client, commune):
    participant = joined(commune)
    url = f"{P}/wepulse/participants/{commune.pk}/plans/{_domain(participant.programme).pk}/"
    sent = {key: value for key, value in PLAN.items() if key != "own_funds"}
    response = officer_client.post(url, sent, format="json")
    assert response.status_code == 400 and "own_funds" in response.json()["extra"]["fields"]


def test_a_plan_needs_the_authority_to_have_joined(officer_client, commune, cpas_ixelles_free):
    programme = wepulse_programme_ensure()
    url = f"{P}/wepulse/participants/{commune.pk}/plans/{_domain(programme).pk}/"
    not_recorded = officer_client.post(url, PLAN, format="json", **EN)
    assert not_recorded.status_code == 409
    assert not_recorded.json()["message"] == "Record first that Commune d'Anderlecht joined We Pulse."
    officer_client.post(f"{P}/wepulse/participants/{commune.pk}/", {"joined": False}, format="json")
    not_joined = officer_client.post(url, PLAN, format="json", **EN)
    assert not_joined.status_code == 400
    assert "has not joined" in not_joined.json()["message"]
    cpas_domain = _domain(programme, cpas_only=True)
    if cpas_domain is not None:
        joined(cpas_ixelles_free)
        participant = WePulseParticipant.objects.get(organisation=commune)
        participant.joined, participant.joined_on = True, dt.date(2021, 3, 1)
        participant.save()
        wrong = officer_client.post(
            f"{P}/wepulse/participants/{commune.pk}/plans/{cpas_domain.pk}/", PLAN, format="json", **EN
        )
        assert wrong.status_code == 400 and "domain" in wrong.json()["extra"]["fields"]
    assert officer_client.post(f"{P}/wepulse/participants/{commune.pk}/plans/999999/", PLAN).status_code == 404
    assert not WePulseFinancingPlan.objects.exists()


@pytest.fixture
def cpas_ixelles_free(db):
    return OrganisationFactory(code="cpas-ixelles", kind="cpas")


def test_a_plan_is_removed(officer_client, commune):
    plan = planned(joined(commune))
    url = f"{P}/wepulse/participants/{commune.pk}/plans/{plan.domain_id}/"
    done = officer_client.delete(url)
    assert done.status_code == 204
    assert not WePulseFinancingPlan.objects.exists()
    assert AuditRecord.objects.filter(action="wepulse_plan_removed").count() == 1
    assert officer_client.delete(url).status_code == 404
    left = officer_client.post(f"{P}/wepulse/participants/{commune.pk}/", {"joined": False}, format="json")
    assert left.status_code == 200


def test_plans_are_for_officers(token_client, auditor, commune, commune_editor):
    plan = planned(joined(commune))
    url = f"{P}/wepulse/participants/{commune.pk}/plans/{plan.domain_id}/"
    for user in (auditor, staff(StaffRole.FINANCE_APPROVER)):
        client = token_client(user)
        assert client.post(url, PLAN, format="json").status_code == 403
        assert client.delete(url).status_code == 403
    member = token_client(commune_editor)
    assert member.post(url, PLAN, format="json").status_code == 404
    assert member.delete(url).status_code == 404
    read_only = token_client(staff(StaffRole.FINANCE_OFFICER), "read")
    assert read_only.post(url, PLAN, format="json").status_code == 403
    assert read_only.delete(url).status_code == 403
    assert WePulseFinancingPlan.objects.filter(pk=plan.pk).exists()
