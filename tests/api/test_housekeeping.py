import datetime as dt

import pytest
from django.utils import timezone

from api.housekeeping import idempotency_records_purge, purge_idempotency_records
from api.models import IdempotencyRecord
from core.models import AuditRecord
from tests.factories import UserFactory


def _record(user, key: str, age_days: float) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(
        user=user, key=key, method="POST", path="/api/v1/x/", request_hash="0" * 64, response_status=201
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(days=age_days))
    return record


@pytest.mark.django_db
def test_answers_older_than_the_keep_period_are_purged_and_younger_ones_kept(settings):
    settings.API_IDEMPOTENCY_KEEP_DAYS = 30
    user = UserFactory()
    old = [_record(user, f"old-{n}", 30.5 + n) for n in range(3)]
    young = _record(user, "young", 29.5)

    assert idempotency_records_purge() == 3
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [young.key]
    assert not IdempotencyRecord.objects.filter(pk__in=[r.pk for r in old]).exists()
    # Twice is harmless.
    assert idempotency_records_purge() == 0


@pytest.mark.django_db
def test_purge_runs_in_slices_until_nothing_is_left(settings, monkeypatch):
    settings.API_IDEMPOTENCY_KEEP_DAYS = 1
    monkeypatch.setattr("api.housekeeping.PURGE_SLICE", 2)
    user = UserFactory()
    for n in range(5):
        _record(user, f"k{n}", 2)
    assert purge_idempotency_records() == 5
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.urls("tests.api.urls")
def test_a_purged_key_runs_as_a_new_request(settings, api_client, commune_editor):
    """Within the keep period a retry is replayed; after the purge the same key is a new request that acts again."""
    settings.API_IDEMPOTENCY_KEEP_DAYS = 30
    api_client.force_authenticate(commune_editor)

    def post():
        return api_client.post("/api/v1/_test/create/", {"amount": "5.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    first = post()
    assert post().json() == first.json()
    assert AuditRecord.objects.filter(action="test_created").count() == 1

    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=31))
    assert idempotency_records_purge() == 1
    again = post()
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert AuditRecord.objects.filter(action="test_created").count() == 2


def test_the_purge_is_scheduled_every_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["api-purge-idempotency"]
    assert entry["task"] == purge_idempotency_records.name
