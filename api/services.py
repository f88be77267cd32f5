"""Creating and revoking personal API tokens."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.authentication import hash_secret
from api.models import ApiToken, TokenScope
from api.permissions import can_create_token
from core.errors import InvalidInput, NotFound, NotPermitted
from core.services.audit import audit_record

PREFIX_LENGTH = 8


@transaction.atomic
def token_create(
    *, user, name: str, scope: str, expires_at: dt.datetime, second_factor_verified: bool
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored and cannot be shown again."""
    allowed, reason = can_create_token(user, second_factor_verified=second_factor_verified)
    if not allowed:
        raise NotPermitted(reason)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the token a name.")]
    if scope not in TokenScope.values:
        errors["scope"] = [_("Choose read or read and write.")]
    now = timezone.now()
    max_days = settings.API_TOKEN_MAX_DAYS
    if expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    elif expires_at > now + dt.timedelta(days=max_days):
        errors["expires_at"] = [_("A token lasts at most %(days)d days.") % {"days": max_days}]
    if errors:
        raise InvalidInput(_("The token could not be created."), {"fields": errors})
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=hash_secret(secret),
        scope=scope,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    audit_record(
        obj=token,
        actor=user,
        action="api_token_created",
        changes={"name": token.name, "scope": scope, "expires_at": expires_at},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token_id: int, actor) -> ApiToken:
    # One's own tokens only; another person's token reads as not found, so its existence is not revealed.
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user_id=actor.pk).first()
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is not None:
        return token
    if not actor.is_active:
        raise NotPermitted(_("This account is disabled."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(obj=token, actor=actor, action="api_token_revoked", from_state="active", to_state="revoked")
    return token
