"""Matrix rows: the reviewers of a grant application (staff; assignment by call managers)."""

from grants.services.applications import application_create
from tests.api.matrix import staff_only
from tests.factories.grants import CallVersionFactory

VIEWERS = [
    "call_manager",
    "eligibility_officer",
    "committee_member",
    "committee_secretary",
    "finance_officer",
    "auditor",
    "administrator",
]
MANAGERS = ["call_manager", "administrator"]

ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/applications/{id}/reviewers/"): staff_only(dict.fromkeys(VIEWERS, 200)),
    # No body: a call manager passes every check but the input's (400); other readers may not assign (403).
    ("POST", "/api/v1/applications/{id}/reviewers/"): staff_only(dict.fromkeys(MANAGERS, 400)),
}


def path_values(ctx, method: str, path: str, persona: str) -> dict:
    editor = ctx.user("commune_editor")
    version = CallVersionFactory(published=True)
    application = application_create(actor=editor, call_version_id=version.pk, organisation_id=ctx.commune.pk)
    return {"id": application.pk}
