"""FRBRTC loan applications: the borrower's portal pages (loans/views_portal.py) as an API, and the staff read.

- Who sees an application: loans.selectors.loan_application_for_user (the borrower's members, staff with
  loans.view_loanapplication); anyone else gets the 404 of an id that does not exist. The list is the portal's list
  for members and the staff list for those staff.
- Every write calls the service the page calls (loans.services.applications, .submission, .convention). The
  permission function the service applies is asked first, so that a role that may not act gets its 403 before its
  input is judged; the service then checks everything again under its row lock.
- Submitting and sending the signed convention commit the borrower: they take an Idempotency-Key.
"""

from typing import Any

import django_filters
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import filters, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY, idempotent
from api.parsers import LimitedMultiPartParser
from api.serializers import StrictSerializer
from api.serializers import valid as _valid
from core.downloads import private_attachment
from core.errors import NotFound, NotPermitted
from core.models import Organisation
from core.money import MoneyField
from core.permissions import can_view_organisation
from core.uploads import ALLOWED
from loans.models import (
    Loan,
    LoanApplication,
    LoanApplicationStatus,
    LoanConvention,
    LoanDecision,
    LoanDocument,
    LoanProductVersion,
    ProductStatus,
)
from loans.permissions import can_edit_application, can_sign_for
from loans.selectors import (
    convention_for_user,
    loan_application_for_user,
    loan_applications_visible_to,
    loan_document_for_user,
    loan_snapshot_for_user,
)
from loans.services.applications import (
    edit_check,
    loan_application_create,
    loan_application_save,
    loan_document_add,
    loan_document_remove,
)
from loans.services.convention import convention_signed_upload
from loans.services.submission import document_label, loan_application_submit, missing_items, requested_total

PDF = "application/pdf"
ZERO = Value(0, output_field=MoneyField())
# Every kind of file the upload checks accept (core.uploads): what a document download can be.
DOCUMENT_DOWNLOADS: dict[Any, Any] = {
    (200, content_type): OpenApiTypes.BINARY for content_type in set(ALLOWED.values())
}
PDF_DOWNLOAD: dict[Any, Any] = {(200, PDF): OpenApiTypes.BINARY}
CONFLICT = OpenApiResponse(OpenApiTypes.OBJECT, description=_("Not possible in the current state (see the message)."))
# Uploads take multipart only: another media type (or a multipart body without its boundary) is a 415.
UNSUPPORTED = OpenApiResponse(OpenApiTypes.OBJECT, description=_("The body's media type is not accepted here."))
# The Idempotency-Key is checked before anything else: a key that is not 1 to 255 printable characters is a 400,
# a key already used with another request a 422 (api/idempotency.py).
IDEMPOTENT_ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description=_("The data or the Idempotency-Key is not valid.")),
    422: OpenApiResponse(OpenApiTypes.OBJECT, description=_("This Idempotency-Key was used for another request.")),
}
# Filters on ids: a number out of range is a 400, not a database error.
ID_LIMITS = {"min_value": 1, "max_value": 2**31 - 1}


def application_or_404(user, pk: int) -> LoanApplication:
    application = loan_application_for_user(user, pk)
    if application is None:
        raise NotFound(_("No such loan application."))
    return application


# --- output -----------------------------------------------------------------------------------------------------------


class LoanProductRefSerializer(serializers.Serializer):
    code = serializers.SlugField(source="product.code")
    version = serializers.IntegerField(source="number")
    title = serializers.CharField(help_text=_("In the caller's language."))


class BorrowerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.SlugField()
    name = serializers.CharField(help_text=_("In the caller's language."))


class LoanApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text=_("Given at the first submission; empty before."))
    status = serializers.ChoiceField(choices=LoanApplicationStatus.choices)
    product = LoanProductRefSerializer(source="product_version")
    organisation = BorrowerRefSerializer()
    purpose = serializers.CharField()
    requested = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("The loans requested for all its projects, in EUR.")
    )
    version = serializers.IntegerField(help_text=_("Send it back when you save: it detects concurrent edits."))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class LoanProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    requested_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    depreciation_years = serializers.IntegerField()
    budget_reference = serializers.CharField()
    approved_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class LoanDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document_code = serializers.SlugField()
    project = serializers.IntegerField(source="project_id", allow_null=True)
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class LoanRequiredDocumentSerializer(serializers.Serializer):
    code = serializers.SlugField()
    # The serializer metaclass takes declared fields out of the class: these do not replace Field.label/.required.
    label = serializers.CharField(help_text=_("In the caller's language."))  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    per_project = serializers.BooleanField(help_text=_("One file per project rather than one for the application."))


class LoanSubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Use it to download the receipt."))
    number = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    sha256 = serializers.CharField(help_text=_("Fingerprint of what was submitted, as on the receipt."))
    receipt_ready = serializers.BooleanField(help_text=_("The receipt PDF is made just after the submission."))


class LoanConventionSerializer(serializers.Serializer):
    language = serializers.CharField()
    generated = serializers.BooleanField()
    signed = serializers.BooleanField(help_text=_("A signed copy was sent and is waiting or accepted."))
    signed_on = serializers.DateField(allow_null=True)
    signed_uploaded_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    refusal_reason = serializers.CharField(help_text=_("Why the last signed copy was refused; empty otherwise."))
    awaiting_signature = serializers.BooleanField()


class LoanDecisionSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    decree_reference = serializers.CharField()
    decree_date = serializers.DateField()
    approved_total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class LoanApplicationDetailSerializer(LoanApplicationSerializer):
    info_request = serializers.CharField(help_text=_("The administration's question, when it asked for information."))
    projects = LoanProjectSerializer(many=True)
    required_documents = LoanRequiredDocumentSerializer(many=True)
    documents = LoanDocumentSerializer(many=True, help_text=_("The current file of each document."))
    missing = serializers.ListField(
        child=serializers.CharField(), help_text=_("What still prevents submission (empty once submitted).")
    )
    may_edit = serializers.BooleanField()
    may_sign = serializers.BooleanField(help_text=_("You may submit, send the signed convention, ask for drawdowns."))
    submissions = LoanSubmissionSerializer(many=True)
    decision = LoanDecisionSerializer(allow_null=True)
    convention = LoanConventionSerializer(allow_null=True)
    loan = serializers.IntegerField(allow_null=True, help_text=_("The loan's id once the convention is accepted."))


def _convention(application: LoanApplication) -> dict[str, Any] | None:
    convention = LoanConvention.objects.filter(application=application).first()
    if convention is None:
        return None
    return {
        "language": convention.language,
        "generated": bool(convention.document),
        "signed": bool(convention.signed_document),
        "signed_on": convention.signed_on,
        "signed_uploaded_at": convention.signed_uploaded_at,
        "accepted_at": convention.accepted_at,
        "refusal_reason": convention.refusal_reason,
        # As on the portal page: approved, the convention made, not yet accepted.
        "awaiting_signature": application.status == LoanApplicationStatus.APPROVED and convention.accepted_at is None,
    }


SUMMARY_FIELDS = (
    "id",
    "reference",
    "status",
    "product_version",
    "organisation",
    "purpose",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
)


def application_detail(user, application: LoanApplication) -> dict[str, Any]:
    """What the portal's application page shows (the form or the read-only record), as data."""
    projects = list(application.projects.all())
    may_edit = can_edit_application(user, application)[0]
    decision = LoanDecision.objects.filter(application=application).first()
    return {
        **{name: getattr(application, name) for name in SUMMARY_FIELDS},
        "requested": requested_total(application),
        "info_request": application.info_request,
        "projects": projects,
        "required_documents": [
            {
                "code": spec["code"],
                "label": document_label(spec),
                "required": spec.get("required", True),
                "per_project": bool(spec.get("per_project")),
            }
            for spec in application.product_version.required_documents
        ],
        "documents": list(application.documents.filter(removed_at__isnull=True).order_by("uploaded_at")),
        "missing": missing_items(application) if may_edit else [],
        "may_edit": may_edit,
        "may_sign": can_sign_for(user, application.organisation_id)[0],
        "submissions": [
            {**{f: getattr(s, f) for f in ("id", "number", "submitted_at", "sha256")}, "receipt_ready": bool(s.receipt)}
            for s in application.snapshots.order_by("number")
        ],
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome,
            "decree_reference": decision.decree_reference,
            "decree_date": decision.decree_date,
            "approved_total": decision.approved_total,
        },
        "convention": _convention(application),
        "loan": Loan.objects.filter(application=application).values_list("pk", flat=True).first(),
    }


def detail_response(request: Request, application_id: int, code: int = status.HTTP_200_OK) -> Response:
    application = application_or_404(request.user, application_id)
    return Response(LoanApplicationDetailSerializer(application_detail(request.user, application)).data, status=code)


