"""The budget and the money owed: budget lines and their yearly credits, envelopes, commitments, what is due (payables)
and what is to be recovered (receivables)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField


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


class BudgetCredit(models.Model):
    """The credits voted on a budget line for one budget year: commitment appropriations (what may be committed) and
    payment appropriations (what may be paid), as in the regional budget (CE/CL, VK/VEK)."""

    budget_line = models.ForeignKey(
        BudgetLine, verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="credits"
    )
    year = models.PositiveSmallIntegerField(_("budget year"))
    commitment_credit = MoneyField(_("commitment appropriations"))
    payment_credit = MoneyField(_("payment appropriations"))

    class Meta:
        verbose_name = _("budget credit")
        verbose_name_plural = _("budget credits")
        ordering = ["budget_line__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget_line", "year"],
                name="finance_budgetcredit_line_year_unique",
                violation_error_message=_("This budget line already has credits for that year."),
            ),
            models.CheckConstraint(
                condition=Q(commitment_credit__gte=0, payment_credit__gte=0), name="finance_budgetcredit_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_line.code} {self.year}"


class Envelope(models.Model):
    """An amount set aside on a budget line for one purpose (a call for projects, a loan programme).

    Its row is the lock every commitment takes: the sum of commitments never exceeds the amount."""

    code = models.SlugField(_("code"), max_length=64, unique=True, help_text=_("e.g. call-sport"))
    label = models.CharField(_("label"), max_length=200)
    budget_line = models.ForeignKey(
        BudgetLine, verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="envelopes"
    )
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="finance_envelope_amount_positive")]

    def __str__(self) -> str:
        return self.label


class Commitment(models.Model):
    """A commitment (engagement / vastlegging): credits reserved for a beneficiary before the decision is notified."""

    envelope = models.ForeignKey(
        Envelope, verbose_name=_("envelope"), on_delete=models.PROTECT, related_name="commitments"
    )
    beneficiary = models.ForeignKey(
        "core.Organisation", verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="commitments"
    )
    amount = MoneyField(_("amount"))
    reference = models.CharField(_("reference"), max_length=64)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="finance_commitment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"


class PayableStatus(models.TextChoices):
    DUE = "due", _("To be paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Payable(models.Model):
    """What is owed to a beneficiary (a liquidation / vereffening): paid by finance, against a commitment."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.PROTECT, related_name="payables"
    )
    beneficiary = models.ForeignKey(
        "core.Organisation", verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="payables"
    )
    amount = MoneyField(_("amount"))
    reference = models.CharField(_("reference"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=PayableStatus.choices, default=PayableStatus.DUE)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    due_since = models.DateTimeField(_("due since"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_on = models.DateField(_("bank payment date"), null=True, blank=True)

    class Meta:
        verbose_name = _("payable")
        verbose_name_plural = _("payables")
        ordering = ["-due_since"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="finance_payable_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount} ({self.status})"


class Receivable(models.Model):
    """What a beneficiary owes back (a recovery), e.g. an advance not justified."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("commitment"), on_delete=models.PROTECT, related_name="receivables"
    )
    debtor = models.ForeignKey(
        "core.Organisation", verbose_name=_("debtor"), on_delete=models.PROTECT, related_name="receivables"
    )
    amount = MoneyField(_("amount"))
    reference = models.CharField(_("reference"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    structured_communication = models.CharField(
        _("structured communication"),
        max_length=12,
        blank=True,
        help_text=_("What the debtor writes on its transfer (family 3 of core.ogm), so the bank line matches."),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("amount to recover")
        verbose_name_plural = _("amounts to recover")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="finance_receivable_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"
