"""Each task's action, with the fields and checks of its page, one endpoint per kind of action.

Every action runs through workflows.services.task_actions.task_act, as the task pages do: under the case's lock, the
task must be at the endpoint's step and held by the caller, the domain service decides, then the task is done and the
process moves on. The order of the answers:

- not staff, or no such task: 404;
- the caller's roles may not do this task (a reviewer's place: it is not theirs): 403;
- the body is not valid (types, unknown fields, missing fields): 400;
- the task is at another step than the endpoint's, or the caller does not hold it ("take the task first"): 409;
- the service's own refusals: 400 (with the field), 403, 409.

Field errors use the API's names: criteria.<code>.verdict, scores.<code>.score, lines.<id>.status, proposed.<id>...
"""

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from api.idempotency import idempotent
from api.schema import ERROR_SCHEMA
from api.serializers import StrictSerializer
from api.tasks import STAFF_PERMISSIONS, TaskSerializer, staff_user, task_or_404
from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from grants.models import AwardStatus, EligibilityOutcome, LineStatus
from loans.models import DecisionOutcome, LoanApplicationStatus, Opinion
from workflows import selectors
from workflows.refs import step_is_missing
from workflows.services.task_actions import task_act, task_at_step, task_for_action

# --- bodies ---------------------------------------------------------------------------------------------------------


class CriterionSerializer(StrictSerializer):
    verdict = serializers.ChoiceField(choices=["met", "not_met"])
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Required when the criterion is not met.")
    )


class EligibilityDecisionSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=EligibilityOutcome.choices)
    criteria = serializers.DictField(
        child=CriterionSerializer(),
        help_text=_("A verdict for every criterion of the checklist, by its code."),
    )
    question = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text=_("For info_requested: the question asked.")
    )


class LoanEligibilityDecisionSerializer(EligibilityDecisionSerializer):
    outcome = serializers.ChoiceField(
        choices=[
            (status.value, status.label)
            for status in (
                LoanApplicationStatus.ELIGIBLE,
                LoanApplicationStatus.NOT_ELIGIBLE,
                LoanApplicationStatus.INFO_REQUESTED,
            )
        ]
    )


class ConflictDeclarationSerializer(StrictSerializer):
    conflict = serializers.BooleanField(help_text=_("True: I have a conflict of interest and stand aside."))
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Required with a conflict.")
    )
    standing = serializers.BooleanField(
        required=False, default=False, help_text=_("The conflict holds for every application of this organisation.")
    )


class ScoreSerializer(StrictSerializer):
    score = serializers.CharField(
        allow_blank=True, max_length=20, help_text=_('A number between 0 and the criterion\'s maximum, or "na".')
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ReviewSerializer(StrictSerializer):
    scores = serializers.DictField(child=ScoreSerializer(), help_text=_("By criterion code of the scoring grid."))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    submit = serializers.BooleanField(
        required=False, default=False, help_text=_("False saves a draft; true submits the review and ends the task.")
    )


class ApprovalSerializer(StrictSerializer):
    level = serializers.IntegerField(help_text=_("The id of a missing approval level (see the award's approvals)."))
    given_on = serializers.DateField(help_text=_("Not in the future."))
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)


class SendBackSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=4000, help_text=_("What must change."))


class AmendmentSerializer(StrictSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    conditions = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class LineDecisionSerializer(StrictSerializer):
    line = serializers.IntegerField(help_text=_("The expense line's id."))
    status = serializers.ChoiceField(choices=[LineStatus.ACCEPTED, LineStatus.REJECTED])
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Required for a rejection.")
    )


class JustificationCheckSerializer(StrictSerializer):
    lines = serializers.ListField(
        child=LineDecisionSerializer(), help_text=_("A decision on every expense line of the justification.")
    )

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        ids = [line["line"] for line in lines]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Each line once."))
        return lines


class LoanAnalysisSerializer(StrictSerializer):
    financial_situation = serializers.CharField(max_length=20000, allow_blank=True)
    projects_assessment = serializers.CharField(max_length=20000, allow_blank=True)
    recommendation = serializers.ChoiceField(choices=Opinion.choices)
    proposed = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2),
        help_text=_("The amount proposed per project, by project id (0 leaves a project out)."),
    )


class GovernmentDecisionSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    decree_reference = serializers.CharField(max_length=100, allow_blank=True)
    decree_date = serializers.DateField()
    approved = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2),
        required=False,
        default=dict,
        help_text=_("For a granted loan: the amount per project, by project id."),
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ConventionCheckSerializer(StrictSerializer):
    verdict = serializers.ChoiceField(choices=[("accept", _("Accept")), ("refuse", _("Refuse"))])
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text=_("Required for a refusal.")
    )


class ApprovalLevelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.SlugField()
    name = serializers.SerializerMethodField(help_text=_("In the caller's language."))
    requires_reference = serializers.BooleanField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, level) -> str:
        from core.i18n import pick

        return pick(level.label_fr, level.label_nl)


class RecordedApprovalSerializer(serializers.Serializer):
    level = serializers.SlugField(source="level.code")
    given_on = serializers.DateField()
    reference = serializers.CharField()


class AwardApprovalsSerializer(serializers.Serializer):
    award = serializers.IntegerField(source="pk")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField()
    conditions = serializers.CharField()
    missing_levels = ApprovalLevelSerializer(many=True, help_text=_("The approvals still to record, in order."))
    approvals = RecordedApprovalSerializer(many=True, help_text=_("The approvals recorded (not voided)."))


class LineToCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    invoice_reference = serializers.CharField()
    supplier = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_on = serializers.DateField()
    status = serializers.CharField(help_text=_("pending, accepted or rejected."))
    reason = serializers.CharField()


class JustificationToCheckSerializer(serializers.Serializer):
    award = serializers.IntegerField(source="award_id")
    status = serializers.CharField()
    lines = LineToCheckSerializer(many=True)


# --- answers --------------------------------------------------------------------------------------------------------


class OpenTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    step = serializers.CharField()
    status = serializers.CharField()
    owner = serializers.IntegerField(allow_null=True, help_text=_("The id of the person holding it, if any."))


class TaskActionResultSerializer(serializers.Serializer):
    task = TaskSerializer(help_text=_("The task after the action: DONE when the action ended it."))
    open_tasks = OpenTaskSerializer(
        many=True, help_text=_("The case's human tasks now waiting or taken: where the process went next.")
    )


def _result(request: Request, task_id: int) -> Response:
    task = task_or_404(request.user, task_id)
    waiting = [
        {"id": t.pk, "step": "" if step_is_missing(t) else t.flow_task.name, "status": t.status, "owner": t.owner_id}
        for t in selectors.case_tasks(task.process.case)
        if t.flow_task_type == "HUMAN" and t.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
    ]
    data = {"task": task, "open_tasks": waiting}
    return Response(TaskActionResultSerializer(data, context={"request": request}).data)


# --- field names ----------------------------------------------------------------------------------------------------

RENAMES: list[tuple[str, str]] = [
    (r"^criterion_(.+)$", r"criteria.\1.verdict"),
    (r"^score_(.+)$", r"scores.\1.score"),
    (r"^line_(\d+)$", r"lines.\1.status"),
    (r"^proposed_(.+)$", r"proposed.\1"),
    (r"^approved_(.+)$", r"approved.\1"),
]


def _api_field(name: str, reasons_of: str) -> str:
    for pattern, replacement in [*RENAMES, (r"^reason_(.+)$", rf"{reasons_of}.\1.reason")]:
        if re.match(pattern, name):
            return re.sub(pattern, replacement, name)
    return name


def _run(action: Callable[[], Any], *, reasons_of: str = "criteria") -> Any:
    """The services name fields as the page's form does (criterion_<code>); the API names them as its body does."""
    try:
        return action()
    except InvalidInput as error:
        fields = {_api_field(name, reasons_of): msgs for name, msgs in error.extra.get("fields", {}).items()}
        raise InvalidInput(error.message, extra={**error.extra, "fields": fields}) from None


# --- the views ------------------------------------------------------------------------------------------------------

