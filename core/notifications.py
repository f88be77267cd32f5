"""E-mails go out in the recipient's language, rendered from templates/emails/<name>.{subject.txt,txt,html}."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_email(*, to: list[str], template: str, context: dict, language: str) -> None:
    with translation.override(language):
        context = {**context, "language": language, "base_url": settings.PUBLIC_BASE_URL}
        subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()
