"""Background upkeep of the API: old Idempotency-Key answers are removed once no client would retry with them."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from api.models import IdempotencyRecord

logger = logging.getLogger(__name__)

# Deleting in slices keeps each statement short, so the purge never holds locks a client's POST would wait on.
PURGE_SLICE = 5000


def idempotency_records_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the answers older than API_IDEMPOTENCY_KEEP_DAYS; returns how many were deleted. Safe to run twice."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.API_IDEMPOTENCY_KEEP_DAYS)
    deleted = 0
    while True:
        ids = list(IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:PURGE_SLICE])
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]


@shared_task(name="api.purge_idempotency_records")
def purge_idempotency_records() -> int:
    deleted = idempotency_records_purge()
    logger.info("idempotency records purged: %s", deleted)
    return deleted
