from functools import cache

from django.conf import settings
from django.http import HttpRequest

from core.roles import is_staff_member
from core.selectors import unread_notification_count


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    context = {
        "available_languages": settings.LANGUAGES,
        "is_staff_member": is_staff_member(user),
    }
    if user is not None and user.is_authenticated:
        # A cached callable: templates call it, so the COUNT runs once, and only on pages that show it.
        context["unread_notification_count"] = cache(lambda: unread_notification_count(user))
    return context
