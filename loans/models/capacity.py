"""Borrowing capacity for a collective-interest programme: the envelope times each commune's share of the general
grant to communes (dotation generale aux communes / algemene dotatie aan de gemeenten), minus what it already holds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ShareTable(models.Model):
    """The shares of one year, imported from a spreadsheet. The newest table of a product is the one applied."""

    product = models.ForeignKey(
        "loans.LoanProduct", verbose_name=_("loan product"), on_delete=models.PROTECT, related_name="share_tables"
    )
    label = models.CharField(_("label"), max_length=200, help_text=_("e.g. General grant to communes 2025"))
    source_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("share table")
        verbose_name_plural = _("share tables")
        ordering = ["product", "-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.product} {self.label}"


class ShareRow(models.Model):
    table = models.ForeignKey(ShareTable, verbose_name=_("share table"), on_delete=models.CASCADE, related_name="rows")
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField(
        _("share (%)"), max_digits=9, decimal_places=6, help_text=_("Percent of the general grant: 5.250000 is 5.25 %.")
    )

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["table", "organisation__name_fr"]
        constraints = [
            models.UniqueConstraint(fields=["table", "organisation"], name="loans_sharerow_unique"),
            models.CheckConstraint(condition=Q(share__gte=0) & Q(share__lte=100), name="loans_sharerow_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.share} %"
