"""The administration's own bank accounts, the statements the bank sends for them (CODA or camt.053), their lines, and
the matches that tie a line to what it pays or repays.

Statements and lines are immutable once imported (model and queryset guards; on PostgreSQL a trigger): a wrong match
is undone by a new row, never by editing the line. A line may be matched to several items (one transfer for several
instalments) and an item by several lines (partial payments); each match carries its own amount.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField


class ImmutableError(Exception):
    """Raised when code tries to change or delete an imported statement or line."""


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise ImmutableError("Imported bank statements are immutable.")

    def delete(self):  # type: ignore[override]
        raise ImmutableError("Imported bank statements are immutable.")


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableError("Imported bank statements are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise ImmutableError("Imported bank statements are immutable.")


class AccountPurpose(models.TextChoices):
    PAYMENTS = "payments", _("Payments of the administration")
    FRBRTC = "frbrtc", _("FRBRTC (loans and repayments)")


class TreasuryAccount(models.Model):
    """An account of the administration: orders are paid from it and its statements are imported."""

    iban = models.CharField(_("IBAN"), max_length=34, unique=True, help_text=_("Stored without spaces."))
    bic = models.CharField(_("BIC"), max_length=11)
    holder = models.CharField(_("account holder"), max_length=140)
    purpose = models.CharField(_("purpose"), max_length=10, choices=AccountPurpose.choices)

    class Meta:
        verbose_name = _("treasury account")
        verbose_name_plural = _("treasury accounts")
        ordering = ["purpose", "iban"]

    def __str__(self) -> str:
        return f"{self.holder} {self.iban}"


class StatementFormat(models.TextChoices):
    CODA = "coda", "CODA"
    CAMT_053 = "camt053", "camt.053"


class BankStatement(ImmutableModel):
    account = models.ForeignKey(
        TreasuryAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="statements"
    )
    format = models.CharField(_("format"), max_length=8, choices=StatementFormat.choices)
    number = models.CharField(_("statement number"), max_length=35)
    statement_date = models.DateField(_("statement date"))
    opening_balance = MoneyField(_("opening balance"))
    closing_balance = MoneyField(_("closing balance"))
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    content = models.BinaryField(_("file"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-statement_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "number", "statement_date"],
                name="finance_bankstatement_once",
                violation_error_message=_("This statement was already imported."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.account.iban} {self.number} {self.statement_date}"


class StatementLine(ImmutableModel):
    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="lines"
    )
    sequence = models.PositiveIntegerField(_("line"))
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"))
    amount = MoneyField(_("amount"), help_text=_("Positive for money received, negative for money paid out."))
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("counterparty's IBAN"), max_length=34, blank=True)
    counterparty_bic = models.CharField(_("counterparty's BIC"), max_length=11, blank=True)
    structured_communication = models.CharField(_("structured communication"), max_length=12, blank=True)
    communication = models.CharField(_("communication"), max_length=500, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=35, blank=True)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "sequence"], name="finance_statementline_sequence_unique")
        ]
        indexes = [models.Index(fields=["end_to_end_id"]), models.Index(fields=["structured_communication"])]

    def __str__(self) -> str:
        return f"{self.statement} #{self.sequence} {self.amount}"


class MatchMethod(models.TextChoices):
    END_TO_END = "e2e", _("End-to-end id")
    AMOUNT_IBAN = "amount_iban", _("Amount and IBAN")
    STRUCTURED = "structured", _("Structured communication")
    MANUAL = "manual", _("By hand")


class LineMatch(models.Model):
    """What a statement line (or part of it) pays: a payment order, a loan's repayment, an amount to recover.

    Undone by setting undone_at/undone_by (with what it booked reversed by its owner), never deleted."""

    line = models.ForeignKey(
        StatementLine, verbose_name=_("statement line"), on_delete=models.PROTECT, related_name="matches"
    )
    amount = MoneyField(_("amount"))
    method = models.CharField(_("how"), max_length=12, choices=MatchMethod.choices)
    payment_order = models.ForeignKey(
        "finance.PaymentOrder",
        verbose_name=_("payment order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matches",
    )
    loan = models.ForeignKey(
        "loans.Loan", verbose_name=_("loan"), on_delete=models.PROTECT, null=True, blank=True, related_name="matches"
    )
    repayment = models.ForeignKey(
        "loans.Repayment",
        verbose_name=_("repayment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matches",
    )
    receivable = models.ForeignKey(
        "finance.Receivable",
        verbose_name=_("amount to recover"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matches",
    )
    matched_at = models.DateTimeField(_("matched at"), auto_now_add=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("matched by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when matched automatically."),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    undo_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["line_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_linematch_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(payment_order__isnull=False, loan__isnull=True, receivable__isnull=True)
                    | Q(payment_order__isnull=True, loan__isnull=False, receivable__isnull=True)
                    | Q(payment_order__isnull=True, loan__isnull=True, receivable__isnull=False)
                ),
                name="finance_linematch_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} → {self.amount}"
