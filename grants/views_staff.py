"""The staff pages of calls for projects and applications, on viewflow's Material frontend (config/staff_site.py).

Views check the reader's rights, read the input, call one service and render; the rules are in grants.services."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotPermitted
from core.models import Organisation, OrganisationKind
from core.permissions import can_view_audit
from core.selectors import audit_trail
from core.views.access import require_staff_permission as _require
from core.views.service_forms import render_form, submit
from grants.diff import snapshot_diff
from grants.display import display_answers, text
from grants.eligibility_texts import RULE_LABELS, explain
from grants.forms_staff import CallCreateForm, CallVersionForm, DeadlineExtensionForm, StaffFormLayout
from grants.models import Application, ApplicationStatus, Call, CallStatus, CallVersion
from grants.permissions import can_extend_deadline, can_manage_calls
from grants.rendering import form_sections
from grants.schema import SchemaError, validate_schema
from grants.selectors import application_for_user, applications_for_staff
from grants.services import calls as call_services
from grants.services.applications import documents_present
from grants.services.submission import deadline_extend, effective_deadline
from grants.views_review import reviewers_section

STAFF_PAGE_SIZE = 50
LAYOUT = StaffFormLayout()
PREVIEW_LANGUAGES = [("fr", "Français"), ("nl", "Nederlands")]


def _require_manager(user) -> None:
    allowed, reason = can_manage_calls(user)
    if not allowed:
        raise PermissionDenied(reason)


# Calls ---------------------------------------------------------------------------------------------------------


def _calls() -> QuerySet[Call]:
    """Every call with its programme, its versions newest first and its number of applications: three queries
    (with the paginator's count) whatever the number of calls."""
    return (
        Call.objects.select_related("programme")
        .annotate(application_count=Count("versions__applications", distinct=True))
        .prefetch_related(Prefetch("versions", queryset=CallVersion.objects.order_by("-number"), to_attr="newest"))
        .order_by("-created_at", "-pk")
    )


def call_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "grants.view_call")
    page = Paginator(_calls(), STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "may_manage": can_manage_calls(request.user)[0]}
    return render(request, "staff/grants/calls/list.html", context)


def call_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request.user)
    form = CallCreateForm(request.POST or None)
    version = submit(
        request,
        form,
        lambda data: call_services.call_create(actor=request.user, **data),
        success=_("The call was created as a draft."),
    )
    if version is not None:
        return redirect("staff:grants:calls:version", pk=version.call_id, number=version.number)
    return render_form(request, "staff/grants/calls/form.html", {"form": form, "layout": LAYOUT, "version": None})


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A call opens on its newest version."""
    _require(request.user, "grants.view_callversion")
    number = CallVersion.objects.filter(call_id=pk).order_by("-number").values_list("number", flat=True).first()
    if number is None:
        raise Http404(_("No such call."))
    return redirect("staff:grants:calls:version", pk=pk, number=number)


def _version_or_404(request: HttpRequest, pk: int, number: int) -> CallVersion:
    _require(request.user, "grants.view_callversion")
    return get_object_or_404(
        CallVersion.objects.select_related("call__programme", "budget_line", "published_by"), call_id=pk, number=number
    )


def _items(value: Any) -> list[dict]:
    """The dict items of a JSON list (a draft may hold anything until it is published)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _content(version: CallVersion) -> dict:
    """The version's JSON content as a reader sees it: labels in their language."""
    kinds = dict(OrganisationKind.choices)
    schema = version.form_schema if isinstance(version.form_schema, dict) else {}
    return {
        "kinds": [kinds.get(kind, kind) for kind in version.eligible_kinds or []],
        "rate_percent": version.min_cofinancing_rate * 100,
        "documents": [
            {"code": doc.get("code"), "label": text(doc.get("label")), "required": doc.get("required", True)}
            for doc in _items(version.required_documents)
        ],
        "sections": [
            {
                "title": text(section.get("title")),
                "fields": [
                    {
                        "key": field.get("key"),
                        "label": text(field.get("label")),
                        "type": field.get("type"),
                        "required": bool(field.get("required")),
                    }
                    for field in _items(section.get("fields"))
                ],
            }
            for section in _items(schema.get("sections"))
        ],
        "rules": [RULE_LABELS.get(str(rule), rule) for rule in version.eligibility_rules or []],
        "checklist": [text(item.get("label")) for item in _items(version.checklist)],
        "scoring": [
            {"label": text(item.get("label")), "weight": item.get("weight"), "max_score": item.get("max_score")}
            for item in _items(version.scoring_grid)
        ],
        "tranches": version.tranche_plan if isinstance(version.tranche_plan, list) else [],
    }


