"""Staff work: my tasks, the queue, one task, taking and giving back a task.

Everything comes from the staff task pages' selectors and services (workflows.selectors, workflows.services.
task_actions): the inbox is the page's "My tasks", the queue the page's "Queue" (tasks one of my roles may take),
the filters the page's filter form. Staff only: anyone else gets the same 404 as for a task that does not exist.
The actions each task's page offers live in api/task_actions.py.
"""

import datetime as dt
from typing import cast

from django.db.models import DateTimeField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, filters, generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from api.pagination import CursorPagination
from api.permissions import TokenScopeAllows
from api.schema import ERROR_SCHEMA
from core.models import User
from core.roles import is_staff_member
from workflows import selectors
from workflows.forms import TaskFilterForm
from workflows.refs import step_is_missing
from workflows.services.task_actions import task_claim, task_release

# Tasks without a deadline (none today: every human task gets one) sort last, and the cursor never meets a NULL.
NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


class IsStaff(permissions.BasePermission):
    """Staff work is invisible to members of organisations: they get the 404 of an unknown address, not a 403."""

    def has_permission(self, request: Request, view) -> bool:
        if request.user.is_authenticated and not is_staff_member(request.user):
            raise exceptions.NotFound(_("No such task."))
        return True


STAFF_PERMISSIONS = [permissions.IsAuthenticated, TokenScopeAllows, IsStaff]


def staff_user(request: Request) -> User:
    """The caller, once STAFF_PERMISSIONS let them in: a signed-in member of staff."""
    return cast(User, request.user)


def task_or_404(user, task_id: int) -> Task:
    task = selectors.task_for_staff(user, task_id)
    if task is None:
        raise exceptions.NotFound(_("No such task."))
    return task


# --- what a task shows ----------------------------------------------------------------------------------------------


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.SlugField()
    name = serializers.CharField(help_text=_("In the caller's language."))


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    process_version = serializers.CharField(source="process_version.label", help_text=_("e.g. grant_application@1"))
    organisation = OrganisationRefSerializer(allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class SubjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["grant_application", "loan_application", "other"],
        help_text=_("grant_application: /api/v1/applications/{id}/; loan_application: a loan application."),
    )
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()


SUBJECT_TYPES = {"grants.application": "grant_application", "loans.loanapplication": "loan_application"}


class TaskPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    process = serializers.CharField(source="process.case.process_version.key", help_text=_("e.g. grant_application"))
    step = serializers.SerializerMethodField(help_text=_("The step's name, e.g. check_eligibility."))
    step_title = serializers.SerializerMethodField(help_text=_("In the caller's language."))
    status = serializers.CharField(
        help_text=_("NEW: waiting in the queue; ASSIGNED: taken; DONE: done; CANCELED: withdrawn by the process.")
    )
    claimable = serializers.SerializerMethodField(
        help_text=_(
            "False for a task given to a person by the process (a reviewer's place): never taken or given back."
        )
    )
    owner = TaskPersonSerializer(allow_null=True)
    created = serializers.DateTimeField()
    due_at = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    case = CaseSerializer(source="process.case")
    subject = serializers.SerializerMethodField(help_text=_("What the case is about (the application)."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_step(self, task: Task) -> str:
        return "" if step_is_missing(task) else task.flow_task.name

    @extend_schema_field(OpenApiTypes.STR)
    def get_step_title(self, task: Task) -> str:
        return "" if step_is_missing(task) else str(task.flow_task.task_title or task.flow_task.name)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_claimable(self, task: Task) -> bool:
        return not step_is_missing(task) and bool(getattr(task.flow_task, "claimable", True))

    def _deadline(self, task: Task):
        return getattr(getattr(task, "deadline", None), "due_at", None)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_due_at(self, task: Task) -> dt.datetime | None:
        return self._deadline(task)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, task: Task) -> bool:
        due = self._deadline(task)
        open_ = task.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
        return bool(open_ and due is not None and due < self.context.get("now", timezone.now()))

    @extend_schema_field(SubjectSerializer(allow_null=True))
    def get_subject(self, task: Task) -> dict | None:
        artifact = task.process.case.artifact
        if artifact is None:
            return None
        return {
            "type": SUBJECT_TYPES.get(artifact._meta.label_lower, "other"),
            "id": artifact.pk,
            "reference": getattr(artifact, "reference", "") or "",
            "status": getattr(artifact, "status", "") or "",
        }


# --- lists ----------------------------------------------------------------------------------------------------------

FILTER_PARAMETERS = [
    OpenApiParameter("process", OpenApiTypes.STR, description=_("A process key, e.g. grant_application.")),
    OpenApiParameter("source", OpenApiTypes.STR, description=_("The call or loan product that started the case.")),
    OpenApiParameter("organisation", OpenApiTypes.INT, description=_("An organisation's id.")),
    OpenApiParameter("step", OpenApiTypes.STR, description=_("A step's name, e.g. check_eligibility.")),
    OpenApiParameter("due_before", OpenApiTypes.DATE, description=_("Due on or before this day.")),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description=_("Only tasks past their deadline.")),
]


