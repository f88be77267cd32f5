"""Loan products of the FRBRTC, versioned like calls: a published version is frozen, a change is a new version.

A product version carries its legal basis (the decree that opened it) and every term the schedule needs; a loan
copies those terms when it is decided, so a later version never changes a running loan.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import pick
from core.money import MoneyField, RateField


class LoanKind(models.TextChoices):
    RECOVERY = "recovery", _("Recovery loan")
    INVESTMENT = "investment", _("Investment loan")
    FIXED_TERM_ADVANCE = "fixed_term_advance", _("Fixed-term advance")
    COLLECTIVE_INTEREST = "collective_interest", _("Loan for investments of collective interest")


class Frequency(models.TextChoices):
    ANNUAL = "annual", _("Annual")
    SEMI_ANNUAL = "semi_annual", _("Semi-annual")
    QUARTERLY = "quarterly", _("Quarterly")
    MONTHLY = "monthly", _("Monthly")


MONTHS_PER_PERIOD = {"annual": 12, "semi_annual": 6, "quarterly": 3, "monthly": 1}


class Method(models.TextChoices):
    ANNUITY = "annuity", _("Annuity (equal instalments)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal")
    BULLET = "bullet", _("Bullet (all principal at the end)")


class DayCount(models.TextChoices):
    THIRTY_360 = "30/360", _("30/360")
    ACT_360 = "ACT/360", _("Actual/360")
    ACT_365 = "ACT/365", _("Actual/365")
    ACT_ACT = "ACT/ACT", _("Actual/actual")


class DueDateRule(models.TextChoices):
    ANNIVERSARY = "anniversary", _("Anniversary of the first drawdown")
    PERIOD_END = "period_end", _("End of each calendar period")


class PrepaymentRule(models.TextChoices):
    SHORTEN_TERM = "shorten_term", _("Shorten the term")
    LOWER_INSTALMENT = "lower_instalment", _("Lower the instalment")


class AllocationTarget(models.TextChoices):
    LATE_INTEREST = "late_interest", _("Late interest")
    INTEREST = "interest", _("Interest")
    PRINCIPAL = "principal", _("Principal")


DEFAULT_ALLOCATION = ["late_interest", "interest", "principal"]


def default_allocation() -> list[str]:
    return list(DEFAULT_ALLOCATION)


class LoanProduct(models.Model):
    """The identity of a product across its versions, e.g. SPORT-2021; loan references take its code."""

    code = models.SlugField(
        _("code"), max_length=32, unique=True, help_text=_("Short and stable: references read FRBRTC-2026-SPORT-0007.")
    )
    last_reference_number = models.PositiveIntegerField(_("last reference number"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Replaced by a newer version")


class LoanProductVersion(models.Model):
    product = models.ForeignKey(
        LoanProduct, verbose_name=_("loan product"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    text_fr = models.TextField(_("text (French)"), blank=True)
    text_nl = models.TextField(_("text (Dutch)"), blank=True)
    kind = models.CharField(_("kind of loan"), max_length=24, choices=LoanKind.choices)
    legal_basis_fr = models.CharField(_("legal basis (French)"), max_length=300)
    legal_basis_nl = models.CharField(_("legal basis (Dutch)"), max_length=300)
    decree_date = models.DateField(_("date of the decree"))
    budget_line = models.ForeignKey(
        "finance.BudgetLine", verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="loan_products"
    )
    envelope = MoneyField(_("envelope"))
    eligible_kinds = models.JSONField(_("eligible borrowers"), default=list)
    opens_at = models.DateTimeField(_("applications open at"))
    closes_at = models.DateTimeField(_("applications close at"))
    term_months = models.PositiveIntegerField(_("term (months)"))
    rate = RateField(_("fixed rate"), help_text=_("As a fraction: 0.030000 is 3 %."))
    frequency = models.CharField(_("payment frequency"), max_length=12, choices=Frequency.choices)
    method = models.CharField(_("repayment method"), max_length=16, choices=Method.choices)
    day_count = models.CharField(_("day count"), max_length=8, choices=DayCount.choices)
    grace_principal_periods = models.PositiveIntegerField(_("grace on principal (periods)"), default=0)
    grace_interest_periods = models.PositiveIntegerField(_("grace on interest (periods)"), default=0)
    due_date_rule = models.CharField(_("due date rule"), max_length=12, choices=DueDateRule.choices)
    max_drawdowns = models.PositiveIntegerField(_("maximum number of drawdowns"), default=1)
    last_drawdown_date = models.DateField(_("last drawdown date"), null=True, blank=True)
    late_interest_rate = RateField(_("late-interest rate"), help_text=_("Per year, as a fraction."))
    prepayment_rule = models.CharField(_("prepayment rule"), max_length=16, choices=PrepaymentRule.choices)
    allocation_order = models.JSONField(_("allocation order of payments"), default=default_allocation)
    max_financing_rate = RateField(
        _("maximum share of the cost"), default=1, help_text=_("As a fraction: 1.000000 is 100 % of the cost.")
    )
    min_depreciation_years = models.PositiveIntegerField(_("minimum depreciation period (years)"), default=0)
    uses_borrowing_capacity = models.BooleanField(
        _("borrowing capacity per commune"),
        default=False,
        help_text=_("Each commune may borrow up to the envelope times its share of the general grant to communes."),
    )
    notice_days = models.PositiveIntegerField(
        _("due notice (days before the due date)"), default=30, help_text=_("When the due notice is sent.")
    )
    required_documents = models.JSONField(_("required documents"), default=list)
    checklist = models.JSONField(_("manual checklist"), default=list)
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
        verbose_name = _("loan product version")
        verbose_name_plural = _("loan product versions")
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="loans_productversion_unique_number"),
            models.UniqueConstraint(
                fields=["product"], condition=Q(status="published"), name="loans_productversion_one_published"
            ),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="loans_product_dates"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="loans_product_rate_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="loans_product_term_positive"),
            models.CheckConstraint(condition=Q(envelope__gt=0), name="loans_product_envelope_positive"),
            models.CheckConstraint(condition=Q(late_interest_rate__gte=0), name="loans_product_late_rate"),
        ]
        permissions = [("analyse_loan", _("Can analyse loan applications and service loans"))]

    def __str__(self) -> str:
        return f"{self.product.code} v{self.number}"

    @property
    def title(self) -> str:
        return pick(self.title_fr, self.title_nl)

    @property
    def text(self) -> str:
        return pick(self.text_fr, self.text_nl)

    @property
    def legal_basis(self) -> str:
        return pick(self.legal_basis_fr, self.legal_basis_nl)

    @property
    def periods(self) -> int:
        return self.term_months // MONTHS_PER_PERIOD[self.frequency]

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.status == ProductStatus.PUBLISHED and self.opens_at <= at <= self.closes_at
