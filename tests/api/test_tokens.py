"""Personal API tokens: stored hashed, shown once, expiring, scoped, revocable; staff need 2FA to create one."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from api.authentication import hash_secret
from api.models import ApiToken
from api.services import token_create, token_revoke
from core.errors import InvalidInput, NotFound, NotPermitted
from core.models import AuditRecord

pytestmark = pytest.mark.django_db
ME = "/api/v1/_test/echo/"


def _create(user, **kwargs):
    fields = {
        "name": "Accounting",
        "scope": "read",
        "expires_at": timezone.now() + dt.timedelta(days=30),
        "second_factor_verified": False,
    }
    return token_create(user=user, **{**fields, **kwargs})


def test_it_stores_only_the_hash_and_the_prefix(commune_editor):
    token, secret = _create(commune_editor)
    token.refresh_from_db()
    assert token.secret_hash == hash_secret(secret)
    assert token.prefix == secret[:8]
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert AuditRecord.objects.filter(action="api_token_created", object_id=str(token.pk)).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "expires_at"),
        ({"expires_at": timezone.now() + dt.timedelta(days=366)}, "expires_at"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(commune_editor, kwargs, field):
    with pytest.raises(InvalidInput) as error:
        _create(commune_editor, **kwargs)
    assert field in error.value.extra["fields"]
    assert not ApiToken.objects.exists()


def test_staff_need_second_factor_to_create(finance_officer):
    with pytest.raises(NotPermitted):
        _create(finance_officer)
    assert not ApiToken.objects.exists()
    token, _secret = _create(finance_officer, second_factor_verified=True)
    assert token.user == finance_officer


def test_revoke_only_ones_own(commune_editor, other_commune_editor):
    token, _secret = _create(commune_editor)
    with pytest.raises(NotFound):
        token_revoke(token_id=token.pk, actor=other_commune_editor)
    token.refresh_from_db()
    assert token.revoked_at is None
    token_revoke(token_id=token.pk, actor=commune_editor)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditRecord.objects.filter(action="api_token_revoked", object_id=str(token.pk)).count() == 1


@pytest.mark.urls("tests.api.urls")
class TestAuthentication:
    def _post(self, client, secret):
        return client.post(
            ME, {"amount": "1.00"}, format="json", HTTP_AUTHORIZATION=f"Token {secret}", HTTP_ACCEPT_LANGUAGE="en"
        )

    def test_a_write_token_authenticates_and_records_use(self, api_client, commune_editor):
        token, secret = _create(commune_editor, scope="write")
        assert self._post(api_client, secret).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_a_read_token_cannot_write(self, api_client, commune_editor):
        _token, secret = _create(commune_editor, scope="read")
        response = self._post(api_client, secret)
        assert response.status_code == 403
        assert response.json()["message"] == "This token is read-only."

    @pytest.mark.parametrize(
        ("state", "message"),
        [
            ("unknown", "This token is not valid."),
            ("revoked", "This token was revoked."),
            ("expired", "This token has expired."),
        ],
    )
    def test_bad_tokens_are_a_401(self, api_client, commune_editor, state, message):
        token, secret = _create(commune_editor, scope="write")
        if state == "unknown":
            secret = secret[::-1]
        elif state == "revoked":
            token_revoke(token_id=token.pk, actor=commune_editor)
        else:
            ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        response = self._post(api_client, secret)
        assert response.status_code == 401
        assert response.json() == {"message": message, "extra": {}}

    def test_a_staff_session_without_second_factor_is_refused(self, client, finance_officer):
        client.force_login(finance_officer)
        response = client.post(ME, {"amount": "1.00"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 401
        assert "two-step" in response.json()["message"]


class TestPages:
    @property
    def url(self) -> str:
        return reverse("api_tokens:list")

    def test_the_account_page_links_to_tokens(self, client, commune_editor):
        client.force_login(commune_editor)
        assert self.url in client.get(reverse("portal:account")).content.decode()

    def test_it_shows_the_secret_once_then_only_the_prefix(self, client, commune_editor):
        client.force_login(commune_editor)
        expires = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
        response = client.post(self.url, {"name": "ERP", "scope": "write", "expires_on": expires})
        assert response.status_code == 200
        token = ApiToken.objects.get(user=commune_editor)
        secret = response.context["secret"]
        assert token.secret_hash == hash_secret(secret)
        assert secret in response.content.decode()
        page = client.get(self.url).content.decode()
        assert secret not in page
        assert token.prefix in page

    def test_it_refuses_an_expiry_beyond_the_maximum(self, client, commune_editor):
        client.force_login(commune_editor)
        expires = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
        response = client.post(self.url, {"name": "ERP", "scope": "write", "expires_on": expires})
        assert response.status_code == 400
        assert not ApiToken.objects.exists()

    def test_staff_without_second_factor_cannot_create(self, client, finance_officer):
        client.force_login(finance_officer)
        expires = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
        assert client.post(self.url, {"name": "x", "scope": "read", "expires_on": expires}).status_code == 403
        assert not ApiToken.objects.exists()

    def test_staff_with_second_factor_can_create(self, staff_client, finance_officer):
        client = staff_client(finance_officer)
        expires = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
        assert client.post(self.url, {"name": "x", "scope": "read", "expires_on": expires}).status_code == 200
        assert ApiToken.objects.filter(user=finance_officer).count() == 1

    def test_revoke_from_the_page(self, client, commune_editor, other_commune_editor):
        token, _secret = _create(commune_editor)
        client.force_login(other_commune_editor)
        assert client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
        client.force_login(commune_editor)
        assert client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_anonymous_is_sent_to_sign_in(self, client):
        assert client.get(self.url).status_code == 302
