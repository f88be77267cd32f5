"""Awards, their tranches and the justification: the organisation's pages after the decision
(grants/views_awards.py) as an API, and the read of staff who may see applications.

- Who sees an award: grants.selectors.award_for_user, the pages' rule (committed or closed awards; members of the
  organisation and staff with grants.view_application; not reviewers); anyone else gets the 404 of a missing id.
- Writes call the page's service (grants.services.tranches). The permission the service applies is asked first, so
  a role that may not act gets its 403 before its input is judged; the service checks again under its row lock.
- Claiming an advance creates a money event (a payable for finance) and submitting the justification commits the
  organisation: both take an Idempotency-Key.
"""

from decimal import Decimal
from typing import Any

import django_filters
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import filters, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.applications import (
    BAD_INPUT,
    CONFLICT,
    DOCUMENT_DOWNLOADS,
    IDEMPOTENCY,
    REUSED_KEY,
    UNSUPPORTED,
    ApplicantRefSerializer,
    DecisionLetterSerializer,
    GrantCallRefSerializer,
    IdFilter,
    valid,
)
from api.idempotency import idempotent
from api.parsers import LimitedMultiPartParser
from api.serializers import StrictSerializer
from core.downloads import private_attachment
from core.errors import NotFound, NotPermitted
from core.roles import is_staff_member
from core.uploads import ALLOWED
from core.views.access import require_staff_permission
from grants.models import (
    Award,
    AwardStatus,
    ExpenseLine,
    Justification,
    JustificationStatus,
    LineStatus,
    Tranche,
    TrancheKind,
    TrancheStatus,
)
from grants.permissions import can_prepare_justification, can_submit_justification
from grants.selectors import (
    advance_to_claim,
    award_for_user,
    awards_for_user,
    expense_line_for_user,
    justification_outcome,
    tranche_for_user,
)
from grants.services.tranches import (
    expense_line_add,
    expense_line_remove,
    justification_report_set,
    justification_submit,
    tranche_claim,
)

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


def award_or_404(user, pk: int) -> Award:
    award = award_for_user(user, pk)
    if award is None:
        raise NotFound(_("No such grant."))
    return award


def _content_type(name: str) -> str:
    return ALLOWED.get("." + name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


# --- output -----------------------------------------------------------------------------------------------------------


class TrancheSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TrancheKind.choices)
    share = serializers.DecimalField(max_digits=6, decimal_places=2, help_text=_("Percent of the award."))
    planned_amount = serializers.DecimalField(**MONEY)
    due_amount = serializers.DecimalField(**MONEY, allow_null=True, help_text=_("Set once claimed or made due."))
    status = serializers.ChoiceField(choices=TrancheStatus.choices)
    claimed_at = serializers.DateTimeField(allow_null=True)
    claimable = serializers.BooleanField(help_text=_("The advance to claim next (a signatory signs the claim)."))
    payable = serializers.IntegerField(
        source="payable_id", allow_null=True, help_text=_("The payment due at finance, once due.")
    )
    paid_on = serializers.DateField(allow_null=True, help_text=_("The bank's payment date, once paid."))


class AwardApplicationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class AwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    application = AwardApplicationRefSerializer()
    call = GrantCallRefSerializer(source="application.call_version")
    organisation = ApplicantRefSerializer(source="application.organisation")
    amount = serializers.DecimalField(**MONEY)
    conditions = serializers.CharField()
    status = serializers.ChoiceField(choices=AwardStatus.choices)
    created_at = serializers.DateTimeField()


class AwardDetailSerializer(AwardSerializer):
    tranches = TrancheSerializer(many=True, source="tranche_rows")
    letters = DecisionLetterSerializer(many=True, source="letter_rows")
    justification_status = serializers.ChoiceField(
        choices=JustificationStatus.choices, source="justification_state", help_text=_("draft until submitted.")
    )


def _tranches(award: Award) -> list[Tranche]:
    tranches = list(award.tranches.select_related("payable").order_by("number"))
    next_advance = advance_to_claim(award, tranches)
    for tranche in tranches:
        tranche.claimable = tranche is next_advance  # type: ignore[attr-defined]
        tranche.paid_on = tranche.payable.paid_on if tranche.payable else None  # type: ignore[attr-defined]
    return tranches


def award_detail(award: Award) -> Award:
    """The award with what its page shows around it (as attributes the detail serializer reads)."""
    justification = Justification.objects.filter(award=award).first()
    award.tranche_rows = _tranches(award)  # type: ignore[attr-defined]
    award.letter_rows = list(award.application.letters.order_by("created_at"))  # type: ignore[attr-defined]
    award.justification_state = (  # type: ignore[attr-defined]
        justification.status if justification else JustificationStatus.DRAFT
    )
    return award


