"""Preparing an application: creating it, saving answers (autosave, with conflict detection), documents."""

from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Membership, MembershipRole, Organisation
from core.money import format_eur, to_cents
from core.services.audit import audit_record
from core.services.notifications import notify
from core.uploads import check_upload
from grants.models import Application, ApplicationDocument, CallStatus, CallVersion, SignatureRequest
from grants.permissions import can_apply, can_edit_application
from grants.schema import clean_answers, fields_of, totals


class EditConflict(TransitionNotAllowed):
    """Someone saved the application since this writer loaded it. `extra` says what changed and holds their
    answers, so the writer can choose: keep theirs or overwrite with their own."""


@transaction.atomic
def application_create(*, actor, call_version_id: int, organisation_id: int) -> Application:
    organisation = Organisation.objects.get(pk=organisation_id)
    version = CallVersion.objects.select_related("call").get(pk=call_version_id, status=CallStatus.PUBLISHED)
    allowed, reason = can_apply(actor, organisation, version)
    if not allowed:
        raise NotPermitted(reason)
    application = Application.objects.create(call_version=version, organisation=organisation, created_by=actor)
    audit_record(obj=application, actor=actor, action="application_created", to_state=application.status)
    return application


def edit_check(actor, application: Application) -> None:
    """Refuse a change the person may not make: NotPermitted for their role, TransitionNotAllowed once submitted."""
    allowed, reason = can_edit_application(actor, application)
    if not allowed:
        if application.is_editable:
            raise NotPermitted(reason)
        raise TransitionNotAllowed(reason)


def _locked_for_edit(actor, application_id: int) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("call_version").get(pk=application_id)
    )
    edit_check(actor, application)
    return application


def call_limit_errors(version: CallVersion, answers: dict[str, Any]) -> dict[str, list[str]]:
    """The call's own limits on answers, beyond the form: the amount requested stays within its maximum."""
    errors: dict[str, list[str]] = {}
    for field in fields_of(version.form_schema):
        value = answers.get(field["key"])
        if field.get("role") == "amount_requested" and value not in (None, "") and to_cents(value) > version.max_amount:
            errors[field["key"]] = [
                _("The maximum per application for this call is %(maximum)s.")
                % {"maximum": format_eur(version.max_amount)}
            ]
    return errors


def _same(stored: Any, sent: Any) -> bool:
    empty: tuple[Any, ...] = (None, "", [])
    return (stored in empty and sent in empty) or stored == sent


@dataclass(frozen=True)
class Saved:
    version: int
    saved_at: str
    totals: dict[str, str | None]


@transaction.atomic
def application_save(
    *, actor, application_id: int, base_version: int, answers: dict[str, Any], overwrite: bool = False
) -> Saved:
    """Save the answers sent (all or some fields). `base_version` is the version the writer started from: if
    someone saved in between, nothing is stored and EditConflict says what they changed (unless `overwrite`)."""
    # The row lock serialises two writers; the version counter tells the second one it is behind.
    application = _locked_for_edit(actor, application_id)
    schema = application.call_version.form_schema
    cleaned, errors = clean_answers(schema, answers, complete=False)
    errors.update(call_limit_errors(application.call_version, cleaned))
    if errors:
        raise InvalidInput(_("Some answers are not valid: nothing was saved."), extra={"fields": errors})
    if base_version != application.version and not overwrite:
        # Only a real difference is a conflict: the same answers sent again lose nobody's work.
        changed = sorted(key for key, value in cleaned.items() if not _same(application.answers.get(key), value))
        if changed:
            raise EditConflict(
                _(
                    "Someone else saved this application in the meantime: "
                    "check their changes before yours overwrite them."
                ),
                extra={"version": application.version, "changed": changed, "answers": application.answers},
            )
    application.answers = {**application.answers, **cleaned}
    computed = totals(schema, application.answers)
    application.total_cost = computed["total_cost"]
    application.amount_requested = computed["amount_requested"]
    application.cofinancing_rate = computed["cofinancing_rate"]
    application.version += 1
    application.save()
    return Saved(
        version=application.version,
        saved_at=timezone.localtime(application.updated_at).strftime("%H:%M:%S"),
        totals={key: (str(value) if value is not None else None) for key, value in computed.items()},
    )


def _document_codes(application: Application) -> set[str]:
    return {str(doc.get("code")) for doc in application.call_version.required_documents}


@transaction.atomic
def document_add(*, actor, application_id: int, document_code: str, upload: UploadedFile) -> ApplicationDocument:
    """Store a checked file for one of the call's documents; it replaces the previous file of that document."""
    application = _locked_for_edit(actor, application_id)
    if document_code not in _document_codes(application):
        raise InvalidInput(_("This call does not ask for this document."), extra={"fields": {"document_code": []}})
    checked = check_upload(upload)
    now = timezone.now()
    previous = application.documents.filter(document_code=document_code, removed_at__isnull=True)
    previous.update(removed_at=now)
    document = ApplicationDocument(
        application=application,
        document_code=document_code,
        original_name=checked.safe_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    # The file is written before the row: a failed write stores no row; a rolled-back row leaves an orphan file
    # under a random name, which nobody can reach.
    document.file.save(checked.storage_name, upload, save=False)
    document.save()
    audit_record(
        obj=application,
        actor=actor,
        action="document_added",
        changes={"document": document_code, "name": checked.safe_name, "sha256": checked.sha256},
    )
    return document


@transaction.atomic
def document_remove(*, actor, document_id: int) -> None:
    document = ApplicationDocument.objects.select_related("application").get(pk=document_id)
    _locked_for_edit(actor, document.application_id)
    if document.removed_at is None:
        ApplicationDocument.objects.filter(pk=document.pk).update(removed_at=timezone.now())
        audit_record(
            obj=document.application, actor=actor, action="document_removed", changes={"name": document.original_name}
        )


@transaction.atomic
def signature_request(*, actor, application_id: int, message: str = "") -> SignatureRequest:
    """An editor asks the organisation's signatories to check and submit."""
    application = _locked_for_edit(actor, application_id)
    request = SignatureRequest.objects.create(
        application=application, requested_by=actor, message=message.strip()[:2000]
    )
    signatories = Membership.objects.filter(
        organisation_id=application.organisation_id, role=MembershipRole.SIGNATORY
    ).select_related("user")
    for membership in signatories:
        notify(
            recipient=membership.user,
            key=f"signature-request:{request.pk}:{membership.user_id}",
            template="application_signature_request",
            context={"application": application, "requested_by": actor, "message": request.message},
            url=reverse("grants:application", args=[application.pk]),
        )
    audit_record(obj=application, actor=actor, action="signature_requested")
    return request


def documents_present(application: Application) -> dict[str, ApplicationDocument]:
    return {
        document.document_code: document
        for document in application.documents.filter(removed_at__isnull=True).order_by("uploaded_at")
    }
