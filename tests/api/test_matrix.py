"""The authorization matrix: every endpoint of the schema, every persona, the expected answer.

An endpoint in the schema that is missing here fails `test_every_endpoint_is_in_the_matrix`: a new endpoint cannot
ship without someone deciding, persona by persona, who may call it.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from core.roles import StaffRole
from tests.factories import UserFactory
from tests.factories.grants import CallVersionFactory

MEMBERS = ["anonymous", "commune_editor", "signatory", "other_commune_editor"]
STAFF = [f"staff:{role}" for role in StaffRole.values]
PERSONAS = MEMBERS + STAFF


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


# (method, path as in the schema) -> {persona: expected status}
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/calls/"): everyone(200),
    ("GET", "/api/v1/calls/{code}/"): everyone(200),
    # Organisations: the caller's own (staff who may view organisations: all); another one is a 404, never a 403.
    ("GET", "/api/v1/organisations/"): {**everyone(200), "anonymous": 401},
    ("GET", "/api/v1/organisations/{id}/"): {**everyone(200), "anonymous": 401, "other_commune_editor": 404},
    ("GET", "/api/v1/organisations/{id}/members/"): {**everyone(200), "anonymous": 401, "other_commune_editor": 404},
}

METHODS = {"get", "post", "put", "patch", "delete"}


def schema_endpoints() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item if method in METHODS}


@pytest.mark.django_db
def test_every_endpoint_is_in_the_matrix():
    endpoints = schema_endpoints()
    missing = sorted(endpoints - set(MATRIX))
    stale = sorted(set(MATRIX) - endpoints)
    assert not missing, f"endpoints without a row in MATRIX: {missing}"
    assert not stale, f"MATRIX rows for endpoints that no longer exist: {stale}"
    for row in MATRIX.values():
        assert set(row) == set(PERSONAS)


@pytest.fixture
def path_values(db, commune):
    """The objects the matrix calls on, owned by the commune (commune_editor's organisation)."""
    version = CallVersionFactory(published=True)
    return {"code": version.call.code, "id": commune.pk}


@pytest.fixture
def persona_client(request, token_client):
    def make(persona: str) -> APIClient:
        if persona == "anonymous":
            return APIClient()
        if persona.startswith("staff:"):
            role = persona.split(":", 1)[1]
            return token_client(UserFactory(email=f"{role}@bpl.brussels", roles=[role]))
        return token_client(request.getfixturevalue(persona))

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_matrix(persona_client, path_values, method, path, persona):
    client = persona_client(persona)
    response = client.generic(method, path.format(**path_values), content_type="application/json")
    assert response.status_code == MATRIX[(method, path)][persona], response.content[:300]