def _version_context(request: HttpRequest, version: CallVersion, **extra) -> dict:
    return {
        "version": version,
        "call": version.call,
        "content": _content(version),
        "is_draft": version.status == CallStatus.DRAFT,
        "is_published": version.status == CallStatus.PUBLISHED,
        "application_count": version.applications.count(),
        "versions": list(version.call.versions.select_related("published_by").order_by("-number")),
        "may_manage": can_manage_calls(request.user)[0],
        "audit": list(audit_trail(version)[:20]) if can_view_audit(request.user)[0] else None,
        "problems": [],
        **extra,
    }


def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = _version_or_404(request, pk, number)
    return render(request, "staff/grants/calls/version.html", _version_context(request, version))


def version_edit(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = _version_or_404(request, pk, number)
    _require_manager(request.user)
    if version.status != CallStatus.DRAFT:
        messages.error(request, _("A published version cannot be changed: make a new version of the call."))
        return redirect("staff:grants:calls:version", pk=pk, number=number)
    initial = {name: getattr(version, name) for name in call_services.VERSION_FIELDS}
    form = CallVersionForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda data: call_services.call_version_update(actor=request.user, version_id=version.pk, **data),
        success=_("The draft was saved."),
    )
    if saved is not None:
        return redirect("staff:grants:calls:version", pk=pk, number=number)
    context = {"form": form, "layout": LAYOUT, "version": version}
    return render_form(request, "staff/grants/calls/form.html", context)


def _schema_problems(version: CallVersion) -> list[str]:
    codes = {str(doc.get("code")) for doc in _items(version.required_documents)}
    try:
        validate_schema(version.form_schema, document_codes=codes)
    except SchemaError as error:
        return error.problems
    return []


def _with_id_prefix(sections: list[dict], prefix: str) -> list[dict]:
    """The two languages' forms side by side on one page must not share element ids."""
    for section in sections:
        section["id"] = f"{prefix}-{section['id']}"
        for field in section["fields"]:
            field["id"] = f"{prefix}-{field['id']}"
    return sections


