"""Preparing a loan application: its purpose, its projects (cost, loan requested, depreciation) and documents."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Organisation
from core.money import format_eur, to_cents
from core.services.audit import audit_record
from core.uploads import store_checked
from loans.models import LoanApplication, LoanDocument, LoanProductVersion, LoanProject, ProductStatus
from loans.permissions import can_apply, can_edit_application

MAX_PROJECTS = 20
PROJECT_FIELDS = ("title", "description", "cost", "requested_amount", "depreciation_years", "budget_reference")


@transaction.atomic
def loan_application_create(*, actor, version_id: int, organisation_id: int) -> LoanApplication:
    organisation = Organisation.objects.get(pk=organisation_id)
    version = LoanProductVersion.objects.select_related("product").get(pk=version_id, status=ProductStatus.PUBLISHED)
    allowed, reason = can_apply(actor, organisation, version)
    if not allowed:
        raise NotPermitted(reason)
    application = LoanApplication.objects.create(product_version=version, organisation=organisation, created_by=actor)
    audit_record(obj=application, actor=actor, action="loan_application_created", to_state=application.status)
    return application


def locked_for_edit(actor, application_id: int) -> LoanApplication:
    application = (
        LoanApplication.objects.select_for_update(of=("self",)).select_related("product_version").get(pk=application_id)
    )
    edit_check(actor, application)
    return application


def edit_check(actor, application: LoanApplication) -> None:
    """Refuse a change the person may not make: 403 for their role, 409 once the application was submitted."""
    allowed, reason = can_edit_application(actor, application)
    if not allowed:
        raise (NotPermitted if application.is_editable else TransitionNotAllowed)(reason)


def _amount(value: Any) -> Decimal | None:
    try:
        amount = to_cents(str(value).strip().replace(" ", "").replace(",", "."))
    except (TypeError, ValueError, InvalidOperation):
        return None
    return amount


def clean_project(version: LoanProductVersion, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One project as the borrower typed it: the cleaned values and the errors per field."""
    errors: dict[str, list[str]] = {}
    title = str(data.get("title", "")).strip()
    if not title:
        errors["title"] = [_("Name the project.")]
    cost, requested = _amount(data.get("cost")), _amount(data.get("requested_amount"))
    if cost is None or cost <= 0:
        errors["cost"] = [_("The cost must be an amount above zero.")]
    if requested is None or requested <= 0:
        errors["requested_amount"] = [_("The loan requested must be an amount above zero.")]
    elif cost is not None and cost > 0 and requested > to_cents(cost * version.max_financing_rate):
        errors["requested_amount"] = [
            _("The loan can finance at most %(rate)s %% of the cost: %(maximum)s.")
            % {
                "rate": f"{version.max_financing_rate * 100:.0f}",
                "maximum": format_eur(cost * version.max_financing_rate),
            }
        ]
    try:
        years = int(str(data.get("depreciation_years", "")).strip())
    except ValueError:
        years = 0
    if years < max(1, version.min_depreciation_years):
        errors["depreciation_years"] = [
            _("The asset must be depreciated over at least %(years)s years.")
            % {"years": max(1, version.min_depreciation_years)}
        ]
    cleaned = {
        "title": title[:200],
        "description": str(data.get("description", "")).strip(),
        "cost": cost,
        "requested_amount": requested,
        "depreciation_years": years,
        "budget_reference": str(data.get("budget_reference", "")).strip()[:100],
    }
    return cleaned, errors


def _project_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            _("A project sent does not belong to this application."), extra={"fields": {"projects": []}}
        ) from None


