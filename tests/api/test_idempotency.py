"""Idempotency-Key: a replay returns the first answer and changes nothing; another body with the same key is a 422."""

import pytest

from core.models import AuditRecord

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]
URL = "/api/v1/_test/create/"


@pytest.fixture
def client_in(api_client, commune_editor):
    api_client.force_authenticate(commune_editor)
    return api_client


def _post(client, body, key="k-1"):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key, HTTP_ACCEPT_LANGUAGE="en")


def test_a_replay_returns_the_first_answer_and_writes_nothing(client_in):
    first = _post(client_in, {"amount": "10.00"})
    assert first.status_code == 201
    again = _post(client_in, {"amount": "10.00"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert AuditRecord.objects.filter(action="test_created").count() == 1


def test_the_same_key_with_another_body_is_refused(client_in):
    _post(client_in, {"amount": "10.00"})
    response = _post(client_in, {"amount": "11.00"})
    assert response.status_code == 422
    assert response.json()["message"] == "This Idempotency-Key was already used with a different request."
    assert AuditRecord.objects.filter(action="test_created").count() == 1


def test_an_error_is_not_remembered(client_in):
    assert _post(client_in, {"amount": "lots"}).status_code == 400
    assert _post(client_in, {"amount": "1.00"}).status_code == 201


def test_keys_belong_to_their_user(client_in, api_client, other_commune_editor):
    _post(client_in, {"amount": "10.00"})
    api_client.force_authenticate(other_commune_editor)
    assert _post(api_client, {"amount": "12.00"}).status_code == 201
    assert AuditRecord.objects.filter(action="test_created").count() == 2


def test_without_a_key_each_post_counts(client_in):
    client_in.post(URL, {"amount": "1.00"}, format="json")
    client_in.post(URL, {"amount": "1.00"}, format="json")
    assert AuditRecord.objects.filter(action="test_created").count() == 2


def test_an_overlong_key_is_a_400(client_in):
    assert _post(client_in, {"amount": "1.00"}, key="x" * 256).status_code == 400
