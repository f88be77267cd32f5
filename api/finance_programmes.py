"""Finance (staff): Paradigm transfers (list, detail, record, correct, document download) and the We Pulse financing
(the dashboard's figures per domain and per authority, the participants and their financing plans; read only).

Mirrors finance/views_programmes.py: the same permissions and decisions (finance.services.programmes.can_*), the same
services, and the dashboard's own figures (finance.services.programme_figures.wepulse_dashboard), so the API and the
page always agree. A transfer is never edited: a correction is a new transfer that replaces it.
"""

import uuid
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, filters, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.finance import CONFLICT, NOT_FOUND, UNPROCESSABLE, UNSUPPORTED, FinanceView, id_filter
from api.finance_orders import FinanceOrganisationSerializer, _user_field, _valid, money
from api.idempotency import HEADER, idempotent
from api.parsers import LimitedJSONParser, LimitedMultiPartParser
from api.serializers import StrictSerializer
from core.downloads import private_attachment
from core.models import Organisation
from core.views.access import require_decision
from finance.models import (
    ParadigmAttachment,
    ParadigmTransfer,
    TransferPurpose,
    WePulseDomain,
    WePulseFinancingPlan,
    WePulseParticipant,
    WePulseProgramme,
)
from finance.services import programmes as services
from finance.services.programme_figures import wepulse_dashboard

VIEW_TRANSFERS = "finance.view_paradigmtransfer"
VIEW_WEPULSE = "finance.view_wepulsefinancingplan"


# Paradigm transfers ---------------------------------------------------------------------------------------------


def transfers() -> QuerySet[ParadigmTransfer]:
    documents = Prefetch("attachments", queryset=ParadigmAttachment.objects.order_by("uploaded_at", "pk"))
    return ParadigmTransfer.objects.select_related(
        "budget_line", "created_by", "participant__organisation", "domain", "replaced_by", "programme"
    ).prefetch_related(documents)


def transfer_or_404(pk: int) -> ParadigmTransfer:
    transfer = transfers().filter(pk=pk).first()
    if transfer is None:
        raise exceptions.NotFound(_("No such transfer."))
    return transfer


class TransferDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class ParadigmTransferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    amount = money()
    budget_year = serializers.IntegerField()
    budget_line = serializers.CharField(source="budget_line.code")
    purpose = serializers.ChoiceField(choices=TransferPurpose.choices)
    decision_reference = serializers.CharField()
    description = serializers.CharField()
    programme = serializers.CharField(source="programme.code", allow_null=True)
    participant = serializers.IntegerField(source="participant_id", allow_null=True)
    authority = FinanceOrganisationSerializer(source="participant.organisation", allow_null=True)
    domain = serializers.CharField(source="domain.code", allow_null=True)
    replaces = serializers.IntegerField(source="replaces_id", allow_null=True)
    replaced_by = serializers.IntegerField(
        source="replaced_by.pk", allow_null=True, help_text=_("The correction that replaces it, if any.")
    )
    correction_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = _user_field("created_by")
    attachments = TransferDocumentSerializer(many=True)


class FinanceTransferIn(StrictSerializer):
    date = serializers.DateField(help_text=_("Not in the future."))
    amount = money(min_value=0)
    budget_year = serializers.IntegerField()
    budget_line = serializers.IntegerField(min_value=1, help_text=_("A budget line's id."))
    purpose = serializers.ChoiceField(choices=TransferPurpose.choices)
    decision_reference = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    programme = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    participant = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text=_("For investments: the We Pulse participant.")
    )
    domain = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=_("Documents (multipart only).")
    )


class FinanceCorrectionIn(FinanceTransferIn):
    reason = serializers.CharField(max_length=300, allow_blank=True)


