"""Awards and the money they make due: approvals above thresholds, letters, tranches, claims and justification."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import pick
from core.money import MoneyField


class ApprovalLevel(models.Model):
    """An approval an award needs above an amount, e.g. the Inspection des Finances' opinion above 3.100 EUR."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_nl = models.CharField(_("label (Dutch)"), max_length=200)
    threshold = MoneyField(_("needed above"), help_text=_("Awards above this amount need this approval."))
    requires_reference = models.BooleanField(
        _("needs a reference"), default=False, help_text=_("e.g. the Government decision's number")
    )
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("approval level")
        verbose_name_plural = _("approval levels")
        ordering = ["position", "threshold"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return pick(self.label_fr, self.label_nl)


class AwardStatus(models.TextChoices):
    AWAITING_APPROVALS = "awaiting_approvals", _("Waiting for approvals")
    COMMITTED = "committed", _("Committed")
    SENT_BACK = "sent_back", _("Sent back for changes")
    CLOSED = "closed", _("Closed")


class Award(models.Model):
    """The grant decided by the committee: final once approved where needed and committed on the envelope."""

    application = models.OneToOneField(
        "grants.Application", verbose_name=_("application"), on_delete=models.PROTECT, related_name="award"
    )
    session_item = models.ForeignKey(
        "grants.SessionItem", verbose_name=_("committee decision"), on_delete=models.PROTECT, related_name="awards"
    )
    amount = MoneyField(_("amount"))
    conditions = models.TextField(_("conditions"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=AwardStatus.choices)
    commitment = models.OneToOneField(
        "finance.Commitment",
        verbose_name=_("commitment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="award",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.amount}"


class AwardApproval(models.Model):
    award = models.ForeignKey(Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="approvals")
    level = models.ForeignKey(ApprovalLevel, verbose_name=_("approval"), on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("award approval")
        verbose_name_plural = _("award approvals")
        ordering = ["award", "level__position"]

    def __str__(self) -> str:
        return f"{self.award} {self.level}"


class LetterKind(models.TextChoices):
    AWARD = "award", _("Award letter")
    REFUSAL = "refusal", _("Refusal letter")


class DecisionLetter(models.Model):
    application = models.ForeignKey(
        "grants.Application", verbose_name=_("application"), on_delete=models.PROTECT, related_name="letters"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2)
    file = models.FileField(_("letter"), upload_to="letters/%Y/")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="grants_letter_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.application} {self.get_kind_display()}"


class TrancheKind(models.TextChoices):
    ADVANCE = "advance", _("Advance")
    BALANCE = "balance", _("Balance")


class TrancheStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DUE = "due", _("To be paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Tranche(models.Model):
    """A part of the award, paid on a signed claim (advances) or after the justification (the balance)."""

    award = models.ForeignKey(Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="tranches")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=10, choices=TrancheKind.choices)
    share = models.DecimalField(_("share (%)"), max_digits=6, decimal_places=2)
    planned_amount = MoneyField(_("planned amount"))
    due_amount = MoneyField(_("amount due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TrancheStatus.choices, default=TrancheStatus.PLANNED)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    payable = models.OneToOneField(
        "finance.Payable",
        verbose_name=_("payment due"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tranche",
    )

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["award", "number"]
        constraints = [models.UniqueConstraint(fields=["award", "number"], name="grants_tranche_unique_number")]

    def __str__(self) -> str:
        return f"{self.award.application} {self.get_kind_display()} {self.number}"


class JustificationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHECKED = "checked", _("Checked")


class Justification(models.Model):
    """The statement of expenses and the activity report that justify the grant before the balance is paid."""

    award = models.OneToOneField(Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="justification")
    status = models.CharField(
        _("status"), max_length=10, choices=JustificationStatus.choices, default=JustificationStatus.DRAFT
    )
    report = models.FileField(_("activity report"), upload_to="justifications/%Y/", blank=True)
    report_name = models.CharField(_("report file name"), max_length=200, blank=True)
    report_sha256 = models.CharField(_("report SHA-256"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_total = MoneyField(_("accepted total"), null=True, blank=True)
    to_recover = MoneyField(_("amount to recover"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("justification")
        verbose_name_plural = _("justifications")
        permissions = [("check_justification", _("Can check justifications of grants"))]

    def __str__(self) -> str:
        return f"{self.award.application} ({self.get_status_display()})"


class LineStatus(models.TextChoices):
    PENDING = "pending", _("To check")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ExpenseLine(models.Model):
    justification = models.ForeignKey(
        Justification, verbose_name=_("justification"), on_delete=models.CASCADE, related_name="lines"
    )
    invoice_reference = models.CharField(_("invoice reference"), max_length=100)
    supplier = models.CharField(_("supplier"), max_length=200)
    amount = MoneyField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    proof = models.FileField(_("proof"), upload_to="justifications/%Y/")
    proof_name = models.CharField(_("proof file name"), max_length=200)
    proof_sha256 = models.CharField(_("proof SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("expense line")
        verbose_name_plural = _("expense lines")
        ordering = ["justification", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_reference} {self.amount}"
