from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from viewflow.contrib.auth import AuthViewset

from config.staff_site import site as staff_site
from core.views import auth, otp, portal
from core.views.language import set_language

otp_patterns = (
    [path("setup/", otp.otp_setup, name="setup"), path("verify/", otp.otp_verify, name="verify")],
    "staff_otp",
)

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", portal.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
]

urlpatterns += i18n_patterns(
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # The staff door (names "login" and "logout" are what viewflow's templates look for).
    path(
        "staff/accounts/",
        AuthViewset(
            allow_password_change=False,
            with_profile_view=False,
            login_view=auth.StaffLoginView.as_view(),
        ).urls,
    ),
    path("staff/2fa/", include(otp_patterns)),
    path("staff/", staff_site.urls),
    path("", include("grants.urls")),
    path("", include("loans.urls")),
    path("", include("core.urls_portal")),
    path("account/tokens/", include("api.urls_portal")),
    prefix_default_language=True,
)