def _fields(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    # The service records a key once: the Idempotency-Key (per caller) protects a retry even from a race.
    key = request.headers.get(HEADER)
    return {
        "key": f"api-paradigm:{request.user.pk}:{key}" if key else f"api-paradigm:{uuid.uuid4().hex}",
        "date": data["date"],
        "amount": data["amount"],
        "budget_year": data["budget_year"],
        "budget_line_id": data["budget_line"],
        "purpose": data["purpose"],
        "decision_reference": data["decision_reference"],
        "description": data.get("description", ""),
        "programme_id": data.get("programme"),
        "participant_id": data.get("participant"),
        "domain_id": data.get("domain"),
        "attachments": data.get("attachments", []),
    }


class TransferFilter(django_filters.FilterSet):
    purpose = django_filters.ChoiceFilter(choices=TransferPurpose.choices)
    budget_year = django_filters.NumberFilter(min_value=0, max_value=9999)
    in_force = django_filters.BooleanFilter(
        field_name="replaced_by", lookup_expr="isnull", help_text=_("Not replaced by a correction.")
    )

    class Meta:
        model = ParadigmTransfer
        fields = ["purpose", "budget_year", "in_force"]


TRANSFER_PARSERS = [LimitedJSONParser, LimitedMultiPartParser]


class TransferList(FinanceView, generics.ListCreateAPIView):
    """Transfers to Paradigm, the latest first; POST records one (finance officers)."""

    page_permission = VIEW_TRANSFERS
    serializer_class = ParadigmTransferSerializer
    parser_classes = TRANSFER_PARSERS
    filterset_class = TransferFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["date", "amount", "id"]
    ordering = ["-date", "-id"]

    def get_queryset(self):
        return transfers()

    @extend_schema(
        request={"application/json": FinanceTransferIn, "multipart/form-data": FinanceTransferIn},
        responses={201: ParadigmTransferSerializer, 404: NOT_FOUND, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Record a transfer to Paradigm",
        description="Finance officers. JSON, or multipart with documents. Send an Idempotency-Key.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        require_decision(services.can_record_transfer(request.user))
        data = _valid(FinanceTransferIn, request)
        transfer = services.transfer_record(actor=request.user, **_fields(request, data))
        return Response(ParadigmTransferSerializer(transfer_or_404(transfer.pk)).data, status=status.HTTP_201_CREATED)


class TransferDetail(FinanceView, APIView):
    page_permission = VIEW_TRANSFERS

    @extend_schema(responses={200: ParadigmTransferSerializer}, summary="One transfer to Paradigm with its documents")
    def get(self, request: Request, id: int) -> Response:
        return Response(ParadigmTransferSerializer(transfer_or_404(id)).data)


class TransferCorrect(FinanceView, APIView):
    page_permission = VIEW_TRANSFERS
    parser_classes = TRANSFER_PARSERS

    @extend_schema(
        request={"application/json": FinanceCorrectionIn, "multipart/form-data": FinanceCorrectionIn},
        responses={201: ParadigmTransferSerializer, 409: CONFLICT, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Correct a transfer: a new transfer replaces it",
        description=(
            "Finance officers. All the fields again, with the reason; the documents are carried over and new ones "
            "may be added. A transfer corrected already is a 409 (correct the newest one)."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        require_decision(services.can_correct_transfer(request.user))
        data = _valid(FinanceCorrectionIn, request)
        old = transfer_or_404(id)
        corrected = services.transfer_correct(
            actor=request.user, transfer_id=old.pk, reason=data["reason"], **_fields(request, data)
        )
        return Response(ParadigmTransferSerializer(transfer_or_404(corrected.pk)).data, status=status.HTTP_201_CREATED)


class AttachmentDownload(FinanceView, APIView):
    page_permission = "finance.view_paradigmattachment"

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, summary="A transfer's document")
    def get(self, request: Request, id: int) -> FileResponse:
        attachment = ParadigmAttachment.objects.filter(pk=id).first()
        if attachment is None:
            raise exceptions.NotFound(_("No such document."))
        return private_attachment(attachment.file, attachment.original_name, attachment.content_type)


# We Pulse -------------------------------------------------------------------------------------------------------


def programme_or_404() -> WePulseProgramme:
    programme = WePulseProgramme.objects.order_by("start_year", "code").first()
    if programme is None:
        raise exceptions.NotFound(_("No We Pulse programme is recorded yet."))
    return programme


class WePulseFinancingSerializer(serializers.Serializer):
    cost = money()
    regional = money(help_text=_("Planned regional share (through Paradigm)."))
    loan = money(help_text=_("Planned FRBRTC loan."))
    own = money(help_text=_("Planned own funds."))
    actual_regional = money(help_text=_("Transferred to Paradigm for it."))
    actual_loan = money(help_text=_("Drawn on its loan."))
    actual = money()


class WePulseItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField(help_text=_("In the caller's language."))


class WePulseDomainFiguresSerializer(serializers.Serializer):
    domain = WePulseItemSerializer()
    financing = WePulseFinancingSerializer()


class WePulseAuthorityFiguresSerializer(serializers.Serializer):
    participant = serializers.IntegerField(source="participant.pk")
    authority = FinanceOrganisationSerializer(source="participant.organisation")
    financing = WePulseFinancingSerializer()


class WePulseDashboardSerializer(serializers.Serializer):
    programme = WePulseItemSerializer()
    joined_communes = serializers.IntegerField()
    joined_cpas = serializers.IntegerField()
    total = WePulseFinancingSerializer()
    by_domain = WePulseDomainFiguresSerializer(many=True)
    authorities = WePulseAuthorityFiguresSerializer(many=True)
    regional_without_authority = money()
    regional_without_domain = money()
    steering = money(help_text=_("Transfers for the programme's steering and management."))
    other = money()


class WePulseDashboardView(FinanceView, APIView):
    page_permission = VIEW_WEPULSE

    @extend_schema(
        responses={200: WePulseDashboardSerializer, 404: NOT_FOUND},
        summary="The We Pulse dashboard: planned and actual financing per domain and per authority",
        description="404 while no We Pulse programme is recorded.",
    )
    def get(self, request: Request) -> Response:
        return Response(WePulseDashboardSerializer(wepulse_dashboard(programme_or_404())).data)


class WePulseParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    authority = FinanceOrganisationSerializer(source="organisation")
    joined = serializers.BooleanField()
    joined_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    updated_at = serializers.DateTimeField()


class ParticipantList(FinanceView, generics.ListAPIView):
    """The local authorities recorded for the We Pulse programme, joined or not."""

    page_permission = VIEW_WEPULSE
    serializer_class = WePulseParticipantSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    filterset_fields = ["joined"]
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WePulseParticipant.objects.none()
        return programme_or_404().participants.select_related("organisation")


class PlanFilter(django_filters.FilterSet):
    participant = id_filter("participant_id")
    domain = id_filter("domain_id")

    class Meta:
        model = WePulseFinancingPlan
        fields = ["participant", "domain"]


class WePulsePlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant = serializers.IntegerField(source="participant_id")
    authority = FinanceOrganisationSerializer(source="participant.organisation")
    domain = WePulseItemSerializer()
    cost = money()
    regional_share = money()
    loan_amount = money()
    own_funds = money()
    loan = serializers.IntegerField(source="loan_id", allow_null=True, help_text=_("The FRBRTC loan, if linked."))


class PlanList(FinanceView, generics.ListAPIView):
    """The financing plans per authority and domain (cost and its three shares)."""

    page_permission = VIEW_WEPULSE
    serializer_class = WePulsePlanSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    filterset_class = PlanFilter
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WePulseFinancingPlan.objects.none()
        return WePulseFinancingPlan.objects.filter(participant__programme=programme_or_404()).select_related(
            "participant__organisation", "domain"
        )


# Writes: documents of a transfer, We Pulse participation and financing plans ----------------------------------------


class TransferDocumentsIn(StrictSerializer):
    attachments = serializers.ListField(
        child=serializers.FileField(), help_text=_("The documents to add (at most 10; PDF, images, office files).")
    )


class TransferDocuments(FinanceView, APIView):
    page_permission = VIEW_TRANSFERS
    parser_classes = [LimitedMultiPartParser]

    @extend_schema(
        request={"multipart/form-data": TransferDocumentsIn},
        responses={201: ParadigmTransferSerializer, 404: NOT_FOUND, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Add documents to a transfer to Paradigm",
        description=(
            "Finance officers. Multipart, files under `attachments`, checked by content, size and name like the "
            "page's; one bad file stores none. Documents are never removed. Send an Idempotency-Key."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        require_decision(services.can_record_transfer(request.user))
        transfer = transfer_or_404(id)
        data = _valid(TransferDocumentsIn, request)
        services.transfer_attachments_add(actor=request.user, transfer_id=transfer.pk, uploads=data["attachments"])
        return Response(ParadigmTransferSerializer(transfer_or_404(transfer.pk)).data, status=status.HTTP_201_CREATED)


def authority_or_404(org_id: int) -> Organisation:
    """A commune or CPAS (the authorities We Pulse is for), as the authority page finds it."""
    organisation = Organisation.objects.filter(pk=org_id, kind__in=services.PARTICIPANT_KINDS).first()
    if organisation is None:
        raise exceptions.NotFound(_("No such local authority."))
    return organisation


class WePulseParticipationIn(StrictSerializer):
    joined = serializers.BooleanField()
    joined_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Required when joined; not in the future.")
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ParticipationSet(FinanceView, APIView):
    page_permission = VIEW_WEPULSE

    @extend_schema(
        request=WePulseParticipationIn,
        responses={200: WePulseParticipantSerializer, 404: NOT_FOUND, 409: CONFLICT, 415: UNSUPPORTED},
        summary="Record whether a commune or CPAS joined We Pulse",
        description=(
            "Finance officers. Recording it again replaces what was recorded. An authority with financing plans, or "
            "with transfers attributed to it, cannot be recorded as not joined (409)."
        ),
    )
    def post(self, request: Request, org_id: int) -> Response:
        require_decision(services.can_manage_wepulse(request.user))
        programme, organisation = programme_or_404(), authority_or_404(org_id)
        data = _valid(WePulseParticipationIn, request)
        participant = services.wepulse_participant_set(
            actor=request.user,
            programme_id=programme.pk,
            organisation_id=organisation.pk,
            joined=data["joined"],
            joined_on=data.get("joined_on"),
            note=data.get("note", ""),
        )
        participant = WePulseParticipant.objects.select_related("organisation").get(pk=participant.pk)
        return Response(WePulseParticipantSerializer(participant).data)


class WePulsePlanIn(StrictSerializer):
    cost = money(min_value=0)
    regional_share = money(min_value=0, help_text=_("Through Paradigm."))
    loan_amount = money(min_value=0, help_text=_("The FRBRTC loan's share."))
    own_funds = money(min_value=0)
    loan = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text=_("The authority's loan for the loan share.")
    )


def _plans() -> QuerySet[WePulseFinancingPlan]:
    return WePulseFinancingPlan.objects.select_related("participant__organisation", "domain")


class PlanSet(FinanceView, APIView):
    page_permission = VIEW_WEPULSE

    def _place(self, org_id: int, domain_id: int):
        programme, organisation = programme_or_404(), authority_or_404(org_id)
        domain = WePulseDomain.objects.filter(pk=domain_id, programme=programme).first()
        if domain is None:
            raise exceptions.NotFound(_("No such domain."))
        return programme, organisation, domain

    @extend_schema(
        request=WePulsePlanIn,
        responses={200: WePulsePlanSerializer, 404: NOT_FOUND, 409: CONFLICT, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Set an authority's financing plan for a domain",
        description=(
            "Finance officers. Regional share, loan and own funds must add up to the cost (400 on `cost`); a linked "
            "loan must be the authority's, finance no other plan, and cover the loan share. The authority must be "
            "recorded first (409) and have joined (400). Replaces the plan if there is one. Send an Idempotency-Key."
        ),
    )
    @idempotent
    def post(self, request: Request, org_id: int, domain_id: int) -> Response:
        require_decision(services.can_manage_wepulse(request.user))
        programme, organisation, domain = self._place(org_id, domain_id)
        participant = services.participant_of(programme, organisation)
        data = _valid(WePulsePlanIn, request)
        plan = services.financing_plan_set(
            actor=request.user,
            participant_id=participant.pk,
            domain_id=domain.pk,
            cost=data["cost"],
            regional_share=data["regional_share"],
            loan_amount=data["loan_amount"],
            own_funds=data["own_funds"],
            loan_id=data.get("loan"),
        )
        return Response(WePulsePlanSerializer(_plans().get(pk=plan.pk)).data)

    @extend_schema(
        request=None,
        responses={204: None, 404: NOT_FOUND},
        summary="Remove an authority's financing plan for a domain",
        description="Finance officers. 404 when the authority has no plan for the domain.",
    )
    def delete(self, request: Request, org_id: int, domain_id: int) -> Response:
        require_decision(services.can_manage_wepulse(request.user))
        programme, organisation, domain = self._place(org_id, domain_id)
        plan = (
            _plans()
            .filter(participant__programme=programme, participant__organisation=organisation, domain=domain)
            .first()
        )
        if plan is None:
            raise exceptions.NotFound(_("No such financing plan."))
        services.financing_plan_remove(actor=request.user, plan_id=plan.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