CONFLICT = OpenApiResponse(
    ERROR_SCHEMA, description=_("The task is at another step, not held by you (take it first), or already decided.")
)
REUSED_KEY = OpenApiResponse(ERROR_SCHEMA, description=_("This Idempotency-Key was used with another request."))


class TaskActionView(APIView):
    """Checks who may act before reading the body (403 before 400), then runs the action as the page does."""

    permission_classes = STAFF_PERMISSIONS
    body: type[serializers.Serializer]
    process = ""
    step = ""

    def validated(self, request: Request, task_id: int) -> dict:
        task_for_action(actor=staff_user(request), task_id=task_id)
        serializer = self.body(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def act(self, request: Request, task_id: int, action: Callable[[Task], Any], completes=None, **kw) -> Response:
        extra = {"completes": completes} if completes is not None else {}
        _run(
            lambda: task_act(
                actor=staff_user(request), task_id=task_id, process=self.process, step=self.step, action=action, **extra
            ),
            **kw,
        )
        return _result(request, task_id)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=_("1 to 255 printable characters: a retry with the same key and body replays the first answer."),
)


def action_schema(body, summary, description):
    return extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=body,
        responses={200: TaskActionResultSerializer, 409: CONFLICT, 422: REUSED_KEY},
        summary=summary,
        description=description,
    )


def _application(task: Task):
    return task.process.case.artifact


# Grant application ---------------------------------------------------------------------------------------------------


