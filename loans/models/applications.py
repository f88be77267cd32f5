"""Loan applications: projects and documents prepared by a borrower, frozen at submission, then checked, analysed,
given the committee's opinion and decided by the Government; the convention follows."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.files import StoredFile
from core.money import MoneyField


class LoanApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INFO_REQUESTED = "info_requested", _("Information requested")
    ELIGIBLE = "eligible", _("Eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    ANALYSED = "analysed", _("Analysed")
    OPINION_GIVEN = "opinion_given", _("Committee opinion given")
    APPROVED = "approved", _("Loan granted")
    REJECTED = "rejected", _("Loan refused")
    CONTRACTED = "contracted", _("Convention signed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


LOAN_EDITABLE_STATUSES = (LoanApplicationStatus.DRAFT, LoanApplicationStatus.INFO_REQUESTED)


class Opinion(models.TextChoices):
    FAVOURABLE = "favourable", _("Favourable")
    UNFAVOURABLE = "unfavourable", _("Unfavourable")


class LoanApplication(models.Model):
    product_version = models.ForeignKey(
        "loans.LoanProductVersion",
        verbose_name=_("loan product"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("borrower"), on_delete=models.PROTECT, related_name="loan_applications"
    )
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LoanApplicationStatus.choices, default=LoanApplicationStatus.DRAFT
    )
    purpose = models.TextField(_("purpose of the loan"), blank=True)
    version = models.PositiveIntegerField(
        _("version counter"), default=1, help_text=_("Raised at every save: detects two people editing at once.")
    )
    info_request = models.TextField(_("question from the administration"), blank=True)
    opinion = models.CharField(_("committee opinion"), max_length=12, choices=Opinion.choices, blank=True)
    opinion_reason = models.TextField(_("reasons of the opinion"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="loans_application_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.product_version.product.code} #{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in LOAN_EDITABLE_STATUSES

    @property
    def requested_total(self) -> Decimal:
        return sum((p.requested_amount for p in self.projects.all()), Decimal("0.00"))


class LoanProject(models.Model):
    """One investment the loan finances, with its cost, the loan asked for it and how long the asset is depreciated."""

    application = models.ForeignKey(
        LoanApplication, verbose_name=_("loan application"), on_delete=models.CASCADE, related_name="projects"
    )
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("project"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    cost = MoneyField(_("cost"))
    requested_amount = MoneyField(_("loan requested"))
    depreciation_years = models.PositiveIntegerField(_("depreciation period (years)"))
    budget_reference = models.CharField(
        _("budget article"),
        max_length=100,
        blank=True,
        help_text=_("Where the expense is committed in the borrower's budget."),
    )
    proposed_amount = MoneyField(_("amount proposed by the analyst"), null=True, blank=True)
    approved_amount = MoneyField(_("amount granted"), null=True, blank=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "position"], name="loans_project_unique_position"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="loans_project_cost_positive"),
            models.CheckConstraint(condition=Q(requested_amount__gt=0), name="loans_project_requested_positive"),
            models.CheckConstraint(
                condition=Q(requested_amount__lte=models.F("cost")), name="loans_project_requested_within_cost"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LoanDocument(StoredFile):
    """A document of the application (the council resolution, the proof of the budget commitment ...), for the
    whole application or for one project."""

    application = models.ForeignKey(
        LoanApplication, verbose_name=_("loan application"), on_delete=models.PROTECT, related_name="documents"
    )
    project = models.ForeignKey(
        LoanProject,
        verbose_name=_("project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    document_code = models.SlugField(_("document"), max_length=64)
    file = models.FileField(_("file"), upload_to="loans/applications/%Y/%m/")
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan document")
        verbose_name_plural = _("loan documents")
        ordering = ["document_code", "uploaded_at"]


class LoanSnapshot(models.Model):
    """What was submitted: the projects and every file's SHA-256, hashed together. Never changed."""

    application = models.ForeignKey(
        LoanApplication, verbose_name=_("loan application"), on_delete=models.PROTECT, related_name="snapshots"
    )
    number = models.PositiveIntegerField(_("submission number"))
    content = models.JSONField(_("content"))
    files = models.JSONField(_("files"))
    sha256 = models.CharField(_("SHA-256 of the snapshot"), max_length=64)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    receipt = models.FileField(_("receipt"), upload_to="loans/receipts/%Y/", blank=True)
    receipt_emailed_at = models.DateTimeField(_("receipt e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan submission")
        verbose_name_plural = _("loan submissions")
        ordering = ["application", "number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="loans_snapshot_unique_number")]

    def __str__(self) -> str:
        return f"{self.application} #{self.number}"


class LoanEligibilityResult(models.Model):
    """One automatic rule's verdict on one submission, with its reason code and parameters."""

    snapshot = models.ForeignKey(
        LoanSnapshot, verbose_name=_("submission"), on_delete=models.PROTECT, related_name="eligibility_results"
    )
    rule = models.SlugField(_("rule"), max_length=64)
    passed = models.BooleanField(_("passed"))
    reason_code = models.SlugField(_("reason"), max_length=64)
    params = models.JSONField(_("details"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("automatic eligibility result")
        verbose_name_plural = _("automatic eligibility results")
        ordering = ["snapshot", "id"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "rule"], name="loans_eligibilityresult_unique")]

    def __str__(self) -> str:
        return f"{self.snapshot} {self.rule}: {'ok' if self.passed else 'no'}"


class LoanEligibilityDecision(models.Model):
    application = models.ForeignKey(
        LoanApplication, verbose_name=_("loan application"), on_delete=models.PROTECT, related_name="decisions"
    )
    snapshot = models.ForeignKey(
        LoanSnapshot, verbose_name=_("submission"), on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=20)
    criteria = models.JSONField(_("criteria"), help_text=_("Per checklist item: its verdict and the reason."))
    question = models.TextField(_("question to the borrower"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility decision")
        verbose_name_plural = _("eligibility decisions")
        ordering = ["application", "decided_at"]

    def __str__(self) -> str:
        return f"{self.application}: {self.outcome}"


class LoanAnalysis(models.Model):
    """The analyst's analysis: the borrower's financial situation, the projects, and a recommendation."""

    application = models.ForeignKey(
        LoanApplication, verbose_name=_("loan application"), on_delete=models.PROTECT, related_name="analyses"
    )
    financial_situation = models.TextField(_("financial situation of the borrower"))
    projects_assessment = models.TextField(_("assessment of the projects"))
    recommendation = models.CharField(_("recommendation"), max_length=12, choices=Opinion.choices)
    proposed_total = MoneyField(_("total proposed"))
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("analyst"), on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan analysis")
        verbose_name_plural = _("loan analyses")
        ordering = ["application", "completed_at"]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_recommendation_display()}"


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("Loan granted")
    REJECTED = "rejected", _("Loan refused")


class LoanDecision(models.Model):
    """The Government's decision (arrete / besluit) with its reference and date; amounts per project are on the
    projects. A granted loan is committed on the product's envelope in the same transaction."""

    application = models.OneToOneField(
        LoanApplication, verbose_name=_("loan application"), on_delete=models.PROTECT, related_name="decision"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=DecisionOutcome.choices)
    decree_reference = models.CharField(_("reference of the decree"), max_length=100)
    decree_date = models.DateField(_("date of the decree"))
    approved_total = MoneyField(_("total granted"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    commitment = models.OneToOneField(
        "finance.Commitment",
        verbose_name=_("commitment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loan_decision",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan decision")
        verbose_name_plural = _("loan decisions")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.decree_reference}"


class LoanConvention(models.Model):
    """The loan convention: generated as a PDF in the borrower's language, then its signed copy uploaded by the
    borrower and accepted by the analyst, which makes the loan active."""

    application = models.OneToOneField(
        LoanApplication, verbose_name=_("loan application"), on_delete=models.PROTECT, related_name="convention"
    )
    language = models.CharField(_("language"), max_length=2)
    document = models.FileField(_("convention"), upload_to="loans/conventions/%Y/", blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    signed_document = models.FileField(_("signed convention"), upload_to="loans/conventions/signed/%Y/", blank=True)
    signed_name = models.CharField(_("file name"), max_length=200, blank=True)
    signed_sha256 = models.CharField(_("SHA-256 of the signed copy"), max_length=64, blank=True)
    signed_uploaded_at = models.DateTimeField(_("signed copy received at"), null=True, blank=True)
    signed_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed copy sent by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    refusal_reason = models.TextField(_("why the signed copy was refused"), blank=True)

    class Meta:
        verbose_name = _("loan convention")
        verbose_name_plural = _("loan conventions")

    def __str__(self) -> str:
        return f"{self.application}"
