"""Active loans: the terms of the convention, drawdowns, schedules (every version kept), instalments with their own
structured communication, and the payments received. Balances come from the ledger, never from a field here."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.files import StoredFile
from core.money import MoneyField, RateField
from loans.models.products import DayCount, DueDateRule, Frequency, Method, PrepaymentRule, default_allocation


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REPAID = "repaid", _("Repaid")
    WRITTEN_OFF = "written_off", _("Written off")


class Loan(models.Model):
    """A loan under its convention. Its terms are copied from the product version when the convention is accepted,
    so a newer product version never changes a running loan."""

    application = models.OneToOneField(
        "loans.LoanApplication", verbose_name=_("loan application"), on_delete=models.PROTECT, related_name="loan"
    )
    borrower = models.ForeignKey(
        "core.Organisation", verbose_name=_("borrower"), on_delete=models.PROTECT, related_name="loans"
    )
    product_version = models.ForeignKey(
        "loans.LoanProductVersion", verbose_name=_("loan product"), on_delete=models.PROTECT, related_name="loans"
    )
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=LoanStatus.choices, default=LoanStatus.ACTIVE)
    approved_amount = MoneyField(_("amount granted"))
    commitment = models.OneToOneField(
        "finance.Commitment", verbose_name=_("commitment"), on_delete=models.PROTECT, related_name="loan"
    )
    rate = RateField(_("fixed rate"))
    periods = models.PositiveIntegerField(_("number of instalments"))
    frequency = models.CharField(_("payment frequency"), max_length=12, choices=Frequency.choices)
    method = models.CharField(_("repayment method"), max_length=16, choices=Method.choices)
    day_count = models.CharField(_("day count"), max_length=8, choices=DayCount.choices)
    grace_principal_periods = models.PositiveIntegerField(_("grace on principal (periods)"), default=0)
    grace_interest_periods = models.PositiveIntegerField(_("grace on interest (periods)"), default=0)
    due_date_rule = models.CharField(_("due date rule"), max_length=12, choices=DueDateRule.choices)
    prepayment_rule = models.CharField(_("prepayment rule"), max_length=16, choices=PrepaymentRule.choices)
    late_interest_rate = RateField(_("late-interest rate"))
    allocation_order = models.JSONField(_("allocation order of payments"), default=default_allocation)
    max_drawdowns = models.PositiveIntegerField(_("maximum number of drawdowns"))
    last_drawdown_date = models.DateField(_("last drawdown date"), null=True, blank=True)
    notice_days = models.PositiveIntegerField(_("due notice (days before the due date)"))
    start_date = models.DateField(
        _("start of the term"), null=True, blank=True, help_text=_("The bank's payment date of the first drawdown.")
    )
    last_drawdown_number = models.PositiveIntegerField(_("last drawdown number"), default=0)
    activated_at = models.DateTimeField(_("activated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-activated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(approved_amount__gt=0), name="loans_loan_amount_positive"),
            models.CheckConstraint(condition=Q(periods__gt=0), name="loans_loan_periods_positive"),
        ]
        permissions = [
            ("record_repayment", _("Can record loan repayments")),
            ("write_off_loan", _("Can record write-offs of loans")),
        ]

    def __str__(self) -> str:
        return self.reference


class DrawdownStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved, to be paid")
    REJECTED = "rejected", _("Refused")
    PAID = "paid", _("Paid")


class Drawdown(models.Model):
    """A drawdown (prelevement / opneming): asked by the borrower with the invoices it covers, approved by an
    analyst, paid by finance; interest runs on it from the bank's payment date."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="drawdowns")
    number = models.PositiveIntegerField(_("number"))
    amount = MoneyField(_("amount"))
    status = models.CharField(
        _("status"), max_length=10, choices=DrawdownStatus.choices, default=DrawdownStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason of the refusal"), blank=True)
    payable = models.OneToOneField(
        "finance.Payable",
        verbose_name=_("payment request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drawdown",
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("drawdown")
        verbose_name_plural = _("drawdowns")
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="loans_drawdown_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loans_drawdown_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} #{self.number}"


class DrawdownInvoice(StoredFile):
    """An invoice a drawdown covers, with its reference and amount, and the file."""

    drawdown = models.ForeignKey(
        Drawdown, verbose_name=_("drawdown"), on_delete=models.CASCADE, related_name="invoices"
    )
    invoice_reference = models.CharField(_("invoice reference"), max_length=100)
    invoice_amount = MoneyField(_("invoice amount"))
    file = models.FileField(_("file"), upload_to="loans/drawdowns/%Y/%m/")

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["drawdown", "id"]
        constraints = [models.CheckConstraint(condition=Q(invoice_amount__gt=0), name="loans_invoice_amount_positive")]


class ScheduleReason(models.TextChoices):
    DRAWDOWN = "drawdown", _("Drawdown")
    PREPAYMENT = "prepayment", _("Prepayment")
    WRITE_OFF = "write_off", _("Write-off")
    REVERSAL = "reversal", _("Reversal")


class ScheduleVersion(models.Model):
    """One computation of the repayment schedule; a new one at every drawdown, prepayment or write-off, the old ones
    kept. The newest is the one in force."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="schedules")
    number = models.PositiveIntegerField(_("version"))
    reason = models.CharField(_("reason"), max_length=12, choices=ScheduleReason.choices)
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("repayment schedule")
        verbose_name_plural = _("repayment schedules")
        ordering = ["loan", "-number"]
        constraints = [models.UniqueConstraint(fields=["loan", "number"], name="loans_schedule_unique_number")]

    def __str__(self) -> str:
        return f"{self.loan} v{self.number}"


class ScheduleLine(models.Model):
    schedule = models.ForeignKey(
        ScheduleVersion, verbose_name=_("repayment schedule"), on_delete=models.CASCADE, related_name="lines"
    )
    n = models.PositiveIntegerField(_("instalment"))
    due_date = models.DateField(_("due date"))
    payment = MoneyField(_("payment"))
    interest = MoneyField(_("interest"))
    principal = MoneyField(_("principal"))
    outstanding = MoneyField(_("outstanding after"))

    class Meta:
        verbose_name = _("schedule line")
        verbose_name_plural = _("schedule lines")
        ordering = ["schedule", "n"]
        constraints = [models.UniqueConstraint(fields=["schedule", "n"], name="loans_scheduleline_unique_n")]

    def __str__(self) -> str:
        return f"{self.schedule} #{self.n}"


class Installment(models.Model):
    """An instalment (echeance / vervaldag) as the borrower pays it: its structured communication never changes, its
    amounts are those of the schedule in force. One that a shorter schedule no longer has is cancelled."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="installments")
    n = models.PositiveIntegerField(_("instalment"))
    due_date = models.DateField(_("due date"))
    principal = MoneyField(_("principal"))
    interest = MoneyField(_("interest"))
    structured_communication = models.CharField(_("structured communication"), max_length=12, unique=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    notice = models.FileField(_("due notice"), upload_to="loans/notices/%Y/", blank=True)
    notice_sent_at = models.DateTimeField(_("due notice sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["loan", "n"]
        constraints = [models.UniqueConstraint(fields=["loan", "n"], name="loans_installment_unique_n")]
        indexes = [models.Index(fields=["due_date", "cancelled"], name="loans_inst_due_idx")]

    def __str__(self) -> str:
        return f"{self.loan} #{self.n}"

    @property
    def amount(self):
        return self.principal + self.interest


class RepaymentSource(models.TextChoices):
    MANUAL = "manual", _("Recorded by hand")
    BANK = "bank", _("Bank statement")


class Repayment(models.Model):
    """Money received from the borrower, as the bank reported it. Its allocation is in the ledger."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="repayments")
    amount = MoneyField(_("amount"))
    value_date = models.DateField(_("value date"))
    structured_communication = models.CharField(_("structured communication"), max_length=12, blank=True)
    installment = models.ForeignKey(
        Installment,
        verbose_name=_("instalment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repayments",
    )
    source = models.CharField(_("source"), max_length=8, choices=RepaymentSource.choices)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["loan", "value_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="loans_repayment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.loan} {self.value_date} {self.amount}"