class GrantEligibilityDecision(TaskActionView):
    body = EligibilityDecisionSerializer
    process, step = "grant_application", "check_eligibility"

    @action_schema(
        EligibilityDecisionSerializer,
        _("Decide a grant application's eligibility"),
        _(
            "The check_eligibility task of a grant application, held by you (an eligibility officer). eligible opens "
            "the review; info_requested sends the question to the applicant; not_eligible ends the case."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from grants.services.eligibility import eligibility_decide

        data = self.validated(request, id)
        return self.act(
            request,
            id,
            lambda task: eligibility_decide(
                actor=request.user,
                application_id=task.process.case.artifact_object_id,
                outcome=data["outcome"],
                criteria=data["criteria"],
                question=data.get("question", ""),
            ),
        )


def _assignment(request: Request, task: Task):
    """The reviewer's place behind the task (as the review page finds it)."""
    from grants.models import ReviewAssignment

    assignment_id = task.data.get("assignment_id")
    assignment = (
        ReviewAssignment.objects.filter(pk=assignment_id, reviewer=staff_user(request)).first()
        if assignment_id
        else None
    )
    if assignment is None:
        raise NotPermitted(_("This review place is not given to you."))
    return assignment


class ConflictDeclaration(TaskActionView):
    body = ConflictDeclarationSerializer
    process, step = "grant_application", "review"

    @action_schema(
        ConflictDeclarationSerializer,
        _("Declare whether you have a conflict of interest"),
        _(
            "The first thing a reviewer does on their review task, before anything of the application is shown. "
            "No conflict: the review opens. A conflict (with its reason): you stand aside, the place goes back to "
            "the call manager, and you can no longer review this application. The task stays open either way."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from grants.services.review import conflict_declare

        data = self.validated(request, id)
        return self.act(
            request,
            id,
            lambda task: conflict_declare(
                actor=request.user,
                assignment_id=_assignment(request, task).pk,
                conflict=data["conflict"],
                reason=data.get("reason", ""),
                standing=data["standing"],
            ),
            completes=lambda result: False,
        )


class ReviewSubmission(TaskActionView):
    body = ReviewSerializer
    process, step = "grant_application", "review"

    @action_schema(
        ReviewSerializer,
        _("Save or submit your review"),
        _(
            "Scores per criterion of the call's grid (a number or na) with comments, and an overall comment. "
            "submit=false saves a draft (the task stays yours); submit=true checks every score and ends the task. "
            "409 before you have declared that you have no conflict of interest, or after a conflict."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from grants.services.review import review_save

        data = self.validated(request, id)
        return self.act(
            request,
            id,
            lambda task: review_save(
                actor=request.user,
                assignment_id=_assignment(request, task).pk,
                scores=data["scores"],
                comment=data.get("comment", ""),
                submit=data["submit"],
            ),
            completes=lambda review: data["submit"],
            reasons_of="scores",
        )


def _award_committed(task: Task) -> bool:
    from grants.models import Award

    return Award.objects.filter(
        application_id=task.process.case.artifact_object_id, status=AwardStatus.COMMITTED
    ).exists()


class _AwardAction(TaskActionView):
    process, step = "grant_application", "record_approvals"

    def award_id(self, task: Task) -> int:
        from grants.models import Award

        return Award.objects.values_list("pk", flat=True).get(application_id=task.process.case.artifact_object_id)

    def run(self, request: Request, id: int, service: Callable[[int], Any]) -> Response:
        holder: dict[str, Task] = {}

        def action(task: Task):
            holder["task"] = task
            return service(self.award_id(task))

        # As on the approvals page: the task ends when the last approval commits the award.
        return self.act(request, id, action, completes=lambda result: _award_committed(holder["task"]))


class AwardApproval(_AwardAction):
    body = ApprovalSerializer

    @extend_schema(
        responses={200: AwardApprovalsSerializer, 409: CONFLICT},
        summary=_("The approvals an award still needs"),
        description=_(
            "What the approvals page shows: the levels still to record (their ids for POST) and those given."
        ),
    )
    def get(self, request: Request, id: int) -> Response:
        from grants.models import Award
        from grants.services.awards import missing_levels

        task = task_at_step(actor=staff_user(request), task_id=id, process=self.process, step=self.step)
        award = Award.objects.filter(application_id=task.process.case.artifact_object_id).first()
        if award is None:
            raise TransitionNotAllowed(_("This case has no award waiting for approvals."))
        data = {
            "pk": award.pk,
            "amount": award.amount,
            "status": award.status,
            "conditions": award.conditions,
            "missing_levels": missing_levels(award),
            "approvals": list(award.approvals.filter(voided_at__isnull=True).select_related("level")),
        }
        return Response(AwardApprovalsSerializer(data).data)

    @action_schema(
        ApprovalSerializer,
        _("Record an approval of the award"),
        _(
            "The record_approvals task (a call manager). Each approval level the award's amount needs is recorded "
            "once; the last one commits the award, sends the decision letter and ends the task."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from grants.services.awards import approval_record

        data = self.validated(request, id)
        return self.run(
            request,
            id,
            lambda award_id: approval_record(
                actor=request.user,
                award_id=award_id,
                level_id=data["level"],
                given_on=data["given_on"],
                reference=data.get("reference", ""),
            ),
        )


class AwardSendBack(_AwardAction):
    body = SendBackSerializer

    @action_schema(
        SendBackSerializer,
        _("Send the award back for changes"),
        _("Every approval given so far is void; the award waits for an amendment (record_approvals task)."),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from grants.services.awards import award_send_back

        data = self.validated(request, id)
        return self.run(
            request, id, lambda award_id: award_send_back(actor=request.user, award_id=award_id, reason=data["reason"])
        )


class AwardAmendment(_AwardAction):
    body = AmendmentSerializer

    @action_schema(
        AmendmentSerializer,
        _("Amend an award sent back"),
        _("A new amount (at most the amount requested) and conditions; the approvals are asked again."),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from grants.services.awards import award_amend

        data = self.validated(request, id)
        return self.run(
            request,
            id,
            lambda award_id: award_amend(
                actor=request.user, award_id=award_id, amount=data["amount"], conditions=data.get("conditions", "")
            ),
        )


class JustificationCheck(TaskActionView):
    body = JustificationCheckSerializer
    process, step = "grant_application", "check_justification"

    @extend_schema(
        responses={200: JustificationToCheckSerializer, 409: CONFLICT},
        summary=_("The justification to check"),
        description=_("Its expense lines, with their ids for POST."),
    )
    def get(self, request: Request, id: int) -> Response:
        from grants.models import Justification

        task = task_at_step(actor=staff_user(request), task_id=id, process=self.process, step=self.step)
        justification = Justification.objects.filter(award__application_id=task.process.case.artifact_object_id).first()
        if justification is None:
            raise TransitionNotAllowed(_("This case has no justification to check."))
        lines = list(justification.lines.order_by("pk"))
        data = {"award_id": justification.award_id, "status": justification.status, "lines": lines}
        return Response(JustificationToCheckSerializer(data).data)

    @action_schema(
        JustificationCheckSerializer,
        _("Check a grant's justification"),
        _(
            "Accept or reject every expense line (a rejection needs its reason). The balance becomes due, or what "
            "was advanced beyond the accepted total is to be recovered; the case closes."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from grants.models import Award
        from grants.services.tranches import justification_check

        data = self.validated(request, id)
        decisions = {
            line["line"]: {"status": line["status"], "reason": line.get("reason", "")} for line in data["lines"]
        }

        def action(task: Task):
            award_id = Award.objects.values_list("pk", flat=True).get(
                application_id=task.process.case.artifact_object_id
            )
            return justification_check(actor=request.user, award_id=award_id, decisions=decisions)

        return self.act(request, id, action, reasons_of="lines")


# FRBRTC loan ---------------------------------------------------------------------------------------------------------


class LoanEligibilityDecision(TaskActionView):
    body = LoanEligibilityDecisionSerializer
    process, step = "frbrtc_loan", "check_eligibility"

    @action_schema(
        LoanEligibilityDecisionSerializer,
        _("Decide a loan application's eligibility"),
        _("The check_eligibility task of a loan application (a loan analyst): eligible opens the analysis."),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from loans.services.eligibility import loan_eligibility_decide

        data = self.validated(request, id)
        return self.act(
            request,
            id,
            lambda task: loan_eligibility_decide(
                actor=request.user,
                application_id=task.process.case.artifact_object_id,
                outcome=data["outcome"],
                criteria=data["criteria"],
                question=data.get("question", ""),
            ),
        )


class LoanAnalysis(TaskActionView):
    body = LoanAnalysisSerializer
    process, step = "frbrtc_loan", "analyse"

    @action_schema(
        LoanAnalysisSerializer,
        _("Record the analysis of a loan application"),
        _("The financial situation, the projects, the recommendation and the amount proposed per project."),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from loans.services.decision import loan_analysis_record

        data = self.validated(request, id)
        return self.act(
            request,
            id,
            lambda task: loan_analysis_record(
                actor=request.user,
                application_id=task.process.case.artifact_object_id,
                financial_situation=data["financial_situation"],
                projects_assessment=data["projects_assessment"],
                recommendation=data["recommendation"],
                amounts=data["proposed"],
            ),
        )


class LoanDecision(TaskActionView):
    body = GovernmentDecisionSerializer
    process, step = "frbrtc_loan", "record_decision"

    @action_schema(
        GovernmentDecisionSerializer,
        _("Record the Government's decision on a loan"),
        _(
            "The decree's reference and date; a granted loan with the amount per project (checked against the "
            "borrowing capacity and committed on the envelope), a refusal with its reason."
        ),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from loans.services.decision import loan_decision_record

        data = self.validated(request, id)
        return self.act(
            request,
            id,
            lambda task: loan_decision_record(
                actor=request.user,
                application_id=task.process.case.artifact_object_id,
                outcome=data["outcome"],
                decree_reference=data["decree_reference"],
                decree_date=data["decree_date"],
                amounts=data["approved"],
                reason=data.get("reason", ""),
            ),
        )


class ConventionCheck(TaskActionView):
    body = ConventionCheckSerializer
    process, step = "frbrtc_loan", "check_convention"

    @action_schema(
        ConventionCheckSerializer,
        _("Check the signed loan convention"),
        _("accept: the loan becomes active; refuse (with the reason): the borrower uploads a new signed copy."),
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        from loans.services.convention import convention_review

        data = self.validated(request, id)
        return self.act(
            request,
            id,
            lambda task: convention_review(
                actor=request.user,
                application_id=task.process.case.artifact_object_id,
                accept=data["verdict"] == "accept",
                reason=data.get("reason", ""),
            ),
        )
