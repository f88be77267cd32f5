"""Review: reviewers assigned per application behind a conflict-of-interest gate, and their scores."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import RateField


class AssignmentStatus(models.TextChoices):
    AWAITING_DECLARATION = "awaiting_declaration", _("Waiting for the conflict-of-interest declaration")
    ACTIVE = "active", _("Declared free of conflict")
    RECUSED = "recused", _("Recused")
    DONE = "done", _("Review submitted")


class ReviewAssignment(models.Model):
    """A reviewer on an application. Until they declare they have no conflict, the application stays closed to them."""

    application = models.ForeignKey(
        "grants.Application", verbose_name=_("application"), on_delete=models.PROTECT, related_name="assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="review_assignments",
    )
    status = models.CharField(
        _("status"), max_length=24, choices=AssignmentStatus.choices, default=AssignmentStatus.AWAITING_DECLARATION
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    recusal_reason = models.TextField(_("reason for recusal"), blank=True)

    class Meta:
        verbose_name = _("reviewer assignment")
        verbose_name_plural = _("reviewer assignments")
        ordering = ["application", "assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"],
                condition=~Q(status="recused"),
                name="grants_assignment_one_active_per_reviewer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} / {self.reviewer}"

    @property
    def may_see_application(self) -> bool:
        return self.status in (AssignmentStatus.ACTIVE, AssignmentStatus.DONE)


class StandingConflict(models.Model):
    """A conflict a staff member declared once for an organisation (family, former employer...): never suggested."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="standing_conflicts"
    )
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="grants_standingconflict_unique")]

    def __str__(self) -> str:
        return f"{self.user} / {self.organisation}"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Review(models.Model):
    """One reviewer's scores on the call's grid: a score or an explicit n/a per criterion, and comments."""

    assignment = models.OneToOneField(
        ReviewAssignment, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="review"
    )
    scores = models.JSONField(
        _("scores"), default=dict, help_text=_("Per criterion: a score or null for n/a, and a comment.")
    )
    comment = models.TextField(_("overall comment"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    weighted_score = RateField(_("weighted score (0 to 1)"), null=True, blank=True)
    below_threshold = models.JSONField(_("criteria below their minimum"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.assignment} ({self.get_status_display()})"
