import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import translation
from pypdf import PdfReader

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import AuditRecord
from grants.models import ApplicationSnapshot, ApplicationStatus, CallVersion, DeadlineExtension
from grants.services.applications import application_save
from grants.services.submission import application_submit, deadline_extend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = dt.UTC


def test_a_signatory_submits_once_and_gets_a_receipt(draft, signatory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = application_submit(actor=signatory, application_id=draft.pk)
    draft.refresh_from_db()
    year = snapshot.submitted_at.astimezone(BRUSSELS).year
    assert re.fullmatch(rf"AAP-{year}-SPORT\d*-0001", draft.reference)
    assert draft.status == ApplicationStatus.SUBMITTED
    assert {f["document"] for f in snapshot.files} == {"council_resolution", "cost_estimate"}
    assert all(len(f["sha256"]) == 64 for f in snapshot.files) and len(snapshot.sha256) == 64
    receipt_mail = next(m for m in mail.outbox if draft.reference in m.subject)
    (name, content, kind) = receipt_mail.attachments[0]
    assert name == f"{draft.reference}.pdf"
    assert kind == "application/pdf"
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert draft.reference in text and snapshot.sha256[:16] in text.replace("\n", "")
    assert "Accusé de réception de votre candidature" in text  # the organisation corresponds in French
    with pytest.raises(TransitionNotAllowed, match="already"):
        application_submit(actor=signatory, application_id=draft.pk)
    assert ApplicationSnapshot.objects.filter(application=draft).count() == 1


def test_an_editor_cannot_submit(draft, commune_editor):
    with pytest.raises(NotPermitted):
        application_submit(actor=commune_editor, application_id=draft.pk)
    draft.refresh_from_db()
    assert (draft.status, draft.reference) == (ApplicationStatus.DRAFT, "")


def test_an_incomplete_application_lists_what_is_missing(draft, signatory):
    application_save(actor=signatory, application_id=draft.pk, base_version=draft.version, answers={"description": ""})
    draft.documents.filter(document_code="cost_estimate").update(removed_at=draft.created_at)
    with translation.override("en"), pytest.raises(InvalidInput) as error:
        application_submit(actor=signatory, application_id=draft.pk)
    missing = error.value.extra["missing"]
    assert any("Description du projet" in item and "required" in item for item in missing)
    assert any("Estimation détaillée des coûts" in item for item in missing)
    assert not ApplicationSnapshot.objects.exists()


def _freeze(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


@pytest.mark.parametrize(
    ("closes", "utc_deadline"),
    [
        # The night of 27 to 28 March 2027 Brussels moves to summer time (UTC+2): noon is 10:00 UTC.
        (dt.datetime(2027, 3, 28, 12, 0, tzinfo=BRUSSELS), dt.datetime(2027, 3, 28, 10, 15, tzinfo=UTC)),
        # The night of 24 to 25 October 2026 it moves back to winter time (UTC+1): noon is 11:00 UTC.
        (dt.datetime(2026, 10, 25, 12, 0, tzinfo=BRUSSELS), dt.datetime(2026, 10, 25, 11, 15, tzinfo=UTC)),
    ],
)
def test_the_deadline_is_closing_plus_grace_in_brussels_time_to_the_second(
    draft, signatory, monkeypatch, closes, utc_deadline
):
    CallVersion.objects.filter(pk=draft.call_version_id).update(
        opens_at=closes - dt.timedelta(days=30), closes_at=closes, grace_minutes=15
    )
    _freeze(monkeypatch, utc_deadline + dt.timedelta(seconds=1))
    with translation.override("en"), pytest.raises(TransitionNotAllowed, match="12:15:00"):
        application_submit(actor=signatory, application_id=draft.pk)
    _freeze(monkeypatch, utc_deadline - dt.timedelta(seconds=1))
    snapshot = application_submit(actor=signatory, application_id=draft.pk)
    assert snapshot.submitted_at == utc_deadline - dt.timedelta(seconds=1)


def test_an_individual_extension_lets_a_late_application_in_and_is_audited(draft, signatory, monkeypatch):
    call_manager = UserFactory(roles=["call_manager"])
    deadline = draft.call_version.deadline
    until = deadline + dt.timedelta(days=2)
    extension = deadline_extend(actor=call_manager, application_id=draft.pk, until=until, reason="Council met late")
    assert DeadlineExtension.objects.get() == extension
    assert AuditRecord.objects.for_object(draft).filter(action="deadline_extended").exists()
    _freeze(monkeypatch, deadline + dt.timedelta(days=1))
    application_submit(actor=signatory, application_id=draft.pk)


@pytest.mark.parametrize(
    ("reason", "days", "error"),
    [("", 2, InvalidInput), ("Late council", -1, InvalidInput)],
)
def test_an_extension_needs_a_reason_and_a_later_date(draft, reason, days, error):
    call_manager = UserFactory(roles=["call_manager"])
    with pytest.raises(error):
        deadline_extend(
            actor=call_manager,
            application_id=draft.pk,
            until=draft.call_version.deadline + dt.timedelta(days=days),
            reason=reason,
        )
    assert not DeadlineExtension.objects.exists()


def test_only_call_managers_extend_deadlines(draft, eligibility_officer):
    with pytest.raises(NotPermitted):
        deadline_extend(
            actor=eligibility_officer,
            application_id=draft.pk,
            until=draft.call_version.deadline + dt.timedelta(days=1),
            reason="x",
        )


def test_an_amount_above_the_calls_maximum_is_refused_in_the_users_language_and_not_stored(draft, commune_editor):
    with translation.override("nl"):
        with pytest.raises(InvalidInput) as error:
            application_save(
                actor=commune_editor,
                application_id=draft.pk,
                base_version=draft.version,
                answers={"amount_requested": "3.000.000,00", "project_title": "Nieuwe titel"},
            )
        assert "2.500.000,00 EUR" in error.value.extra["fields"]["amount_requested"][0]
        assert "maximum" in error.value.extra["fields"]["amount_requested"][0].lower()
    draft.refresh_from_db()
    assert draft.answers["amount_requested"] == "1000000.00"
    assert draft.answers["project_title"] == "Rénovation de la salle omnisports"
