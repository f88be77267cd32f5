"""Applications: answers and documents prepared by an organisation, frozen into a snapshot at each submission."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.files import StoredFile
from core.money import MoneyField, RateField


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INFO_REQUESTED = "info_requested", _("Information requested")
    ELIGIBLE = "eligible", _("Eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    UNDER_REVIEW = "under_review", _("Under review")
    REVIEWED = "reviewed", _("Reviewed")
    AWARDED = "awarded", _("Grant awarded")
    REJECTED = "rejected", _("Not selected")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.INFO_REQUESTED)


class Application(models.Model):
    call_version = models.ForeignKey(
        "grants.CallVersion", verbose_name=_("call version"), on_delete=models.PROTECT, related_name="applications"
    )
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="applications"
    )
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    version = models.PositiveIntegerField(
        _("version counter"), default=1, help_text=_("Raised at every save: detects two people editing at once.")
    )
    total_cost = MoneyField(_("total cost"), null=True, blank=True)
    amount_requested = MoneyField(_("amount requested"), null=True, blank=True)
    cofinancing_rate = RateField(_("co-financing rate"), null=True, blank=True)
    info_request = models.TextField(_("question from the administration"), blank=True)
    deadline_extended_to = models.DateTimeField(_("individual deadline"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="grants_application_reference_unique"
            )
        ]
        permissions = [
            ("check_eligibility", _("Can decide the eligibility of applications")),
            ("review_application", _("Can review applications")),
            ("extend_deadline", _("Can grant an individual deadline extension")),
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.call_version.call.code} #{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ApplicationSnapshot(models.Model):
    """What was submitted: the answers and every file's SHA-256, hashed together. Never changed."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="snapshots"
    )
    number = models.PositiveIntegerField(_("submission number"))
    answers = models.JSONField(_("answers"))
    files = models.JSONField(_("files"), help_text=_("Document code, name, size and SHA-256 of every file."))
    sha256 = models.CharField(_("SHA-256 of the snapshot"), max_length=64)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    receipt = models.FileField(_("receipt"), upload_to="receipts/%Y/", blank=True)
    receipt_emailed_at = models.DateTimeField(_("receipt e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["application", "number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="grants_snapshot_unique_number")]

    def __str__(self) -> str:
        return f"{self.application} #{self.number}"


class ApplicationDocument(StoredFile):
    """An uploaded file, in private storage, checked by content and size, stored under a safe name."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="documents"
    )
    document_code = models.SlugField(_("document"), max_length=64)
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/")
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["document_code", "uploaded_at"]


class DeadlineExtension(models.Model):
    """An individual extension of the deadline, granted by a call manager, with its reason."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="extensions"
    )
    until = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.application} -> {self.until:%Y-%m-%d %H:%M}"


class SignatureRequest(models.Model):
    """An editor asks the organisation's signatories to sign and submit."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="signature_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signature request")
        verbose_name_plural = _("signature requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.application} ({self.requested_at:%Y-%m-%d})"
