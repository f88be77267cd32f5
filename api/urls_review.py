"""API routes: the reviewers of grant applications (joined into api/urls.py before the JSON 404)."""

from django.urls import path

from api import review

urlpatterns = [
    path("applications/<int:id>/reviewers/", review.ApplicationReviewers.as_view(), name="application-reviewers"),
]
