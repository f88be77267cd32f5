"""The applicant portal's pages for calls and applications. Each view reads its input, calls one service or
selector, and renders; the rules live in grants.services and grants.permissions."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Organisation, OrganisationKind
from core.selectors import organisations_of_user
from core.uploads import max_upload_bytes
from grants.display import display_answers, shown, text
from grants.forms_portal import answers_from_post, autosave_payload
from grants.models import Application, ApplicationStatus, CallStatus, CallVersion
from grants.permissions import can_apply, can_edit_application, can_submit
from grants.rendering import content_language, form_sections, totals_display
from grants.schema import fields_of
from grants.selectors import application_for_user, applications_of_user, document_for_user, open_calls
from grants.services.applications import (
    EditConflict,
    application_create,
    application_save,
    document_add,
    document_remove,
    documents_present,
    signature_request,
)
from grants.services.submission import application_submit, effective_deadline, missing_items


def open_call_summaries() -> list[dict[str, Any]]:
    """The open calls for the portal's home page (registered with core.portal_hooks in grants/apps.py)."""
    return [
        {
            "title": version.title,
            "programme": version.call.programme.name,
            "closes_at": version.closes_at,
            "max_amount": version.max_amount,
            "url": reverse("grants:call", args=[version.call.code]),
        }
        for version in open_calls()
    ]


def call_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/grants/call_list.html", {"calls": open_calls()})


def _published_version(code: str) -> CallVersion:
    version = (
        CallVersion.objects.select_related("call__programme")
        .filter(call__code=code, status=CallStatus.PUBLISHED)
        .first()
    )
    if version is None:
        raise Http404(_("No such call for projects."))
    return version


def _applicants(user, version: CallVersion) -> list[dict[str, Any]]:
    rows = []
    for organisation in organisations_of_user(user):
        allowed, reason = can_apply(user, organisation, version)
        rows.append({"organisation": organisation, "allowed": allowed, "reason": reason})
    return rows


def call_detail(request: HttpRequest, code: str, *, refusal: str = "", status: int = 200) -> HttpResponse:
    version = _published_version(code)
    context = {
        "version": version,
        "is_open": version.is_open(),
        "kinds": [OrganisationKind(kind).label for kind in version.eligible_kinds if kind in OrganisationKind.values],
        "documents": [
            {"label": text(document.get("label")), "required": document.get("required", True)}
            for document in version.required_documents
        ],
        "applicants": _applicants(request.user, version),
        "existing": list(applications_of_user(request.user).filter(call_version__call_id=version.call_id))
        if request.user.is_authenticated
        else [],
        "refusal": refusal,
    }
    return render(request, "portal/grants/call_detail.html", context, status=status)


@login_required
@require_POST
def apply(request: HttpRequest, code: str) -> HttpResponse:
    version = _published_version(code)
    try:
        organisation_id = int(request.POST.get("organisation", ""))
        application = application_create(
            actor=request.user, call_version_id=version.pk, organisation_id=organisation_id
        )
    except (ValueError, Organisation.DoesNotExist):
        raise Http404(_("No such organisation.")) from None
    except NotPermitted as error:
        return call_detail(request, code, refusal=str(error.message), status=403)
    messages.success(request, _("Your application was created. Your answers are saved as you type."))
    return redirect("grants:application", pk=application.pk)


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "portal/grants/application_list.html", {"applications": list(applications_of_user(request.user))}
    )


def _application_or_404(request: HttpRequest, pk: int) -> Application:
    application = application_for_user(request.user, pk)
    if application is None:
        raise Http404(_("No such application."))
    return application


def _conflict(schema: dict, error: EditConflict) -> dict[str, Any]:
    """What someone else saved, field by field, in the reader's language."""
    fields = {field["key"]: field for field in fields_of(schema)}
    theirs = error.extra.get("answers", {})
    changed = [
        {"key": key, "label": text(fields[key]["label"]), "value": shown(fields[key], theirs.get(key))}
        for key in error.extra.get("changed", [])
        if key in fields
    ]
    return {"message": str(error.message), "version": error.extra.get("version"), "changed": changed}


