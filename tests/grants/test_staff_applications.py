"""The staff pages of applications: the filtered list, the application page, and individual deadline extensions."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from core.models import AuditRecord
from core.roles import StaffRole
from core.services.audit import audit_record
from grants.models import (
    Application,
    ApplicationSnapshot,
    ApplicationStatus,
    DeadlineExtension,
    EligibilityResult,
)
from grants.seed import sample_answers
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.grants import CallFactory, CallVersionFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"staff:grants:applications:{name}", args=args)


def local(moment: dt.datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M")


def submitted(version, organisation, *, reference: str, snapshots: int = 1, answers=None) -> Application:
    """A submitted application with its snapshots, as application_submit leaves it (without the process)."""
    submitter = UserFactory(first_name="Sofia", last_name="Signataire")
    answers = answers or sample_answers()
    application = Application.objects.create(
        call_version=version,
        organisation=organisation,
        created_by=submitter,
        reference=reference,
        status=ApplicationStatus.SUBMITTED,
        answers=answers,
        total_cost=Decimal("1250000.00"),
        amount_requested=Decimal("1000000.00"),
        submitted_at=dt.datetime(2031, 2, 3, 14, 5, tzinfo=BRUSSELS),
    )
    for number in range(1, snapshots + 1):
        snapshot_answers = {**answers, "project_title": f"{answers['project_title']} ({number})"}
        ApplicationSnapshot.objects.create(
            application=application,
            number=number,
            answers=snapshot_answers,
            files=[],
            sha256=f"{number:064d}",
            submitted_at=application.submitted_at,
            submitted_by=submitter,
        )
    return application


@pytest.fixture
def version(db):
    return CallVersionFactory(published=True, call__code="sport")


def test_the_list_shows_the_applications_to_an_auditor(staff_client, auditor, version, commune):
    submitted(version, commune, reference="AAP-2031-SPORT-0001")
    page = staff_client(auditor).get(url("index")).content.decode()
    assert "AAP-2031-SPORT-0001" in page
    assert "Commune d&#x27;Anderlecht" in page
    assert "1.000.000,00 EUR" in page
    assert "03/02/2031 14:05" in page


def test_the_list_filters_by_call_status_and_organisation(staff_client, auditor, version, commune, other_commune):
    other_call = CallVersionFactory(published=True, call=CallFactory(code="wepulse"))
    submitted(version, commune, reference="AAP-2031-SPORT-0001")
    submitted(version, other_commune, reference="AAP-2031-SPORT-0002")
    submitted(other_call, commune, reference="AAP-2031-WEPULSE-0001")
    Application.objects.create(call_version=version, organisation=commune, created_by=auditor)
    client = staff_client(auditor)

    def references(query: str) -> set[str]:
        page = client.get(url("index") + query).content.decode()
        return {ref for ref in ("SPORT-0001", "SPORT-0002", "WEPULSE-0001", "Draft no.") if ref in page}

    assert references("") == {"SPORT-0001", "SPORT-0002", "WEPULSE-0001", "Draft no."}
    assert references(f"?call={version.call_id}") == {"SPORT-0001", "SPORT-0002", "Draft no."}
    assert references(f"?organisation={other_commune.pk}") == {"SPORT-0002"}
    assert references("?status=draft") == {"Draft no."}
    assert references(f"?status=submitted&organisation={commune.pk}&call={other_call.call_id}") == {"WEPULSE-0001"}
    assert references("?status=nonsense&call=x") == {"SPORT-0001", "SPORT-0002", "WEPULSE-0001", "Draft no."}


def test_the_list_runs_a_fixed_number_of_queries(staff_client, auditor, version, django_assert_max_num_queries):
    client = staff_client(auditor)

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            submitted(version, OrganisationFactory(), reference=f"AAP-2031-SPORT-{number:04d}")

    add(3, 1)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("index")).status_code == 200
    add(27, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("index"))
    assert response.content.decode().count("AAP-2031-SPORT-") == 30


def test_staff_without_the_right_to_see_applications_are_refused(staff_client):
    reviewer = UserFactory(roles=[StaffRole.REVIEWER])
    assert staff_client(reviewer).get(url("index")).status_code == 403


def test_the_application_page_shows_the_file_to_an_auditor(staff_client, auditor, version, commune):
    application = submitted(version, commune, reference="AAP-2031-SPORT-0001", snapshots=2)
    latest = application.snapshots.get(number=2)
    latest.receipt.save("receipt.pdf", ContentFile(b"%PDF-1.4 receipt"))
    EligibilityResult.objects.create(
        snapshot=latest,
        rule="max_amount",
        passed=True,
        reason_code="amount_within_maximum",
        params={"requested": "1000000.00", "maximum": "2500000.00"},
    )
    with transaction.atomic():
        audit_record(obj=application, actor=None, action="submitted", from_state="draft", to_state="submitted")
    response = staff_client(auditor).get(url("detail", application.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Intitulé du projet" in page  # the answers, labelled from the call's form
    assert "Rénovation de la salle omnisports (2)" in page
    assert "What changed since the previous submission" in page
    assert "Rénovation de la salle omnisports (1)" in page
    with translation.override("en"):
        assert reverse("grants:receipt", args=[latest.pk]) in page
    assert "Amount within the maximum" in page
    assert "The amount requested (1.000.000,00 EUR) is within the maximum (2.500.000,00 EUR)." in page
    assert "Sofia Signataire" in page
    assert "<td>draft</td>" in page and "<td>submitted</td>" in page  # the history
    assert "Extend the deadline" not in page  # auditors read only


def test_a_call_manager_extends_the_deadline_of_a_draft(staff_client, call_manager, draft):
    until = (draft.call_version.deadline + dt.timedelta(days=3)).astimezone(BRUSSELS).replace(second=0, microsecond=0)
    client = staff_client(call_manager)
    page = client.get(url("detail", draft.pk)).content.decode()
    assert "Extend the deadline" in page
    assert "the answers below are the ones saved so far" in page
    assert "Rénovation de la salle omnisports" in page
    response = client.post(
        url("extend", draft.pk), {"until": local(until), "reason": "Council meeting postponed by a strike."}
    )
    assert response.status_code == 302
    assert response["Location"] == url("detail", draft.pk)
    extension = DeadlineExtension.objects.get(application=draft)
    assert extension.until == until
    assert extension.granted_by == call_manager
    draft.refresh_from_db()
    assert draft.deadline_extended_to == until
    record = AuditRecord.objects.get(action="deadline_extended")
    assert record.actor == call_manager
    assert record.changes["reason"] == "Council meeting postponed by a strike."
    page = client.get(response["Location"]).content.decode()
    assert "Council meeting postponed by a strike." in page
    assert timezone.localtime(until, BRUSSELS).strftime("%d/%m/%Y %H:%M") in page
    assert "deadline_extended" in page  # the history


def test_an_extension_needs_a_reason(staff_client, call_manager, version, commune):
    application = Application.objects.create(call_version=version, organisation=commune, created_by=call_manager)
    until = version.deadline + dt.timedelta(days=3)
    response = staff_client(call_manager).post(url("extend", application.pk), {"until": local(until), "reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not DeadlineExtension.objects.exists()
    assert not AuditRecord.objects.filter(action="deadline_extended").exists()


def test_an_extension_must_end_after_the_current_deadline(staff_client, call_manager, version, commune):
    application = Application.objects.create(call_version=version, organisation=commune, created_by=call_manager)
    response = staff_client(call_manager).post(
        url("extend", application.pk), {"until": local(version.closes_at), "reason": "Too late anyway."}
    )
    assert response.status_code == 400
    assert "The new deadline must be later than the current one." in response.content.decode()
    assert not DeadlineExtension.objects.exists()
    application.refresh_from_db()
    assert application.deadline_extended_to is None
    assert not AuditRecord.objects.filter(action="deadline_extended").exists()


def test_an_auditor_cannot_extend_a_deadline(staff_client, auditor, version, commune):
    application = Application.objects.create(call_version=version, organisation=commune, created_by=auditor)
    until = version.deadline + dt.timedelta(days=3)
    response = staff_client(auditor).post(url("extend", application.pk), {"until": local(until), "reason": "Why not."})
    assert response.status_code == 403
    assert not DeadlineExtension.objects.exists()


def test_the_pages_of_the_list_keep_the_filters(staff_client, auditor, version, commune, monkeypatch):
    monkeypatch.setattr("grants.views_staff.STAFF_PAGE_SIZE", 2)
    for number in range(1, 4):
        submitted(version, commune, reference=f"AAP-2031-SPORT-{number:04d}")
    page = staff_client(auditor).get(url("index") + f"?status=submitted&organisation={commune.pk}").content.decode()
    assert f"?status=submitted&amp;organisation={commune.pk}&amp;page=2" in page
