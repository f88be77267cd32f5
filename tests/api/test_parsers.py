"""Forms over Django's limits get the API's error body, not Django's HTML 400 page (the test echo endpoint takes the
default parsers: JSON, form and multipart)."""

from decimal import Decimal

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]
URL = "/api/v1/_test/echo/"


@pytest.fixture
def client_in(api_client, commune_editor, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    api_client.force_authenticate(commune_editor)
    return api_client


def test_a_form_with_too_many_fields_is_the_api_400(client_in):
    body = "&".join(f"f{n}=x" for n in range(50))
    response = client_in.generic(
        "POST", URL, body, content_type="application/x-www-form-urlencoded", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["message"] == "The form has more fields or files than the server accepts."


def test_a_multipart_form_with_too_many_fields_is_the_api_400_in_the_callers_language(client_in):
    data = {f"f{n}": "x" for n in range(50)}
    response = client_in.post(URL, data, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"message": "The form has more fields or files than the server accepts.", "extra": {}}


def test_a_form_within_the_limits_is_read(client_in):
    response = client_in.post(URL, {"amount": "12.50"}, format="multipart")
    assert response.status_code == 200
    assert Decimal(str(response.json()["amount"])) == Decimal("12.50")
