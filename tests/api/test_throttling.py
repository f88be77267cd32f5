"""Rate limits answer 429 in the error body: per anonymous address, and per token."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }


def test_anonymous_callers_are_limited_per_address(api_client, low_rates):
    statuses = [api_client.get("/api/v1/calls/", REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = api_client.get("/api/v1/calls/", REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"].startswith("Request was throttled.")
    assert int(response["Retry-After"]) > 0
    assert response.json()["extra"]["retry_after"] > 0
    assert api_client.get("/api/v1/calls/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_each_token_has_its_own_budget(token_client, commune_editor, low_rates):
    first, second = token_client(commune_editor), token_client(commune_editor)
    assert [first.get("/api/v1/calls/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.get("/api/v1/calls/").status_code == 200
