"""Finance (staff): payment requests (payables), payment orders, SEPA batches and the administration's accounts.

Mirrors the staff pages of finance/views_staff.py and finance/views_orders.py: the same permission per page, the same
services (finance.services.orders): preparing an order from a due payable (the beneficiary's IBAN checked, the
commitment's unpaid rest checked), approving it (never one's own: four eyes; a second approver above the configured
amount; the controller's visa at the first approval), rejecting it with a reason, batching approved orders of one
paying account, and handing out the batch's stored pain.001 file byte for byte.
"""

import django_filters
from django.db.models import Case, CharField, OuterRef, QuerySet, Subquery, Value, When
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, filters, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.finance import CONFLICT, NOT_FOUND, UNPROCESSABLE, UNSUPPORTED, FinanceView, id_filter
from api.idempotency import idempotent
from api.serializers import StrictSerializer
from api.serializers import valid as _valid
from finance.models import BatchScheme, OrderStatus, Payable, PayableStatus, PaymentBatch, PaymentOrder, TreasuryAccount
from finance.models.bank import AccountPurpose
from finance.services.orders import (
    approvals_given,
    batch_create,
    batch_download,
    live_orders,
    order_approve,
    order_prepare,
    order_reject,
    with_account_purpose,
)
from finance.services.payments import payable_mark_paid

VIEW_PAYABLES = "finance.view_payable"
VIEW_ORDERS = "finance.view_paymentorder"
VIEW_BATCHES = "finance.view_paymentbatch"
VIEW_ACCOUNTS = "finance.view_treasuryaccount"
KINDS = [("tranche", _("A grant's tranche")), ("drawdown", _("A loan's drawdown")), ("other", _("Other"))]


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _kind(prefix: str = "") -> Case:
    """What a payable pays, read through the relations grants and loans put on it (finance imports neither)."""
    return Case(
        When(**{f"{prefix}tranche__isnull": False}, then=Value("tranche")),
        When(**{f"{prefix}drawdown__isnull": False}, then=Value("drawdown")),
        default=Value("other"),
        output_field=CharField(),
    )


def payables() -> QuerySet[Payable]:
    live = live_orders().filter(payable=OuterRef("pk")).values("pk")[:1]
    return (
        Payable.objects.select_related("beneficiary", "commitment")
        .annotate(kind=_kind(), order_id=Subquery(live))
        .order_by("due_since", "pk")
    )


def orders() -> QuerySet[PaymentOrder]:
    """Orders with what the pages show of them (finance.views_orders._orders) and their kind."""
    return with_account_purpose(
        PaymentOrder.objects.select_related(
            "beneficiary",
            "payable",
            "prepared_by",
            "first_approved_by",
            "second_approved_by",
            "rejected_by",
            "batch",
            "commitment",
            "budget_line",
        )
    ).annotate(kind=_kind("payable__"))


def order_or_404(pk: int) -> PaymentOrder:
    order = orders().filter(pk=pk).first()
    if order is None:
        raise exceptions.NotFound(_("No such payment order."))
    return order


# Serializers ----------------------------------------------------------------------------------------------------


class FinanceOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField(help_text=_("In the caller's language."))


class PayableSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    amount = money()
    status = serializers.ChoiceField(choices=PayableStatus.choices)
    kind = serializers.ChoiceField(choices=KINDS, help_text=_("What it pays: a grant's tranche or a loan's drawdown."))
    beneficiary = FinanceOrganisationSerializer()
    commitment = serializers.CharField(source="commitment.reference", help_text=_("The commitment's reference."))
    due_since = serializers.DateTimeField()
    paid_on = serializers.DateField(allow_null=True, help_text=_("The bank's payment date, once paid."))
    order = serializers.IntegerField(
        source="order_id", allow_null=True, help_text=_("Its live payment order (neither rejected nor cancelled).")
    )


def _user_field(source: str, help_text=None):
    return serializers.EmailField(source=f"{source}.email", allow_null=True, help_text=help_text)


class PaymentOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    end_to_end_id = serializers.CharField(help_text=_("The reference the bank carries back on its statement."))
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    kind = serializers.ChoiceField(choices=KINDS)
    account_purpose = serializers.ChoiceField(choices=AccountPurpose.choices, help_text=_("The account that pays it."))
    payable = serializers.IntegerField(source="payable_id")
    payable_reference = serializers.CharField(source="payable.reference")
    commitment = serializers.CharField(source="commitment.reference")
    budget_line = serializers.CharField(source="budget_line.code")
    beneficiary = FinanceOrganisationSerializer()
    creditor_name = serializers.CharField()
    creditor_iban = serializers.CharField()
    creditor_bic = serializers.CharField()
    amount = money()
    structured_communication = serializers.CharField(help_text=_("12 digits, or empty."))
    communication = serializers.CharField()
    approvals_needed = serializers.IntegerField()
    approvals_given = serializers.SerializerMethodField()
    prepared_by = _user_field("prepared_by")
    prepared_at = serializers.DateTimeField()
    first_approved_by = _user_field("first_approved_by")
    first_approved_at = serializers.DateTimeField(allow_null=True)
    second_approved_by = _user_field("second_approved_by")
    second_approved_at = serializers.DateTimeField(allow_null=True)
    visa_reference = serializers.CharField(help_text=_("The controller's visa, recorded at the first approval."))
    visa_date = serializers.DateField(allow_null=True)
    rejected_by = _user_field("rejected_by")
    rejected_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    batch = serializers.IntegerField(source="batch_id", allow_null=True)
    paid_on = serializers.DateField(allow_null=True, help_text=_("The bank's value date, once paid."))

    @extend_schema_field(OpenApiTypes.INT)
    def get_approvals_given(self, order: PaymentOrder) -> int:
        return approvals_given(order)


class TreasuryAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    iban = serializers.CharField()
    bic = serializers.CharField()
    holder = serializers.CharField()
    purpose = serializers.ChoiceField(choices=AccountPurpose.choices)


class PaymentBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text=_("The file's message id."))
    scheme = serializers.ChoiceField(choices=BatchScheme.choices)
    debtor_account = TreasuryAccountSerializer()
    execution_date = serializers.DateField()
    created_at = serializers.DateTimeField()
    created_by = _user_field("created_by")
    total = money()
    count = serializers.IntegerField()
    sha256 = serializers.CharField(help_text=_("SHA-256 of the stored pain.001 file."))
    downloaded_at = serializers.DateTimeField(allow_null=True, help_text=_("First download, if any."))


class PaymentBatchDetailSerializer(PaymentBatchSerializer):
    orders = PaymentOrderSerializer(many=True, source="order_rows")


class FinancePrepareIn(StrictSerializer):
    structured_communication = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text=_("Only when the beneficiary asked for one: +++123/4567/89012+++ or 12 digits."),
    )


class FinanceApproveIn(StrictSerializer):
    visa_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text=_("Needed at the first approval.")
    )
    visa_date = serializers.DateField(required=False, allow_null=True, help_text=_("Needed at the first approval."))
    seen_approvals = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=2,
        help_text=_("The approvals you saw: if someone approved meanwhile, yours is refused (409)."),
    )


class FinanceRejectIn(StrictSerializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class FinanceBatchIn(StrictSerializer):
    orders = serializers.ListField(
        child=serializers.IntegerField(min_value=1), help_text=_("Approved orders of one paying account.")
    )
    scheme = serializers.ChoiceField(choices=BatchScheme.choices)
    execution_date = serializers.DateField(help_text=_("Today or later."))
    account = serializers.IntegerField(min_value=1, help_text=_("The paying treasury account's id."))


# Filters --------------------------------------------------------------------------------------------------------


class PayableFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PayableStatus.choices)
    kind = django_filters.ChoiceFilter(choices=KINDS)
    beneficiary = id_filter("beneficiary_id", help_text=_("An organisation's id."))
    has_order = django_filters.BooleanFilter(field_name="order_id", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Payable
        fields = ["status", "kind", "beneficiary", "has_order"]


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    kind = django_filters.ChoiceFilter(choices=KINDS)
    beneficiary = id_filter("beneficiary_id", help_text=_("An organisation's id."))
    payable = id_filter("payable_id")
    batch = id_filter("batch_id")

    class Meta:
        model = PaymentOrder
        fields = ["status", "kind", "beneficiary", "payable", "batch"]


FILTERS = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]