# --- awards ---------------------------------------------------------------------------------------------------------


class AwardFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=[(s, s.label) for s in (AwardStatus.COMMITTED, AwardStatus.CLOSED)])
    application = IdFilter(field_name="application_id", help_text=_("An application's id."))
    organisation = IdFilter(field_name="application__organisation_id", help_text=_("An organisation's id."))
    call = django_filters.CharFilter(field_name="application__call_version__call__code", help_text=_("A call's code."))

    class Meta:
        model = Award
        fields = ["status", "application", "organisation", "call"]


class AwardList(generics.ListAPIView):
    """Your organisations' grants once committed (staff who may see applications: all of them)."""

    serializer_class = AwardSerializer
    filterset_class = AwardFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Award.objects.none()
        if is_staff_member(self.request.user):
            require_staff_permission(self.request.user, "grants.view_application")
        return awards_for_user(self.request.user).order_by()


class AwardDetail(APIView):
    @extend_schema(
        summary=_("One grant: its amount, conditions, tranches and decision letters"),
        responses={200: AwardDetailSerializer},
    )
    def get(self, request: Request, id: int) -> Response:
        award = award_or_404(request.user, id)
        return Response(AwardDetailSerializer(award_detail(award)).data)


class TrancheClaim(APIView):
    @extend_schema(
        summary=_("Sign the claim for an advance"),
        description=_(
            "As the page's button: a signatory of the organisation claims the next advance, which becomes due "
            "(handed to finance as a payment due). An editor gets a 403; a tranche already claimed, not an advance, "
            "or after an earlier unclaimed advance, a 409. With the same Idempotency-Key a retry returns the first "
            "answer."
        ),
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: TrancheSerializer, 400: BAD_INPUT, 409: CONFLICT, 415: UNSUPPORTED, 422: REUSED_KEY},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        tranche = tranche_for_user(request.user, id)
        if tranche is None:
            raise NotFound(_("No such tranche."))
        claimed = tranche_claim(actor=request.user, tranche_id=tranche.pk)
        row = next(t for t in _tranches(claimed.award) if t.pk == claimed.pk)
        return Response(TrancheSerializer(row).data)


# --- the justification ----------------------------------------------------------------------------------------------


class ExpenseLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    invoice_reference = serializers.CharField()
    supplier = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()
    proof_name = serializers.CharField()
    proof_sha256 = serializers.CharField()
    status = serializers.ChoiceField(choices=LineStatus.choices, help_text=_("The officer's decision, once checked."))
    reason = serializers.CharField(help_text=_("Why the line was rejected."))


class JustificationOutcomeSerializer(serializers.Serializer):
    accepted_total = serializers.DecimalField(**MONEY)
    advanced = serializers.DecimalField(**MONEY, help_text=_("The advances made due or paid."))
    balance_due = serializers.DecimalField(**MONEY, allow_null=True)
    to_recover = serializers.DecimalField(**MONEY, allow_null=True)


class JustificationSerializer(serializers.Serializer):
    award = serializers.IntegerField()
    status = serializers.ChoiceField(choices=JustificationStatus.choices)
    editable = serializers.BooleanField(help_text=_("A draft of a committed grant: lines and report may change."))
    lines = ExpenseLineSerializer(many=True)
    declared_total = serializers.DecimalField(**MONEY)
    report_name = serializers.CharField(help_text=_("The activity report's file name; empty until sent."))
    submitted_at = serializers.DateTimeField(allow_null=True)
    outcome = JustificationOutcomeSerializer(allow_null=True, help_text=_("After the check; null before."))


def justification_detail(award: Award) -> dict[str, Any]:
    justification = Justification.objects.filter(award=award).first()
    lines = list(justification.lines.all()) if justification else []
    state = justification.status if justification else JustificationStatus.DRAFT
    checked = justification is not None and state == JustificationStatus.CHECKED
    return {
        "award": award.pk,
        "status": state,
        "editable": award.status == AwardStatus.COMMITTED and state == JustificationStatus.DRAFT,
        "lines": lines,
        "declared_total": sum((line.amount for line in lines), Decimal("0.00")),
        "report_name": justification.report_name if justification else "",
        "submitted_at": justification.submitted_at if justification else None,
        "outcome": justification_outcome(justification, list(award.tranches.order_by("number")))
        if justification and checked
        else None,
    }


def _justification_response(award_id: int, user, code: int = status.HTTP_200_OK) -> Response:
    award = award_or_404(user, award_id)
    return Response(JustificationSerializer(justification_detail(award)).data, status=code)


def _may_prepare(user, award: Award) -> None:
    allowed, reason = can_prepare_justification(user, award.application.organisation_id)
    if not allowed:
        raise NotPermitted(reason)


