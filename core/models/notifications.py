from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.users import Language


class Notification(models.Model):
    """Something a person should know: shown in the portal, e-mailed at once or in the daily digest.

    Created by core.services.notifications.notify, rendered once in the recipient's language and stored, so the
    e-mail and the in-app list say the same thing even if templates change later. `key` makes it happen once.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        help_text=_("Identifies the event, so that it is notified only once."),
    )
    template = models.CharField(_("template"), max_length=100)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="core_notif_recipient_read_idx"),
            # The digest looks for what was never e-mailed; that set stays small while the table grows.
            models.Index(fields=["recipient"], condition=Q(emailed_at__isnull=True), name="core_notif_unsent_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
