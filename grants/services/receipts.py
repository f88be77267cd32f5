"""The receipt of a submission: a PDF in the organisation's language, kept with the submission and e-mailed."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import Membership, MembershipRole
from core.pdf import render_pdf
from grants.models import ApplicationSnapshot


def receipt_pdf(snapshot: ApplicationSnapshot, language: str) -> bytes:
    return render_pdf(
        "grants/receipt.html", {"snapshot": snapshot, "application": snapshot.application}, language=language
    )


def _recipients(snapshot: ApplicationSnapshot) -> list[str]:
    organisation = snapshot.application.organisation
    signatories = Membership.objects.filter(organisation=organisation, role=MembershipRole.SIGNATORY).values_list(
        "user__email", flat=True
    )
    return sorted({snapshot.submitted_by.email, *signatories, *([organisation.email] if organisation.email else [])})


@transaction.atomic
def receipt_send(*, snapshot_id: int) -> bool:
    """Make the receipt (once) and e-mail it (once): the row lock and the two marks make a retry harmless."""
    snapshot = (
        ApplicationSnapshot.objects.select_for_update(of=("self",))
        .select_related("application__organisation", "application__call_version__call", "submitted_by")
        .get(pk=snapshot_id)
    )
    language = snapshot.application.organisation.correspondence_language
    if not snapshot.receipt:
        pdf = receipt_pdf(snapshot, language)
        name = f"{snapshot.application.reference}-{snapshot.number}.pdf"
        snapshot.receipt.save(name, ContentFile(pdf), save=False)
        snapshot.save(update_fields=["receipt"])
    if snapshot.receipt_emailed_at is not None:
        return False
    with translation.override(language):
        context = {"snapshot": snapshot, "application": snapshot.application, "language": language}
        subject = " ".join(render_to_string("emails/application_receipt.subject.txt", context).split())
        text = render_to_string("emails/application_receipt.txt", context)
        html = render_to_string("emails/application_receipt.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, _recipients(snapshot))
    message.attach_alternative(html, "text/html")
    snapshot.receipt.open("rb")
    try:
        message.attach(f"{snapshot.application.reference}.pdf", snapshot.receipt.read(), "application/pdf")
    finally:
        snapshot.receipt.close()
    # Marked before sending, in the same transaction: a failed send rolls the mark back for the retry.
    snapshot.receipt_emailed_at = timezone.now()
    snapshot.save(update_fields=["receipt_emailed_at"])
    message.send()
    return True
