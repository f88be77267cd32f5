"""The loan convention: generated in the borrower's language once the loan is granted, signed by the borrower,
accepted by the analyst; acceptance makes the loan active with the terms of the product version it was granted on."""

from functools import partial

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.mail import document_mail, organisation_recipients
from core.pdf import render_pdf
from core.services.audit import audit_record
from core.uploads import ALLOWED, check_upload
from loans.models import Loan, LoanApplication, LoanApplicationStatus, LoanConvention
from loans.permissions import can_analyse, can_sign_for
from loans.services.news import borrower_tell
from loans.signals import loan_convention_signed


def convention_context(application: LoanApplication) -> dict:
    version = application.product_version
    return {
        "application": application,
        "version": version,
        "decision": application.decision,
        "projects": [p for p in application.projects.all() if p.approved_amount],
        "periods": version.periods,
    }


@transaction.atomic
def convention_generate(*, application_id: int) -> LoanConvention:
    """Make the convention (once) and send it to the borrower (once). Called after the decision is committed."""
    application = (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("organisation", "product_version__product", "decision")
        .get(pk=application_id)
    )
    if application.status != LoanApplicationStatus.APPROVED:
        raise TransitionNotAllowed(_("A convention is made for a granted loan."))
    language = application.organisation.correspondence_language
    convention, created = LoanConvention.objects.get_or_create(application=application, defaults={"language": language})
    if not created:
        return convention
    pdf = render_pdf("loans/convention.html", convention_context(application), language=language)
    convention.document.save(f"{application.reference}-convention-{language}.pdf", ContentFile(pdf), save=False)
    convention.generated_at = timezone.now()
    convention.save()
    audit_record(obj=application, actor=None, action="convention_generated", changes={"language": language})
    message = document_mail(
        template="loan_convention",
        context={"application": application},
        language=language,
        recipients=organisation_recipients(application.organisation),
        attachment=convention.document,
        filename=f"{application.reference}-convention.pdf",
    )
    transaction.on_commit(message.send)
    return convention


@transaction.atomic
def convention_signed_upload(*, actor, application_id: int, upload: UploadedFile, signed_on) -> LoanConvention:
    """The borrower's signatory sends the signed convention (a PDF); a new copy replaces a refused one."""
    application = LoanApplication.objects.select_for_update(of=("self",)).get(pk=application_id)
    allowed, reason = can_sign_for(actor, application.organisation_id)
    if not allowed:
        raise NotPermitted(reason)
    convention = LoanConvention.objects.select_for_update().filter(application=application).first()
    if convention is None or application.status != LoanApplicationStatus.APPROVED or convention.accepted_at:
        raise TransitionNotAllowed(_("There is no convention waiting for its signature."))
    if signed_on is None or signed_on > timezone.localdate():
        raise InvalidInput(_("Give the date of signature (not in the future)."), extra={"fields": {"signed_on": []}})
    checked = check_upload(upload)
    if checked.content_type != ALLOWED[".pdf"]:
        raise InvalidInput(_("Send the signed convention as a PDF."), extra={"fields": {"file": []}})
    convention.signed_document.save(checked.storage_name, upload, save=False)
    convention.signed_name = checked.safe_name
    convention.signed_sha256 = checked.sha256
    convention.signed_uploaded_at = timezone.now()
    convention.signed_uploaded_by = actor
    convention.signed_on = signed_on
    convention.refusal_reason = ""
    convention.save()
    audit_record(obj=application, actor=actor, action="convention_signed", changes={"sha256": checked.sha256})
    transaction.on_commit(partial(loan_convention_signed.send, sender=LoanApplication, application_id=application.pk))
    return convention


@transaction.atomic
def convention_review(*, actor, application_id: int, accept: bool, reason: str = "") -> Loan | None:
    """The analyst accepts the signed copy (the loan becomes active) or refuses it with the reason."""
    allowed, why = can_analyse(actor)
    if not allowed:
        raise NotPermitted(why)
    application = (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("product_version__product", "organisation", "decision__commitment")
        .get(pk=application_id)
    )
    convention = LoanConvention.objects.select_for_update().filter(application=application).first()
    if convention is None or not convention.signed_document or convention.accepted_at:
        raise TransitionNotAllowed(_("There is no signed convention waiting to be checked."))
    if not accept:
        if not reason.strip():
            raise InvalidInput(_("Say why the signed copy is refused."), extra={"fields": {"reason": []}})
        convention.refusal_reason = reason.strip()
        convention.signed_document = ""
        convention.save(update_fields=["refusal_reason", "signed_document"])
        audit_record(obj=application, actor=actor, action="convention_refused", changes={"reason": reason.strip()})
        borrower_tell(
            application=application,
            event="copy_refused",
            key=f"copy-refused:{application.pk}:{convention.signed_uploaded_at:%Y%m%d%H%M%S}",
            reason=reason.strip(),
        )
        return None
    convention.accepted_at = timezone.now()
    convention.accepted_by = actor
    convention.save(update_fields=["accepted_at", "accepted_by"])
    return loan_activate(application=application, actor=actor)


def loan_activate(*, application: LoanApplication, actor) -> Loan:
    """The loan with the terms of the version it was granted on; its term starts at the first drawdown's payment."""
    version = application.product_version
    decision = application.decision
    assert decision.approved_total is not None and decision.commitment is not None  # a granted loan has both
    loan = Loan.objects.create(
        application=application,
        borrower=application.organisation,
        product_version=version,
        reference=application.reference,
        approved_amount=decision.approved_total,
        commitment=decision.commitment,
        rate=version.rate,
        periods=version.periods,
        frequency=version.frequency,
        method=version.method,
        day_count=version.day_count,
        grace_principal_periods=version.grace_principal_periods,
        grace_interest_periods=version.grace_interest_periods,
        due_date_rule=version.due_date_rule,
        prepayment_rule=version.prepayment_rule,
        late_interest_rate=version.late_interest_rate,
        allocation_order=version.allocation_order,
        max_drawdowns=version.max_drawdowns,
        last_drawdown_date=version.last_drawdown_date,
        notice_days=version.notice_days,
    )
    application.status = LoanApplicationStatus.CONTRACTED
    application.save(update_fields=["status", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="loan_activated",
        from_state=LoanApplicationStatus.APPROVED,
        to_state=application.status,
        changes={"loan": loan.reference, "amount": str(loan.approved_amount)},
    )
    return loan
