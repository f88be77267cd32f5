"""schemathesis over the whole /api/v1/ schema, in process: no server error, every answer as the schema says.

Issue 8 asks for zero server errors and zero schema violations in CI. The app is Django's own WSGI handler, called
through schemathesis' WSGI transport, inside the test's transaction (stack-notes trap 15 for PostgreSQL). Every
operation is run anonymously and with a commune editor's read-write personal token, with valid data (positive) and
invalid data (negative).

schemathesis' own pytest integration (schemathesis.pytest.from_fixture) sets `request.node._nodeid`, which pytest 9.2
no longer has; the operations are therefore driven here with plain hypothesis, one @given run per operation.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories.grants import CallVersionFactory

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the tree
    # The same examples on every run: a CI gate must not pass or fail by the draw. Widen max_examples (or drop this
    # locally) to explore further.
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def _keep_test_connection():
    # Django's WSGI handler closes "old" connections around each request; under the test's transaction on
    # PostgreSQL that closes the connection the test runs in. Django's test client disconnects them the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def _high_throttle_rates(settings):
    # Hundreds of requests from one address or one token within a minute: never let a 429 hide an answer.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }


@pytest.fixture
def api_schema(_keep_test_connection, _high_throttle_rates):
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture
def known_path_values(commune):
    """Path values that name existing objects: random ones only ever find nothing."""
    version = CallVersionFactory(published=True)
    return {"code": version.call.code, "id": commune.pk}


def run_whole_schema(api_schema, known_path_values, headers: dict[str, str]) -> None:
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @HYPOTHESIS
            @given(case=operation.as_strategy(generation_mode=mode), known=st.booleans())
            def check(case, known):
                cache.clear()  # throttle counters, on top of the high rates
                if known and case.path_parameters:
                    # Half the time, ask for objects that exist, so their 200 answers are checked too.
                    for name in case.path_parameters.keys() & known_path_values.keys():
                        case.path_parameters[name] = known_path_values[name]
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                # Negative mode on an operation whose every input is valid (GET /calls/{code}/ takes any string).
                if mode is not GenerationMode.NEGATIVE:
                    raise
            except (Exception, BaseExceptionGroup) as exc:  # gathered: one run reports every failing operation
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert not failures, "\n\n".join(failures)


def test_whole_schema_anonymously(api_schema, known_path_values):
    run_whole_schema(api_schema, known_path_values, {})


def test_whole_schema_with_a_commune_editor_token(api_schema, known_path_values, commune_editor, make_token):
    _token, secret = make_token(commune_editor, "write")
    run_whole_schema(api_schema, known_path_values, {"Authorization": f"Token {secret}"})


def test_a_path_with_a_newline_gets_the_api_404(client):
    # Found by schemathesis: the catch-all's "." did not match a newline, so the portal's HTML 404 answered.
    response = client.get("/api/v1/calls/a%0Ab/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"message", "extra"}


def test_whole_schema_with_a_token_of_every_staff_role(api_schema, known_path_values, make_token):
    """Past the staff doors: every staff-side operation answers as the schema says, whatever it is sent."""
    from core.roles import StaffRole
    from tests.factories import UserFactory

    staff = UserFactory(email="all-roles@bpl.brussels", roles=list(StaffRole.values))
    _token, secret = make_token(staff, "write")
    run_whole_schema(api_schema, known_path_values, {"Authorization": f"Token {secret}"})
