"""Finance (staff): bank statements (CODA, camt.053), their lines and matches, and reconciliation workbooks.

Mirrors finance/views_bank.py and finance/views_workbooks.py: the same permission per page, the same selectors
(finance.selectors_bank) and services. An import is all or nothing: the importer reads the whole file first, and a
bad file is a 400 naming the line (record) and the reason in extra.line and extra.fields.file; the same file (or the
same statement) twice is refused the same way, as the page refuses it. The automatic matching runs once the import
has committed, before the answer is written, so the answer shows what it matched.
"""

from decimal import Decimal

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, filters, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.finance import CONFLICT, NOT_FOUND, UNPROCESSABLE, UNSUPPORTED, FinanceView
from api.finance_orders import TreasuryAccountSerializer, _user_field, _valid, money
from api.idempotency import idempotent
from api.parsers import LimitedMultiPartParser
from api.serializers import StrictSerializer
from core.downloads import private_attachment
from core.errors import TransitionNotAllowed
from finance import selectors_bank as selectors
from finance.models import (
    BankStatement,
    LineMatch,
    MatchMethod,
    ReconciliationWorkbook,
    StatementLine,
    WorkbookStatus,
)
from finance.models.bank import StatementFormat
from finance.services.matching import match_manual, match_undo, statement_rematch
from finance.services.statements import statement_import
from finance.services.workbooks import PERMISSION as REQUEST_WORKBOOK
from finance.services.workbooks import workbook_request

VIEW_STATEMENTS = "finance.view_bankstatement"
VIEW_LINES = "finance.view_statementline"
VIEW_WORKBOOKS = "finance.view_reconciliationworkbook"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TARGETS = [("order", _("Payment order")), ("loan", _("Loan")), ("receivable", _("Amount to recover"))]


# Serializers ----------------------------------------------------------------------------------------------------


class LineMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line = serializers.IntegerField(source="line_id")
    amount = money()
    method = serializers.ChoiceField(choices=MatchMethod.choices)
    payment_order = serializers.IntegerField(source="payment_order_id", allow_null=True)
    loan = serializers.IntegerField(source="loan_id", allow_null=True)
    repayment = serializers.IntegerField(source="repayment_id", allow_null=True)
    receivable = serializers.IntegerField(source="receivable_id", allow_null=True)
    matched_at = serializers.DateTimeField()
    matched_by = _user_field("matched_by", help_text=_("Null when matched automatically."))
    undone_at = serializers.DateTimeField(allow_null=True)
    undone_by = _user_field("undone_by")
    undo_reason = serializers.CharField()


class StatementLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    statement = serializers.IntegerField(source="statement_id")
    sequence = serializers.IntegerField()
    booking_date = serializers.DateField()
    value_date = serializers.DateField()
    amount = money(help_text=_("Positive received, negative paid out."))
    counterparty_name = serializers.CharField()
    counterparty_iban = serializers.CharField()
    counterparty_bic = serializers.CharField()
    structured_communication = serializers.CharField()
    communication = serializers.CharField()
    end_to_end_id = serializers.CharField()
    bank_reference = serializers.CharField()
    matched = money(help_text=_("The sum of its active matches."))
    left = money(help_text=_("What is left to match."))


class StatementLineDetailSerializer(StatementLineSerializer):
    matches = LineMatchSerializer(many=True, help_text=_("Undone ones too (undone_at set)."))


class BankStatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = TreasuryAccountSerializer()
    format = serializers.ChoiceField(choices=StatementFormat.choices)
    number = serializers.CharField()
    statement_date = serializers.DateField()
    opening_balance = money()
    closing_balance = money()
    file_name = serializers.CharField()
    file_sha256 = serializers.CharField()
    imported_at = serializers.DateTimeField()
    imported_by = _user_field("imported_by")
    line_count = serializers.IntegerField()
    open_count = serializers.IntegerField(help_text=_("Lines not (wholly) matched."))


class BankStatementDetailSerializer(BankStatementSerializer):
    lines = StatementLineDetailSerializer(many=True, source="line_rows")


class FinanceUploadIn(StrictSerializer):
    file = serializers.FileField(help_text=_("A CODA file (.cod, .coda, .txt, .dat) or a camt.053 file (.xml)."))


class FinanceMatchIn(StrictSerializer):
    target = serializers.ChoiceField(choices=TARGETS)
    target_id = serializers.IntegerField(min_value=1, help_text=_("The payment order's, loan's or recovery's id."))
    installment_id = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text=_("For a loan: the instalment it repays.")
    )
    amount = money(help_text=_("The part of the line matched; an order is paid whole."))


class FinanceUndoIn(StrictSerializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)


class FinanceWorkbookIn(StrictSerializer):
    year = serializers.IntegerField(help_text=_("The budget year, from 2000 to next year."))
    language = serializers.CharField(
        required=False, max_length=5, help_text=_("fr, nl or en; by default the caller's language.")
    )


class ReconciliationWorkbookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=WorkbookStatus.choices)
    done = serializers.IntegerField(help_text=_("Rows written."))
    total = serializers.IntegerField(help_text=_("Rows to write."))
    percent = serializers.IntegerField()
    error = serializers.CharField(help_text=_("Why it failed, if it did."))
    requested_by = _user_field("requested_by")
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    progress_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(help_text=_("Null until ready."))

    @extend_schema_field(OpenApiTypes.URI)
    def get_progress_url(self, workbook: ReconciliationWorkbook) -> str:
        return self._url("api:finance-workbook-detail", workbook)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, workbook: ReconciliationWorkbook) -> str | None:
        if workbook.status != WorkbookStatus.READY:
            return None
        return self._url("api:finance-workbook-download", workbook)

    def _url(self, name: str, workbook: ReconciliationWorkbook) -> str:
        path = reverse(name, kwargs={"id": workbook.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


# Statements -----------------------------------------------------------------------------------------------------


def statement_or_404(pk: int) -> BankStatement:
    statement = selectors.statements_with_counts().filter(pk=pk).first()
    if statement is None:
        raise exceptions.NotFound(_("No such bank statement."))
    statement.line_rows = selectors.statement_lines(statement)  # type: ignore[attr-defined]
    return statement


class StatementList(FinanceView, generics.ListCreateAPIView):
    """Imported bank statements, the latest first, with their count of lines and of lines left to match."""

    serializer_class = BankStatementSerializer
    parser_classes = [LimitedMultiPartParser]
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["statement_date", "id"]
    ordering = ["-statement_date", "-id"]

    @property
    def page_permission(self) -> str:
        return VIEW_STATEMENTS  # the upload posts to the statements page; the service allows finance officers

    def get_queryset(self):
        return selectors.statements_with_counts()

    @extend_schema(
        request={"multipart/form-data": FinanceUploadIn},
        responses={201: BankStatementDetailSerializer, 404: NOT_FOUND, 415: UNSUPPORTED},
        summary="Import a bank statement (CODA or camt.053)",
        description=(
            "Finance officers. The whole file is checked before anything is stored: a bad file is a 400 with the "
            "line (record) number in extra.line and the reason in extra.fields.file. The same file, or the same "
            "statement of the same account, twice is a 400 on the field file. The automatic matching has run when "
            "the answer comes: each line shows its matches."
        ),
    )
    def post(self, request: Request) -> Response:
        data = _valid(FinanceUploadIn, request)
        statement = statement_import(actor=request.user, upload=data["file"])
        return Response(
            BankStatementDetailSerializer(statement_or_404(statement.pk)).data, status=status.HTTP_201_CREATED
        )


class StatementDetail(FinanceView, APIView):
    page_permission = VIEW_STATEMENTS

    @extend_schema(
        responses={200: BankStatementDetailSerializer}, summary="One bank statement with its lines and matches"
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(BankStatementDetailSerializer(statement_or_404(id)).data)


class StatementRematchOut(serializers.Serializer):
    matched = serializers.IntegerField(help_text=_("How many more lines the automatic matching matched."))


class StatementRematch(FinanceView, APIView):
    page_permission = VIEW_STATEMENTS

    @extend_schema(
        request=None,
        responses={200: StatementRematchOut, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Run the automatic matching again on a statement",
        description="Finance officers: after an order was batched or a recovery recorded since the import.",
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        statement = statement_or_404(id)
        return Response({"matched": statement_rematch(actor=request.user, statement_id=statement.pk)})


# Lines and matches ----------------------------------------------------------------------------------------------


class OpenLineFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", help_text=_("A reference, communication, name, IBAN or structured communication.")
    )
    amount = django_filters.NumberFilter(
        method="search",
        min_value=Decimal("-999999999999.99"),
        max_value=Decimal("999999999999.99"),
        help_text=_("The amount, received or paid out."),
    )

    class Meta:
        model = StatementLine
        fields = ["q", "amount"]

    def search(self, queryset, name, value):
        return queryset  # both together, in filter_queryset, as the matching page searches

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        amount = data.get("amount")
        found = selectors.search_open_lines(data.get("q") or "", abs(amount) if amount is not None else None)
        return queryset.filter(pk__in=found.values("pk"))


class OpenLineList(FinanceView, generics.ListAPIView):
    """Statement lines left to match (nothing matched, or part of it), as the manual matching page lists them."""

    page_permission = VIEW_LINES
    serializer_class = StatementLineSerializer
    filterset_class = OpenLineFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["booking_date", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StatementLine.objects.none()
        return selectors.open_lines()


def line_or_404(pk: int) -> StatementLine:
    matches = LineMatch.objects.select_related("matched_by", "undone_by").order_by("id")
    line = selectors.lines_with_matched().prefetch_related(Prefetch("matches", queryset=matches)).filter(pk=pk).first()
    if line is None:
        raise exceptions.NotFound(_("No such statement line."))
    return line


class LineDetail(FinanceView, APIView):
    page_permission = VIEW_LINES

    @extend_schema(responses={200: StatementLineDetailSerializer}, summary="One statement line with its matches")
    def get(self, request: Request, id: int) -> Response:
        return Response(StatementLineDetailSerializer(line_or_404(id)).data)


class LineMatchCreate(FinanceView, APIView):
    page_permission = VIEW_LINES

    @extend_schema(
        request=FinanceMatchIn,
        responses={201: LineMatchSerializer, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Match (part of) a line by hand",
        description=(
            "Finance officers. Money paid out pays one payment order, whole; money received repays a loan "
            "(optionally naming the instalment) or an amount to recover. Send an Idempotency-Key."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        data = _valid(FinanceMatchIn, request)
        line = line_or_404(id)
        targets = {"order": "payment_order_id", "loan": "loan_id", "receivable": "receivable_id"}
        match = match_manual(
            actor=request.user,
            line_id=line.pk,
            amount=data["amount"],
            installment_id=data.get("installment_id"),
            **{targets[data["target"]]: data["target_id"]},
        )
        return Response(LineMatchSerializer(match).data, status=status.HTTP_201_CREATED)


class MatchUndo(FinanceView, APIView):
    page_permission = VIEW_STATEMENTS  # the undo button sits on the statement's page

    @extend_schema(
        request=FinanceUndoIn,
        responses={200: LineMatchSerializer, 409: CONFLICT, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Undo a match, with the reason",
        description=(
            "Finance officers. A loan repayment is reversed in the loan's ledger. A match that paid a payment order "
            "cannot be undone (409), nor one undone already (409). Send an Idempotency-Key."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        data = _valid(FinanceUndoIn, request)
        if not LineMatch.objects.filter(pk=id).exists():
            raise exceptions.NotFound(_("No such match."))
        match = match_undo(actor=request.user, match_id=id, reason=data["reason"])
        return Response(LineMatchSerializer(match).data)


# Reconciliation workbooks ---------------------------------------------------------------------------------------


def workbooks() -> QuerySet[ReconciliationWorkbook]:
    return ReconciliationWorkbook.objects.select_related("requested_by")


def workbook_or_404(pk: int) -> ReconciliationWorkbook:
    workbook = workbooks().filter(pk=pk).first()
    if workbook is None:
        raise exceptions.NotFound(_("No such workbook."))
    return workbook


class WorkbookList(FinanceView, generics.ListCreateAPIView):
    """Reconciliation workbooks, the latest asked for first (everyone who reads finance sees every one)."""

    serializer_class = ReconciliationWorkbookSerializer
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["requested_at", "id"]
    ordering = ["-requested_at", "-id"]

    @property
    def page_permission(self) -> str:
        return REQUEST_WORKBOOK if self.request.method == "POST" else VIEW_WORKBOOKS

    def get_queryset(self):
        return workbooks()

    @extend_schema(
        request=FinanceWorkbookIn,
        responses={202: ReconciliationWorkbookSerializer, 404: NOT_FOUND, 422: UNPROCESSABLE, 415: UNSUPPORTED},
        summary="Ask for the reconciliation workbook of a year",
        description=(
            "Finance officers, approvers and auditors. Answers at once with the workbook queued; a worker builds "
            "it. Poll progress_url until status is ready, then GET download_url. Asking again for the same year "
            "and language while yours is queued or being built gives that one."
        ),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = _valid(FinanceWorkbookIn, request)
        workbook = workbook_request(actor=request.user, year=data["year"], language=data.get("language"))
        # Built by a task queued on commit: with eager tasks (tests, a first run) it is ready already.
        context = self.get_serializer_context()
        return Response(
            ReconciliationWorkbookSerializer(workbook, context=context).data, status=status.HTTP_202_ACCEPTED
        )


class WorkbookDetail(FinanceView, APIView):
    page_permission = VIEW_WORKBOOKS

    @extend_schema(responses={200: ReconciliationWorkbookSerializer}, summary="A workbook's progress")
    def get(self, request: Request, id: int) -> Response:
        return Response(ReconciliationWorkbookSerializer(workbook_or_404(id), context={"request": request}).data)


class WorkbookDownload(FinanceView, APIView):
    page_permission = VIEW_WORKBOOKS

    @extend_schema(
        responses={(200, XLSX): OpenApiTypes.BINARY, 409: CONFLICT},
        summary="Download a ready workbook (.xlsx)",
        description="409 while it is queued or being built, or when it failed.",
    )
    def get(self, request: Request, id: int) -> FileResponse:
        workbook = workbook_or_404(id)
        if workbook.status != WorkbookStatus.READY or not workbook.file:
            raise TransitionNotAllowed(_("This workbook is not ready."))
        name = f"reconciliation-{workbook.year}-{workbook.language}-{workbook.pk}.xlsx"
        return private_attachment(workbook.file, name, XLSX)
