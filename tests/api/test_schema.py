"""The OpenAPI schema validates, and its documentation pages load everything from our own static files."""

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_the_schema_validates_against_openapi_3():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/calls/" in schema["paths"]


def test_the_schema_is_served(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "BPL Funding API"


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_reference_no_external_url(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "cdn" not in html.lower()
    assets = re.findall(r"""/static/(drf_spectacular_sidecar/[^"'\s]+)""", html)
    assert assets
    for asset in assets:
        assert finders.find(asset), asset
