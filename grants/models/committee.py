"""Committee sessions as records: who sat, on what, who stood aside, and what was decided."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CLOSED = "closed", _("Closed")


class CommitteeSession(models.Model):
    """A meeting of a selection committee on the applications of one call, or on the loan applications of one loan
    product (for loans it gives an opinion; the Government decides)."""

    call = models.ForeignKey(
        "grants.Call",
        verbose_name=_("call"),
        on_delete=models.PROTECT,
        related_name="sessions",
        null=True,
        blank=True,
    )
    loan_product = models.ForeignKey(
        "loans.LoanProduct",
        verbose_name=_("loan product"),
        on_delete=models.PROTECT,
        related_name="sessions",
        null=True,
        blank=True,
    )
    held_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="committee_sessions"
    )
    quorum = models.PositiveIntegerField(
        _("quorum"), help_text=_("Members who must take part for a decision to be valid.")
    )
    status = models.CharField(_("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("secretary"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    minutes_fr = models.FileField(_("minutes (French)"), upload_to="minutes/%Y/", blank=True)
    minutes_nl = models.FileField(_("minutes (Dutch)"), upload_to="minutes/%Y/", blank=True)

    class Meta:
        verbose_name = _("committee session")
        verbose_name_plural = _("committee sessions")
        ordering = ["-held_at"]
        permissions = [("sit_on_committee", _("Can sit on selection committees"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(call__isnull=False, loan_product__isnull=True)
                | Q(call__isnull=True, loan_product__isnull=False),
                name="grants_session_on_a_call_or_a_loan_product",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_code} {self.held_at:%Y-%m-%d}"

    @property
    def subject_code(self) -> str:
        if self.call is not None:
            return self.call.code
        assert self.loan_product is not None  # the check constraint: one or the other
        return self.loan_product.code

    @property
    def for_loans(self) -> bool:
        return self.loan_product_id is not None


class Attendance(models.Model):
    session = models.ForeignKey(
        CommitteeSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField(_("present"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="grants_attendance_unique")]

    def __str__(self) -> str:
        return f"{self.member} {'present' if self.present else 'absent'}"


class ItemDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    POSTPONED = "postponed", _("Postponed")


class SessionItem(models.Model):
    """An application on the agenda, in ranking order, with the proposed amount and the decision."""

    session = models.ForeignKey(
        CommitteeSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="items"
    )
    application = models.ForeignKey(
        "grants.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="session_items",
        null=True,
        blank=True,
    )
    loan_application = models.ForeignKey(
        "loans.LoanApplication",
        verbose_name=_("loan application"),
        on_delete=models.PROTECT,
        related_name="session_items",
        null=True,
        blank=True,
    )
    position = models.PositiveIntegerField(_("position"))
    proposed_amount = MoneyField(_("proposed amount"))
    decision = models.CharField(_("decision"), max_length=10, choices=ItemDecision.choices, blank=True)
    decided_amount = MoneyField(_("amount granted"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="grants_sessionitem_unique_application"),
            models.UniqueConstraint(
                fields=["session", "loan_application"], name="grants_sessionitem_unique_loan_application"
            ),
            models.CheckConstraint(
                condition=Q(application__isnull=False, loan_application__isnull=True)
                | Q(application__isnull=True, loan_application__isnull=False),
                name="grants_sessionitem_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.position} {self.subject}"

    @property
    def subject(self):
        """The grant application or the loan application on the agenda."""
        return self.application if self.application_id else self.loan_application

    @property
    def requested_amount(self):
        if self.application is not None:
            return self.application.amount_requested
        assert self.loan_application is not None  # the check constraint: one or the other
        return self.loan_application.requested_total


class Recusal(models.Model):
    """A member who stands aside on one item: they do not take part, and quorum is counted without them."""

    item = models.ForeignKey(
        SessionItem, verbose_name=_("agenda item"), on_delete=models.CASCADE, related_name="recusals"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="grants_recusal_unique")]

    def __str__(self) -> str:
        return f"{self.member} on {self.item}"