def _documents(application: Application, present: dict) -> list[dict[str, Any]]:
    return [
        {
            "code": document["code"],
            "label": text(document.get("label")),
            "lang": content_language(),
            "required": document.get("required", True),
            "current": present.get(document["code"]),
        }
        for document in application.call_version.required_documents
    ]


def _render_readonly(request: HttpRequest, application: Application) -> HttpResponse:
    snapshots = list(application.snapshots.order_by("number"))
    answers = snapshots[-1].answers if snapshots else application.answers
    context = {
        "application": application,
        "answers": display_answers(application.call_version.form_schema, answers),
        "documents": _documents(application, documents_present(application)),
        "snapshots": snapshots,
        "totals": totals_display(
            {
                "total_cost": application.total_cost,
                "amount_requested": application.amount_requested,
                "cofinancing_rate": application.cofinancing_rate,
            }
        ),
    }
    return render(request, "portal/grants/application_readonly.html", context)


def _render_application(
    request: HttpRequest,
    application: Application,
    *,
    answers: dict | None = None,
    errors: dict | None = None,
    conflict: EditConflict | None = None,
    upload_error: dict | None = None,
    base_version: int | None = None,
    status: int = 200,
) -> HttpResponse:
    editable, _reason = can_edit_application(request.user, application)
    if not editable:
        return _render_readonly(request, application)
    schema = application.call_version.form_schema
    present = documents_present(application)
    may_submit, _why = can_submit(request.user, application)
    context = {
        "application": application,
        "sections": form_sections(schema, {**application.answers, **(answers or {})}, errors=errors, documents=present),
        "errors": errors or {},
        "documents": _documents(application, present),
        "upload_error": upload_error,
        "conflict": _conflict(schema, conflict) if conflict else None,
        "base_version": application.version if base_version is None else base_version,
        "totals": totals_display(
            {
                "total_cost": application.total_cost,
                "amount_requested": application.amount_requested,
                "cofinancing_rate": application.cofinancing_rate,
            }
        ),
        "may_submit": may_submit,
        "deadline": effective_deadline(application),
        "max_upload": max_upload_bytes(),
    }
    return render(request, "portal/grants/application_form.html", context, status=status)


def _save(request: HttpRequest, application: Application) -> HttpResponse:
    answers = answers_from_post(application.call_version.form_schema, request.POST, application.answers)
    try:
        base_version = int(request.POST.get("version", ""))
    except ValueError:
        base_version = 0  # no version sent: treated as behind, so nothing is overwritten unknowingly
    try:
        saved = application_save(
            actor=request.user,
            application_id=application.pk,
            base_version=base_version,
            answers=answers,
            overwrite=request.POST.get("overwrite") == "1",
        )
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except EditConflict as error:
        return _render_application(
            request, application, answers=answers, conflict=error, base_version=base_version, status=409
        )
    except InvalidInput as error:
        fields = error.extra.get("fields", {})
        messages.error(request, str(error.message))
        return _render_application(request, application, answers=answers, errors=fields, status=400)
    except TransitionNotAllowed as error:
        messages.error(request, str(error.message))
        return redirect("grants:application", pk=application.pk)
    messages.success(request, _("Saved at %(time)s") % {"time": saved.saved_at})
    # "Add a line" and "Remove" buttons save too; the page then opens at that budget table.
    table = request.POST.get("add_line") or request.POST.get("remove_line", "").rsplit("-", 1)[0]
    tables = {
        field["key"] for field in fields_of(application.call_version.form_schema) if field["type"] == "budget_table"
    }
    anchor = f"#field-{table}" if table in tables else ""
    return redirect(reverse("grants:application", args=[application.pk]) + anchor)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    if request.method == "POST":
        return _save(request, application)
    return _render_application(request, application)


