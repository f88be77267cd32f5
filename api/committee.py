"""Committee sessions (staff only): the records the committee's secretary keeps, as on the staff pages.

The endpoints mirror grants/views_sessions.py and call what those pages call: grants.selectors_committee to read,
grants.services.committee to plan a session, build its agenda from the ranking, record the attendance, a member's
recusal, the decision on an item, and close the session (which makes the awards or the loan opinions).

Who may call: staff holding grants.view_committeesession read (the committee's secretary and members, call managers,
auditors, administrators); the other staff roles get a 403; members of organisations a 404, as for any staff object.
Recording is for those grants.permissions.can_record_sessions allows (the secretary, administrators): a 403 for the
others, checked before the body is read. A session that is closed answers 409 to every action, as do a decision on
an item without its quorum (recused members do not count) and a recusal on an item already decided.
"""

from typing import Any

import django_filters
from django.http import FileResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, filters, generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY, idempotent
from api.parsers import LimitedJSONParser
from api.permissions import TokenScopeAllows
from api.serializers import StrictSerializer
from api.serializers import valid as _valid
from core.downloads import private_attachment
from core.errors import InvalidInput, NotPermitted
from core.roles import is_staff_member
from core.views.access import require_staff_permission
from grants.models import Call, CommitteeSession, ItemDecision, SessionItem, SessionStatus
from grants.permissions import can_record_sessions
from grants.selectors_committee import (
    MINUTES_LANGUAGES,
    committee_members,
    committee_session,
    committee_sessions,
    minutes_file,
    minutes_filename,
    session_items,
)
from grants.services import committee
from loans.models import LoanProduct

StrOrPromise = str | Promise
MAX_ID = 2**31 - 1  # ids beyond any row: refused as input rather than sent to the database
PDF = "application/pdf"
ERROR = {"$ref": "#/components/schemas/Error"}
CONFLICT = OpenApiResponse(response=ERROR, description="Not possible in the session's current state (see message).")
BAD_INPUT = OpenApiResponse(response=ERROR, description="The body is not valid: it takes no field.")
NOT_FOUND = OpenApiResponse(response=ERROR, description="You are not a staff member.")
UNSUPPORTED = OpenApiResponse(response=ERROR, description="The body is not JSON.")
UNPROCESSABLE = OpenApiResponse(response=ERROR, description="This Idempotency-Key was used with another request.")


class SessionReader(permissions.BasePermission):
    """The staff pages' check (grants.view_committeesession); anyone who is not staff gets a 404."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not is_staff_member(request.user):
            raise exceptions.NotFound(_("Not found."))
        require_staff_permission(request.user, "grants.view_committeesession")
        return True


def _require_recorder(user) -> None:
    allowed, reason = can_record_sessions(user)
    if not allowed:
        raise NotPermitted(reason)


def session_or_404(pk: int) -> CommitteeSession:
    session = committee_session(pk) if pk <= MAX_ID else None
    if session is None:
        raise exceptions.NotFound(_("No such session."))
    return session


def item_or_404(session: CommitteeSession, pk: int) -> SessionItem:
    item = session.items.filter(pk=pk).first() if pk <= MAX_ID else None
    if item is None:
        raise exceptions.NotFound(_("No such item on this session's agenda."))
    return item


# --- what is shown --------------------------------------------------------------------------------------------------


def _person(user) -> dict:
    return {"id": user.pk, "name": user.get_full_name() or user.email, "email": user.email}


def _subject(application) -> dict | None:
    if application is None:
        return None
    organisation = application.organisation
    return {
        "id": application.pk,
        "reference": application.reference,
        "status": application.status,
        "organisation": {"id": organisation.pk, "name": organisation.name},
    }


def _item(item: SessionItem, present: set[int], quorum: int) -> dict:
    taking_part = committee.voting_members(item, present)  # the count item_decide checks the quorum against
    award = getattr(item.application, "award", None)  # made when the session closes; None before and for loans
    return {
        "id": item.pk,
        "position": item.position,
        "application": _subject(item.application),
        "loan_application": _subject(item.loan_application),
        "requested_amount": item.requested_amount,
        "proposed_amount": item.proposed_amount,
        "taking_part": taking_part,
        "short_of_quorum": taking_part < quorum,
        "recusals": [{"member": _person(r.member), "reason": r.reason} for r in item.recusals.all()],
        "decision": item.decision,
        "decided_amount": item.decided_amount,
        "conditions": item.conditions,
        "reason": item.reason,
        "decided_at": item.decided_at,
        "award_id": award.pk if award is not None else None,
    }


def session_payload(session: CommitteeSession) -> dict:
    """The session page's content: a fixed number of queries whatever the number of members and items."""
    members = list(session.members.order_by("last_name", "first_name", "pk"))
    attendance = dict(session.attendance.values_list("member_id", "present"))
    present = {member_id for member_id, is_present in attendance.items() if is_present}
    items = [_item(item, present, session.quorum) for item in session_items(session)]
    return {
        "id": session.pk,
        "call": session.call,
        "loan_product": session.loan_product,
        "subject_code": session.subject_code,
        "held_at": session.held_at,
        "place": session.place,
        "quorum": session.quorum,
        "status": session.status,
        "closed_at": session.closed_at,
        "member_count": len(members),
        "item_count": len(items),
        "secretary": _person(session.secretary),
        "members": [{**_person(m), "present": attendance.get(m.pk)} for m in members],
        "attendance_recorded": bool(attendance),
        "present_count": len(present),
        "items": items,
        "minutes": {language: minutes_file(session, language) is not None for language in MINUTES_LANGUAGES},
    }