def version_preview(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The application form as applicants will see it, in French and in Dutch, read-only."""
    version = _version_or_404(request, pk, number)
    problems = _schema_problems(version)
    previews = []
    if not problems:
        for code, name in PREVIEW_LANGUAGES:
            with translation.override(code):
                sections = _with_id_prefix(form_sections(version.form_schema, {}, errors=None, documents=None), code)
                html = render_to_string(
                    "grants/_form.html", {"sections": sections, "readonly": True, "version": version}, request=request
                )
            previews.append({"code": code, "name": name, "html": html})
    context = {"version": version, "call": version.call, "previews": previews, "problems": problems}
    return render(request, "staff/grants/calls/preview.html", context, status=400 if problems else 200)


def _messages_of(error: ApplicationError) -> list[str]:
    problems = error.extra.get("problems")
    if problems:
        return [str(problem) for problem in problems]
    fields = error.extra.get("fields") or {}
    return [str(message) for messages_ in fields.values() for message in messages_ or []]


@require_POST
def version_publish(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = _version_or_404(request, pk, number)
    try:
        call_services.call_version_publish(actor=request.user, version_id=version.pk)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        context = _version_context(request, version, publish_error=error.message, problems=_messages_of(error))
        return render(request, "staff/grants/calls/version.html", context, status=error.status_code)
    messages.success(request, _("The call is published."))
    return redirect("staff:grants:calls:version", pk=pk, number=number)


@require_POST
def version_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "grants.view_callversion")
    call = get_object_or_404(Call, pk=pk)
    try:
        draft = call_services.call_version_new(actor=request.user, call_id=call.pk)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("staff:grants:calls:detail", pk=pk)
    messages.success(
        request, _("Version %(number)s is a draft: change it, then publish it.") % {"number": draft.number}
    )
    return redirect("staff:grants:calls:version", pk=pk, number=draft.number)


# Applications --------------------------------------------------------------------------------------------------


def _int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def application_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "grants.view_application")
    call_id = _int_or_none(request.GET.get("call"))
    organisation_id = _int_or_none(request.GET.get("organisation"))
    status = request.GET.get("status", "")
    if status not in ApplicationStatus.values:
        status = ""
    applications = applications_for_staff(call_id=call_id, status=status, organisation_id=organisation_id)
    context = {
        "page": Paginator(applications, STAFF_PAGE_SIZE).get_page(request.GET.get("page")),
        "call_id": call_id,
        "status": status,
        "organisation_id": organisation_id,
        "calls": list(Call.objects.order_by("code").values_list("pk", "code")),
        "statuses": ApplicationStatus.choices,
        "organisations": list(
            Organisation.objects.filter(pk__in=Application.objects.values("organisation_id")).order_by("code")
        ),
    }
    return render(request, "staff/grants/applications/list.html", context)


def _application_or_404(request: HttpRequest, pk: int) -> Application:
    _require(request.user, "grants.view_application")
    application = application_for_user(request.user, pk)
    if application is None:
        raise Http404(_("No such application."))
    return application


def _application_context(request: HttpRequest, application: Application, form=None) -> dict:
    """What templates/staff/grants/_application_summary.html needs (as the eligibility task builds it), and the
    submissions, automatic checks, deadline and history around it."""
    snapshots = list(application.snapshots.select_related("submitted_by").order_by("number"))
    for snapshot in snapshots:
        snapshot.application = application  # the diff reads the schema through it
    latest = snapshots[-1] if snapshots else None
    results = list(latest.eligibility_results.all()) if latest else []
    may_extend = can_extend_deadline(request.user)[0]
    return {
        "application": application,
        # Before any submission, the answers saved so far (the page says so).
        "answers": display_answers(application.call_version.form_schema, (latest or application).answers),
        "documents": documents_present(application).values(),
        "diff": snapshot_diff(snapshots[-2], latest) if latest and len(snapshots) > 1 else None,
        "decisions": list(application.decisions.select_related("decided_by")),
        "snapshots": snapshots,
        "results": [
            {"label": RULE_LABELS.get(r.rule, r.rule), "passed": r.passed, "reason": explain(r.reason_code, r.params)}
            for r in results
        ],
        "deadline": effective_deadline(application),
        "extensions": list(application.extensions.select_related("granted_by")),
        "extension_form": (form or DeadlineExtensionForm()) if may_extend else None,
        "audit": list(audit_trail(application)[:50]) if can_view_audit(request.user)[0] else None,
        "reviewers": reviewers_section(request.user, application),
    }


def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    return render(request, "staff/grants/applications/detail.html", _application_context(request, application))


@require_POST
def application_extend(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    allowed, reason = can_extend_deadline(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    form = DeadlineExtensionForm(request.POST)
    extension = submit(
        request,
        form,
        lambda data: deadline_extend(
            actor=request.user, application_id=application.pk, until=data["until"], reason=data["reason"]
        ),
        success=_("The deadline was extended."),
    )
    if extension is not None:
        return redirect("staff:grants:applications:detail", pk=pk)
    context = _application_context(request, application, form)
    return render(request, "staff/grants/applications/detail.html", context, status=400)
