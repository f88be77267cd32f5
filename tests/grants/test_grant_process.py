"""The applicant half of the grant process, end to end: submission starts a case on the call's pinned version, the
officer checks eligibility from the inbox, asks a question, the applicant answers, the officer sees what changed."""

import pytest
from django.core import mail
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from grants.models import ApplicationStatus
from grants.services.applications import application_save
from grants.services.submission import application_submit
from workflows.grant_application.handlers import case_of
from workflows.services.task_actions import task_claim

pytestmark = pytest.mark.django_db


def _waiting(case, step: str) -> Task:
    return Task.objects.get(
        process_id=case.pk, flow_task__endswith=f".{step}", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )


def _decide(client, task, **data):
    url = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
    return client.post(url, data)


CRITERIA_MET = {f"criterion_{code}": "met" for code in ("applicant", "investment", "resolution")}


def test_submission_eligibility_question_answer_and_decision(
    draft, signatory, commune_editor, eligibility_officer, staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(actor=signatory, application_id=draft.pk)
    draft.refresh_from_db()
    case = case_of(draft)
    assert (case.reference, case.process_version.label, case.organisation) == (
        draft.reference,
        "grant_application@1",
        draft.organisation,
    )
    assert case.amount == draft.amount_requested

    client = staff_client(eligibility_officer)
    queue = client.get("/en/staff/tasks/queue/").content.decode()
    assert draft.reference in queue and "Check eligibility" in queue
    task = _waiting(case, "check_eligibility")
    task_claim(actor=eligibility_officer, task_id=task.pk)
    page = client.get(task.flow_task.reverse("execute", args=[case.pk, task.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Automatic checks" in content and "Amount within the maximum" in content
    assert "Rénovation de la salle omnisports" in content

    response = _decide(client, task, outcome="info_requested", question="   ", **CRITERIA_MET)
    assert response.status_code == 400 and "Write the question" in response.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(
            client, task, outcome="info_requested", question="Which sports clubs will use the hall?", **CRITERIA_MET
        )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.INFO_REQUESTED and draft.info_request.startswith("Which sports clubs")
    assert any("Which sports clubs" in m.body for m in mail.outbox)
    assert _waiting(case, "await_answer").status == STATUS.NEW

    application_save(
        actor=commune_editor,
        application_id=draft.pk,
        base_version=draft.version,
        answers={"description": "Replacing the roof and changing rooms; used by three clubs."},
    )
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(actor=signatory, application_id=draft.pk)
    draft.refresh_from_db()
    assert draft.snapshots.count() == 2 and draft.reference.endswith("-0001")
    second = _waiting(case, "check_eligibility")
    assert second.pk != task.pk
    task_claim(actor=eligibility_officer, task_id=second.pk)
    content = client.get(second.flow_task.reverse("execute", args=[case.pk, second.pk])).content.decode()
    assert "What changed since the previous submission" in content
    assert "used by three clubs" in content and "Remplacement de la toiture" in content

    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, second, outcome="eligible", **CRITERIA_MET)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.ELIGIBLE
    places = Task.objects.filter(process_id=case.pk, flow_task__endswith=".review", status=STATUS.NEW)
    assert sorted(t.data["place"] for t in places) == [1, 2]  # the call asks for two reviewers


def test_a_not_eligible_decision_ends_the_case(
    draft, signatory, eligibility_officer, staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(actor=signatory, application_id=draft.pk)
    case = case_of(draft)
    task = _waiting(case, "check_eligibility")
    task_claim(actor=eligibility_officer, task_id=task.pk)
    client = staff_client(eligibility_officer)
    data = {
        **CRITERIA_MET,
        "criterion_resolution": "not_met",
        "reason_resolution": "The resolution covers another site.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, task, outcome="not_eligible", **data)
    case.refresh_from_db()
    assert case.status == "DONE"
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.NOT_ELIGIBLE
