"""The two programme flows of the Region's IT for local authorities: transfers to Paradigm (the former CIRB/CIBG,
renamed in February 2023) and the financing of the We Pulse programme (2021-2025) by authority and domain.

A Paradigm transfer is never edited: a correction is a new transfer that replaces the old one, which stays (and is
no longer counted). A transfer for the programme's investments may name the We Pulse authority and domain it finances:
that is how the regional share's actuals are known. The FRBRTC loan share's actuals are the paid drawdowns of the loan
a financing plan links to (loans.Drawdown).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _

from core.i18n import pick
from core.models.files import StoredFile
from core.money import MoneyField

HALF_CENT = Value(Decimal("0.005"))
SHARES = F("regional_share") + F("loan_amount") + F("own_funds")


class TransferPurpose(models.TextChoices):
    STEERING = "steering", _("Programme steering and management")
    INVESTMENTS = "investments", _("Investments")
    OTHER = "other", _("Other")


class WePulseProgramme(models.Model):
    """We Pulse: modernising the IT of communes and CPAS in shared domains (launched 2020, period 2021-2025)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    estimated_budget = MoneyField(_("estimated budget"))
    estimated_in = models.PositiveSmallIntegerField(_("year of the estimate"), null=True, blank=True)

    class Meta:
        verbose_name = _("We Pulse programme")
        verbose_name_plural = _("We Pulse programmes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="finance_wepulse_period_order"),
            models.CheckConstraint(condition=Q(estimated_budget__gte=0), name="finance_wepulse_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_fr, self.name_nl)


class WePulseDomain(models.Model):
    """A shared domain of the programme: CRM, hard HR, soft HR, finance/accounting, and social files (CPAS only)."""

    programme = models.ForeignKey(
        WePulseProgramme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="domains"
    )
    code = models.SlugField(_("code"), max_length=32)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    cpas_only = models.BooleanField(_("for CPAS only"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("We Pulse domain")
        verbose_name_plural = _("We Pulse domains")
        ordering = ["programme", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="finance_wepulsedomain_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_fr, self.name_nl)


class WePulseParticipant(models.Model):
    """A commune or CPAS and whether (and when) it joined the programme."""

    programme = models.ForeignKey(
        WePulseProgramme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="participants"
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("local authority"),
        on_delete=models.PROTECT,
        related_name="wepulse_participations",
    )
    joined = models.BooleanField(_("joined"), default=False)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("We Pulse participant")
        verbose_name_plural = _("We Pulse participants")
        ordering = ["programme", "organisation__kind", "organisation__name_fr"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"], name="finance_wepulseparticipant_unique"),
            models.CheckConstraint(
                condition=Q(joined=True, joined_on__isnull=False) | Q(joined=False, joined_on__isnull=True),
                name="finance_wepulseparticipant_joined_date",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class WePulseFinancingPlan(models.Model):
    """What an authority plans to spend on one domain, and how it is financed: the regional share through Paradigm,
    an FRBRTC loan and its own funds. The three add up to the cost (checked by the service and the database)."""

    participant = models.ForeignKey(
        WePulseParticipant, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="plans"
    )
    domain = models.ForeignKey(WePulseDomain, verbose_name=_("domain"), on_delete=models.PROTECT, related_name="plans")
    cost = MoneyField(_("cost"))
    regional_share = MoneyField(_("regional share (through Paradigm)"))
    loan_amount = MoneyField(_("FRBRTC loan"))
    own_funds = MoneyField(_("own funds"))
    loan = models.OneToOneField(
        "loans.Loan",
        verbose_name=_("FRBRTC loan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wepulse_plan",
        help_text=_("The loan that finances the loan share: its paid drawdowns are the actuals."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("We Pulse financing plan")
        verbose_name_plural = _("We Pulse financing plans")
        ordering = ["participant", "domain__position"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "domain"], name="finance_wepulseplan_unique_domain"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="finance_wepulseplan_cost_positive"),
            models.CheckConstraint(
                condition=Q(regional_share__gte=0, loan_amount__gte=0, own_funds__gte=0),
                name="finance_wepulseplan_shares_positive",
            ),
            # Amounts are whole cents, so within half a cent means equal; the margin is for SQLite, which keeps
            # decimals as binary floats (0.10 + 0.20 is not 0.30 there). PostgreSQL's numeric is exact.
            models.CheckConstraint(
                condition=Q(cost__gte=SHARES - HALF_CENT, cost__lte=SHARES + HALF_CENT),
                name="finance_wepulseplan_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.domain}"


class ParadigmTransfer(models.Model):
    """A transfer of the Region to Paradigm, with the decision it executes. Never edited: a correction is a new
    transfer that `replaces` this one."""

    date = models.DateField(_("transfer date"))
    amount = MoneyField(_("amount"))
    budget_year = models.PositiveSmallIntegerField(_("budget year"))
    budget_line = models.ForeignKey(
        "finance.BudgetLine", verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="paradigm_transfers"
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=TransferPurpose.choices)
    decision_reference = models.CharField(_("decision reference"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    programme = models.ForeignKey(
        WePulseProgramme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    participant = models.ForeignKey(
        WePulseParticipant,
        verbose_name=_("local authority financed"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    domain = models.ForeignKey(
        WePulseDomain,
        verbose_name=_("domain financed"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    correction_reason = models.CharField(_("reason of the correction"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("Paradigm transfer")
        verbose_name_plural = _("Paradigm transfers")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_paradigmtransfer_amount_positive"),
            models.CheckConstraint(
                condition=Q(purpose=TransferPurpose.INVESTMENTS) | Q(participant__isnull=True, domain__isnull=True),
                name="finance_paradigmtransfer_attribution_investments",
            ),
        ]
        indexes = [models.Index(fields=["budget_year", "purpose"], name="finance_paradigm_year_idx")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.amount} ({self.decision_reference})"


class ParadigmAttachment(StoredFile):
    """A document of a transfer (the decision, the request for funds, the bank's proof), checked by content."""

    transfer = models.ForeignKey(
        ParadigmTransfer, verbose_name=_("Paradigm transfer"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="finance/paradigm/%Y/")

    class Meta:
        verbose_name = _("attachment of a Paradigm transfer")
        verbose_name_plural = _("attachments of Paradigm transfers")
        ordering = ["uploaded_at", "id"]


class ParadigmPlan(models.Model):
    """What was planned to be transferred to Paradigm in a budget year for one purpose."""

    year = models.PositiveSmallIntegerField(_("budget year"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=TransferPurpose.choices)
    amount = MoneyField(_("planned amount"))
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Where the figure comes from, e.g. the initial budget.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Paradigm plan")
        verbose_name_plural = _("Paradigm plans")
        ordering = ["year", "purpose"]
        constraints = [
            models.UniqueConstraint(fields=["year", "purpose"], name="finance_paradigmplan_unique_year_purpose"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="finance_paradigmplan_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_purpose_display()}"