def _validated_projects(version: LoanProductVersion, projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not projects:
        raise InvalidInput(_("Add at least one project."), extra={"fields": {"projects": []}})
    if len(projects) > MAX_PROJECTS:
        raise InvalidInput(
            _("An application holds at most %(count)s projects.") % {"count": MAX_PROJECTS},
            extra={"fields": {"projects": []}},
        )
    cleaned_all, errors_all = [], {}
    for position, data in enumerate(projects, start=1):
        cleaned, errors = clean_project(version, data)
        cleaned_all.append({**cleaned, "id": _project_id(data.get("id"))})
        errors_all.update({f"projects.{position}.{field}": messages for field, messages in errors.items()})
    if errors_all:
        raise InvalidInput(_("Some projects are not valid: nothing was saved."), extra={"fields": errors_all})
    return cleaned_all


@transaction.atomic
def loan_application_save(
    *, actor, application_id: int, base_version: int, purpose: str, projects: list[dict[str, Any]]
) -> LoanApplication:
    """Save the purpose and the projects in one go, or nothing. A project sent with its id is updated, a project
    without id is added, a project not sent any more is removed with its documents."""
    # The row lock serialises two writers; the version counter tells the second one it is behind.
    application = locked_for_edit(actor, application_id)
    if base_version != application.version:
        raise TransitionNotAllowed(
            _("Someone else saved this application in the meantime: reload it to see their changes."),
            extra={"version": application.version},
        )
    cleaned = _validated_projects(application.product_version, projects)
    existing = {project.pk: project for project in application.projects.all()}
    if {p["id"] for p in cleaned if p["id"]} - set(existing):
        raise InvalidInput(_("A project sent does not belong to this application."), extra={"fields": {"projects": []}})
    kept = {p["id"] for p in cleaned if p["id"]}
    for pk, project in existing.items():
        if pk not in kept:
            project.documents.filter(removed_at__isnull=True).update(removed_at=timezone.now())
            project.delete()
    # Positions are unique per application: moved out of the way before they are renumbered.
    LoanProject.objects.filter(application=application).update(position=F("position") + 1000)
    for position, data in enumerate(cleaned, start=1):
        values = {name: data[name] for name in PROJECT_FIELDS}
        if data["id"]:
            LoanProject.objects.filter(pk=data["id"]).update(position=position, **values)
        else:
            LoanProject.objects.create(application=application, position=position, **values)
    application.purpose = purpose.strip()
    application.version += 1
    application.save()
    return application


def document_codes(version: LoanProductVersion) -> dict[str, dict[str, Any]]:
    return {str(doc.get("code")): doc for doc in version.required_documents}


@transaction.atomic
def loan_document_add(
    *, actor, application_id: int, document_code: str, upload: UploadedFile, project_id: int | None = None
) -> LoanDocument:
    """Store a checked file for one of the product's documents (for one project when the product asks per
    project); it replaces the previous file of that document."""
    application = locked_for_edit(actor, application_id)
    spec = document_codes(application.product_version).get(document_code)
    if spec is None:
        raise InvalidInput(_("This loan does not ask for this document."), extra={"fields": {"document_code": []}})
    project = None
    if spec.get("per_project"):
        project = application.projects.filter(pk=project_id).first() if project_id else None
        if project is None:
            raise InvalidInput(_("Choose the project this document is for."), extra={"fields": {"project": []}})
    document = LoanDocument(application=application, project=project, document_code=document_code)
    checked = store_checked(document, upload, actor=actor)
    application.documents.filter(document_code=document_code, project=project, removed_at__isnull=True).update(
        removed_at=timezone.now()
    )
    document.save()
    audit_record(
        obj=application,
        actor=actor,
        action="document_added",
        changes={"document": document_code, "project": project_id, "name": checked.safe_name, "sha256": checked.sha256},
    )
    return document


@transaction.atomic
def loan_document_remove(*, actor, document_id: int) -> None:
    document = LoanDocument.objects.get(pk=document_id)
    locked_for_edit(actor, document.application_id)
    if document.removed_at is None:
        LoanDocument.objects.filter(pk=document.pk).update(removed_at=timezone.now())
        audit_record(
            obj=document.application, actor=actor, action="document_removed", changes={"name": document.original_name}
        )


def documents_present(application: LoanApplication) -> dict[tuple[str, int | None], LoanDocument]:
    """The current file of each (document, project) pair."""
    return {
        (document.document_code, document.project_id): document
        for document in application.documents.filter(removed_at__isnull=True).order_by("uploaded_at")
    }