# --- the list, one application, editing it -------------------------------------------------------------------------


class LoanApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LoanApplicationStatus.choices)
    product = django_filters.CharFilter(field_name="product_version__product__code", help_text=_("A product's code."))
    organisation = django_filters.NumberFilter(field_name="organisation_id", **ID_LIMITS)

    class Meta:
        model = LoanApplication
        fields = ["status", "product", "organisation"]


class ApplicationList(generics.ListAPIView):
    """Your organisations' loan applications (staff who may read loan applications: all of them)."""

    serializer_class = LoanApplicationSerializer
    filterset_class = LoanApplicationFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["id", "updated_at", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LoanApplication.objects.none()
        # The total requested is summed in the list's own query, as on the portal's and the staff lists.
        return (
            loan_applications_visible_to(self.request.user)
            .annotate(requested=Coalesce(Sum("projects__requested_amount"), ZERO))
            .order_by()
        )


class LoanProjectIn(StrictSerializer):
    id = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("A project already saved; leave it out to add one.")
    )
    title = serializers.CharField(allow_blank=True, max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    requested_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    depreciation_years = serializers.IntegerField()
    budget_reference = serializers.CharField(allow_blank=True, required=False, default="", max_length=100)


class LoanApplicationIn(StrictSerializer):
    version = serializers.IntegerField(help_text=_("The version you read; a 409 says someone saved in between."))
    purpose = serializers.CharField(allow_blank=True)
    projects = serializers.ListField(
        child=LoanProjectIn(),
        help_text=_("Every project, in order: a saved project left out is removed with its documents."),
    )


class ApplicationDetail(APIView):
    @extend_schema(summary=_("One loan application"), responses={200: LoanApplicationDetailSerializer})
    def get(self, request: Request, id: int) -> Response:
        return detail_response(request, id)

    @extend_schema(
        summary=_("Save a draft's purpose and projects"),
        description=_(
            "All or nothing, as the page's Save. Editors and signatories of the borrower, while the application is a "
            "draft or information was asked for."
        ),
        request=LoanApplicationIn,
        responses={200: LoanApplicationDetailSerializer, 409: CONFLICT},
    )
    def put(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        edit_check(request.user, application)
        data = _valid(LoanApplicationIn, request)
        loan_application_save(
            actor=request.user,
            application_id=application.pk,
            base_version=data["version"],
            purpose=data["purpose"],
            projects=data["projects"],
        )
        return detail_response(request, application.pk)


# --- applying on a product ------------------------------------------------------------------------------------------


class LoanApplyIn(StrictSerializer):
    organisation = serializers.IntegerField(help_text=_("The borrower: one of your organisations."))


class ProductApply(APIView):
    @extend_schema(
        summary=_("Start a loan application on a published product"),
        description=_("As the product page's Apply: an editor or a signatory of an eligible borrower, while open."),
        request=LoanApplyIn,
        responses={201: LoanApplicationDetailSerializer},
    )
    def post(self, request: Request, code: str) -> Response:
        version = (
            LoanProductVersion.objects.filter(product__code=code, status=ProductStatus.PUBLISHED).only("pk").first()
        )
        if version is None:
            raise NotFound(_("No such loan product."))
        data = _valid(LoanApplyIn, request)
        organisation = Organisation.objects.filter(pk=data["organisation"]).first()
        if organisation is None or not can_view_organisation(request.user, organisation)[0]:
            raise NotFound(_("No such organisation."))
        application = loan_application_create(
            actor=request.user, version_id=version.pk, organisation_id=organisation.pk
        )
        return detail_response(request, application.pk, status.HTTP_201_CREATED)


# --- documents ------------------------------------------------------------------------------------------------------


class LoanDocumentIn(StrictSerializer):
    document_code = serializers.CharField(help_text=_("One of the product's required documents."))
    project = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("The project, for a document asked per project.")
    )
    # Empty files reach the upload checks, which refuse them with the page's words.
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class DocumentUpload(APIView):
    parser_classes = [LimitedMultiPartParser]

    @extend_schema(
        summary=_("Send a document (replaces the current file of that document)"),
        description=_("Checked as on the page: content, size and name. Editors and signatories, while editable."),
        request={"multipart/form-data": LoanDocumentIn},
        responses={201: LoanDocumentSerializer, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def post(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        edit_check(request.user, application)
        data = _valid(LoanDocumentIn, request)
        document = loan_document_add(
            actor=request.user,
            application_id=application.pk,
            document_code=data["document_code"],
            upload=data["file"],
            project_id=data.get("project"),
        )
        return Response(LoanDocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetail(APIView):
    def _document(self, request: Request, id: int) -> LoanDocument:
        document = loan_document_for_user(request.user, id)
        if document is None:
            raise NotFound(_("No such document."))
        return document

    @extend_schema(summary=_("Download a document"), responses=DOCUMENT_DOWNLOADS)
    def get(self, request: Request, id: int) -> FileResponse:
        document = self._document(request, id)
        return private_attachment(document.file, document.original_name, document.content_type)

    @extend_schema(
        summary=_("Remove a document"),
        description=_("Editors and signatories of the borrower, while the application is editable."),
        responses={204: None, 409: CONFLICT},
    )
    def delete(self, request: Request, id: int) -> Response:
        document = self._document(request, id)
        loan_document_remove(actor=request.user, document_id=document.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- submitting, the receipt ----------------------------------------------------------------------------------------


class LoanSubmittedSerializer(LoanSubmissionSerializer):
    application = serializers.IntegerField(source="application_id")
    reference = serializers.CharField(source="application.reference")
    status = serializers.ChoiceField(source="application.status", choices=LoanApplicationStatus.choices)


class Submit(APIView):
    @extend_schema(
        summary=_("Submit (or resubmit after a request for information)"),
        description=_(
            "Signatories of the borrower only. A 400 lists what is missing in extra.missing. A second submission "
            "is a 409; with the same Idempotency-Key it returns the first answer instead."
        ),
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: LoanSubmittedSerializer, 409: CONFLICT, **IDEMPOTENT_ERRORS},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        snapshot = loan_application_submit(actor=request.user, application_id=application.pk)
        snapshot.receipt_ready = bool(snapshot.receipt)  # type: ignore[attr-defined]
        return Response(LoanSubmittedSerializer(snapshot).data)


class ReceiptDownload(APIView):
    @extend_schema(summary=_("Download the receipt of a submission"), responses=PDF_DOWNLOAD)
    def get(self, request: Request, id: int) -> FileResponse:
        snapshot = loan_snapshot_for_user(request.user, id)
        if snapshot is None or not snapshot.receipt:
            raise NotFound(_("No such receipt."))
        return private_attachment(snapshot.receipt, f"{snapshot.application.reference}-{snapshot.number}.pdf", PDF)


# --- the convention -------------------------------------------------------------------------------------------------

CONVENTION_KINDS = ("generated", "signed")


class ConventionDownload(APIView):
    @extend_schema(
        summary=_("Download the convention (generated) or the signed copy sent (signed)"),
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(CONVENTION_KINDS))],
        responses=PDF_DOWNLOAD,
    )
    def get(self, request: Request, id: int, kind: str) -> FileResponse:
        convention = convention_for_user(request.user, id)
        files = {"generated": convention.document, "signed": convention.signed_document} if convention else {}
        file = files.get(kind)
        if convention is None or not file:
            raise NotFound(_("No such convention."))
        return private_attachment(file, f"{convention.application.reference}-convention-{kind}.pdf", PDF)


class LoanSignedConventionIn(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False, help_text=_("The signed convention, a PDF."))
    signed_on = serializers.DateField(required=False, allow_null=True, help_text=_("Not in the future."))


class SignedConventionUpload(APIView):
    parser_classes = [LimitedMultiPartParser]

    @extend_schema(
        summary=_("Send the signed convention"),
        description=_("Signatories of the borrower, once the loan is granted and until the copy is accepted."),
        request={"multipart/form-data": LoanSignedConventionIn},
        parameters=[IDEMPOTENCY],
        responses={200: LoanConventionSerializer, 409: CONFLICT, 415: UNSUPPORTED, **IDEMPOTENT_ERRORS},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        allowed, reason = can_sign_for(request.user, application.organisation_id)
        if not allowed:
            raise NotPermitted(reason)
        data = _valid(LoanSignedConventionIn, request)
        convention_signed_upload(
            actor=request.user, application_id=application.pk, upload=data["file"], signed_on=data.get("signed_on")
        )
        application.refresh_from_db()
        return Response(LoanConventionSerializer(_convention(application)).data)
