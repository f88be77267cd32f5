"""E-mails that carry a document (a receipt, a letter, a convention, a due notice), in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models.fields.files import FieldFile
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from core.models import Membership, MembershipRole, Organisation


def organisation_recipients(organisation: Organisation, *also: str) -> list[str]:
    """Who hears of the organisation's files: its signatories, its general address, and `also`."""
    signatories = Membership.objects.filter(organisation=organisation, role=MembershipRole.SIGNATORY).values_list(
        "user__email", flat=True
    )
    return sorted({*also, *signatories, *([organisation.email] if organisation.email else [])} - {""})


def document_mail(
    *, template: str, context: dict, language: str, recipients: list[str], attachment: FieldFile, filename: str
) -> EmailMultiAlternatives:
    """The message built from `emails/<template>.subject.txt`, `.txt` and (if present) `.html`, with the file."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html: str
        try:
            html = render_to_string(f"emails/{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    if html:
        message.attach_alternative(html, "text/html")
    attachment.open("rb")
    try:
        message.attach(filename, attachment.read(), "application/pdf")
    finally:
        attachment.close()
    return message
