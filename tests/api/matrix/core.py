"""Matrix rows: public calls, my organisations and members."""

from tests.api.matrix import everyone
from tests.factories.grants import CallVersionFactory

ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/calls/"): everyone(200),
    ("GET", "/api/v1/calls/{code}/"): everyone(200),
    # Organisations: the caller's own (staff who may view organisations: all); another one is a 404, never a 403.
    ("GET", "/api/v1/organisations/"): {**everyone(200), "anonymous": 401},
    ("GET", "/api/v1/organisations/{id}/"): {**everyone(200), "anonymous": 401, "other_commune_editor": 404},
    ("GET", "/api/v1/organisations/{id}/members/"): {**everyone(200), "anonymous": 401, "other_commune_editor": 404},
}


def path_values(ctx, method: str, path: str, persona: str) -> dict:
    if path.startswith("/api/v1/calls/"):
        return {"code": CallVersionFactory(published=True).call.code}
    return {"id": ctx.commune.pk}
