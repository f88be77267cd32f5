"""FRBRTC loan products, the schedule simulator, loans, their schedule, ledger and drawdowns.

- Products: the portal's open products and product page (public, as on the portal; a signed-in caller also reads,
  for each of their organisations, whether it may apply and its borrowing capacity).
- The simulator is the staff page's (loans/views_staff_simulator.py): loan analysts only (loans.permissions.
  can_analyse); other staff get a 403, people who are not staff a 404, as for every staff-side endpoint.
- Loans: loans.selectors.loan_for_user (the borrower's members, staff with loans.view_loan); anyone else gets a 404.
  The ledger is a staff page's table (the portal shows balances, instalments and repayments, not the entries): staff
  with loans.view_loan. Drawdown requests are the portal's (signatories, with the invoices); approving and refusing
  them are the staff loan page's (loan analysts). All three are money events and take an Idempotency-Key.
- Repayments, write-offs and reversals are the staff loan page's actions, through its services and permission
  checks; money events too, with an Idempotency-Key.
"""

import uuid
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import filters, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.loan_applications import (
    CONFLICT,
    DOCUMENT_DOWNLOADS,
    ID_LIMITS,
    IDEMPOTENCY,
    IDEMPOTENT_ERRORS,
    UNSUPPORTED,
    BorrowerRefSerializer,
    LoanProductRefSerializer,
    LoanRequiredDocumentSerializer,
)
from api.parsers import LimitedMultiPartParser
from api.serializers import StrictSerializer
from api.views_base import PublicListView
from core.downloads import private_attachment
from core.errors import InvalidInput, NotFound, NotPermitted
from core.models import OrganisationKind
from core.roles import is_staff_member
from core.views.access import require_staff_permission
from loans.ledger import balances, owed_by_installment
from loans.models import (
    Drawdown,
    DrawdownInvoice,
    DrawdownStatus,
    EntryKind,
    LedgerEntry,
    Loan,
    LoanProductVersion,
    LoanStatus,
    Repayment,
    ScheduleLine,
)
from loans.models.products import DayCount, DueDateRule, Frequency, LoanKind, Method, PrepaymentRule
from loans.permissions import can_analyse, can_record_repayment, can_sign_for, can_write_off
from loans.portfolio import with_figures
from loans.schedules import ScheduleError, simulate
from loans.selectors import (
    borrowers_for,
    invoice_for_user,
    loan_for_user,
    loans_visible_to,
    open_products,
    published_product_version,
    reversible_events,
)
from loans.services.drawdowns import InvoiceIn, drawdown_approve, drawdown_reject, drawdown_request, drawdown_room
from loans.services.repayments import event_reverse, repayment_record, write_off_record
from loans.services.schedules import current_schedule
from loans.services.submission import document_label

VIEW_LOAN = "loans.view_loan"
TOTALS = ("payment", "interest", "principal")


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def rate_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=9, decimal_places=6, **kwargs)


# --- loan products --------------------------------------------------------------------------------------------------


class LoanProductSerializer(serializers.Serializer):
    code = serializers.SlugField(source="product.code")
    version = serializers.IntegerField(source="number")
    title = serializers.CharField(help_text=_("In the caller's language."))
    kind = serializers.ChoiceField(choices=LoanKind.choices)
    eligible_kinds = serializers.ListField(child=serializers.ChoiceField(choices=OrganisationKind.choices))
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    is_open = serializers.SerializerMethodField()
    envelope = money_field(help_text=_("What the programme lends in all, in EUR."))
    term_months = serializers.IntegerField()
    rate = rate_field(help_text=_("Fixed yearly rate as a fraction: 0.015000 is 1.5 %."))
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    method = serializers.ChoiceField(choices=Method.choices)
    day_count = serializers.ChoiceField(choices=DayCount.choices)
    grace_principal_periods = serializers.IntegerField()
    grace_interest_periods = serializers.IntegerField()
    max_drawdowns = serializers.IntegerField()
    last_drawdown_date = serializers.DateField(allow_null=True)
    max_financing_rate = rate_field(help_text=_("The share of a project's cost the loan may finance, as a fraction."))
    min_depreciation_years = serializers.IntegerField()
    uses_borrowing_capacity = serializers.BooleanField()

    @extend_schema_field(serializers.BooleanField())
    def get_is_open(self, version: LoanProductVersion) -> bool:
        return version.is_open()


