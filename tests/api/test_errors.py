"""One error body everywhere: {"message": ..., "extra": {...}}, with the status the issue lists, in the caller's
language."""

import json

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


@pytest.fixture
def client_in(api_client, commune_editor):
    api_client.force_authenticate(commune_editor)
    return api_client


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("invalid", 400, "Bad amount."),
        ("not-permitted", 403, "Not your role."),
        ("not-found", 404, "No such thing."),
        ("transition", 409, "Already submitted."),
        ("http404", 404, "Not found."),
        ("django-denied", 403, "You do not have permission to perform this action."),
    ],
)
def test_each_error_has_its_status_and_the_one_body(client_in, kind, status, message):
    response = client_in.get(f"/api/v1/_test/raise/{kind}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    assert set(response.json()) == {"message", "extra"}
    assert response.json()["message"] == message


def test_service_field_errors_sit_under_extra_fields(client_in):
    body = client_in.get("/api/v1/_test/raise/invalid/").json()
    assert body["extra"] == {"fields": {"amount": ["Too big."]}}


def test_validation_error_lists_the_fields(client_in):
    response = client_in.post("/api/v1/_test/echo/", {"amount": "lots"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["message"] == "The data sent is not valid."
    assert list(response.json()["extra"]["fields"]) == ["amount"]


def test_unknown_fields_are_refused(client_in):
    response = client_in.post("/api/v1/_test/echo/", {"amount": "1.00", "amout": "2"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == ["amout"]


def test_malformed_json_is_a_400(client_in):
    response = client_in.post(
        "/api/v1/_test/echo/", data='{"amount": ', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("JSON parse error")


def test_a_huge_body_is_refused_before_it_is_read(client_in, settings):
    settings.API_MAX_JSON_BYTES = 100
    body = json.dumps({"amount": "1.00", "label": "x" * 200})
    response = client_in.post(
        "/api/v1/_test/echo/", data=body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert "100 bytes" in response.json()["message"]


def test_anonymous_is_a_401_with_the_scheme_named(api_client):
    response = api_client.get("/api/v1/_test/raise/invalid/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"message": "Authentication credentials were not provided.", "extra": {}}


def test_unknown_api_path_is_a_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}


def test_wrong_method_is_a_405_in_the_body(client_in):
    response = client_in.delete("/api/v1/_test/echo/")
    assert response.status_code == 405
    assert response.json()["extra"] == {"code": "method_not_allowed"}


@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "Informations d'authentification non fournies."), ("nl", "Authenticatiegegevens zijn niet opgegeven.")],
)
def test_messages_follow_accept_language(api_client, language, message):
    response = api_client.get("/api/v1/_test/raise/invalid/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.json()["message"] == message
