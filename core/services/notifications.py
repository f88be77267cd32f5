"""Telling people what happened: an in-app notification, e-mailed at once or in a daily digest, once per key."""

from functools import partial

from django.db import IntegrityError, transaction
from django.urls import reverse, translate_url
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.models import Notification, NotificationMode, User
from core.notifications import absolute_url, render_templated_email, send_email


def _in_language(url: str, language: str) -> str:
    """A path of this site in the reader's language (/fr/... becomes /nl/... for a Dutch reader)."""
    current = translation.get_language_from_path(url) if url.startswith("/") else None
    if current is None or current == language:
        return url
    with translation.override(current):  # translate_url resolves the path in its own language first
        return translate_url(url, language)


def notify(*, recipient: User, key: str, template: str, context: dict, url: str = "") -> Notification:
    """Create the in-app notification and (after commit) its e-mail, once per key."""
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    language = recipient.preferred_language
    url = _in_language(url, language)
    subject, text, html = render_templated_email(
        template=template, context={**context, "recipient": recipient, "url": absolute_url(url)}, language=language
    )
    notification = Notification(
        recipient=recipient,
        key=key,
        template=template,
        subject=subject[:255],
        body_text=text.strip() + "\n",
        body_html=html,
        url=url,
        language=language,
    )
    notification.full_clean(validate_unique=False, validate_constraints=False)
    try:
        # A savepoint: losing the race for the key must leave the caller's own transaction usable.
        with transaction.atomic():
            notification.save(force_insert=True)
            if recipient.notification_mode == NotificationMode.IMMEDIATE:
                from core.tasks import send_notification_email

                transaction.on_commit(partial(send_notification_email.delay, notification_id=notification.pk))
    except IntegrityError:
        existing = Notification.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing
    return notification


@transaction.atomic
def notification_send_email(*, notification_id: int) -> bool:
    """E-mail one notification unless it already went; True when it was sent now."""
    # The row lock makes a second run of the same task (or the digest) wait, then find emailed_at set.
    notification = (
        Notification.objects.select_for_update(of=("self",)).select_related("recipient").filter(pk=notification_id)
    ).first()
    if notification is None or notification.emailed_at is not None or not notification.recipient.is_active:
        return False
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    # Sent inside the transaction: a failed send rolls emailed_at back for the retry; only a commit that fails
    # after a successful send could repeat the e-mail once.
    send_email(
        to=[notification.recipient.email],
        subject=notification.subject,
        text=notification.body_text,
        html=notification.body_html,
    )
    return True


def _digest_context(user: User, pending: list[Notification]) -> dict:
    with translation.override(user.preferred_language):
        list_url = absolute_url(reverse("portal:notifications"))
    items = [{"subject": item.subject, "url": absolute_url(item.url)} for item in pending]
    return {"recipient": user, "items": items, "count": len(items), "list_url": list_url}


@transaction.atomic
def notifications_send_digest(*, user_id: int) -> bool:
    """E-mail a daily-digest reader everything not yet e-mailed, in one message; True when one was sent."""
    user = User.objects.get(pk=user_id)
    if user.notification_mode != NotificationMode.DAILY_DIGEST or not user.is_active:
        return False
    # Locking the pending rows makes a concurrent run wait, then find them e-mailed: each goes out once.
    pending = list(
        Notification.objects.select_for_update()
        .filter(recipient=user, emailed_at__isnull=True)
        .order_by("created_at", "id")
    )
    if not pending:
        return False
    Notification.objects.filter(pk__in=[item.pk for item in pending]).update(emailed_at=timezone.now())
    # Same choice as notification_send_email: a failed send rolls the marks back, so the retry sends them.
    subject, text, html = render_templated_email(
        template="daily_digest", context=_digest_context(user, pending), language=user.preferred_language
    )
    send_email(to=[user.email], subject=subject, text=text, html=html)
    return True


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read; anybody else's is not found."""
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        now = timezone.now()
        # Conditional update: on a double click the first reading time stays.
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
            notification.read_at = now
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark all the user's unread notifications read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
