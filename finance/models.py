"""Finance owns the budget: lines (allocations de base / basisallocaties) that calls and loans draw on."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BudgetLine(models.Model):
    """A budget line of the regional budget, e.g. 10.005.27.02.43.21. Credits per year arrive with finance."""

    code = models.CharField(
        _("budget line"), max_length=32, unique=True, help_text=_("As in the budget, e.g. 10.005.27.02.43.21.")
    )
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_nl = models.CharField(_("label (Dutch)"), max_length=200)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        return self.label_nl if (get_language() or "").startswith("nl") else self.label_fr
