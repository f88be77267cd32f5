"""Background work of core. Tasks take ids, fetch, act, and can safely run twice."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.models import Membership
from core.notifications import send_templated_email
from core.selectors import users_awaiting_digest
from core.services.notifications import notification_send_email, notifications_send_digest

logger = logging.getLogger(__name__)


@shared_task(name="core.ping")
def ping(value: str = "ping") -> dict:
    """A task that proves a worker is alive and reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"echo": value, "db": connection.vendor, "ok": one == 1}


@shared_task(
    name="core.send_membership_notice",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_membership_notice(*, membership_id: int, invited: bool) -> bool:
    membership = Membership.objects.select_related("user", "organisation").filter(pk=membership_id).first()
    if membership is None:  # removed before the e-mail left: nothing to announce
        return False
    user = membership.user
    language = user.preferred_language
    with translation.override(language):
        if invited:
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            path = reverse("portal:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        else:
            path = reverse("portal:organisation", kwargs={"code": membership.organisation.code})
    send_templated_email(
        to=[user.email],
        template="membership_invitation" if invited else "membership_added",
        context={"membership": membership, "user": user, "organisation": membership.organisation, "path": path},
        language=language,
    )
    return True


@shared_task(
    name="core.send_notification_email",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(*, notification_id: int) -> bool:
    """E-mail one notification; a second run (a retry, a redelivery) finds it e-mailed and sends nothing."""
    return notification_send_email(notification_id=notification_id)


@shared_task(
    name="core.send_daily_digests",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_daily_digests() -> int:
    """Send each daily-digest reader one e-mail with what is pending; returns how many e-mails went."""
    sent, failure = 0, None
    for user_id in users_awaiting_digest():
        try:
            sent += notifications_send_digest(user_id=user_id)
        except (SMTPException, ConnectionError) as error:
            # One refused address must not hold back everybody after it; the retry resends only what failed.
            logger.warning("daily digest for user %s not sent: %s", user_id, error)
            failure = error
    if failure is not None:
        raise failure
    return sent