class DeadlineCursorPagination(CursorPagination):
    ordering = "due_at"  # then the id, as the view's `ordering` says


class _TaskList(generics.ListAPIView):
    """The page's filter form checks the filters; a filter that is not valid is a 400, not an ignored filter."""

    permission_classes = STAFF_PERMISSIONS
    serializer_class = TaskSerializer
    pagination_class = DeadlineCursorPagination
    filter_backends = [filters.OrderingFilter]
    ordering_fields = ["due_at", "created", "id"]
    ordering = ["due_at", "id"]

    def select(self, user, task_filters: selectors.TaskFilters) -> QuerySet[Task]:
        raise NotImplementedError

    def task_filters(self) -> selectors.TaskFilters:
        params = {key: self.request.query_params.get(key) for key in ("process", "source", "organisation", "step")}
        params |= {key: self.request.query_params.get(key) for key in ("due_before", "overdue")}
        data = {key: value for key, value in params.items() if value is not None}
        if data.get("overdue") in ("false", "False", "0"):
            data.pop("overdue")
        form = TaskFilterForm(data, process_keys=selectors.process_keys())
        if not form.is_valid():
            raise exceptions.ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        cleaned = form.cleaned_data
        organisation = cleaned.get("organisation")
        return selectors.TaskFilters(
            process=cleaned.get("process") or "",
            source=cleaned.get("source") or "",
            organisation=organisation.pk if organisation else None,
            step=cleaned.get("step") or "",
            due_before=cleaned.get("due_before"),
            overdue=bool(cleaned.get("overdue")),
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        tasks = self.select(self.request.user, self.task_filters())
        due = Coalesce("deadline__due_at", Value(NO_DEADLINE), output_field=DateTimeField())
        return selectors.with_subjects(tasks.annotate(due_at=due))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


@extend_schema(parameters=FILTER_PARAMETERS)
class MyTaskList(_TaskList):
    """My tasks: the tasks I hold, soonest deadline first (the "My tasks" page)."""

    def select(self, user, task_filters):
        return selectors.my_tasks(user, task_filters)


@extend_schema(parameters=FILTER_PARAMETERS)
class QueueList(_TaskList):
    """The queue: tasks nobody holds yet that one of my roles may take, soonest deadline first (the "Queue" page)."""

    def select(self, user, task_filters):
        return selectors.queue(user, task_filters)


class TaskDetail(generics.RetrieveAPIView):
    """One task, for staff who may see cases (as the case page shows every task of its case)."""

    permission_classes = STAFF_PERMISSIONS
    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # the object comes from get_object, under the case page's rule

    def get_object(self) -> Task:
        return task_or_404(self.request.user, self.kwargs["id"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


def task_response(request: Request, task_id: int) -> Response:
    task = task_or_404(request.user, task_id)
    return Response(TaskSerializer(task, context={"request": request, "now": timezone.now()}).data)


CONFLICT = OpenApiResponse(ERROR_SCHEMA, description=_("Not possible in the task's current state."))


class TaskClaim(APIView):
    permission_classes = STAFF_PERMISSIONS

    @extend_schema(
        request=None,
        responses={200: TaskSerializer, 409: CONFLICT},
        summary=_("Take a task from the queue"),
        description=_(
            "The task becomes yours (status ASSIGNED). 403 when your roles may not do it; 409 when someone holds it "
            "already (two people taking it at once: one wins, the other gets the 409) or it is a reviewer's place."
        ),
    )
    def post(self, request: Request, id: int) -> Response:
        task_claim(actor=staff_user(request), task_id=id)
        return task_response(request, id)


class TaskRelease(APIView):
    permission_classes = STAFF_PERMISSIONS

    @extend_schema(
        request=None,
        responses={200: TaskSerializer, 409: CONFLICT},
        summary=_("Give a task back to the queue"),
        description=_(
            "The person holding the task, or a call manager, gives it back (status NEW). 409 when nobody holds it; "
            "403 when it is someone else's and you do not assign work, or it is a reviewer's place."
        ),
    )
    def post(self, request: Request, id: int) -> Response:
        task_release(actor=staff_user(request), task_id=id)
        return task_response(request, id)
