"""Submitting a loan application: completeness, borrowing capacity, the reference, the frozen snapshot, the receipt."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.i18n import pick
from core.mail import document_mail, organisation_recipients
from core.money import format_eur
from core.pdf import render_pdf
from core.services.audit import audit_record
from loans.models import LoanApplication, LoanApplicationStatus, LoanProduct, LoanSnapshot
from loans.permissions import can_sign_for
from loans.services.applications import clean_project, documents_present
from loans.services.capacity import capacity_of
from loans.signals import loan_application_submitted


def requested_total(application: LoanApplication) -> Decimal:
    return sum((p.requested_amount for p in application.projects.all()), Decimal("0.00"))


def document_label(document: dict) -> str:
    label = document.get("label") or {}
    return pick(str(label.get("fr", "")), str(label.get("nl", ""))) or str(document.get("code"))


def _document_gaps(application: LoanApplication) -> list[str]:
    present = documents_present(application)
    missing = []
    for document in application.product_version.required_documents:
        if not document.get("required", True):
            continue
        if document.get("per_project"):
            for project in application.projects.all():
                if (document["code"], project.pk) not in present:
                    missing.append(
                        _("Document missing for %(project)s: %(name)s")
                        % {"project": project.title, "name": document_label(document)}
                    )
        elif (document["code"], None) not in present:
            missing.append(_("Document missing: %(name)s") % {"name": document_label(document)})
    return missing


def capacity_problem(application: LoanApplication, amount: Decimal) -> str | None:
    capacity = capacity_of(application.product_version, application.organisation)
    if capacity is None or amount <= capacity.available:
        return None
    return _(
        "The loans asked (%(amount)s) exceed the borrowing capacity left to %(borrower)s under this programme "
        "(%(available)s of %(cap)s)."
    ) % {
        "amount": format_eur(amount),
        "borrower": application.organisation.name,
        "available": format_eur(capacity.available),
        "cap": format_eur(capacity.cap),
    }


def missing_items(application: LoanApplication) -> list[str]:
    """What still prevents submission, as sentences the borrower can act on."""
    missing = [] if application.purpose.strip() else [_("Describe the purpose of the loan.")]
    projects = list(application.projects.all())
    if not projects:
        missing.append(_("Add at least one project."))
    for project in projects:
        _cleaned, errors = clean_project(
            application.product_version,
            {name: getattr(project, name) for name in ("title", "cost", "requested_amount", "depreciation_years")},
        )
        missing += [f"{project.title}: {' '.join(messages)}" for messages in errors.values()]
    missing += _document_gaps(application)
    over = capacity_problem(application, requested_total(application))
    return [*missing, over] if over else missing


def _next_reference(application: LoanApplication, at: dt.datetime) -> str:
    # Lock the product row: two submissions at once must not take the same number.
    product = LoanProduct.objects.select_for_update().get(pk=application.product_version.product_id)
    product.last_reference_number += 1
    product.save(update_fields=["last_reference_number"])
    return f"FRBRTC-{timezone.localtime(at).year}-{product.code.upper()}-{product.last_reference_number:04d}"


def _snapshot(application: LoanApplication, actor, at: dt.datetime) -> LoanSnapshot:
    content = {
        "purpose": application.purpose,
        "projects": [
            {
                "id": p.pk,
                "title": p.title,
                "description": p.description,
                "cost": str(p.cost),
                "requested_amount": str(p.requested_amount),
                "depreciation_years": p.depreciation_years,
                "budget_reference": p.budget_reference,
            }
            for p in application.projects.all()
        ],
    }
    files = [
        {"document": code, "project": project, "name": doc.original_name, "size": doc.size, "sha256": doc.sha256}
        for (code, project), doc in documents_present(application).items()
    ]
    number = application.snapshots.count() + 1
    canonical = json.dumps(
        {"reference": application.reference, "number": number, "content": content, "files": files},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return LoanSnapshot.objects.create(
        application=application,
        number=number,
        content=content,
        files=files,
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        submitted_at=at,
        submitted_by=actor,
    )


@transaction.atomic
def loan_application_submit(*, actor, application_id: int) -> LoanSnapshot:
    """Submit (or resubmit after a request for information) once: a double click finds it submitted already."""
    application = (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("product_version__product", "organisation")
        .get(pk=application_id)
    )
    allowed, reason = can_sign_for(actor, application.organisation_id)
    if not allowed:
        raise NotPermitted(reason)
    if application.status not in (LoanApplicationStatus.DRAFT, LoanApplicationStatus.INFO_REQUESTED):
        raise TransitionNotAllowed(_("This loan application was submitted already."))
    now = timezone.now()
    resubmission = application.status == LoanApplicationStatus.INFO_REQUESTED
    if not resubmission and now > application.product_version.closes_at:
        raise TransitionNotAllowed(_("Applications for this loan closed: it can no longer be submitted."))
    missing = missing_items(application)
    if missing:
        raise InvalidInput(_("The loan application is not complete yet."), extra={"missing": missing})
    before = application.status
    if not application.reference:
        application.reference = _next_reference(application, now)
    application.status = LoanApplicationStatus.SUBMITTED
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
    from loans.tasks import loan_eligibility_automatic, loan_receipt

    transaction.on_commit(partial(loan_receipt.delay, snapshot_id=snapshot.pk))
    transaction.on_commit(partial(loan_eligibility_automatic.delay, snapshot_id=snapshot.pk))
    transaction.on_commit(
        partial(
            loan_application_submitted.send,
            sender=LoanApplication,
            application_id=application.pk,
            snapshot_id=snapshot.pk,
            resubmission=resubmission,
        )
    )
    return snapshot


def receipt_files(snapshot: LoanSnapshot) -> list[dict]:
    """The submitted files as the receipt lists them: the document's name in the active language, the project it
    belongs to (by its title in the snapshot), the file name and its fingerprint."""
    documents = {item.get("code"): item for item in snapshot.application.product_version.required_documents}
    titles = {project["id"]: project["title"] for project in snapshot.content["projects"]}
    return [
        {
            "label": document_label(documents.get(item["document"], {"code": item["document"]})),
            "project": titles.get(item["project"], ""),
            "name": item["name"],
            "sha256": item["sha256"],
        }
        for item in snapshot.files
    ]


@transaction.atomic
def loan_receipt_send(*, snapshot_id: int) -> bool:
    """Make the receipt (once) and e-mail it (once): the row lock and the two marks make a retry harmless."""
    snapshot = (
        LoanSnapshot.objects.select_for_update(of=("self",))
        .select_related("application__organisation", "application__product_version__product", "submitted_by")
        .get(pk=snapshot_id)
    )
    application = snapshot.application
    language = application.organisation.correspondence_language
    with translation.override(language):
        context = {
            "snapshot": snapshot,
            "application": application,
            "projects": snapshot.content["projects"],
            "files": receipt_files(snapshot),
        }
    if not snapshot.receipt:
        pdf = render_pdf("loans/receipt.html", context, language=language)
        snapshot.receipt.save(f"{application.reference}-{snapshot.number}.pdf", ContentFile(pdf), save=False)
        snapshot.save(update_fields=["receipt"])
    if snapshot.receipt_emailed_at is not None:
        return False
    message = document_mail(
        template="loan_receipt",
        context=context,
        language=language,
        recipients=organisation_recipients(application.organisation, snapshot.submitted_by.email),
        attachment=snapshot.receipt,
        filename=f"{application.reference}.pdf",
    )
    # Marked before sending, in the same transaction: a failed send rolls the mark back for the retry.
    snapshot.receipt_emailed_at = timezone.now()
    snapshot.save(update_fields=["receipt_emailed_at"])
    message.send()
    return True
