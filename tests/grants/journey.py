"""Steps of the grant process as the people do them, through the services and the process's tasks."""

from django.db import transaction
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.roles import StaffRole
from grants.services.applications import application_create, application_save, document_add
from grants.services.eligibility import eligibility_decide
from grants.services.review import conflict_declare, review_save, reviewers_assign
from grants.services.submission import application_submit
from tests.factories import UserFactory
from tests.grants.fixtures import pdf
from workflows.grant_application.handlers import case_of
from workflows.services.task_actions import task_claim

ALL_MET = {code: {"verdict": "met", "reason": ""} for code in ("applicant", "investment", "resolution")}


def run_task(task: Task, user, action) -> None:
    """What a task page does: the service, then the activation, under the case's lock."""
    with transaction.atomic(), task.activation() as activation:
        if activation.task.status == STATUS.NEW:
            activation.assign(user)
        action()
        activation.start(None)
        activation.execute()


def waiting(application, step: str) -> list[Task]:
    case = case_of(application)
    return list(
        Task.objects.filter(process_id=case.pk, flow_task__endswith=f".{step}").exclude(
            status__in=[STATUS.DONE, STATUS.CANCELED]
        )
    )


def new_application(version, organisation, editor, signatory, capture, *, requested="1000000.00", title="Projet"):
    from grants.seed import sample_answers

    application = application_create(actor=editor, call_version_id=version.pk, organisation_id=organisation.pk)
    answers = {**sample_answers(), "project_title": title, "amount_requested": requested}
    application_save(actor=editor, application_id=application.pk, base_version=1, answers=answers)
    for code in ("council_resolution", "cost_estimate"):
        document_add(actor=editor, application_id=application.pk, document_code=code, upload=pdf(f"{code}.pdf"))
    with capture(execute=True):
        application_submit(actor=signatory, application_id=application.pk)
    application.refresh_from_db()
    return application


def make_eligible(application, officer, capture) -> None:
    (task,) = waiting(application, "check_eligibility")
    task_claim(actor=officer, task_id=task.pk)
    with capture(execute=True):
        run_task(
            task,
            officer,
            lambda: eligibility_decide(
                actor=officer, application_id=application.pk, outcome="eligible", criteria=ALL_MET
            ),
        )


def reviewers(count: int = 2):
    return [UserFactory(email=f"reviewer{n}@bpl.brussels", roles=[StaffRole.REVIEWER]) for n in range(count)]


def review(application, people, call_manager, scores_by_reviewer, capture) -> None:
    """Assign `people`, each declares no conflict and submits `scores_by_reviewer[i]` ({code: score or "na"})."""
    with capture(execute=True):
        assignments = reviewers_assign(
            actor=call_manager, application_id=application.pk, reviewer_ids=[p.pk for p in people]
        )
    for assignment, scores in zip(assignments, scores_by_reviewer, strict=True):
        reviewer = assignment.reviewer
        conflict_declare(actor=reviewer, assignment_id=assignment.pk, conflict=False)
        task = next(t for t in waiting(application, "review") if t.data.get("assignment_id") == assignment.pk)
        raw = {code: {"score": value, "comment": ""} for code, value in scores.items()}
        with capture(execute=True):
            run_task(
                task,
                reviewer,
                lambda a=assignment, r=raw, u=reviewer: review_save(actor=u, assignment_id=a.pk, scores=r, submit=True),
            )
