"""Finance API: Paradigm transfers (record, correct, documents) and the We Pulse figures, with the services and the
dashboard the staff pages use."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditRecord
from core.roles import StaffRole
from finance.models import ParadigmTransfer, WePulseFinancingPlan
from finance.seed_programmes import wepulse_programme_ensure
from finance.services import programmes as services
from finance.services.programme_figures import wepulse_dashboard
from tests.api.matrix.finance import staff, transfer
from tests.factories.grants import BudgetLineFactory
from tests.finance.fixtures_programmes import PDF, join, pdf

pytestmark = pytest.mark.django_db

P = "/api/v1/finance"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def officer_client(token_client, finance_officer):
    return token_client(finance_officer)


def body(**fields):
    return {
        "date": timezone.localdate().isoformat(),
        "amount": "125000.00",
        "budget_year": timezone.localdate().year,
        "budget_line": BudgetLineFactory().pk,
        "purpose": "steering",
        "decision_reference": "GRBC-2026-01",
        **fields,
    }


def test_a_transfer_is_recorded_once_per_key(officer_client, finance_officer):
    sent = body()
    first = officer_client.post(f"{P}/paradigm-transfers/", sent, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert first.status_code == 201, first.content
    transfer_row = ParadigmTransfer.objects.get()
    assert (transfer_row.amount, transfer_row.created_by, transfer_row.purpose) == (
        Decimal("125000.00"),
        finance_officer,
        "steering",
    )
    assert first.json()["amount"] == "125000.00" and first.json()["replaced_by"] is None
    again = officer_client.post(f"{P}/paradigm-transfers/", sent, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = officer_client.post(
        f"{P}/paradigm-transfers/", body(amount="1.00"), format="json", HTTP_IDEMPOTENCY_KEY="t-1"
    )
    assert other.status_code == 422
    assert ParadigmTransfer.objects.count() == 1


def test_a_transfer_with_documents_in_multipart(officer_client):
    sent = {**body(), "attachments": [pdf("proof.pdf")]}
    response = officer_client.post(f"{P}/paradigm-transfers/", sent, format="multipart")
    assert response.status_code == 201, response.content
    (document,) = response.json()["attachments"]
    assert document["original_name"] == "proof.pdf"
    download = officer_client.get(f"{P}/paradigm-documents/{document['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"date": "2999-01-01"}, "date"),
        ({"budget_year": 1990}, "budget_year"),
        ({"purpose": "party"}, "purpose"),
        ({"budget_line": 999999}, "budget_line"),
        ({"decision_reference": ""}, "decision_reference"),
        ({"participant": 999999, "purpose": "investments"}, "participant"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_transfers_are_400s_with_the_field(officer_client, fields, field):
    response = officer_client.post(f"{P}/paradigm-transfers/", body(**fields), format="json", **EN)
    assert response.status_code == 400, response.content
    assert field in response.json()["extra"]["fields"]
    assert not ParadigmTransfer.objects.exists()


def test_a_bad_document_stores_nothing(officer_client):
    sent = {**body(), "attachments": [pdf("run.pdf", b"MZ\x90\x00 program")]}
    response = officer_client.post(f"{P}/paradigm-transfers/", sent, format="multipart")
    assert response.status_code == 400
    assert "attachments" in response.json()["extra"]["fields"]
    assert not ParadigmTransfer.objects.exists()


def test_only_finance_officers_record_or_correct(token_client, auditor, commune_editor):
    approver = staff(StaffRole.FINANCE_APPROVER)
    for user in (approver, auditor):
        refused = token_client(user).post(f"{P}/paradigm-transfers/", body(), format="json", **EN)
        assert refused.status_code == 403
        assert refused.json()["message"] == "Only finance officers record transfers to Paradigm."
    assert token_client(commune_editor).post(f"{P}/paradigm-transfers/", body(), format="json").status_code == 404
    assert (
        token_client(staff(StaffRole.FINANCE_OFFICER), "read")
        .post(f"{P}/paradigm-transfers/", body(), format="json")
        .status_code
        == 403
    )
    assert not ParadigmTransfer.objects.exists()
    old = transfer()
    assert token_client(auditor).get(f"{P}/paradigm-transfers/{old.pk}/").status_code == 200
    sent = {**body(), "reason": "Typo"}
    assert (
        token_client(auditor).post(f"{P}/paradigm-transfers/{old.pk}/correction/", sent, format="json").status_code
        == 403
    )


def test_a_correction_replaces_the_transfer_once(officer_client):
    old = transfer(documents=1)
    url = f"{P}/paradigm-transfers/{old.pk}/correction/"
    assert officer_client.post(url, {**body(), "reason": " "}, format="json").status_code == 400
    done = officer_client.post(url, {**body(amount="120000.00"), "reason": "Amount typo"}, format="json")
    assert done.status_code == 201, done.content
    new = ParadigmTransfer.objects.get(pk=done.json()["id"])
    assert (new.replaces, new.amount, new.correction_reason) == (old, Decimal("120000.00"), "Amount typo")
    assert len(done.json()["attachments"]) == 1  # carried over
    assert officer_client.get(f"{P}/paradigm-transfers/{old.pk}/").json()["replaced_by"] == new.pk
    again = officer_client.post(url, {**body(), "reason": "Again"}, format="json", **EN)
    assert again.status_code == 409
    in_force = officer_client.get(f"{P}/paradigm-transfers/?in_force=true").json()["results"]
    assert [row["id"] for row in in_force] == [new.pk]
    assert AuditRecord.objects.filter(action="paradigm_transfer_corrected").count() == 1
    assert (
        officer_client.post(
            f"{P}/paradigm-transfers/999999/correction/", {**body(), "reason": "x"}, format="json"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("rows", [1, 6])
def test_transfer_list_runs_fixed_queries(officer_client, django_assert_num_queries, rows):
    for _ in range(rows):
        transfer(documents=1)
    # token (1) + last use (1) + permissions (2) + transfers (1) + their documents (1)
    with django_assert_num_queries(6):
        assert len(officer_client.get(f"{P}/paradigm-transfers/").json()["results"]) == rows


# --- We Pulse -------------------------------------------------------------------------------------------------------


def test_the_dashboard_gives_the_pages_figures(token_client, auditor, finance_officer, commune):
    programme = wepulse_programme_ensure()
    domain = programme.domains.filter(cpas_only=False).order_by("position").first()
    participant = join(programme, commune, finance_officer)
    services.financing_plan_set(
        actor=finance_officer,
        participant_id=participant.pk,
        domain_id=domain.pk,
        cost="100000.00",
        regional_share="60000.00",
        loan_amount="0",
        own_funds="40000.00",
        loan_id=None,
    )
    transfer(purpose="investments", amount="25000.00", participant_id=participant.pk, domain_id=domain.pk)
    client = token_client(auditor)
    figures = client.get(f"{P}/wepulse/").json()
    page = wepulse_dashboard(programme)
    assert figures["joined_communes"] == page.joined_communes == 1
    assert Decimal(figures["total"]["cost"]) == page.total.cost == Decimal("100000.00")
    assert Decimal(figures["total"]["actual_regional"]) == page.total.actual_regional == Decimal("25000.00")
    (authority,) = figures["authorities"]
    assert authority["authority"]["id"] == commune.pk and authority["financing"]["regional"] == "60000.00"
    row = next(d for d in figures["by_domain"] if d["domain"]["id"] == domain.pk)
    assert row["financing"]["actual_regional"] == "25000.00"
    (listed,) = client.get(f"{P}/wepulse/participants/").json()["results"]
    assert (listed["id"], listed["joined"]) == (participant.pk, True)
    (plan,) = client.get(f"{P}/wepulse/plans/").json()["results"]
    assert plan["id"] == WePulseFinancingPlan.objects.get().pk and plan["cost"] == "100000.00"
    assert client.get(f"{P}/wepulse/plans/?participant={participant.pk}").json()["results"] == [plan]
    assert client.get(f"{P}/wepulse/plans/?participant=999999").json()["results"] == []
    assert client.get(f"{P}/wepulse/plans/?participant=99999999999999999999").status_code == 400


def test_without_a_programme_the_dashboard_is_a_404(token_client, auditor, eligibility_officer, commune_editor):
    assert (
        token_client(auditor).get(f"{P}/wepulse/", **EN).json()["message"] == "No We Pulse programme is recorded yet."
    )
    wepulse_programme_ensure()
    assert token_client(eligibility_officer).get(f"{P}/wepulse/").status_code == 403
    assert token_client(commune_editor).get(f"{P}/wepulse/").status_code == 404
