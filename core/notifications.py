"""E-mails go out in the recipient's language, rendered from templates/emails/<name>.{subject.txt,txt,html}."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(url: str) -> str:
    """A link that works from an e-mail: paths get the public base URL, full URLs and "" stay as they are."""
    if url.startswith("/") and not url.startswith("//"):
        return settings.PUBLIC_BASE_URL.rstrip("/") + url
    return url


def render_templated_email(*, template: str, context: dict, language: str) -> tuple[str, str, str]:
    """The subject (on one line), text and HTML of an e-mail, rendered in `language`."""
    with translation.override(language):
        context = {**context, "language": language, "base_url": settings.PUBLIC_BASE_URL}
        subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


def send_email(*, to: list[str], subject: str, text: str, html: str) -> None:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


def send_templated_email(*, to: list[str], template: str, context: dict, language: str) -> None:
    subject, text, html = render_templated_email(template=template, context=context, language=language)
    send_email(to=to, subject=subject, text=text, html=html)