def item_payload(session: CommitteeSession, item_id: int) -> dict:
    item = session_items(session).get(pk=item_id)
    return _item(item, committee.present_members(session), session.quorum)


class SessionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()


class SessionPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()


class SessionMemberSerializer(SessionPersonSerializer):
    present = serializers.BooleanField(allow_null=True, help_text=_("Null until the attendance is recorded."))


class SessionOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text=_("In the caller's language."))


class SessionSubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField(help_text=_("The application's status (a grant or a loan application)."))
    organisation = SessionOrganisationSerializer()


class SessionRecusalSerializer(serializers.Serializer):
    member = SessionPersonSerializer()
    reason = serializers.CharField()


class SessionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text=_("Ranking order."))
    application = SessionSubjectSerializer(allow_null=True, help_text=_("On a call's session."))
    loan_application = SessionSubjectSerializer(allow_null=True, help_text=_("On a loan product's session."))
    requested_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    proposed_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    taking_part = serializers.IntegerField(help_text=_("Members present and not standing aside on this item."))
    short_of_quorum = serializers.BooleanField(help_text=_("No decision can be recorded while true."))
    recusals = SessionRecusalSerializer(many=True)
    decision = serializers.ChoiceField(
        choices=ItemDecision.choices, allow_blank=True, help_text=_("Empty until decided.")
    )
    decided_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    conditions = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    award_id = serializers.IntegerField(
        allow_null=True, help_text=_("The award an approval became when the session closed (grant items).")
    )


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    call = SessionRefSerializer(allow_null=True, help_text=_("The call whose applications the session decides on."))
    loan_product = SessionRefSerializer(allow_null=True, help_text=_("Or the loan product it gives opinions on."))
    subject_code = serializers.CharField()
    held_at = serializers.DateTimeField()
    place = serializers.CharField(allow_blank=True)
    quorum = serializers.IntegerField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    closed_at = serializers.DateTimeField(allow_null=True)
    member_count = serializers.IntegerField()
    item_count = serializers.IntegerField()


class SessionMinutesReadySerializer(serializers.Serializer):
    fr = serializers.BooleanField()
    nl = serializers.BooleanField()


class SessionDetailSerializer(SessionSerializer):
    secretary = SessionPersonSerializer()
    members = SessionMemberSerializer(many=True)
    attendance_recorded = serializers.BooleanField()
    present_count = serializers.IntegerField()
    items = SessionItemSerializer(many=True, help_text=_("The agenda, in ranking order."))
    minutes = SessionMinutesReadySerializer(
        help_text=_("Which minutes can be downloaded (made after the session closes).")
    )


# --- input ----------------------------------------------------------------------------------------------------------


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class SessionCreateSerializer(StrictSerializer):
    """The page's form: a call or a loan product (one of them), the date, the place, the members, the quorum."""

    call = serializers.SlugField(
        max_length=32, required=False, allow_null=True, default=None, help_text=_("A call's code, as in /calls/.")
    )
    loan_product = serializers.SlugField(
        max_length=32,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A loan product's code, as in /loan-products/."),
    )
    held_at = serializers.DateTimeField(help_text=_("Without an offset: Brussels time."))
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    members = serializers.ListField(
        child=_id(), max_length=500, help_text=_("Users holding the committee member role.")
    )
    quorum = serializers.IntegerField(
        min_value=-MAX_ID, max_value=MAX_ID, help_text=_("Members who must take part for a decision to be valid.")
    )


