"""Calls for projects. A call (its code) has versions; a published version is frozen, a change is a new version."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import pick
from core.money import MoneyField, RateField


class Programme(models.Model):
    """A funding programme calls belong to: sports infrastructure, WePulse, ..."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_fr, self.name_nl)


class Call(models.Model):
    """The identity of a call across its versions, e.g. SPORT-2026; applications take their reference from it."""

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short and stable, e.g. SPORT: references read AAP-2026-SPORT-0042."),
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="calls"
    )
    last_reference_number = models.PositiveIntegerField(_("last reference number"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for projects")
        verbose_name_plural = _("calls for projects")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Replaced by a newer version")


class CallVersion(models.Model):
    """Everything a call says, frozen when published. Applications stay pinned to the version they started on."""

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.DRAFT)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    text_fr = models.TextField(_("text (French)"), blank=True)
    text_nl = models.TextField(_("text (Dutch)"), blank=True)
    budget_line = models.ForeignKey(
        "finance.BudgetLine", verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="call_versions"
    )
    envelope = MoneyField(_("envelope"))
    eligible_kinds = models.JSONField(_("eligible organisation kinds"), default=list)
    max_amount = MoneyField(_("maximum amount per application"))
    min_cofinancing_rate = RateField(
        _("minimum co-financing rate"), default=0, help_text=_("As a fraction: 0.200000 is 20 %.")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    grace_minutes = models.PositiveIntegerField(
        _("grace period (minutes)"), default=0, help_text=_("Submissions are still accepted this long after closing.")
    )
    required_documents = models.JSONField(_("required documents"), default=list)
    form_schema = models.JSONField(_("application form"), default=dict)
    eligibility_rules = models.JSONField(_("automatic eligibility rules"), default=list)
    checklist = models.JSONField(_("manual checklist"), default=list)
    scoring_grid = models.JSONField(_("scoring grid"), default=list)
    tranche_plan = models.JSONField(_("tranche plan"), default=list)
    reviewers_per_application = models.PositiveIntegerField(_("reviewers per application"), default=2)
    divergence_margin = models.DecimalField(
        _("divergence margin (points out of 100)"),
        max_digits=5,
        decimal_places=2,
        default=20,
        help_text=_("Reviews further apart than this are flagged for discussion."),
    )
    process_pin = models.CharField(_("process version"), max_length=80, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call version")
        verbose_name_plural = _("call versions")
        ordering = ["call", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="grants_callversion_unique_number"),
            models.UniqueConstraint(
                fields=["call"], condition=Q(status="published"), name="grants_callversion_one_published"
            ),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="grants_callversion_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.call.code} v{self.number}"

    @property
    def title(self) -> str:
        return pick(self.title_fr, self.title_nl)

    @property
    def text(self) -> str:
        return pick(self.text_fr, self.text_nl)

    @property
    def deadline(self) -> dt.datetime:
        """The last moment a submission is accepted: the closing time plus the grace period."""
        return self.closes_at + dt.timedelta(minutes=self.grace_minutes)

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.status == CallStatus.PUBLISHED and self.opens_at <= at <= self.deadline
