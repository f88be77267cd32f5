"""Background work of core. Tasks take ids, fetch, act, and can safely run twice."""

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