class SessionNoBodySerializer(StrictSerializer):
    """Nothing to send (an empty JSON object, or no body)."""


class SessionAttendanceInSerializer(StrictSerializer):
    present = serializers.ListField(
        child=_id(),
        required=False,
        default=list,
        max_length=500,
        help_text=_("The members present; every other member of the session is recorded absent."),
    )


class SessionRecusalInSerializer(StrictSerializer):
    member = _id(help_text=_("A member of the session."))
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SessionDecisionInSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=ItemDecision.choices)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The amount granted, if approved: above zero, at most the amount requested and what is left."),
    )
    conditions = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        max_length=8000, required=False, allow_blank=True, default="", help_text=_("Required for a rejection.")
    )


def _pk_of(model: type[Call] | type[LoanProduct], code: str | None, field: str, missing: StrOrPromise) -> int | None:
    """The API names calls and loan products by their code (as /calls/ and /loan-products/ do), the service by id."""
    if code is None:
        return None
    pk = model.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise InvalidInput(missing, extra={"fields": {field: []}})
    return pk


# --- views ----------------------------------------------------------------------------------------------------------


class SessionsView(APIView):
    """Every committee endpoint's permission classes. Bodies are JSON only: nothing here takes a file, and a form
    body with more fields than Django allows would end in Django's HTML 400 instead of the API's error body."""

    parser_classes = [LimitedJSONParser]

    permission_classes = [permissions.IsAuthenticated, SessionReader, TokenScopeAllows]


class SessionFilter(django_filters.FilterSet):
    call = django_filters.CharFilter(field_name="call__code", help_text=_("A call's code."))
    loan_product = django_filters.CharFilter(field_name="loan_product__code", help_text=_("A loan product's code."))
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)
    held_from = django_filters.DateFilter(field_name="held_at", lookup_expr="date__gte", help_text=_("On or after."))
    held_until = django_filters.DateFilter(field_name="held_at", lookup_expr="date__lte", help_text=_("On or before."))

    class Meta:
        model = CommitteeSession
        fields = ["call", "loan_product", "status", "held_from", "held_until"]