class BorrowingCapacitySerializer(serializers.Serializer):
    share = serializers.DecimalField(max_digits=9, decimal_places=6, help_text=_("Percent of the general grant."))
    cap = money_field()
    held = money_field(help_text=_("Already asked or granted under this programme."))
    available = money_field()


class LoanBorrowerSerializer(serializers.Serializer):
    organisation = BorrowerRefSerializer()
    allowed = serializers.BooleanField(help_text=_("You may start an application for it now."))
    reason = serializers.CharField(help_text=_("Why not, when not allowed."))
    capacity = BorrowingCapacitySerializer(allow_null=True, help_text=_("Null when the product has no capacity rule."))


class LoanProductDetailSerializer(LoanProductSerializer):
    text = serializers.CharField()
    legal_basis = serializers.CharField()
    decree_date = serializers.DateField()
    late_interest_rate = rate_field()
    prepayment_rule = serializers.ChoiceField(choices=PrepaymentRule.choices)
    required_documents = serializers.SerializerMethodField()
    borrowers = serializers.SerializerMethodField(
        help_text=_("Each of your organisations: may it apply, and its borrowing capacity. Empty when anonymous.")
    )

    @extend_schema_field(LoanRequiredDocumentSerializer(many=True))
    def get_required_documents(self, version: LoanProductVersion) -> list[dict[str, Any]]:
        rows = [
            {
                "code": spec["code"],
                "label": document_label(spec),
                "required": spec.get("required", True),
                "per_project": bool(spec.get("per_project")),
            }
            for spec in version.required_documents
        ]
        return list(LoanRequiredDocumentSerializer(rows, many=True).data)

    @extend_schema_field(LoanBorrowerSerializer(many=True))
    def get_borrowers(self, version: LoanProductVersion) -> list[dict[str, Any]]:
        user = self.context["request"].user
        if not user.is_authenticated:
            return []
        return list(LoanBorrowerSerializer(borrowers_for(user, version), many=True).data)


class ProductList(PublicListView):
    """The loan products open for applications, soonest closing first (the portal's list)."""

    serializer_class = LoanProductSerializer
    pagination_class = None  # a handful at most, as on the portal
    filter_backends: list = []

    def get_queryset(self):
        return open_products()


class ProductDetail(APIView):
    permission_classes = PublicListView.permission_classes

    @extend_schema(
        summary=_("One published loan product, open or closed"), responses={200: LoanProductDetailSerializer}
    )
    def get(self, request: Request, code: str) -> Response:
        version = published_product_version(code)
        if version is None:
            raise NotFound(_("No such loan product."))
        return Response(LoanProductDetailSerializer(version, context={"request": request}).data)


# --- the simulator --------------------------------------------------------------------------------------------------


class LoanSimulationIn(StrictSerializer):
    principal = money_field(help_text=_("Amount drawn in full on the start date, in EUR."))
    rate = serializers.DecimalField(max_digits=12, decimal_places=6, help_text=_("Yearly rate in percent: 3 or 2.875."))
    years = serializers.IntegerField(help_text=_("Length of the term in years."))
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.ANNUAL)
    method = serializers.ChoiceField(choices=Method.choices, default=Method.ANNUITY)
    day_count = serializers.ChoiceField(choices=DayCount.choices, default=DayCount.THIRTY_360)
    start = serializers.DateField(help_text=_("Start of the term and date of the drawdown."))
    grace_periods = serializers.IntegerField(default=0, help_text=_("Periods without principal."))
    interest_grace = serializers.IntegerField(default=0, help_text=_("Periods without interest either (deferred)."))
    due_date_rule = serializers.ChoiceField(choices=DueDateRule.choices, default=DueDateRule.ANNIVERSARY)


class ScheduleLineSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    due_date = serializers.DateField()
    payment = money_field()
    interest = money_field()
    principal = money_field()
    outstanding = money_field(help_text=_("Principal outstanding after the line."))


