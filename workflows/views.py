"""The staff task pages: my tasks, the queue, done tasks, the team's open tasks, and each case."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound, NotPermitted
from core.models import User
from workflows import selectors
from workflows.forms import BulkAssignForm, TaskFilterForm
from workflows.permissions import can_assign_others
from workflows.refs import step_is_missing
from workflows.services.task_actions import task_claim, task_release, tasks_assign

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> tuple[TaskFilterForm, selectors.TaskFilters]:
    form = TaskFilterForm(request.GET or None, process_keys=selectors.process_keys())
    if not form.is_valid():
        return form, selectors.TaskFilters()
    data = form.cleaned_data
    organisation = data.get("organisation")
    return form, selectors.TaskFilters(
        process=data.get("process") or "",
        source=data.get("source") or "",
        organisation=organisation.pk if organisation else None,
        step=data.get("step") or "",
        due_before=data.get("due_before"),
        overdue=bool(data.get("overdue")),
    )


def task_url(task) -> str | None:
    """The task's own page, or None when its step no longer exists (never a server error)."""
    if step_is_missing(task):
        return None
    try:
        return task.flow_task.reverse("index", args=[task.process_id, task.pk])
    except NoReverseMatch:
        return None


def _rows(tasks) -> list[dict]:
    return [
        {
            "task": task,
            "case": task.process.case,
            "url": task_url(task),
            "missing": step_is_missing(task),
            "step": str(task.flow_task.task_title or task.flow_task.name) if not step_is_missing(task) else "",
            "deadline": getattr(task, "deadline", None),
        }
        for task in tasks
    ]


def _list(request: HttpRequest, select, *, title: str, mode: str, extra: dict | None = None) -> HttpResponse:
    form, filters = _filters(request)
    page = Paginator(select(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": title,
        "mode": mode,
        "rows": _rows(page),
        "page": page,
        "filter_form": form,
        "query": query.urlencode(),
        "now": timezone.now(),
        **(extra or {}),
    }
    return render(request, "staff/tasks/list.html", context)


def inbox(request: HttpRequest) -> HttpResponse:
    return _list(request, lambda f: selectors.my_tasks(request.user, f), title=_("My tasks"), mode="inbox")


def queue(request: HttpRequest) -> HttpResponse:
    return _list(request, lambda f: selectors.queue(request.user, f), title=_("Queue"), mode="queue")


def archive(request: HttpRequest) -> HttpResponse:
    return _list(request, lambda f: selectors.done_tasks(request.user, f), title=_("Done"), mode="archive")


def team(request: HttpRequest) -> HttpResponse:
    allowed, reason = can_assign_others(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    staff = list(User.objects.filter(is_staff=True, is_active=True).order_by("last_name", "first_name"))
    return _list(request, selectors.team_tasks, title=_("Team tasks"), mode="team", extra={"staff": staff})


def _staff(request: HttpRequest) -> User:
    # The staff door (core.middleware) only lets signed-in staff reach these views.
    return cast(User, request.user)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _act(request: HttpRequest, action, success: str) -> None:
    try:
        action()
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except NotFound as error:
        raise Http404(error.message) from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, success)


@require_POST
def claim(request: HttpRequest, task_id: int) -> HttpResponse:
    _act(request, lambda: task_claim(actor=_staff(request), task_id=task_id), _("The task is yours."))
    return _back(request, "staff:tasks:inbox")


@require_POST
def release(request: HttpRequest, task_id: int) -> HttpResponse:
    _act(request, lambda: task_release(actor=_staff(request), task_id=task_id), _("The task is back in the queue."))
    return _back(request, "staff:tasks:queue")


@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    allowed, reason = can_assign_others(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    staff = list(User.objects.filter(is_staff=True, is_active=True))
    task_ids = [int(v) for v in request.POST.getlist("tasks") if v.isdigit()]
    form = BulkAssignForm(request.POST, task_ids=task_ids, staff=staff)
    if not form.is_valid():
        messages.error(request, _("Choose at least one task and a member of staff."))
        return _back(request, "staff:tasks:team")
    data = form.cleaned_data
    _act(
        request,
        lambda: tasks_assign(actor=_staff(request), task_ids=data["tasks"], assignee_id=data["assignee"]),
        _("%(count)s task(s) assigned.") % {"count": len(data["tasks"])},
    )
    return _back(request, "staff:tasks:team")


def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_staff(request.user, case_id)
    if case is None:
        raise Http404(_("No such case."))
    tasks = list(selectors.case_tasks(case))
    context = {
        "case": case,
        "tasks": [{"task": t, "url": task_url(t), "missing": step_is_missing(t)} for t in tasks],
        "timeline": list(selectors.case_timeline(case)),
    }
    return render(request, "staff/tasks/case.html", context)
