"""The award section of the application page (templates/portal/grants/award_section.html).

The read-only application page is rendered by grants.views_portal; this tag adds what follows the decision (letters,
award, tranches) with the reader's permissions applied in grants.views_awards.award_summary."""

from typing import Any

from django import template

from grants.models import Application
from grants.views_awards import award_summary

register = template.Library()


@register.inclusion_tag("portal/grants/award_section.html", takes_context=True)
def award_section(context: template.Context, application: Application) -> dict[str, Any]:
    request = context["request"]
    return {"application": application, "request": request, **award_summary(request.user, application)}