class ScheduleTotalsSerializer(serializers.Serializer):
    payment = money_field()
    interest = money_field()
    principal = money_field()


class LoanSimulationSerializer(serializers.Serializer):
    lines = ScheduleLineSerializer(many=True)
    totals = ScheduleTotalsSerializer()


def staff_only(user) -> None:
    """Staff-side endpoints do not exist for people who are not staff: the same 404 as an unknown path."""
    if not is_staff_member(user):
        raise NotFound(_("Not found."))


class Simulation(APIView):
    @extend_schema(
        summary=_("Simulate a repayment schedule (nothing is stored)"),
        description=_(
            "The staff simulator and `manage.py loan_schedule`: a loan drawn in full on its start date. Loan "
            "analysts only. Terms that make no schedule are a 400 with the simulator's message."
        ),
        request=LoanSimulationIn,
        responses={
            200: LoanSimulationSerializer,
            404: OpenApiResponse(OpenApiTypes.OBJECT, description=_("Not a staff member.")),
        },
    )
    def post(self, request: Request) -> Response:
        staff_only(request.user)
        allowed, reason = can_analyse(request.user)
        if not allowed:
            raise NotPermitted(reason)
        data = LoanSimulationIn(data=request.data)
        data.is_valid(raise_exception=True)
        inputs = data.validated_data
        try:
            lines = simulate(
                principal=inputs["principal"],
                rate=inputs["rate"],
                years=inputs["years"],
                frequency=inputs["frequency"],
                method=inputs["method"],
                day_count=inputs["day_count"],
                start=inputs["start"],
                grace_principal=inputs["grace_periods"],
                grace_interest=inputs["interest_grace"],
                due_date_rule=inputs["due_date_rule"],
            )
        except ScheduleError as error:
            raise InvalidInput(str(error), extra={"fields": {"non_field_errors": []}}) from None
        totals = {name: sum((getattr(line, name) for line in lines), Decimal("0.00")) for name in TOTALS}
        return Response(LoanSimulationSerializer({"lines": lines, "totals": totals}).data)


# --- loans ----------------------------------------------------------------------------------------------------------


def loan_or_404(user, pk: int) -> Loan:
    loan = loan_for_user(user, pk)
    if loan is None:
        raise NotFound(_("No such loan."))
    return loan


def staff_loan_or_404(user, pk: int) -> Loan:
    """A loan through the staff loan page's door: staff with loans.view_loan (others: 403; not staff: 404)."""
    staff_only(user)
    require_staff_permission(user, VIEW_LOAN)
    return loan_or_404(user, pk)


class LoanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=LoanStatus.choices)
    borrower = BorrowerRefSerializer()
    product = LoanProductRefSerializer(source="product_version")
    application = serializers.IntegerField(source="application_id")
    approved_amount = money_field()
    rate = rate_field(help_text=_("Fixed yearly rate as a fraction."))
    start_date = serializers.DateField(allow_null=True, help_text=_("The first drawdown's payment date."))
    activated_at = serializers.DateTimeField()
    drawn = money_field(help_text=_("Drawdowns paid, from the ledger."))
    outstanding = money_field(help_text=_("Principal outstanding, from the ledger."))
    arrears = money_field(help_text=_("Fallen due and not paid."))
    due_next_12_months = money_field()


class DrawdownInvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Use it to download the invoice."))
    invoice_reference = serializers.CharField()
    invoice_amount = money_field()
    original_name = serializers.CharField()
    size = serializers.IntegerField()


class DrawdownSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    amount = money_field()
    status = serializers.ChoiceField(choices=DrawdownStatus.choices)
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    refusal_reason = serializers.CharField()
    paid_on = serializers.DateField(allow_null=True)
    payable = serializers.IntegerField(
        source="payable_id", allow_null=True, help_text=_("Finance's payable, once approved: finance pays it.")
    )
    invoices = DrawdownInvoiceSerializer(many=True)


class LoanBalancesSerializer(serializers.Serializer):
    principal = money_field(help_text=_("Outstanding principal."))
    interest = money_field(help_text=_("Interest fallen due and unpaid."))
    late_interest = money_field()
    total = money_field()


class LoanInstallmentSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = money_field()
    interest = money_field()
    structured_communication = serializers.CharField(help_text=_("Twelve digits; pay with it."))
    owed = money_field(allow_null=True, help_text=_("What it still owes once fallen due; null before."))


class LoanRepaymentSerializer(serializers.Serializer):
    amount = money_field()
    value_date = serializers.DateField()
    structured_communication = serializers.CharField()
    installment = serializers.IntegerField(source="installment.n", allow_null=True)


class LoanDetailSerializer(LoanSerializer):
    periods = serializers.IntegerField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    method = serializers.ChoiceField(choices=Method.choices)
    day_count = serializers.ChoiceField(choices=DayCount.choices)
    grace_principal_periods = serializers.IntegerField()
    grace_interest_periods = serializers.IntegerField()
    max_drawdowns = serializers.IntegerField()
    last_drawdown_date = serializers.DateField(allow_null=True)
    late_interest_rate = rate_field()
    balances = LoanBalancesSerializer()
    left_to_draw = money_field()
    drawdowns_left = serializers.IntegerField()
    may_draw = serializers.BooleanField(help_text=_("You may ask for a drawdown now (a signatory, an active loan)."))
    drawdowns = DrawdownSerializer(many=True)
    installments = LoanInstallmentSerializer(many=True, help_text=_("The instalments in force."))
    repayments = LoanRepaymentSerializer(many=True)


class LoanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LoanStatus.choices)
    product = django_filters.CharFilter(field_name="product_version__product__code", help_text=_("A product's code."))
    borrower = django_filters.NumberFilter(field_name="borrower_id", **ID_LIMITS)

    class Meta:
        model = Loan
        fields = ["status", "product", "borrower"]