@extend_schema_view(
    get=extend_schema(summary=_("List committee sessions"), description=_("Newest first, unless ordered otherwise.")),
)
class SessionList(SessionsView, generics.ListAPIView):
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["held_at", "id"]
    ordering = ["-held_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CommitteeSession.objects.none()
        return committee_sessions()

    @extend_schema(
        summary=_("Plan a committee session"),
        description=_("The committee's secretary: on a call or on a loan product, with its members and quorum."),
        request=SessionCreateSerializer,
        responses={201: SessionDetailSerializer, 404: NOT_FOUND, 415: UNSUPPORTED},
    )
    def post(self, request: Request) -> Response:
        _require_recorder(request.user)
        data = _valid(SessionCreateSerializer, request)
        session = committee.session_create(
            actor=request.user,
            call_id=_pk_of(Call, data["call"], "call", _("No such call for projects.")),
            loan_product_id=_pk_of(LoanProduct, data["loan_product"], "loan_product", _("No such loan product.")),
            held_at=data["held_at"],
            place=data["place"],
            member_ids=data["members"],
            quorum=data["quorum"],
        )
        payload = session_payload(session_or_404(session.pk))
        return Response(SessionDetailSerializer(payload).data, status=status.HTTP_201_CREATED)


class EligibleMembers(SessionsView):
    @extend_schema(
        summary=_("Who can sit on a session"),
        description=_(
            "The committee members a session can be planned with (the page's list): their ids go in `members`. "
            "For those who plan sessions; a short list, not paginated."
        ),
        responses={200: SessionPersonSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        _require_recorder(request.user)
        return Response(SessionPersonSerializer([_person(user) for user in committee_members()], many=True).data)


class SessionDetail(SessionsView):
    @extend_schema(
        summary=_("One committee session: members, attendance, agenda, decisions"),
        responses={200: SessionDetailSerializer},
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(SessionDetailSerializer(session_payload(session_or_404(id))).data)


def _session_action(request: Request, id: int, action) -> Response:
    """Check the recorder, find the session, run the service; answer with the session as it is now."""
    _require_recorder(request.user)
    session = session_or_404(id)
    action(session)
    return Response(SessionDetailSerializer(session_payload(session_or_404(id))).data)


class SessionAgenda(SessionsView):
    @extend_schema(
        summary=_("Build the agenda from the ranking"),
        description=_(
            "Puts every reviewed application of the call not yet on the agenda, in ranking order, proposing the "
            "amount requested (a loan session: every analysed loan application of its product)."
        ),
        request=SessionNoBodySerializer,
        responses={200: SessionDetailSerializer, 400: BAD_INPUT, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def post(self, request: Request, id: int) -> Response:
        def build(session: CommitteeSession) -> None:
            _valid(SessionNoBodySerializer, request)
            committee.agenda_from_ranking(actor=request.user, session_id=session.pk)

        return _session_action(request, id, build)


class SessionAttendance(SessionsView):
    @extend_schema(
        summary=_("Record the attendance"),
        request=SessionAttendanceInSerializer,
        responses={200: SessionDetailSerializer, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def post(self, request: Request, id: int) -> Response:
        def record(session: CommitteeSession) -> None:
            data = _valid(SessionAttendanceInSerializer, request)
            committee.attendance_record(actor=request.user, session_id=session.pk, present_ids=data["present"])

        return _session_action(request, id, record)


class SessionClose(SessionsView):
    @extend_schema(
        summary=_("Close the session"),
        description=_(
            "Makes the decisions final: awards (committed on the envelope unless approvals are needed), refusals, "
            "loan opinions. Needs the quorum present and a decision on every item. The minutes (FR, NL) and the "
            "letters are made just after."
        ),
        request=SessionNoBodySerializer,
        parameters=[IDEMPOTENCY],
        responses={200: SessionDetailSerializer, 400: BAD_INPUT, 409: CONFLICT, 415: UNSUPPORTED, 422: UNPROCESSABLE},
    )
    @idempotent
    def post(self, request: Request, id: int) -> Response:
        def close(session: CommitteeSession) -> None:
            _valid(SessionNoBodySerializer, request)
            committee.session_close(actor=request.user, session_id=session.pk)

        return _session_action(request, id, close)


class ItemRecusal(SessionsView):
    @extend_schema(
        summary=_("Record a member standing aside on an item (conflict of interest)"),
        description=_("The member no longer counts towards the item's quorum. Only before the item is decided."),
        request=SessionRecusalInSerializer,
        responses={200: SessionItemSerializer, 409: CONFLICT, 415: UNSUPPORTED},
    )
    def post(self, request: Request, id: int, item_id: int) -> Response:
        _require_recorder(request.user)
        session = session_or_404(id)
        item = item_or_404(session, item_id)
        data = _valid(SessionRecusalInSerializer, request)
        committee.recusal_record(actor=request.user, item_id=item.pk, member_id=data["member"], reason=data["reason"])
        return Response(SessionItemSerializer(item_payload(session, item.pk)).data)


class ItemDecide(SessionsView):
    @extend_schema(
        summary=_("Record the decision on an item"),
        description=_(
            "approved (with the amount granted), rejected (with the reason) or postponed. Needs the item's quorum "
            "(members present, not standing aside). Final when the session closes; until then it can be recorded "
            "again, as on the page."
        ),
        request=SessionDecisionInSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: SessionItemSerializer, 409: CONFLICT, 415: UNSUPPORTED, 422: UNPROCESSABLE},
    )
    @idempotent
    def post(self, request: Request, id: int, item_id: int) -> Response:
        _require_recorder(request.user)
        session = session_or_404(id)
        item = item_or_404(session, item_id)
        data = _valid(SessionDecisionInSerializer, request)
        committee.item_decide(actor=request.user, item_id=item.pk, **data)
        return Response(SessionItemSerializer(item_payload(session, item.pk)).data)


class SessionMinutes(SessionsView):
    @extend_schema(
        summary=_("Download the minutes (PDF) in French or Dutch"),
        description=_("Once the session is closed and the minutes are made; a 404 before."),
        parameters=[OpenApiParameter("language", str, OpenApiParameter.PATH, enum=list(MINUTES_LANGUAGES))],
        responses={(200, PDF): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, id: int, language: str) -> FileResponse:
        session = session_or_404(id)
        minutes = minutes_file(session, language)
        if minutes is None:
            raise exceptions.NotFound(_("No such minutes."))
        return private_attachment(minutes, minutes_filename(session, language), PDF)
