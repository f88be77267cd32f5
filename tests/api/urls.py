"""Test-only endpoints that raise each kind of error and exercise Idempotency-Key; never mounted in production."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.serializers import StrictSerializer
from config import urls as project_urls
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from core.services.audit import audit_record

RAISE = {
    "invalid": lambda: InvalidInput("Bad amount.", {"fields": {"amount": ["Too big."]}}),
    "not-permitted": lambda: NotPermitted("Not your role."),
    "not-found": lambda: NotFound("No such thing."),
    "transition": lambda: TransitionNotAllowed("Already submitted."),
    "http404": lambda: Http404(),
    "django-denied": lambda: PermissionDenied(),
}


class Raiser(APIView):
    def get(self, request, kind):
        raise RAISE[kind]()


class EchoInput(StrictSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    label = serializers.CharField(required=False)


class Echo(APIView):
    def post(self, request):
        serializer = EchoInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"amount": serializer.validated_data["amount"]})


class CountingCreate(APIView):
    """Writes one audit row per accepted request, so a test can count what a replay changed."""

    @idempotent
    def post(self, request):
        serializer = EchoInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            record = audit_record(obj=request.user, actor=request.user, action="test_created")
        return Response({"id": record.pk, "amount": serializer.validated_data["amount"]}, status=201)


urlpatterns = [
    path("api/v1/_test/raise/<slug:kind>/", Raiser.as_view()),
    path("api/v1/_test/echo/", Echo.as_view()),
    path("api/v1/_test/create/", CountingCreate.as_view()),
    *project_urls.urlpatterns,
]
