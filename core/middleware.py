"""The staff door: staff pages need a staff account and, where required, a verified second factor."""

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _

from core.roles import is_staff_member

# Paths below these prefixes (after the language prefix) are staff-only.
STAFF_PREFIXES = ("/staff/", "/admin/")
# The doors themselves: signing in and enrolling or proving the second factor.
OPEN_PREFIXES = ("/staff/accounts/", "/staff/2fa/")


def _strip_language(path: str) -> str:
    language = get_language_from_path(path)
    return path[len(language) + 1 :] if language else path


class StaffAreaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = _strip_language(request.path_info)
        if path.startswith(STAFF_PREFIXES) and not path.startswith(OPEN_PREFIXES):
            redirect = self._gate(request)
            if redirect is not None:
                return redirect
        return self.get_response(request)

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        next_param = f"?next={quote(request.get_full_path())}"
        if not user.is_authenticated:
            return HttpResponseRedirect(reverse("login") + next_param)
        if not is_staff_member(user):
            raise PermissionDenied(_("This account has no access to the staff site."))
        # is_verified() is added to the user by django-otp's OTPMiddleware.
        if settings.STAFF_OTP_REQUIRED and not getattr(user, "is_verified", lambda: False)():
            return HttpResponseRedirect(reverse("staff_otp:verify") + next_param)
        return None
