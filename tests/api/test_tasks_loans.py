"""The FRBRTC loan process's task actions through the API: eligibility, analysis, the Government's decision and the
signed convention, each with the checks of its page."""

from decimal import Decimal

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from finance.models import Commitment
from loans.models import LoanAnalysis, LoanApplicationStatus, LoanStatus
from loans.services.convention import convention_signed_upload
from tests.loans import journey
from workflows.services.cases import case_of

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def waiting(application, step: str) -> Task:
    return Task.objects.get(
        process_id=case_of(application).pk, flow_task__endswith=f".{step}", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )


def url(task, action: str) -> str:
    return f"/api/v1/tasks/{task.pk}/{action}/"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def application(sports_product, shares, commune, commune_editor, signatory, capture):
    with capture(execute=True):
        return journey.submitted(sports_product, commune, commune_editor, signatory)


@pytest.fixture
def analyst_client(token_client, loan_analyst):
    return token_client(loan_analyst)


def take(client, application, step: str) -> Task:
    task = waiting(application, step)
    assert client.post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 200
    return task


def checklist(application) -> dict:
    return {code: {"verdict": "met"} for code in journey.checklist_met(application.product_version)}


def test_a_loan_from_eligibility_to_an_active_loan(application, analyst_client, signatory, capture):
    client = analyst_client
    task = take(client, application, "check_eligibility")
    body = {"outcome": "eligible", "criteria": checklist(application)}
    with capture(execute=True):
        response = client.post(url(task, "loan-eligibility-decision"), body, format="json")
    assert response.status_code == 200, response.json()
    assert [t["step"] for t in response.json()["open_tasks"]] == ["analyse"]
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.ELIGIBLE

    task = take(client, application, "analyse")
    project = application.projects.get()
    body = {
        "financial_situation": "Healthy accounts.",
        "projects_assessment": "The pool serves three schools.",
        "recommendation": "favourable",
        "proposed": {str(project.pk): "900000.00"},
    }
    with capture(execute=True):
        response = client.post(url(task, "loan-analysis"), body, format="json", HTTP_IDEMPOTENCY_KEY="analysis-1")
    assert response.status_code == 200, response.json()
    replay = client.post(url(task, "loan-analysis"), body, format="json", HTTP_IDEMPOTENCY_KEY="analysis-1")
    assert replay["Idempotent-Replayed"] == "true" and LoanAnalysis.objects.count() == 1
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.ANALYSED
    project.refresh_from_db()
    assert project.proposed_amount == Decimal("900000.00")

    with capture(execute=True):
        journey.opinion_session(application)
    task = take(client, application, "record_decision")
    decision = {"outcome": "approved", "decree_reference": "AGRBC 2026/77", "decree_date": "2026-11-20"}
    response = client.post(
        url(task, "loan-decision"), {**decision, "approved": {str(project.pk): "6000000"}}, format="json", **EN
    )
    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == [f"approved.{project.pk}"]
    assert not Commitment.objects.exists()
    with capture(execute=True):
        response = client.post(
            url(task, "loan-decision"), {**decision, "approved": {str(project.pk): "900000.00"}}, format="json"
        )
    assert response.status_code == 200, response.json()
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.APPROVED
    assert Commitment.objects.get().amount == Decimal("900000.00")

    with capture(execute=True):
        convention_signed_upload(
            actor=signatory,
            application_id=application.pk,
            upload=journey.pdf("signed.pdf"),
            signed_on=timezone.localdate(),
        )
    task = take(client, application, "check_convention")
    assert client.post(url(task, "convention-check"), {"verdict": "refuse"}, format="json").status_code == 400
    assert client.post(url(task, "convention-check"), {"verdict": "maybe"}, format="json").status_code == 400
    with capture(execute=True):
        response = client.post(url(task, "convention-check"), {"verdict": "accept"}, format="json")
    assert response.status_code == 200, response.json()
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.CONTRACTED
    assert application.loan.status == LoanStatus.ACTIVE
    assert case_of(application).status == "DONE"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"outcome": "approved", "criteria": {}}, ["outcome"]),
        ({"outcome": "eligible", "criteria": {}}, "criteria.*.verdict"),
        ({"outcome": "eligible", "criteria": {"nope": {"verdict": "met"}}}, ["criteria.nope.verdict"]),
        ({"outcome": "eligible", "criteria": [], "extra": True}, ["extra"]),
    ],
)
def test_a_bad_loan_eligibility_decision_is_a_400(application, analyst_client, body, fields):
    task = take(analyst_client, application, "check_eligibility")
    response = analyst_client.post(url(task, "loan-eligibility-decision"), body, format="json")
    assert response.status_code == 400, response.json()
    got = sorted(response.json()["extra"]["fields"])
    if isinstance(fields, str):
        assert len(got) == 1 and got[0].startswith("criteria.") and got[0].endswith(".verdict")
    else:
        assert got == fields
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.SUBMITTED


def test_a_bad_analysis_is_a_400_and_changes_nothing(application, analyst_client, capture):
    task = take(analyst_client, application, "check_eligibility")
    with capture(execute=True):
        body = {"outcome": "eligible", "criteria": checklist(application)}
        assert analyst_client.post(url(task, "loan-eligibility-decision"), body, format="json").status_code == 200
    task = take(analyst_client, application, "analyse")
    project = application.projects.get()
    good = {
        "financial_situation": "Healthy.",
        "projects_assessment": "Fine.",
        "recommendation": "favourable",
        "proposed": {str(project.pk): "900000.00"},
    }
    for change, fields in [
        ({"recommendation": "great"}, ["recommendation"]),
        ({"proposed": {str(project.pk): "a lot"}}, ["proposed"]),
        ({"proposed": {"999999": "10.00", str(project.pk): "10.00"}}, ["proposed.999999"]),
        ({"proposed": {str(project.pk): "0"}}, ["proposed"]),
        ({"financial_situation": ""}, ["financial_situation", "projects_assessment"]),
    ]:
        response = analyst_client.post(url(task, "loan-analysis"), {**good, **change}, format="json")
        assert response.status_code == 400, (change, response.json())
        assert sorted(response.json()["extra"]["fields"]) == fields
    assert not LoanAnalysis.objects.exists()


def test_grant_roles_cannot_act_on_loan_tasks(application, token_client, eligibility_officer, analyst_client):
    task = waiting(application, "check_eligibility")
    body = {"outcome": "eligible", "criteria": checklist(application)}
    response = token_client(eligibility_officer).post(url(task, "loan-eligibility-decision"), body, format="json")
    assert response.status_code == 403
    # The grant endpoint on a loan task, by the loan analyst who holds it: another process's step.
    analyst_client.post(f"/api/v1/tasks/{task.pk}/claim/")
    response = analyst_client.post(url(task, "eligibility-decision"), body, format="json")
    assert response.status_code == 409
