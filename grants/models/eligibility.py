"""Eligibility in two layers: automatic rules per submission, then an officer's decision per criterion."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EligibilityResult(models.Model):
    """One automatic rule's verdict on one submission, with the reason as a code and its parameters."""

    snapshot = models.ForeignKey(
        "grants.ApplicationSnapshot",
        verbose_name=_("submission"),
        on_delete=models.PROTECT,
        related_name="eligibility_results",
    )
    rule = models.SlugField(_("rule"), max_length=64)
    passed = models.BooleanField(_("passed"))
    reason_code = models.SlugField(_("reason"), max_length=64)
    params = models.JSONField(_("details"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("automatic eligibility result")
        verbose_name_plural = _("automatic eligibility results")
        ordering = ["snapshot", "id"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "rule"], name="grants_eligibilityresult_unique")]

    def __str__(self) -> str:
        return f"{self.snapshot} {self.rule}: {'ok' if self.passed else 'no'}"


class EligibilityOutcome(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    INFO_REQUESTED = "info_requested", _("Request for information")


class EligibilityDecision(models.Model):
    """An officer's decision on one submission: a verdict and a reason per checklist criterion, and the outcome."""

    application = models.ForeignKey(
        "grants.Application", verbose_name=_("application"), on_delete=models.PROTECT, related_name="decisions"
    )
    snapshot = models.ForeignKey(
        "grants.ApplicationSnapshot", verbose_name=_("submission"), on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=EligibilityOutcome.choices)
    criteria = models.JSONField(_("criteria"), help_text=_("Per checklist item: its verdict and the reason."))
    question = models.TextField(_("question to the applicant"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility decision")
        verbose_name_plural = _("eligibility decisions")
        ordering = ["application", "decided_at"]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_outcome_display()}"
