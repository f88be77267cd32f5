"""Reviewers of a grant application: who reviews it, where each stands, and the call manager's assignment.

The same rules as the Reviewers section of the staff application page (grants.views_review): the reader needs
grants.view_application and must be able to see the application (grants.selectors.application_for_user); the
assignment is grants.services.review.reviewers_assign (call managers; eligible applications; free places; people
linked to the applicant or with a declared conflict refused). Recusal reasons go to call managers only, and a
review's scores show once submitted, as on the page. Members of organisations get a 404: this is staff work.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.serializers import StrictSerializer
from core.roles import is_staff_member
from core.views.access import require_decision, require_staff_permission
from grants.models import Application, AssignmentStatus, ReviewAssignment, ReviewStatus
from grants.permissions import can_manage_calls
from grants.selectors import application_for_user
from grants.services.review import free_slots, possible_reviewers, reviewers_assign


def _application_or_404(user, pk: int) -> Application:
    """The staff page's door: staff first (anyone else learns nothing), then the permission, then the object."""
    if not is_staff_member(user):
        raise exceptions.NotFound(_("No such application."))
    require_staff_permission(user, "grants.view_application")
    application = application_for_user(user, pk)
    if application is None:
        raise exceptions.NotFound(_("No such application."))
    return application


def _assignments(application: Application) -> QuerySet[ReviewAssignment]:
    return application.assignments.select_related("reviewer", "review").order_by("assigned_at", "pk")


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class SubmittedReviewSerializer(serializers.Serializer):
    submitted_at = serializers.DateTimeField()
    weighted_score = serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, help_text=_("From 0 to 1; null when every criterion is n/a.")
    )
    scores = serializers.DictField(help_text=_("Per criterion code: {score, comment}."))
    comment = serializers.CharField(help_text=_("The overall comment."))


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = PersonSerializer()
    status = serializers.ChoiceField(choices=AssignmentStatus.choices)
    assigned_at = serializers.DateTimeField()
    declared_at = serializers.DateTimeField(allow_null=True)
    recusal_reason = serializers.SerializerMethodField(help_text=_("Call managers only; empty for anyone else."))
    review = serializers.SerializerMethodField(help_text=_("Null until the reviewer submits."))

    def get_recusal_reason(self, assignment: ReviewAssignment) -> str:
        recused = assignment.status == AssignmentStatus.RECUSED
        return assignment.recusal_reason if recused and self.context.get("may_manage") else ""

    @extend_schema_field(SubmittedReviewSerializer(allow_null=True))
    def get_review(self, assignment: ReviewAssignment) -> dict | None:
        review = getattr(assignment, "review", None)
        if review is None or review.status != ReviewStatus.SUBMITTED:
            return None  # a draft stays the reviewer's own until they submit it
        return dict(SubmittedReviewSerializer(review).data)


class ReviewersSerializer(serializers.Serializer):
    assignments = AssignmentSerializer(many=True)
    free_places = serializers.IntegerField()
    candidates = PersonSerializer(
        many=True, help_text=_("Who may be assigned now (call managers only, while places are free).")
    )


class AssignInput(StrictSerializer):
    reviewers = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=50, help_text=_("User ids.")
    )


def _body(user, application: Application) -> dict:
    may_manage = can_manage_calls(user)[0]
    free = free_slots(application)
    candidates = list(possible_reviewers(application)) if may_manage and free else []
    context = {"may_manage": may_manage}
    return {
        "assignments": AssignmentSerializer(_assignments(application), many=True, context=context).data,
        "free_places": free,
        "candidates": PersonSerializer(candidates, many=True).data,
    }


class ApplicationReviewers(APIView):
    """The reviewers of one application (staff who may view applications), and their assignment (call managers)."""

    @extend_schema(responses=ReviewersSerializer, summary=str(_("The application's reviewers")))
    def get(self, request, id: int):
        application = _application_or_404(request.user, id)
        return Response(_body(request.user, application))

    @extend_schema(
        request=AssignInput,
        responses={201: ReviewersSerializer},
        summary=str(_("Assign reviewers")),
        description=str(
            _(
                "Call managers assign reviewers to an eligible application, up to its free places. Each reviewer then "
                "declares whether they have a conflict of interest before they see the application. Accepts an "
                "Idempotency-Key."
            )
        ),
    )
    @idempotent
    def post(self, request, id: int):
        application = _application_or_404(request.user, id)
        require_decision(can_manage_calls(request.user))  # who may assign, before what they sent
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        reviewers_assign(
            actor=request.user, application_id=application.pk, reviewer_ids=data.validated_data["reviewers"]
        )
        application.refresh_from_db()
        return Response(_body(request.user, application), status=status.HTTP_201_CREATED)
