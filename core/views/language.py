from django.http import HttpRequest, HttpResponse
from django.urls import translate_url
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from core.models import Language
from core.services.users import user_set_language


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's switcher, plus: a signed-in person's choice is remembered on their account."""
    language = request.POST.get("language", "")
    if language in Language.values and request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    return django_set_language(request)


def redirect_in_language(response: HttpResponse, url: str, language: str) -> str:
    """Send a person who just signed in to the page in their own language, and remember it in the cookie."""
    from django.conf import settings

    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        samesite="Lax",
    )
    translated = translate_url(url, language)  # resolve in the current language first, then switch
    translation.activate(language)
    return translated
