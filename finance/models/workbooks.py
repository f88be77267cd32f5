"""Reconciliation workbooks asked for in the staff site: built by a Celery task that reports its progress here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkbookStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReconciliationWorkbook(models.Model):
    year = models.PositiveSmallIntegerField(_("budget year"))
    language = models.CharField(_("language"), max_length=2)
    status = models.CharField(_("status"), max_length=8, choices=WorkbookStatus.choices, default=WorkbookStatus.QUEUED)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    total = models.PositiveIntegerField(_("rows to write"), default=0)
    file = models.FileField(_("file"), upload_to="finance/workbooks/%Y/", blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reconciliation workbook")
        verbose_name_plural = _("reconciliation workbooks")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return 100 if self.status == WorkbookStatus.READY else (100 * self.done // self.total if self.total else 0)
