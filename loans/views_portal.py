"""The borrower's portal pages for FRBRTC loan applications: preparing one (purpose, projects, documents), submitting
it and, once the loan is granted, the convention. The open loan products and the loans themselves (schedule,
instalments, drawdowns) are in loans/views_portal_loans.py.

Each view reads its input (loans/forms_portal.py turns the POST into the services' arguments), calls one service of
loans.services and renders; the rules are the services'. Who may see: the borrower's members (and staff allowed to),
through loans.selectors; anyone else gets a 404. A refused action shows the page again with the service's message and
the values typed: status 400 for bad input (nothing stored), 403 when the person's role does not allow it, 409 when the
state moved on (someone else saved, or a second click)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, InvalidInput, TransitionNotAllowed
from core.models import Membership, MembershipRole
from core.money import format_eur
from core.uploads import max_upload_bytes
from loans.forms_portal import (
    ApplicationForm,
    date_value,
    error_list,
    project_errors_apply,
    project_formset,
    projects_payload,
    rows_edited,
)
from loans.models import (
    Loan,
    LoanApplication,
    LoanApplicationStatus,
    LoanConvention,
    LoanDecision,
)
from loans.permissions import can_edit_application, can_sign_for
from loans.selectors import (
    loan_application_for_user,
    loan_applications_of_user,
    loan_document_for_user,
)
from loans.services.applications import (
    PROJECT_FIELDS,
    documents_present,
    loan_application_save,
    loan_document_add,
    loan_document_remove,
)
from loans.services.capacity import capacity_of
from loans.services.convention import convention_signed_upload
from loans.services.submission import document_label, loan_application_submit, missing_items

# --- shared with the loan pages (loans/views_portal_loans.py) ---------------------------------------------------------


def signatories(organisation_id: int) -> list[str]:
    """Who may sign for the borrower, so that an editor knows whom to ask."""
    members = Membership.objects.filter(organisation_id=organisation_id, role=MembershipRole.SIGNATORY).select_related(
        "user"
    )
    return sorted(m.user.get_full_name() or m.user.email for m in members)


def error_shown(error: ApplicationError, where: str, **more: Any) -> dict[str, Any]:
    """A service's refusal as the page shows it: where it happened, its message, the fields it names."""
    return {"where": where, "message": str(error.message), "fields": error.extra.get("fields", {}), **more}


def required_file(request: HttpRequest, name: str = "file") -> UploadedFile:
    upload = request.FILES.get(name)
    if upload is None:
        raise InvalidInput(_("Choose a file to send."), extra={"fields": {name: []}})
    return upload


# --- the applications -------------------------------------------------------------------------------------------------


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    # The total requested is summed in the same query: the list costs the same whatever its length.
    applications = loan_applications_of_user(request.user).annotate(requested=Sum("projects__requested_amount"))
    return render(request, "portal/loans/application_list.html", {"applications": list(applications)})


def _application_or_404(request: HttpRequest, pk: int) -> LoanApplication:
    application = loan_application_for_user(request.user, pk)
    if application is None:
        raise Http404(_("No such loan application."))
    return application


def _saved_forms(application: LoanApplication):
    """The form as saved: amounts written the Belgian way, as the person would type them."""
    rows = [
        {
            "id": project.pk,
            **{name: getattr(project, name) for name in PROJECT_FIELDS},
            "cost": format_eur(project.cost, with_currency=False),
            "requested_amount": format_eur(project.requested_amount, with_currency=False),
        }
        for project in application.projects.all()
    ]
    form = ApplicationForm(initial={"purpose": application.purpose, "version": application.version})
    return form, project_formset(rows=rows)