class LoanList(generics.ListAPIView):
    """Your organisations' loans (staff who may read loans: all of them), with their figures from the ledger."""

    serializer_class = LoanSerializer
    filterset_class = LoanFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["id", "activated_at", "reference"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Loan.objects.none()
        return with_figures(loans_visible_to(self.request.user).order_by())


def _drawdowns(loan: Loan) -> list[Drawdown]:
    return list(loan.drawdowns.prefetch_related("invoices").order_by("number"))


LOAN_FIELDS = (
    "id",
    "reference",
    "status",
    "borrower",
    "product_version",
    "application_id",
    "approved_amount",
    "rate",
    "start_date",
    "activated_at",
    "periods",
    "frequency",
    "method",
    "day_count",
    "grace_principal_periods",
    "grace_interest_periods",
    "max_drawdowns",
    "last_drawdown_date",
    "late_interest_rate",
)
INSTALLMENT_FIELDS = ("n", "due_date", "principal", "interest", "structured_communication")
FIGURES = ("drawn", "outstanding", "arrears", "due_next_12_months")


def loan_detail(user, loan: Loan) -> dict[str, Any]:
    """What the portal's loan page shows, as data."""
    figures = with_figures(Loan.objects.filter(pk=loan.pk)).values(*FIGURES).get()
    drawdowns = _drawdowns(loan)
    room = drawdown_room(loan, drawdowns)
    owed = {row.installment.pk: row.total for row in owed_by_installment(loan)}
    loan_balances = balances(loan)
    installments = [
        {**{name: getattr(row, name) for name in INSTALLMENT_FIELDS}, "owed": owed.get(row.pk)}
        for row in loan.installments.filter(cancelled=False).order_by("n")
    ]
    return {
        **{name: getattr(loan, name) for name in LOAN_FIELDS},
        **figures,
        "balances": {**vars(loan_balances), "total": loan_balances.total},
        "left_to_draw": room["left_to_draw"],
        "drawdowns_left": room["drawdowns_left"],
        "may_draw": can_sign_for(user, loan.borrower_id)[0] and loan.status == LoanStatus.ACTIVE,
        "drawdowns": drawdowns,
        "installments": installments,
        "repayments": list(loan.repayments.select_related("installment").order_by("value_date", "id")),
    }


class LoanDetail(APIView):
    @extend_schema(
        summary=_("One loan: terms, balances, drawdowns, instalments, repayments"),
        responses={200: LoanDetailSerializer},
    )
    def get(self, request: Request, id: int) -> Response:
        loan = loan_or_404(request.user, id)
        return Response(LoanDetailSerializer(loan_detail(request.user, loan)).data)


class LoanScheduleRowSerializer(ScheduleLineSerializer):
    schedule_version = serializers.IntegerField(source="schedule.number")


class ScheduleRows(generics.ListAPIView):
    """The schedule in force, line by line (empty until the first drawdown is paid)."""

    serializer_class = LoanScheduleRowSerializer
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["n"]
    ordering = ["n"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScheduleLine.objects.none()
        loan = loan_or_404(self.request.user, self.kwargs["id"])
        schedule = current_schedule(loan)
        return ScheduleLine.objects.filter(schedule=schedule).select_related("schedule")


class LoanLedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    event = serializers.CharField(help_text=_("The money event the entry belongs to, e.g. repayment:17."))
    value_date = serializers.DateField()
    principal = money_field()
    interest = money_field()
    late_interest = money_field()
    installment = serializers.IntegerField(source="installment.n", allow_null=True)
    drawdown = serializers.IntegerField(source="drawdown.number", allow_null=True)
    repayment = serializers.IntegerField(source="repayment_id", allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    decision_reference = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class LedgerEntryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=EntryKind.choices)
    event = django_filters.CharFilter()

    class Meta:
        model = LedgerEntry
        fields = ["kind", "event"]


class Ledger(generics.ListAPIView):
    """The loan's ledger, append-only, in booking order: staff who may read loans (the staff loan page's table)."""

    serializer_class = LoanLedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LedgerEntry.objects.none()
        loan = staff_loan_or_404(self.request.user, self.kwargs["id"])
        return loan.entries.select_related("installment", "drawdown")


# --- drawdowns ------------------------------------------------------------------------------------------------------


class DrawdownIn(StrictSerializer):
    amount = money_field(help_text=_("The amount to draw, in EUR."))
    invoice_reference = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=100), max_length=50, help_text=_("One per invoice.")
    )
    invoice_amount = serializers.ListField(
        child=money_field(), max_length=50, help_text=_("One per invoice, in order.")
    )
    invoice_file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        max_length=50,
        help_text=_("One per invoice, in order; checked as every upload."),
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        counts = {len(data["invoice_reference"]), len(data["invoice_amount"]), len(data["invoice_file"])}
        if len(counts) != 1:
            raise serializers.ValidationError(
                {"invoice_file": [_("Send as many references, amounts and files as there are invoices.")]}
            )
        return data


class DrawdownRequest(APIView):
    parser_classes = [LimitedMultiPartParser]

    @extend_schema(
        summary=_("Ask for a drawdown with the invoices it covers"),
        description=_(
            "Signatories of the borrower, on an active loan, within its limits (number, amount, last date). Repeat "
            "invoice_reference, invoice_amount and invoice_file once per invoice."
        ),
        request={"multipart/form-data": DrawdownIn},
        parameters=[IDEMPOTENCY],
        responses={201: DrawdownSerializer, 415: UNSUPPORTED, **IDEMPOTENT_ERRORS},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        loan = loan_or_404(request.user, id)
        allowed, reason = can_sign_for(request.user, loan.borrower_id)
        if not allowed:
            raise NotPermitted(reason)
        serializer = DrawdownIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invoices = [
            InvoiceIn(reference=reference, amount=str(amount), upload=upload)
            for reference, amount, upload in zip(
                data["invoice_reference"], data["invoice_amount"], data["invoice_file"], strict=True
            )
        ]
        drawdown = drawdown_request(actor=request.user, loan_id=loan.pk, amount=str(data["amount"]), invoices=invoices)
        drawdown = Drawdown.objects.prefetch_related("invoices").get(pk=drawdown.pk)
        return Response(DrawdownSerializer(drawdown).data, status=status.HTTP_201_CREATED)


class InvoiceDownload(APIView):
    @extend_schema(summary=_("Download a drawdown's invoice"), responses=DOCUMENT_DOWNLOADS)
    def get(self, request: Request, id: int) -> FileResponse:
        invoice: DrawdownInvoice | None = invoice_for_user(request.user, id)
        if invoice is None:
            raise NotFound(_("No such invoice."))
        return private_attachment(invoice.file, invoice.original_name, invoice.content_type)


def _drawdown_response(drawdown_id: int) -> Response:
    drawdown = Drawdown.objects.prefetch_related(Prefetch("invoices")).get(pk=drawdown_id)
    return Response(DrawdownSerializer(drawdown).data)


class DrawdownApprove(APIView):
    @extend_schema(
        summary=_("Approve a drawdown: a payment request goes to finance"),
        description=_("Loan analysts. A drawdown decided already, or beyond the loan's limits now, is a 409."),
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: DrawdownSerializer, 409: CONFLICT, **IDEMPOTENT_ERRORS},
    )
    @idempotent
    def post(self, request: Request, id: int, drawdown_id: int) -> Response:
        loan = staff_loan_or_404(request.user, id)
        drawdown = get_object_or_404(Drawdown, pk=drawdown_id, loan=loan)
        drawdown_approve(actor=request.user, drawdown_id=drawdown.pk)
        return _drawdown_response(drawdown.pk)


