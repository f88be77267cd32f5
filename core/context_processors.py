from django.conf import settings
from django.http import HttpRequest

from core.roles import is_staff_member


def portal(request: HttpRequest) -> dict:
    return {
        "available_languages": settings.LANGUAGES,
        "is_staff_member": is_staff_member(getattr(request, "user", None)),
    }
