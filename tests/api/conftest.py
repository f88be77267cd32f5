import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import token_create


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counters live in the cache; each test starts with a full budget.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_token(db):
    """make_token(user, scope="write") -> (token, secret); staff users are treated as having passed 2FA."""

    def make(user, scope: str = "write", days: int = 30, name: str = "Test software"):
        return token_create(
            user=user,
            name=name,
            scope=scope,
            expires_at=timezone.now() + dt.timedelta(days=days),
            second_factor_verified=True,
        )

    return make


@pytest.fixture
def token_client(make_token):
    """token_client(user, scope="write") -> an APIClient sending that user's new token."""

    def make(user, scope: str = "write") -> APIClient:
        _token, secret = make_token(user, scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return make