def _documents(application: LoanApplication, projects: list) -> dict[str, Any]:
    """The product's documents with the file sent for each: those of the whole application, and per project."""
    present = documents_present(application)
    whole: list[dict[str, Any]] = []
    per_project: dict[int, list[dict[str, Any]]] = {project.pk: [] for project in projects}
    for spec in application.product_version.required_documents:
        row = {"code": spec["code"], "label": document_label(spec), "required": spec.get("required", True)}
        if not spec.get("per_project"):
            whole.append({**row, "key": spec["code"], "current": present.get((spec["code"], None))})
            continue
        for project in projects:
            current = present.get((spec["code"], project.pk))
            per_project[project.pk].append({**row, "key": f"{spec['code']}-{project.pk}", "current": current})
    return {
        "whole": whole,
        "projects": [{"project": project, "documents": per_project[project.pk]} for project in projects],
        "per_project": any(spec.get("per_project") for spec in application.product_version.required_documents),
    }


def _common_context(request: HttpRequest, application: LoanApplication) -> dict[str, Any]:
    projects = list(application.projects.all())
    return {
        "application": application,
        "version": application.product_version,
        "projects": projects,
        "documents": _documents(application, projects),
        "signatories": signatories(application.organisation_id),
        "may_sign": can_sign_for(request.user, application.organisation_id)[0],
        "capacity": capacity_of(application.product_version, application.organisation),
    }


def _readonly_context(application: LoanApplication) -> dict[str, Any]:
    convention = LoanConvention.objects.filter(application=application).first()
    return {
        "snapshots": list(application.snapshots.select_related("submitted_by").order_by("number")),
        "decision": LoanDecision.objects.filter(application=application).first(),
        "convention": convention,
        "awaiting_signature": application.status == LoanApplicationStatus.APPROVED
        and convention is not None
        and convention.accepted_at is None,
        "loan": Loan.objects.filter(application=application).first(),
        "today": timezone.localdate(),
    }


