"""/api/v1/: outside the language prefix; the language comes from Accept-Language."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api import calls, organisations
from api.views_misc import not_found

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"), name="redoc"),
    path("calls/", calls.CallList.as_view(), name="call-list"),
    path("calls/<slug:code>/", calls.CallDetail.as_view(), name="call-detail"),
    path("organisations/", organisations.OrganisationList.as_view(), name="organisation-list"),
    path("organisations/<int:id>/", organisations.OrganisationDetail.as_view(), name="organisation-detail"),
    path("organisations/<int:id>/members/", organisations.MemberList.as_view(), name="organisation-members"),
    path("", include("api.urls_applications")),
    path("", include("api.urls_tasks")),
    path("", include("api.urls_committee")),
    path("", include("api.urls_review")),
    path("", include("api.urls_loans")),
    path("", include("api.urls_finance")),
    # Last: any other path under /api/v1/ answers the API's 404 body, not the portal's HTML page. [\s\S], not ".":
    # a path with a newline in it (%0A) must match too (an inline (?s) flag would break reverse()).
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]
