"""API routes: applications (joined into api/urls.py before the JSON 404)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