class JustificationDetail(APIView):
    @extend_schema(
        summary=_("The justification of a grant: expense lines, report, and the outcome once checked"),
        responses={200: JustificationSerializer},
    )
    def get(self, request: Request, id: int) -> Response:
        return _justification_response(id, request.user)


class ExpenseLineIn(StrictSerializer):
    invoice_reference = serializers.CharField(allow_blank=True, max_length=100)
    supplier = serializers.CharField(allow_blank=True, max_length=200)
    amount = serializers.DecimalField(**MONEY, help_text=_("In EUR, above zero, e.g. 1234.56."))
    paid_on = serializers.DateField(help_text=_("The payment date, not in the future."))
    # Empty files reach the upload checks, which refuse them with the page's words.
    proof = serializers.FileField(allow_empty_file=True, use_url=False, help_text=_("The proof of payment."))


class ExpenseLineAdd(APIView):
    parser_classes = [LimitedMultiPartParser]

    @extend_schema(
        summary=_("Add an expense line with its proof of payment"),
        description=_(
            "Editors and signatories, while the justification is a draft of a committed grant. The proof is checked "
            "as on the page: content, size and name."
        ),
        request={"multipart/form-data": ExpenseLineIn},
        responses={201: ExpenseLineSerializer, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def post(self, request: Request, id: int) -> Response:
        award = award_or_404(request.user, id)
        _may_prepare(request.user, award)
        data = valid(ExpenseLineIn, request)
        line = expense_line_add(
            actor=request.user,
            award_id=award.pk,
            invoice_reference=data["invoice_reference"],
            supplier=data["supplier"],
            amount=str(data["amount"]),
            paid_on=data["paid_on"],
            proof=data["proof"],
        )
        return Response(ExpenseLineSerializer(line).data, status=status.HTTP_201_CREATED)


def _line_or_404(user, line_id: int) -> ExpenseLine:
    line = expense_line_for_user(user, line_id)
    if line is None:
        raise NotFound(_("No such expense line."))
    return line


class ExpenseLineDetail(APIView):
    @extend_schema(
        summary=_("Remove an expense line"),
        description=_("Editors and signatories, while the justification is a draft."),
        responses={204: None, 409: CONFLICT},
    )
    def delete(self, request: Request, id: int) -> Response:
        line = _line_or_404(request.user, id)
        award_or_404(request.user, line.justification.award_id)  # the page's rule: a grant still visible
        expense_line_remove(actor=request.user, line_id=line.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExpenseProofDownload(APIView):
    @extend_schema(summary=_("Download an expense line's proof of payment"), responses=DOCUMENT_DOWNLOADS)
    def get(self, request: Request, id: int) -> FileResponse:
        line = _line_or_404(request.user, id)
        return private_attachment(line.proof, line.proof_name, _content_type(line.proof_name))


class ReportIn(StrictSerializer):
    report = serializers.FileField(allow_empty_file=True, use_url=False, help_text=_("The activity report."))


class JustificationReport(APIView):
    parser_classes = [LimitedMultiPartParser]

    @extend_schema(summary=_("Download the activity report"), responses=DOCUMENT_DOWNLOADS)
    def get(self, request: Request, id: int) -> FileResponse:
        award = award_or_404(request.user, id)
        justification = Justification.objects.filter(award=award).first()
        if justification is None or not justification.report:
            raise NotFound(_("No such document."))
        name = justification.report_name
        return private_attachment(justification.report, name, _content_type(name))

    @extend_schema(
        summary=_("Send the activity report (replaces the one sent before)"),
        description=_("Editors and signatories, while the justification is a draft; checked as on the page."),
        request={"multipart/form-data": ReportIn},
        responses={200: JustificationSerializer, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def post(self, request: Request, id: int) -> Response:
        award = award_or_404(request.user, id)
        _may_prepare(request.user, award)
        data = valid(ReportIn, request)
        justification_report_set(actor=request.user, award_id=award.pk, upload=data["report"])
        return _justification_response(award.pk, request.user)


class JustificationSubmit(APIView):
    @extend_schema(
        summary=_("Submit the justification"),
        description=_(
            "Signatories of the organisation, with at least one expense line and the activity report (else a 400). "
            "A second submission is a 409; with the same Idempotency-Key a retry returns the first answer."
        ),
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: JustificationSerializer, 400: BAD_INPUT, 409: CONFLICT, 415: UNSUPPORTED, 422: REUSED_KEY},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        award = award_or_404(request.user, id)
        allowed, reason = can_submit_justification(request.user, award.application.organisation_id)
        if not allowed:
            raise NotPermitted(reason)
        justification_submit(actor=request.user, award_id=award.pk)
        return _justification_response(award.pk, request.user)