def render_application(
    request: HttpRequest,
    application: LoanApplication,
    *,
    form=None,
    formset=None,
    error: dict | None = None,
    conflict: dict | None = None,
    notice: str = "",
    typed: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """The application page: the form while the borrower's preparers may change it, else the read-only record."""
    context = {**_common_context(request, application), "error": error, "typed": typed or {}}
    if not can_edit_application(request.user, application)[0]:
        context.update(_readonly_context(application))
        return render(request, "portal/loans/application_readonly.html", context, status=status)
    if form is None:
        form, formset = _saved_forms(application)
    context.update(
        form=form,
        formset=formset,
        errors=error_list(form, formset, _("Project %(number)s")),
        conflict=conflict,
        notice=notice,
        missing=missing_items(application),
        max_upload=max_upload_bytes(),
    )
    return render(request, "portal/loans/application_form.html", context, status=status)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    if request.method == "POST":
        return _save(request, application)
    return render_application(request, application)


def _rows_edited(request: HttpRequest, application: LoanApplication, formset) -> HttpResponse:
    """Adding and removing project rows works without JavaScript: the page again with the rows changed, unsaved."""
    rows, added = rows_edited(formset, request.POST)
    form = ApplicationForm(initial={"purpose": request.POST.get("purpose", ""), "version": request.POST.get("version")})
    formset = project_formset(rows=rows)
    if added:
        formset.forms[-1].fields["title"].widget.attrs["autofocus"] = True  # the row the person asked for
    notice = _("Not saved yet: press Save to keep your changes.")
    return render_application(request, application, form=form, formset=formset, notice=notice)


def _save(request: HttpRequest, application: LoanApplication) -> HttpResponse:
    form, formset = ApplicationForm(request.POST), project_formset(request.POST)
    if not formset.management_form.is_valid():
        error = {"where": "application-form", "message": _("The data sent could not be read: reload the page.")}
        return render_application(request, application, error=error, status=400)
    if "add_project" in request.POST or "remove_project" in request.POST:
        return _rows_edited(request, application, formset)
    if not (form.is_valid() & formset.is_valid()):  # both validated, so that every error shows at once
        error = {"where": "application-form", "message": _("Nothing was saved: correct the fields marked below.")}
        return render_application(request, application, form=form, formset=formset, error=error, status=400)
    projects, rows = projects_payload(formset)
    try:
        loan_application_save(
            actor=request.user,
            application_id=application.pk,
            base_version=form.base_version(),
            purpose=form.cleaned_data["purpose"],
            projects=projects,
        )
    except ApplicationError as error:
        return _save_refused(request, application, form, formset, rows, error)
    messages.success(request, _("The loan application was saved."))
    return redirect(reverse("loans:application", args=[application.pk]) + "#projects")


def _save_refused(request, application, form, formset, rows: list[int], error: ApplicationError) -> HttpResponse:
    """What the person typed stays on the page, with the service's message; an edit conflict offers both ways out."""
    if isinstance(error, TransitionNotAllowed) and "version" in error.extra:
        conflict = {"message": str(error.message), "version": error.extra["version"]}
        return render_application(
            request, application, form=form, formset=formset, conflict=conflict, status=error.status_code
        )
    project_errors_apply(formset, rows, error)
    return render_application(
        request,
        application,
        form=form,
        formset=formset,
        error=error_shown(error, "projects"),
        status=error.status_code,
    )


# --- documents, submission, the signed convention ---------------------------------------------------------------------


def _optional_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def _document_key(code: str, project: str) -> str:
    """The anchor of a document's row on the page: per project documents have one row per project."""
    return f"{code}-{project}" if project else code


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    code, project = request.POST.get("document_code", ""), request.POST.get("project", "")
    try:
        document = loan_document_add(
            actor=request.user,
            application_id=application.pk,
            document_code=code,
            upload=required_file(request),
            project_id=_optional_id(project),
        )
    except ApplicationError as error:
        shown = error_shown(error, "documents", key=_document_key(code, project))
        return render_application(request, application, error=shown, status=error.status_code)
    messages.success(request, _("The file %(name)s was added.") % {"name": document.original_name})
    return redirect(reverse("loans:application", args=[application.pk]) + f"#document-{_document_key(code, project)}")


@login_required
@require_POST
def document_remove(request: HttpRequest, document_id: int) -> HttpResponse:
    document = loan_document_for_user(request.user, document_id)
    if document is None:
        raise Http404(_("No such document."))
    application = _application_or_404(request, document.application_id)
    try:
        loan_document_remove(actor=request.user, document_id=document.pk)
    except ApplicationError as error:
        shown = error_shown(
            error, "documents", key=_document_key(document.document_code, str(document.project_id or ""))
        )
        return render_application(request, application, error=shown, status=error.status_code)
    messages.success(request, _("The file %(name)s was removed.") % {"name": document.original_name})
    return redirect(reverse("loans:application", args=[application.pk]) + "#documents")


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    try:
        snapshot = loan_application_submit(actor=request.user, application_id=application.pk)
    except ApplicationError as error:
        shown = error_shown(error, "submit", missing=error.extra.get("missing", []))
        return render_application(request, application, error=shown, status=error.status_code)
    messages.success(
        request,
        _("Your loan application was submitted. Its reference is %(reference)s; the receipt is sent by e-mail.")
        % {"reference": snapshot.application.reference},
    )
    return redirect("loans:application", pk=application.pk)


@login_required
@require_POST
def convention_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    typed = {"signed_on": request.POST.get("signed_on", "")}
    try:
        convention_signed_upload(
            actor=request.user,
            application_id=application.pk,
            upload=required_file(request),
            signed_on=date_value(typed["signed_on"]),
        )
    except ApplicationError as error:
        shown = error_shown(error, "convention")
        return render_application(request, application, error=shown, typed=typed, status=error.status_code)
    messages.success(
        request, _("The signed convention was sent. Brussels Local Authorities will check it and activate the loan.")
    )
    return redirect(reverse("loans:application", args=[application.pk]) + "#convention")
