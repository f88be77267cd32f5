"""Grant applications: the applicant portal's pages (grants/views_portal.py, views_files.py) as an API, and the staff
read of the same objects (grants/views_staff.py).

- Who sees an application: grants.selectors.application_for_user, the pages' rule (members of its organisation,
  staff with grants.view_application, a reviewer who declared no conflict); anyone else gets the 404 of a missing id.
- The list: the portal's "My applications" (applications_of_user) for members; staff who may see applications get
  every application (the staff list's selector); other staff a 403, as on the staff page.
- Every write calls the service the page calls (grants.services.applications, .submission). The permission the
  service applies is asked first (edit_check), so a role that may not act gets its 403 before its input is judged;
  the service checks everything again under its row lock.
- Submitting takes an Idempotency-Key (and so does creating a draft, so that a retry does not make two drafts).
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import filters, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY, idempotent
from api.parsers import LimitedJSONParser, LimitedMultiPartParser
from api.serializers import StrictSerializer, valid
from core.downloads import private_attachment
from core.errors import InvalidInput, NotFound
from core.models import Organisation
from core.permissions import can_view_audit, can_view_organisation
from core.roles import is_staff_member
from core.selectors import audit_trail
from core.uploads import ALLOWED
from core.views.access import require_staff_permission
from grants.display import text
from grants.forms_portal import autosave_payload
from grants.models import Application, ApplicationDocument, ApplicationStatus, CallStatus, CallVersion
from grants.permissions import can_submit
from grants.schema import fields_of
from grants.selectors import (
    application_for_user,
    applications_for_staff,
    applications_of_user,
    award_for_user,
    document_for_user,
    letter_for_user,
    may_see_award_of,
    snapshot_for_user,
    staff_may_see_applications,
)
from grants.services.applications import (
    application_create,
    application_save,
    document_add,
    document_remove,
    documents_present,
    edit_check,
    signature_request,
)
from grants.services.submission import application_submit, effective_deadline, missing_items

PDF = "application/pdf"
# Every kind of file the upload checks accept (core.uploads): what a document download can be.
DOCUMENT_DOWNLOADS: dict[Any, Any] = {
    (200, content_type): OpenApiTypes.BINARY for content_type in set(ALLOWED.values())
}
PDF_DOWNLOAD: dict[Any, Any] = {(200, PDF): OpenApiTypes.BINARY}
ERROR = {"$ref": "#/components/schemas/Error"}
CONFLICT = OpenApiResponse(response=ERROR, description=_("Not possible in the current state (see the message)."))
BAD_INPUT = OpenApiResponse(
    response=ERROR, description=_("Not valid: the Idempotency-Key header, or what the action still needs (see extra).")
)
UNSUPPORTED = OpenApiResponse(response=ERROR, description=_("The body's media type is not accepted here."))
REUSED_KEY = OpenApiResponse(response=ERROR, description=_("This Idempotency-Key was used with another request."))


def application_or_404(user, pk: int) -> Application:
    application = application_for_user(user, pk)
    if application is None:
        raise NotFound(_("No such application."))
    return application


# --- output -----------------------------------------------------------------------------------------------------------


class GrantCallRefSerializer(serializers.Serializer):
    code = serializers.SlugField(source="call.code")
    version = serializers.IntegerField(source="number")
    title = serializers.CharField(help_text=_("In the caller's language."))


class ApplicantRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.SlugField()
    name = serializers.CharField(help_text=_("In the caller's language."))


class ApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text=_("Given at the first submission; empty before."))
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    call = GrantCallRefSerializer(source="call_version")
    organisation = ApplicantRefSerializer()
    total_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    amount_requested = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    cofinancing_rate = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, help_text=_("From 0 to 1.")
    )
    version = serializers.IntegerField(help_text=_("Send it back when you save: it detects concurrent edits."))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)


class ApplicationDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document_code = serializers.SlugField()
    original_name = serializers.CharField(help_text=_("The safe name the file was stored under."))
    content_type = serializers.CharField(help_text=_("As read from the content, not from the name."))
    size = serializers.IntegerField(help_text=_("In bytes."))
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class RequiredDocumentSerializer(serializers.Serializer):
    code = serializers.SlugField()
    # (a Field has attributes of these names: the declared fields replace them, mypy cannot know)
    label = serializers.CharField(help_text=_("In the caller's language (French or Dutch)."))  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    current = ApplicationDocumentSerializer(allow_null=True, help_text=_("The file sent for it; null when none."))


class ApplicationSubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    submitted_by = serializers.CharField(help_text=_("The signatory's name."))
    sha256 = serializers.CharField(help_text=_("Of the answers and every file's SHA-256, together."))
    receipt_ready = serializers.BooleanField(help_text=_("The receipt PDF is made just after the submission."))


class DecisionLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("award or refusal"))
    language = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class ApplicationDetailSerializer(ApplicationSerializer):
    answers = serializers.DictField(help_text=_("The answers saved now, by field key, as stored."))
    editable = serializers.BooleanField(help_text=_("A draft, or information was asked for."))
    info_request = serializers.CharField(help_text=_("The administration's question, when it asked one."))
    deadline = serializers.DateTimeField(help_text=_("The call's deadline, or the individual extension."))
    may_submit = serializers.BooleanField(help_text=_("Your role lets you submit (signatories)."))
    submit_refusal = serializers.CharField(help_text=_("Why you may not submit; empty when you may."))
    missing = serializers.ListField(
        child=serializers.CharField(), help_text=_("What still prevents submission; empty once submitted.")
    )
    documents = RequiredDocumentSerializer(many=True, help_text=_("The documents the call asks for."))
    submissions = ApplicationSubmissionSerializer(many=True)
    letters = DecisionLetterSerializer(
        many=True, help_text=_("Decision letters (members and staff who see applications).")
    )
    award = serializers.IntegerField(allow_null=True, help_text=_("The award's id, once committed."))


BASE_FIELDS = (
    "id",
    "reference",
    "status",
    "call_version",
    "organisation",
    "total_cost",
    "amount_requested",
    "cofinancing_rate",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
)


def _submissions(application: Application) -> list[dict[str, Any]]:
    return [
        {
            "id": snapshot.pk,
            "number": snapshot.number,
            "submitted_at": snapshot.submitted_at,
            "submitted_by": snapshot.submitted_by.get_full_name() or snapshot.submitted_by.email,
            "sha256": snapshot.sha256,
            "receipt_ready": bool(snapshot.receipt),
            "answers": snapshot.answers,
            "files": snapshot.files,
        }
        for snapshot in application.snapshots.select_related("submitted_by").order_by("number")
    ]


def application_detail(user, application: Application) -> dict[str, Any]:
    """What the portal's application page shows (the form, or the read-only page once submitted)."""
    present = documents_present(application)
    may_submit, reason = can_submit(user, application)
    correspondence = may_see_award_of(user, application)
    award = getattr(application, "award", None) if correspondence else None
    return {
        **{field: getattr(application, field) for field in BASE_FIELDS},
        "answers": application.answers,
        "editable": application.is_editable,
        "info_request": application.info_request,
        "deadline": effective_deadline(application),
        "may_submit": may_submit,
        "submit_refusal": str(reason),
        "missing": [str(item) for item in missing_items(application)] if application.is_editable else [],
        "documents": [
            {
                "code": document["code"],
                "label": text(document.get("label")),
                "required": document.get("required", True),
                "current": present.get(document["code"]),
            }
            for document in application.call_version.required_documents
        ],
        "submissions": _submissions(application),
        "letters": list(application.letters.order_by("created_at")) if correspondence else [],
        "award": award.pk if award is not None and award_for_user(user, award.pk) else None,
    }


