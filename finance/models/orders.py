"""Payment orders (ordonnances de paiement / betalingsordonnanties) and the SEPA batches that carry them to the bank.

An order is prepared from a payable (a due grant tranche, an approved loan drawdown) with the beneficiary's account as
the organisation's master data had it at that moment; another person approves it (four eyes), a second approver too
above the configured amount, with the controller's visa recorded; approved orders go into a batch whose pain.001 file
is generated once and kept: generating it again gives the same bytes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField


class OrderStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    APPROVED = "approved", _("Approved")  # every approval it needs is there
    REJECTED = "rejected", _("Rejected")  # returned to the preparer with a reason; a corrected order is a new one
    BATCHED = "batched", _("In a batch")
    PAID = "paid", _("Paid")  # the bank line is matched (or finance recorded the bank date)
    CANCELLED = "cancelled", _("Cancelled")


class PaymentOrder(models.Model):
    payable = models.ForeignKey(
        "finance.Payable", verbose_name=_("payment request"), on_delete=models.PROTECT, related_name="orders"
    )
    commitment = models.ForeignKey(
        "finance.Commitment", verbose_name=_("commitment"), on_delete=models.PROTECT, related_name="orders"
    )
    budget_line = models.ForeignKey(
        "finance.BudgetLine", verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="orders"
    )
    beneficiary = models.ForeignKey(
        "core.Organisation", verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="payment_orders"
    )
    creditor_name = models.CharField(_("account holder"), max_length=140)
    creditor_iban = models.CharField(_("IBAN"), max_length=34)
    creditor_bic = models.CharField(_("BIC"), max_length=11, blank=True)
    amount = MoneyField(_("amount"))
    structured_communication = models.CharField(
        _("structured communication"), max_length=12, blank=True, help_text=_("12 digits, without +++ or slashes.")
    )
    communication = models.CharField(_("communication"), max_length=140, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PREPARED)
    approvals_needed = models.PositiveSmallIntegerField(_("approvals needed"), default=1)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    first_approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second approval by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    second_approved_at = models.DateTimeField(_("second approval at"), null=True, blank=True)
    visa_reference = models.CharField(_("controller's visa"), max_length=64, blank=True)
    visa_date = models.DateField(_("date of the visa"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rejected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason of the rejection"), blank=True)
    batch = models.ForeignKey(
        "finance.PaymentBatch",
        verbose_name=_("batch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    paid_on = models.DateField(_("bank payment date"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-prepared_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_paymentorder_amount_positive"),
            # At most one live order per payable: a rejected or cancelled one may be followed by a new one.
            models.UniqueConstraint(
                fields=["payable"],
                condition=~Q(status__in=["rejected", "cancelled"]),
                name="finance_paymentorder_one_live_per_payable",
                violation_error_message=_("This payment request already has a payment order."),
            ),
            models.CheckConstraint(
                condition=Q(first_approved_by__isnull=True) | ~Q(first_approved_by=models.F("prepared_by")),
                name="finance_paymentorder_four_eyes",
            ),
            models.CheckConstraint(
                condition=Q(second_approved_by__isnull=True)
                | (
                    ~Q(second_approved_by=models.F("prepared_by"))
                    & ~Q(second_approved_by=models.F("first_approved_by"))
                ),
                name="finance_paymentorder_second_pair_of_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.end_to_end_id} {self.amount}"


class BatchScheme(models.TextChoices):
    PAIN_001_001_09 = "pain.001.001.09", "pain.001.001.09"
    PAIN_001_001_03 = "pain.001.001.03", "pain.001.001.03"


class PaymentBatch(models.Model):
    """Approved orders sent to the bank in one SEPA credit transfer file. Immutable once generated."""

    reference = models.CharField(_("reference"), max_length=35, unique=True, help_text=_("The file's message id."))
    scheme = models.CharField(_("SEPA schema"), max_length=16, choices=BatchScheme.choices)
    debtor_account = models.ForeignKey(
        "finance.TreasuryAccount", verbose_name=_("paying account"), on_delete=models.PROTECT, related_name="batches"
    )
    execution_date = models.DateField(_("requested execution date"))
    created_at = models.DateTimeField(_("created at"))  # written into the file: part of its bytes
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    total = MoneyField(_("total"))
    count = models.PositiveIntegerField(_("number of payments"))
    xml = models.BinaryField(_("pain.001 file"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    downloaded_at = models.DateTimeField(_("first downloaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference
