from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditImmutableError(Exception):
    """Raised when code tries to change or delete an audit record."""


class AuditRecordQuerySet(models.QuerySet["AuditRecord"]):
    def update(self, **kwargs):  # type: ignore[override]
        raise AuditImmutableError("Audit records are append-only.")

    def delete(self):  # type: ignore[override]
        raise AuditImmutableError("Audit records are append-only.")

    def for_object(self, obj: models.Model) -> "AuditRecordQuerySet":
        ct = ContentType.objects.get_for_model(obj.__class__)
        return self.filter(content_type=ct, object_id=str(obj.pk))


class AuditRecord(models.Model):
    """Who did what to which object, when, and from which state to which. Append-only.

    Written by services in the same transaction as the change (core.services.audit.audit_record). On PostgreSQL
    a trigger refuses UPDATE and DELETE on this table, so not even raw SQL can rewrite history.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for actions of the system itself."),
    )
    actor_label = models.CharField(_("actor label"), max_length=254, blank=True)
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT)
    object_id = models.CharField(_("object id"), max_length=64)
    object_label = models.CharField(_("object"), max_length=254)
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from state"), max_length=64, blank=True)
    to_state = models.CharField(_("to state"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="core_audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AuditImmutableError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise AuditImmutableError("Audit records are append-only.")
