"""PDF documents (minutes, decisions, receipts) rendered from templates with WeasyPrint, in a given language."""

from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template: str, context: dict, *, language: str) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only PDF work needs

    with translation.override(language):
        html = render_to_string(template, {**context, "language": language})
    return HTML(string=html).write_pdf()