def _json_error(error: ApplicationError) -> JsonResponse:
    return JsonResponse(
        {"message": str(error.message), "fields": error.extra.get("fields", {})}, status=error.status_code
    )


@login_required
@require_POST
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    application = application_for_user(request.user, pk)
    if application is None:
        return JsonResponse({"message": _("No such application.")}, status=404)
    schema = application.call_version.form_schema
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    try:
        version, answers, overwrite = autosave_payload(schema, body, application.answers)
        saved = application_save(
            actor=request.user,
            application_id=application.pk,
            base_version=version,
            answers=answers,
            overwrite=overwrite,
        )
    except EditConflict as error:
        payload = {key: error.extra.get(key) for key in ("version", "changed", "answers")}
        conflict = _conflict(schema, error)
        return JsonResponse(
            {"message": conflict["message"], **payload, "changed_display": conflict["changed"]}, status=409
        )
    except ApplicationError as error:
        return _json_error(error)
    return JsonResponse(
        {
            "version": saved.version,
            "saved_at": saved.saved_at,
            "totals": saved.totals,
            "totals_display": totals_display(saved.totals),
        }
    )


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    code = request.POST.get("document_code", "")
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(_("Choose a file to send."), extra={"fields": {"file": ["missing"]}})
        document = document_add(actor=request.user, application_id=application.pk, document_code=code, upload=upload)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except InvalidInput as error:
        return _render_application(
            request, application, upload_error={"code": code, "message": str(error.message)}, status=400
        )
    except TransitionNotAllowed as error:
        messages.error(request, str(error.message))
        return redirect("grants:application", pk=application.pk)
    messages.success(request, _("The file %(name)s was added.") % {"name": document.original_name})
    return redirect(reverse("grants:application", args=[application.pk]) + "#documents")


@login_required
@require_POST
def document_remove_view(request: HttpRequest, document_id: int) -> HttpResponse:
    document = document_for_user(request.user, document_id)
    if document is None:
        raise Http404(_("No such document."))
    try:
        document_remove(actor=request.user, document_id=document.pk)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The file %(name)s was removed.") % {"name": document.original_name})
    return redirect(reverse("grants:application", args=[document.application_id]) + "#documents")


def _render_submit(
    request: HttpRequest, application: Application, *, missing: list[str], error: str = "", status: int = 200
) -> HttpResponse:
    may_submit, reason = can_submit(request.user, application)
    context = {
        "application": application,
        "missing": missing,
        "error": error,
        "may_submit": may_submit,
        "reason": reason,
        "deadline": effective_deadline(application),
        "deadline_passed": application.status == ApplicationStatus.DRAFT
        and timezone.now() > effective_deadline(application),
    }
    return render(request, "portal/grants/submit.html", context, status=status)


@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    if request.method != "POST":
        if not application.is_editable:
            messages.info(request, _("This application was submitted already."))
            return redirect("grants:application", pk=application.pk)
        return _render_submit(request, application, missing=missing_items(application))
    try:
        snapshot = application_submit(actor=request.user, application_id=application.pk)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except InvalidInput as error:
        return _render_submit(
            request, application, missing=error.extra.get("missing", []), error=str(error.message), status=400
        )
    except TransitionNotAllowed as error:
        # A second click, or the deadline: the application page says where things stand.
        messages.warning(request, str(error.message))
        return redirect("grants:application", pk=application.pk)
    messages.success(
        request,
        _("Your application was submitted. Its reference is %(reference)s; the receipt is sent by e-mail.")
        % {"reference": snapshot.application.reference},
    )
    return redirect("grants:application", pk=application.pk)


@login_required
@require_POST
def signature_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    try:
        signature_request(actor=request.user, application_id=application.pk, message=request.POST.get("message", ""))
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The organisation's signatories were asked to sign and submit."))
    return redirect("grants:application", pk=application.pk)