def detail_response(request: Request, application_id: int, code: int = status.HTTP_200_OK) -> Response:
    application = application_or_404(request.user, application_id)
    return Response(ApplicationDetailSerializer(application_detail(request.user, application)).data, status=code)


# --- the list, creating a draft -------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number in the database's range (anything else is a 400, never a query that overflows)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    call = django_filters.CharFilter(field_name="call_version__call__code", help_text=_("A call's code."))
    organisation = IdFilter(field_name="organisation_id", help_text=_("An organisation's id."))

    class Meta:
        model = Application
        fields = ["status", "call", "organisation"]


def applications_visible_to(user) -> QuerySet[Application]:
    """The portal's list for members; the staff list for staff who may see applications (a 403 for other staff)."""
    if is_staff_member(user):
        require_staff_permission(user, "grants.view_application")
    queryset = applications_for_staff() if staff_may_see_applications(user) else applications_of_user(user)
    return queryset.order_by()  # the list's ordering (below) applies


class ApplicationCreateIn(StrictSerializer):
    call = serializers.SlugField(help_text=_("The code of a published call for projects, open now."))
    organisation = serializers.IntegerField(help_text=_("The applicant: one of your organisations."))


class ApplicationList(generics.ListAPIView):
    """Your organisations' grant applications (staff who may see applications: all of them)."""

    serializer_class = ApplicationSerializer
    parser_classes = [LimitedJSONParser]
    filterset_class = ApplicationFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return applications_visible_to(self.request.user)

    @extend_schema(
        summary=_("Start an application on an open call (a draft)"),
        description=_(
            "As the call page's Apply: an editor or a signatory of an organisation of a kind the call is open to, "
            "while the call is open. An organisation you are not a member of is a 404."
        ),
        request=ApplicationCreateIn,
        parameters=[IDEMPOTENCY],
        responses={201: ApplicationDetailSerializer, 415: UNSUPPORTED, 422: REUSED_KEY},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = valid(ApplicationCreateIn, request)
        version = CallVersion.objects.filter(call__code=data["call"], status=CallStatus.PUBLISHED).only("pk").first()
        if version is None:
            raise InvalidInput(_("No such call for projects."), extra={"fields": {"call": []}})
        organisation = Organisation.objects.filter(pk=data["organisation"]).first()
        if organisation is None or not can_view_organisation(request.user, organisation)[0]:
            raise NotFound(_("No such organisation."))
        application = application_create(
            actor=request.user, call_version_id=version.pk, organisation_id=organisation.pk
        )
        return detail_response(request, application.pk, status.HTTP_201_CREATED)


# --- one application, saving its answers ----------------------------------------------------------------------------


class ApplicationSaveIn(StrictSerializer):
    version = serializers.IntegerField(help_text=_("The version you read; a 409 says someone saved in between."))
    answers = serializers.DictField(
        help_text=_("Some or all answers, by field key, as the call's form defines them (files are documents).")
    )
    overwrite = serializers.BooleanField(
        required=False, default=False, help_text=_("Save over someone else's newer changes (after a 409).")
    )


def _unknown_answers(application: Application, answers: dict[str, Any]) -> dict[str, list[str]]:
    keys = {field["key"] for field in fields_of(application.call_version.form_schema) if field["type"] != "file"}
    return {f"answers.{key}": [str(_("This form has no such question."))] for key in sorted(set(answers) - keys)}


class ApplicationDetail(APIView):
    parser_classes = [LimitedJSONParser]

    @extend_schema(summary=_("One application"), responses={200: ApplicationDetailSerializer})
    def get(self, request: Request, id: int) -> Response:
        return detail_response(request, id)

    @extend_schema(
        summary=_("Save some or all answers of a draft"),
        description=_(
            "As the page's autosave: the answers sent are checked as the form checks them; nothing is saved when one "
            "is not valid (400, per field). Editors and signatories, while editable. When someone saved since "
            "`version`, a 409 lists the changed fields and their answers (send overwrite=true to keep yours)."
        ),
        request=ApplicationSaveIn,
        responses={200: ApplicationDetailSerializer, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def patch(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        edit_check(request.user, application)
        data = valid(ApplicationSaveIn, request)
        unknown = _unknown_answers(application, data["answers"])
        if unknown:
            raise InvalidInput(_("Some answers are not valid: nothing was saved."), extra={"fields": unknown})
        version, answers, overwrite = autosave_payload(application.call_version.form_schema, data, application.answers)
        application_save(
            actor=request.user,
            application_id=application.pk,
            base_version=version,
            answers=answers,
            overwrite=overwrite,
        )
        return detail_response(request, application.pk)


# --- history --------------------------------------------------------------------------------------------------------


class ApplicationSubmissionDetailSerializer(ApplicationSubmissionSerializer):
    answers = serializers.DictField(help_text=_("The answers as submitted."))
    files = serializers.ListField(
        child=serializers.DictField(), help_text=_("Each file as submitted: document, name, size, sha256.")
    )


class ApplicationAuditRecordSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label", help_text=_("Empty for the system itself."))
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    changes = serializers.DictField()


class ApplicationHistorySerializer(serializers.Serializer):
    submissions = ApplicationSubmissionDetailSerializer(many=True)
    audit = ApplicationAuditRecordSerializer(
        many=True, allow_null=True, help_text=_("Staff only (the staff page's History), newest first; else null.")
    )


class ApplicationHistory(APIView):
    @extend_schema(
        summary=_("The submissions and the audit trail of an application"),
        description=_(
            "The submissions as the portal lists them (with what each froze); staff who see applications also get "
            "the audit trail, as on the staff page."
        ),
        responses={200: ApplicationHistorySerializer},
    )
    def get(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        staff_reader = staff_may_see_applications(request.user) and can_view_audit(request.user)[0]
        history = {
            "submissions": _submissions(application),
            "audit": list(audit_trail(application)) if staff_reader else None,
        }
        return Response(ApplicationHistorySerializer(history).data)


# --- documents ------------------------------------------------------------------------------------------------------


class ApplicationDocumentIn(StrictSerializer):
    document_code = serializers.CharField(help_text=_("One of the call's documents (see the application's documents)."))
    # Empty files reach the upload checks, which refuse them with the page's words.
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class DocumentList(generics.ListAPIView):
    """The files sent for the application now (one per document of the call; a new file replaces the old one)."""

    serializer_class = ApplicationDocumentSerializer
    parser_classes = [LimitedMultiPartParser]
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["id"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApplicationDocument.objects.none()
        application = application_or_404(self.request.user, self.kwargs["id"])
        return application.documents.filter(removed_at__isnull=True)

    @extend_schema(
        summary=_("Send a document (replaces the current file of that document)"),
        description=_("Checked as on the page: content, size and name. Editors and signatories, while editable."),
        request={"multipart/form-data": ApplicationDocumentIn},
        responses={201: ApplicationDocumentSerializer, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def post(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        edit_check(request.user, application)
        data = valid(ApplicationDocumentIn, request)
        document = document_add(
            actor=request.user, application_id=application.pk, document_code=data["document_code"], upload=data["file"]
        )
        return Response(ApplicationDocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetail(APIView):
    def _document(self, request: Request, id: int) -> ApplicationDocument:
        document = document_for_user(request.user, id)
        if document is None:
            raise NotFound(_("No such document."))
        return document

    @extend_schema(summary=_("Download a document"), responses=DOCUMENT_DOWNLOADS)
    def get(self, request: Request, id: int) -> FileResponse:
        document = self._document(request, id)
        return private_attachment(document.file, document.original_name, document.content_type)

    @extend_schema(
        summary=_("Remove a document"),
        description=_("Editors and signatories of the applicant, while the application is editable."),
        responses={204: None, 409: CONFLICT},
    )
    def delete(self, request: Request, id: int) -> Response:
        document = self._document(request, id)
        document_remove(actor=request.user, document_id=document.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- submitting, the signature request, the receipt, letters --------------------------------------------------------


class ApplicationSubmittedSerializer(ApplicationSubmissionSerializer):
    application = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)


class Submit(APIView):
    @extend_schema(
        summary=_("Submit (or resubmit after a request for information)"),
        description=_(
            "Signatories of the applicant only (an editor asks them with signature-request). A 400 lists what is "
            "missing in extra.missing; after the deadline, or a second time, a 409. With the same Idempotency-Key, "
            "a retry returns the first answer instead."
        ),
        request=None,
        parameters=[IDEMPOTENCY],
        responses={
            200: ApplicationSubmittedSerializer,
            400: BAD_INPUT,
            409: CONFLICT,
            415: UNSUPPORTED,
            422: REUSED_KEY,
        },
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        snapshot = application_submit(actor=request.user, application_id=application.pk)
        submitted = snapshot.application
        body = {
            "id": snapshot.pk,
            "number": snapshot.number,
            "submitted_at": snapshot.submitted_at,
            "submitted_by": snapshot.submitted_by.get_full_name() or snapshot.submitted_by.email,
            "sha256": snapshot.sha256,
            "receipt_ready": bool(snapshot.receipt),
            "application": submitted.pk,
            "reference": submitted.reference,
            "status": submitted.status,
        }
        return Response(ApplicationSubmittedSerializer(body).data)


class SignatureRequestIn(StrictSerializer):
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SignatureRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    message = serializers.CharField()
    requested_at = serializers.DateTimeField()


class SignatureRequest(APIView):
    parser_classes = [LimitedJSONParser]

    @extend_schema(
        summary=_("Ask the organisation's signatories to check and submit"),
        description=_("As the page's button: editors and signatories, while editable; each signatory is notified."),
        request=SignatureRequestIn,
        responses={201: SignatureRequestSerializer, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def post(self, request: Request, id: int) -> Response:
        application = application_or_404(request.user, id)
        edit_check(request.user, application)
        data = valid(SignatureRequestIn, request)
        made = signature_request(actor=request.user, application_id=application.pk, message=data["message"])
        return Response(SignatureRequestSerializer(made).data, status=status.HTTP_201_CREATED)


class ReceiptDownload(APIView):
    @extend_schema(summary=_("Download the receipt of a submission"), responses=PDF_DOWNLOAD)
    def get(self, request: Request, id: int) -> FileResponse:
        snapshot = snapshot_for_user(request.user, id)
        if snapshot is None or not snapshot.receipt:
            raise NotFound(_("No such receipt."))
        return private_attachment(snapshot.receipt, f"{snapshot.application.reference}-{snapshot.number}.pdf", PDF)


class LetterDownload(APIView):
    @extend_schema(summary=_("Download a decision letter"), responses=PDF_DOWNLOAD)
    def get(self, request: Request, id: int) -> FileResponse:
        letter = letter_for_user(request.user, id)
        if letter is None:
            raise NotFound(_("No such letter."))
        name = f"{letter.application.reference}-{letter.kind}-{letter.language}.pdf"
        return private_attachment(letter.file, name, PDF)