class DrawdownRefusalIn(StrictSerializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("Told to the borrower."))


class DrawdownRefuse(APIView):
    @extend_schema(
        summary=_("Refuse a drawdown, saying why"),
        description=_("Loan analysts. A drawdown decided already is a 409."),
        request=DrawdownRefusalIn,
        parameters=[IDEMPOTENCY],
        responses={200: DrawdownSerializer, 409: CONFLICT, **IDEMPOTENT_ERRORS},
    )
    @idempotent
    def post(self, request: Request, id: int, drawdown_id: int) -> Response:
        loan = staff_loan_or_404(request.user, id)
        drawdown = get_object_or_404(Drawdown, pk=drawdown_id, loan=loan)
        allowed, why = can_analyse(request.user)
        if not allowed:
            raise NotPermitted(why)
        data = DrawdownRefusalIn(data=request.data)
        data.is_valid(raise_exception=True)
        drawdown_reject(actor=request.user, drawdown_id=drawdown.pk, reason=data.validated_data["reason"])
        return _drawdown_response(drawdown.pk)


# --- repayments (staff money events) --------------------------------------------------------------------------------


class RepaymentIn(StrictSerializer):
    amount = money_field(help_text=_("The amount received, in EUR."))
    value_date = serializers.DateField(help_text=_("The bank's value date; not in the future."))
    structured_communication = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40, help_text=_("+++123/4567/89012+++ if given.")
    )


class RepaymentCreate(APIView):
    @extend_schema(
        summary=_("Record a payment received on a loan"),
        description=_(
            "As the staff loan page: loan analysts and finance officers. The payment is allocated to what is due "
            "(the instalment named by its structured communication first). A loan that is not active is a 409."
        ),
        request=RepaymentIn,
        parameters=[IDEMPOTENCY],
        responses={201: LoanRepaymentSerializer, 409: CONFLICT, **IDEMPOTENT_ERRORS},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        loan = staff_loan_or_404(request.user, id)
        allowed, reason = can_record_repayment(request.user)
        if not allowed:
            raise NotPermitted(reason)
        serializer = RepaymentIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        repayment = repayment_record(
            actor=request.user,
            loan_id=loan.pk,
            amount=str(data["amount"]),
            value_date=data["value_date"],
            communication=data["structured_communication"],
            # The service records a key once; the Idempotency-Key (or a fresh one) is that key.
            key=f"api-repayment:{request.user.pk}:{request.headers.get('Idempotency-Key') or uuid.uuid4().hex}",
        )
        repayment = Repayment.objects.select_related("installment").get(pk=repayment.pk)
        return Response(LoanRepaymentSerializer(repayment).data, status=status.HTTP_201_CREATED)


# --- write-offs and reversals (staff money events) ------------------------------------------------------------------


class LoanWriteOffIn(StrictSerializer):
    # Blank is let through so that the service's own message ("a write-off needs the reference and the date of its
    # decision") is the one people read, as on the page.
    decision_reference = serializers.CharField(
        allow_blank=True,
        max_length=100,
        help_text=_("The reference of the decision to write off, e.g. AGRBC 2026/400."),
    )
    decided_on = serializers.DateField(help_text=_("The date of the decision; not in the future."))
    installment = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The number of the instalment whose dues are written off; left out or null: the whole loan."),
    )


