"""The loan ledger: every money event of a loan as an append-only entry. Balances are sums of entries.

Each entry carries its effect on three balances, signed: principal outstanding, interest due and unpaid, late
interest due and unpaid. A drawdown adds principal; an instalment falling due adds its interest; a repayment or a
write-off takes them off; a reversal is a new entry with the opposite effects, never an edit.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField


class LedgerImmutableError(Exception):
    """Raised when code tries to change or delete a ledger entry."""


class EntryKind(models.TextChoices):
    DRAWDOWN = "drawdown", _("Drawdown")
    INTEREST_DUE = "interest_due", _("Interest due")
    REPAYMENT = "repayment", _("Repayment")
    LATE_INTEREST = "late_interest", _("Late interest")
    PREPAYMENT = "prepayment", _("Prepayment")
    WRITE_OFF = "write_off", _("Write-off")
    REVERSAL = "reversal", _("Reversal")


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs):  # type: ignore[override]
        raise LedgerImmutableError("Ledger entries are append-only.")

    def delete(self):  # type: ignore[override]
        raise LedgerImmutableError("Ledger entries are append-only.")


class LedgerEntry(models.Model):
    loan = models.ForeignKey("loans.Loan", verbose_name=_("loan"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=14, choices=EntryKind.choices)
    event = models.CharField(
        _("event"),
        max_length=100,
        db_index=True,
        help_text=_("The money event the entry belongs to, e.g. repayment:17."),
    )
    value_date = models.DateField(_("value date"))
    principal = MoneyField(_("principal"), default=0)
    interest = MoneyField(_("interest"), default=0)
    late_interest = MoneyField(_("late interest"), default=0)
    installment = models.ForeignKey(
        "loans.Installment",
        verbose_name=_("instalment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    drawdown = models.ForeignKey(
        "loans.Drawdown",
        verbose_name=_("drawdown"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    repayment = models.ForeignKey(
        "loans.Repayment",
        verbose_name=_("repayment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    accrued_to = models.DateField(
        _("late interest counted up to"), null=True, blank=True, help_text=_("For late interest: the last day counted.")
    )
    decision_reference = models.CharField(_("decision reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["loan", "value_date", "id"]
        indexes = [models.Index(fields=["loan", "value_date"], name="loans_ledger_loan_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="write_off") | ~Q(decision_reference=""), name="loans_ledger_writeoff_has_decision"
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False) | Q(reverses__isnull=True) & ~Q(kind="reversal"),
                name="loans_ledger_reversal_names_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} {self.value_date} {self.kind}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise LedgerImmutableError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise LedgerImmutableError("Ledger entries are append-only.")
