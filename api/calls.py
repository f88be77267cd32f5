"""Calls for projects: the published versions, public like the portal's call pages."""

import django_filters
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters, serializers

from api.views_base import PublicListView, PublicRetrieveView
from grants.models import CallStatus, CallVersion
from grants.selectors import open_calls


def published_calls() -> QuerySet[CallVersion]:
    return (
        CallVersion.objects.filter(status=CallStatus.PUBLISHED)
        .select_related("call__programme")
        .annotate(code=F("call__code"))
    )


class ProgrammeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text=_("In the caller's language."))


class CallSerializer(serializers.Serializer):
    code = serializers.CharField(source="call.code")
    version = serializers.IntegerField(source="number")
    title = serializers.CharField(help_text=_("In the caller's language (Accept-Language)."))
    programme = ProgrammeSerializer(source="call.programme")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(help_text=_("The closing time plus the grace period."))
    is_open = serializers.SerializerMethodField()
    envelope = serializers.DecimalField(max_digits=14, decimal_places=2)
    max_amount = serializers.DecimalField(max_digits=14, decimal_places=2)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_open(self, version: CallVersion) -> bool:
        return version.is_open(self.context.get("now"))


class CallDetailSerializer(CallSerializer):
    text = serializers.CharField(help_text=_("In the caller's language."))
    eligible_kinds = serializers.ListField(child=serializers.CharField())
    min_cofinancing_rate = serializers.DecimalField(max_digits=9, decimal_places=6)


class CallFilter(django_filters.FilterSet):
    programme = django_filters.CharFilter(field_name="call__programme__code", help_text=_("A programme code."))
    open = django_filters.BooleanFilter(method="filter_open", help_text=_("Taking applications now."))

    class Meta:
        model = CallVersion
        fields = ["programme", "open"]

    def filter_open(self, queryset, name, value):
        # The grace period differs per call; grants decides what "open" means, on the few published rows.
        ids = [version.pk for version in open_calls()]
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class _CallContext:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}  # type: ignore[misc]


class CallList(_CallContext, PublicListView):
    """Published calls for projects, soonest deadline first."""

    serializer_class = CallSerializer
    filterset_class = CallFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ["closes_at", "opens_at", "published_at", "code"]
    ordering = ["closes_at", "id"]

    def get_queryset(self):
        return published_calls()


class CallDetail(_CallContext, PublicRetrieveView):
    """One published call, by its code."""

    serializer_class = CallDetailSerializer
    lookup_field = "call__code"
    lookup_url_kwarg = "code"

    def get_queryset(self):
        return published_calls()
