"""Reads for the API's own objects."""

from django.db.models import QuerySet

from api.models import ApiToken


def tokens_of_user(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at")
