"""Two staff members taking the same task through the API at the same instant: one wins, the other gets a 409
(PostgreSQL: the case's row lock decides)."""

import pytest
from rest_framework.test import APIClient
from viewflow.workflow.status import STATUS

from core.roles import StaffRole
from tests.core.test_concurrency import run_together
from tests.factories import UserFactory
from tests.grants.journey import new_application, waiting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_officers_claiming_one_task_at_once_one_wins(
    require_postgres, sports_call, commune, commune_editor, signatory, make_token, django_capture_on_commit_callbacks
):
    officers = [UserFactory(email=f"officer{n}@bpl.brussels", roles=[StaffRole.ELIGIBILITY_OFFICER]) for n in (1, 2)]
    secrets = [make_token(officer)[1] for officer in officers]

    def claim(secret: str, task_id: int):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}", HTTP_ACCEPT_LANGUAGE="en")
        return client.post(f"/api/v1/tasks/{task_id}/claim/")

    for number in range(3):
        application = new_application(
            sports_call, commune, commune_editor, signatory, django_capture_on_commit_callbacks, title=f"P{number}"
        )
        (task,) = waiting(application, "check_eligibility")
        responses = run_together(*(lambda s=secret, t=task.pk: claim(s, t) for secret in secrets))
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200, 409], [getattr(r, "content", r) for r in responses]
        winner = next(r for r in responses if r.status_code == 200).json()["owner"]["id"]
        loser = next(r for r in responses if r.status_code == 409).json()
        assert "already taken" in loser["message"]
        task.refresh_from_db()
        assert (task.status, task.owner_id) == (STATUS.ASSIGNED, winner)
