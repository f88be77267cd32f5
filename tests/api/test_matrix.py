"""The authorization matrix: every endpoint of the schema, every persona, the expected answer.

An endpoint in the schema that is missing here fails `test_every_endpoint_is_in_the_matrix`: a new endpoint cannot
ship without someone deciding, persona by persona, who may call it. The rows live per area in tests/api/matrix/.
"""

import json
from types import ModuleType

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api.matrix import PERSONAS, applications, committee, core, finance, loans, review, tasks
from tests.factories import UserFactory

AREAS: list[ModuleType] = [core, applications, review, tasks, committee, loans, finance]

AREA_OF: dict[tuple[str, str], ModuleType] = {}
for _area in AREAS:
    for _key in _area.ROWS:
        assert _key not in AREA_OF, f"{_key} has rows in two areas"
        AREA_OF[_key] = _area

METHODS = {"get", "post", "put", "patch", "delete"}


def schema_endpoints() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item if method in METHODS}


@pytest.mark.django_db
def test_every_endpoint_is_in_the_matrix():
    endpoints = schema_endpoints()
    missing = sorted(endpoints - set(AREA_OF))
    stale = sorted(set(AREA_OF) - endpoints)
    assert not missing, f"endpoints without a row in the matrix: {missing}"
    assert not stale, f"matrix rows for endpoints that no longer exist: {stale}"
    for key, area in AREA_OF.items():
        assert set(area.ROWS[key]) == set(PERSONAS), key


class Context:
    """The people and the organisation the matrix calls as; staff users are made on first use, one role each."""

    def __init__(self, request):
        self._request = request
        self._users: dict[str, object] = {}
        self.commune = request.getfixturevalue("commune")
        self.other_commune = request.getfixturevalue("other_commune")

    def user(self, persona: str):
        if persona == "anonymous":
            return None
        if persona not in self._users:
            if persona.startswith("staff:"):
                role = persona.split(":", 1)[1]
                self._users[persona] = UserFactory(email=f"{role}@bpl.brussels", roles=[role])
            else:
                self._users[persona] = self._request.getfixturevalue(persona)
        return self._users[persona]


@pytest.fixture
def matrix_ctx(request, db):
    return Context(request)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path"), sorted(AREA_OF))
def test_matrix(matrix_ctx, token_client, method, path, persona):
    area = AREA_OF[(method, path)]
    values = area.path_values(matrix_ctx, method, path, persona)
    user = matrix_ctx.user(persona)
    client = APIClient() if user is None else token_client(user)
    url = path.format(**values)
    files = getattr(area, "FILES", {}).get((method, path))
    if files is not None:
        response = getattr(client, method.lower())(url, data=files(matrix_ctx), format="multipart")
    else:
        body = getattr(area, "BODIES", {}).get((method, path))
        data = None if body is None else json.dumps(body)
        response = client.generic(method, url, data=data, content_type="application/json")
    assert response.status_code == area.ROWS[(method, path)][persona], response.content[:300]
