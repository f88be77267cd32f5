"""Serializer bases for the API."""

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not declare, so a typo in a field name is an error rather than a silent no-op."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


def valid(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """The request's body checked by `serializer_class`: its validated data, or the API's 400 with field errors."""
    serializer = serializer_class(data=request.data if request.data is not None else {})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