# Payables and accounts ------------------------------------------------------------------------------------------


class PayableList(FinanceView, generics.ListAPIView):
    """Payment requests: grant tranches and loan drawdowns due to be paid (and those paid), with their live order."""

    page_permission = VIEW_PAYABLES
    serializer_class = PayableSerializer
    filterset_class = PayableFilter
    filter_backends = FILTERS
    ordering_fields = ["due_since", "amount", "reference", "id"]
    ordering = ["due_since", "id"]

    def get_queryset(self):
        return payables()


class FinancePaidIn(StrictSerializer):
    # Optional, as on the page, so that the service's message ("give the bank's payment date") is the one people read.
    paid_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("The bank's payment date (not in the future).")
    )


class PayablePaid(FinanceView, APIView):
    page_permission = VIEW_PAYABLES  # the payables page's check; the service lets finance officers record payments

    @extend_schema(
        request=FinancePaidIn,
        responses={200: PayableSerializer, 404: NOT_FOUND, 409: CONFLICT, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Record by hand that the bank paid a payment request",
        description=(
            "Finance officers. The request must be due (409), and its live payment order, if any, approved or "
            "batched (409 while waiting for approval): it is paid with it, and the grant or loan is told. "
            "Send an Idempotency-Key."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        if not Payable.objects.filter(pk=id).exists():
            raise exceptions.NotFound(_("No such payment request."))
        data = _valid(FinancePaidIn, request)
        payable_mark_paid(actor=request.user, payable_id=id, paid_on=data.get("paid_on"))
        return Response(PayableSerializer(payables().get(pk=id)).data)


class TreasuryAccountList(FinanceView, generics.ListAPIView):
    """The administration's accounts: a batch pays from one of them, statements are imported for them."""

    page_permission = VIEW_ACCOUNTS
    serializer_class = TreasuryAccountSerializer
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        return TreasuryAccount.objects.all()


# Orders ---------------------------------------------------------------------------------------------------------


class OrderList(FinanceView, generics.ListAPIView):
    """Payment orders, the latest prepared first."""

    page_permission = VIEW_ORDERS
    serializer_class = PaymentOrderSerializer
    filterset_class = OrderFilter
    filter_backends = FILTERS
    ordering_fields = ["prepared_at", "amount", "id"]
    ordering = ["-prepared_at", "-id"]

    def get_queryset(self):
        return orders()


class OrderDetail(FinanceView, APIView):
    page_permission = VIEW_ORDERS

    @extend_schema(responses={200: PaymentOrderSerializer}, summary="One payment order")
    def get(self, request: Request, id: int) -> Response:
        return Response(PaymentOrderSerializer(order_or_404(id)).data)


class OrderPrepare(FinanceView, APIView):
    page_permission = "finance.add_paymentorder"  # the prepare page's own check

    @extend_schema(
        request=FinancePrepareIn,
        responses={201: PaymentOrderSerializer, 404: NOT_FOUND, 409: CONFLICT, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Prepare a payment order for a due payment request",
        description=(
            "Finance officers. The beneficiary's primary account must have a valid IBAN (400 on field iban); the "
            "amount must fit in what the commitment leaves unpaid, and the request be due with no live order (409). "
            "Send an Idempotency-Key."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        data = _valid(FinancePrepareIn, request)
        order = order_prepare(
            actor=request.user, payable_id=id, structured_communication=data.get("structured_communication", "")
        )
        return Response(PaymentOrderSerializer(order_or_404(order.pk)).data, status=status.HTTP_201_CREATED)


class OrderApprove(FinanceView, APIView):
    page_permission = VIEW_ORDERS  # the order page's check; the service allows finance approvers only

    @extend_schema(
        request=FinanceApproveIn,
        responses={200: PaymentOrderSerializer, 409: CONFLICT, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Approve a payment order",
        description=(
            "Finance approvers, never the preparer nor twice the same person (403: four eyes). The first approval "
            "records the controller's visa (visa_reference, visa_date); above the configured amount a second "
            "approver is needed, and the order stays prepared until then. Send an Idempotency-Key."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        data = _valid(FinanceApproveIn, request)
        order = order_approve(
            actor=request.user,
            order_id=order_or_404(id).pk,
            visa_reference=data.get("visa_reference", ""),
            visa_date=data.get("visa_date"),
            seen_approvals=data.get("seen_approvals"),
        )
        return Response(PaymentOrderSerializer(order_or_404(order.pk)).data)


class OrderReject(FinanceView, APIView):
    page_permission = VIEW_ORDERS

    @extend_schema(
        request=FinanceRejectIn,
        responses={200: PaymentOrderSerializer, 409: CONFLICT, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Reject a payment order with the reason",
        description="Finance approvers; a prepared or approved order. Its payment request is free for a new order.",
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        data = _valid(FinanceRejectIn, request)
        order = order_reject(actor=request.user, order_id=order_or_404(id).pk, reason=data["reason"])
        return Response(PaymentOrderSerializer(order_or_404(order.pk)).data)


# Batches --------------------------------------------------------------------------------------------------------


def batches() -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.select_related("debtor_account", "created_by").defer("xml")


def batch_or_404(pk: int) -> PaymentBatch:
    batch = batches().filter(pk=pk).first()
    if batch is None:
        raise exceptions.NotFound(_("No such payment batch."))
    batch.order_rows = list(orders().filter(batch=batch).order_by("pk"))  # type: ignore[attr-defined]
    return batch


class BatchList(FinanceView, generics.ListCreateAPIView):
    """Payment batches, the latest first; POST makes one from approved orders of one paying account."""

    serializer_class = PaymentBatchSerializer
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    @property
    def page_permission(self) -> str:
        # The list page's check to read; the "new batch" page's to make one.
        return "finance.add_paymentbatch" if self.request.method == "POST" else VIEW_BATCHES

    def get_queryset(self):
        return batches()

    @extend_schema(
        request=FinanceBatchIn,
        responses={
            201: PaymentBatchDetailSerializer,
            404: NOT_FOUND,
            409: CONFLICT,
            422: UNPROCESSABLE,
            415: UNSUPPORTED,
        },
        summary="Make a batch and its pain.001 file",
        description=(
            "Finance officers. Approved orders not yet in a batch (409 otherwise), all paid from the chosen account "
            "(400 otherwise). The file is generated once, checked against the XSD and stored. "
            "Send an Idempotency-Key."
        ),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = _valid(FinanceBatchIn, request)
        batch = batch_create(
            actor=request.user,
            order_ids=data["orders"],
            scheme=data["scheme"],
            execution_date=data["execution_date"],
            account_id=data["account"],
        )
        return Response(PaymentBatchDetailSerializer(batch_or_404(batch.pk)).data, status=status.HTTP_201_CREATED)


class BatchDetail(FinanceView, APIView):
    page_permission = VIEW_BATCHES

    @extend_schema(responses={200: PaymentBatchDetailSerializer}, summary="One payment batch with its orders")
    def get(self, request: Request, id: int) -> Response:
        return Response(PaymentBatchDetailSerializer(batch_or_404(id)).data)


class BatchFile(FinanceView, APIView):
    page_permission = VIEW_BATCHES

    @extend_schema(
        responses={(200, "application/xml"): OpenApiTypes.BINARY, 409: CONFLICT},
        summary="The batch's pain.001 file, as stored",
        description=(
            "Finance officers (the service's rule). The stored bytes, after checking they are still the file "
            "generated and validated (409 otherwise); the first download time is recorded."
        ),
    )
    def get(self, request: Request, id: int) -> HttpResponse:
        batch = batch_download(actor=request.user, batch_id=id)
        response = HttpResponse(bytes(batch.xml), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{batch.reference}.xml"'
        return response
