"""Submitting: completeness, the deadline in Brussels time, the reference, the frozen snapshot, the receipt."""

import datetime as dt
import hashlib
import json
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.services.audit import audit_record
from grants.models import Application, ApplicationSnapshot, ApplicationStatus, Call, DeadlineExtension
from grants.permissions import can_extend_deadline, can_submit
from grants.schema import clean_answers, visible_answers
from grants.services.applications import call_limit_errors, documents_present
from grants.signals import application_submitted


def effective_deadline(application: Application) -> dt.datetime:
    """The call's closing time plus its grace period, or the later individual extension."""
    deadline = application.call_version.deadline
    if application.deadline_extended_to and application.deadline_extended_to > deadline:
        return application.deadline_extended_to
    return deadline


def missing_items(application: Application) -> list[str]:
    """What still prevents submission, as sentences the applicant can act on."""
    version = application.call_version
    answers, errors = clean_answers(version.form_schema, application.answers, complete=True)
    errors.update(call_limit_errors(version, answers))
    labels = {
        field["key"]: field["label"] for section in version.form_schema["sections"] for field in section["fields"]
    }
    missing = [
        f"{_label(labels.get(key.split('.')[0]))}: {' '.join(map(str, messages))}" for key, messages in errors.items()
    ]
    present = documents_present(application)
    for document in version.required_documents:
        if document.get("required", True) and document["code"] not in present:
            missing.append(_("Document missing: %(name)s") % {"name": _label(document.get("label"))})
    return missing


def _label(label) -> str:
    from django.utils.translation import get_language

    if not isinstance(label, dict):
        return str(label or "")
    return str(label.get("nl" if (get_language() or "").startswith("nl") else "fr", ""))


def _next_reference(application: Application, at: dt.datetime) -> str:
    # Lock the call row: two submissions at once must not take the same number.
    call = Call.objects.select_for_update().get(pk=application.call_version.call_id)
    call.last_reference_number += 1
    call.save(update_fields=["last_reference_number"])
    year = timezone.localtime(at).year
    return f"AAP-{year}-{call.code.upper()}-{call.last_reference_number:04d}"


def _snapshot(application: Application, actor, at: dt.datetime) -> ApplicationSnapshot:
    answers = visible_answers(application.call_version.form_schema, application.answers)
    files = [
        {"document": doc.document_code, "name": doc.original_name, "size": doc.size, "sha256": doc.sha256}
        for doc in documents_present(application).values()
    ]
    number = application.snapshots.count() + 1
    canonical = json.dumps(
        {"reference": application.reference, "number": number, "answers": answers, "files": files},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return ApplicationSnapshot.objects.create(
        application=application,
        number=number,
        answers=answers,
        files=files,
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        submitted_at=at,
        submitted_by=actor,
    )


@transaction.atomic
def application_submit(*, actor, application_id: int) -> ApplicationSnapshot:
    """Submit (or resubmit after a request for information) once: a double click finds it submitted already."""
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("call_version__call").get(pk=application_id)
    )
    allowed, reason = can_submit(actor, application)
    if not allowed:
        raise NotPermitted(reason)
    if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.INFO_REQUESTED):
        raise TransitionNotAllowed(
            _("This application was submitted already."), extra={"reference": application.reference}
        )
    now = timezone.now()
    resubmission = application.status == ApplicationStatus.INFO_REQUESTED
    if not resubmission and now > effective_deadline(application):
        deadline = timezone.localtime(effective_deadline(application))
        raise TransitionNotAllowed(
            _(
                "The deadline passed on %(date)s at %(time)s (Brussels time): "
                "the application can no longer be submitted."
            )
            % {"date": deadline.strftime("%d/%m/%Y"), "time": deadline.strftime("%H:%M:%S")}
        )
    missing = missing_items(application)
    if missing:
        raise InvalidInput(_("The application is not complete yet."), extra={"missing": missing})
    before = application.status
    if not application.reference:
        application.reference = _next_reference(application, now)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    application.info_request = ""
    application.save()
    snapshot = _snapshot(application, actor, now)
    audit_record(
        obj=application,
        actor=actor,
        action="resubmitted" if resubmission else "submitted",
        from_state=before,
        to_state=application.status,
        changes={"snapshot": snapshot.number, "sha256": snapshot.sha256},
    )
    from grants.tasks import run_automatic_eligibility, send_receipt

    transaction.on_commit(partial(send_receipt.delay, snapshot_id=snapshot.pk))
    transaction.on_commit(partial(run_automatic_eligibility.delay, snapshot_id=snapshot.pk))
    transaction.on_commit(
        partial(
            application_submitted.send,
            sender=Application,
            application_id=application.pk,
            snapshot_id=snapshot.pk,
            resubmission=resubmission,
        )
    )
    return snapshot


@transaction.atomic
def deadline_extend(*, actor, application_id: int, until: dt.datetime, reason: str) -> DeadlineExtension:
    allowed, why = can_extend_deadline(actor)
    if not allowed:
        raise NotPermitted(why)
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("call_version").get(pk=application_id)
    )
    if application.status != ApplicationStatus.DRAFT:
        raise TransitionNotAllowed(_("Only an application not yet submitted can get more time."))
    if not reason.strip():
        raise InvalidInput(_("Give the reason for the extension."), extra={"fields": {"reason": []}})
    if until <= effective_deadline(application):
        raise InvalidInput(_("The new deadline must be later than the current one."), extra={"fields": {"until": []}})
    extension = DeadlineExtension.objects.create(
        application=application, until=until, reason=reason.strip(), granted_by=actor
    )
    before = application.deadline_extended_to
    application.deadline_extended_to = until
    application.save(update_fields=["deadline_extended_to", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="deadline_extended",
        changes={"until": [str(before) if before else "", until.isoformat()], "reason": reason.strip()},
    )
    return extension