class LoanReversalIn(StrictSerializer):
    event = serializers.CharField(
        max_length=100, help_text=_("The repayment or write-off to reverse, as the ledger names it: repayment:17.")
    )
    reason = serializers.CharField(allow_blank=True, max_length=300, help_text=_("Why it is reversed."))


class LoanBookedSerializer(serializers.Serializer):
    loan_status = serializers.ChoiceField(choices=LoanStatus.choices, help_text=_("The loan's status afterwards."))
    entries = LoanLedgerEntrySerializer(many=True, help_text=_("The ledger entries booked, in booking order."))


def _booked(loan: Loan, entries: list[LedgerEntry]) -> Response:
    loan.refresh_from_db(fields=["status"])
    booked = LedgerEntry.objects.filter(pk__in=[entry.pk for entry in entries]).select_related(
        "installment", "drawdown"
    )
    body = {"loan_status": loan.status, "entries": list(booked.order_by("id"))}
    return Response(LoanBookedSerializer(body).data, status=status.HTTP_201_CREATED)


class WriteOffCreate(APIView):
    @extend_schema(
        summary=_("Write off what an instalment owes, or the whole loan"),
        description=_(
            "As the staff loan page: loan analysts and finance approvers, with the reference and date of the "
            "decision. Late interest is counted up to the decision date, then what the instalment owes (or every "
            "instalment due and the principal to come, for the whole loan) is written off; a whole loan becomes "
            "written off. A loan that is not active, or an instalment that owes nothing, is a 409."
        ),
        request=LoanWriteOffIn,
        parameters=[IDEMPOTENCY],
        responses={201: LoanBookedSerializer, 409: CONFLICT, **IDEMPOTENT_ERRORS},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        loan = staff_loan_or_404(request.user, id)
        allowed, reason = can_write_off(request.user)
        if not allowed:
            raise NotPermitted(reason)
        serializer = LoanWriteOffIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        installment_id = None
        if data["installment"] is not None:
            # The page offers the instalments in force; the API names them by number, as it shows them.
            installment_id = (
                loan.installments.filter(cancelled=False, n=data["installment"]).values_list("pk", flat=True).first()
            )
            if installment_id is None:
                raise InvalidInput(
                    _("This loan has no instalment %(n)s in force.") % {"n": data["installment"]},
                    extra={"fields": {"installment": []}},
                )
        entries = write_off_record(
            actor=request.user,
            loan_id=loan.pk,
            decision_reference=data["decision_reference"],
            decided_on=data["decided_on"],
            installment_id=installment_id,
        )
        return _booked(loan, entries)


class ReversalCreate(APIView):
    @extend_schema(
        summary=_("Reverse a repayment or a write-off"),
        description=_(
            "As the staff loan page: new entries with the opposite effects cancel every entry of the event not "
            "reversed yet; the originals stay. A repayment is reversed by those who record repayments (loan "
            "analysts, finance officers), a write-off by those who write off (loan analysts, finance approvers). An "
            "event that is not a repayment or write-off of this loan is a 400; one reversed already a 409."
        ),
        request=LoanReversalIn,
        parameters=[IDEMPOTENCY],
        responses={201: LoanBookedSerializer, 409: CONFLICT, **IDEMPOTENT_ERRORS},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        loan = staff_loan_or_404(request.user, id)
        # Who may reverse anything at all (the page's "may_reverse"); the service then checks the event's own right.
        if not (can_record_repayment(request.user)[0] or can_write_off(request.user)[0]):
            raise NotPermitted(_("Only those who record repayments or write-offs reverse them."))
        serializer = LoanReversalIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["event"] not in reversible_events(loan):
            raise InvalidInput(
                _("%(event)s is not a repayment or a write-off of this loan.") % {"event": data["event"]},
                extra={"fields": {"event": []}},
            )
        entries = event_reverse(actor=request.user, loan_id=loan.pk, event=data["event"], reason=data["reason"])
        return _booked(loan, entries)
