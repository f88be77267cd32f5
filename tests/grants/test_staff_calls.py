"""The staff pages of calls for projects: create, edit, preview, publish, new version; who may do what."""

import copy
import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.models import AuditRecord
from grants.models import Application, Call, CallStatus, CallVersion
from grants.seed import FORM_SCHEMA, sports_call_fields
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.grants import BudgetLineFactory, CallFactory, CallVersionFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

# `grant_process` (tests/grants/fixtures.py) registers the grant process with version 1 current: what publication pins.

BRUSSELS = ZoneInfo("Europe/Brussels")
JSON_FIELDS = ["required_documents", "form_schema", "eligibility_rules", "checklist", "scoring_grid", "tranche_plan"]


def url(name: str, *args, language: str = "fr") -> str:
    with translation.override(language):
        return reverse(f"staff:grants:calls:{name}", args=args)


def local(moment: dt.datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def form_data(db):
    fields = sports_call_fields()
    data = {
        "code": "sport",
        "programme": ProgrammeFactory().pk,
        "budget_line": BudgetLineFactory().pk,
        "title_fr": fields["title_fr"],
        "title_nl": fields["title_nl"],
        "text_fr": fields["text_fr"],
        "text_nl": fields["text_nl"],
        "envelope": "43.000.000,00",
        "max_amount": "2.500.000,00",
        "min_cofinancing_rate": "20",
        "eligible_kinds": fields["eligible_kinds"],
        "opens_at": local(fields["opens_at"]),
        "closes_at": local(fields["closes_at"]),
        "grace_minutes": "15",
    }
    data.update({name: json.dumps(fields[name]) for name in JSON_FIELDS})
    return data


def call_draft(**overrides) -> CallVersion:
    return CallVersionFactory(**overrides)


def test_a_call_manager_creates_a_call_from_the_form(staff_client, call_manager, form_data):
    client = staff_client(call_manager)
    assert client.get(url("create")).status_code == 200
    response = client.post(url("create"), form_data)
    assert response.status_code == 302
    version = CallVersion.objects.select_related("call").get(call__code="sport")
    assert response["Location"] == url("version", version.call_id, 1)
    assert version.status == CallStatus.DRAFT
    assert version.envelope == Decimal("43000000.00")
    assert version.max_amount == Decimal("2500000.00")
    assert version.min_cofinancing_rate == Decimal("0.200000")
    assert version.eligible_kinds == ["commune"]
    assert version.form_schema == FORM_SCHEMA
    assert version.tranche_plan == [80, 20]
    assert local(version.opens_at) == form_data["opens_at"]
    assert AuditRecord.objects.filter(action="call_created", actor=call_manager).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Appel à projets Infrastructures sportives 2021-2023" in page
    assert "43.000.000,00 EUR" in page


def test_opening_and_closing_times_are_read_as_brussels_time(staff_client, call_manager, form_data):
    form_data.update(opens_at="2031-01-15T09:30", closes_at="2031-07-15T12:00")
    assert staff_client(call_manager).post(url("create"), form_data).status_code == 302
    version = CallVersion.objects.get(call__code="sport")
    assert version.opens_at == dt.datetime(2031, 1, 15, 8, 30, tzinfo=dt.UTC)  # winter: UTC+1
    assert version.closes_at == dt.datetime(2031, 7, 15, 10, 0, tzinfo=dt.UTC)  # summer: UTC+2


def test_the_list_shows_every_call_with_its_latest_version(staff_client, call_manager):
    CallVersionFactory(
        published=True,
        call__code="wepulse",
        title_nl="Projectoproep WePulse",
        opens_at=dt.datetime(2031, 3, 1, 8, 0, tzinfo=BRUSSELS),
        closes_at=dt.datetime(2031, 4, 30, 12, 0, tzinfo=BRUSSELS),
    )
    page = staff_client(call_manager).get(url("index", language="nl")).content.decode()
    assert "wepulse" in page
    assert "Projectoproep WePulse" in page
    assert "01/03/2031 08:00" in page
    assert "30/04/2031 12:00" in page


@pytest.mark.parametrize(
    ("field", "text", "shown"),
    [
        ("form_schema", '{"sections": [', "This is not valid JSON (line 1, column 15)"),
        ("checklist", "[{'code': 'x'}]", "This is not valid JSON (line 1, column 3)"),
        ("tranche_plan", '{"first": 80}', "A JSON list is expected here"),
        ("form_schema", "[]", "A JSON object is expected here"),
    ],
)
def test_bad_json_is_refused_on_its_field_and_stores_nothing(staff_client, call_manager, form_data, field, text, shown):
    form_data[field] = text
    response = staff_client(call_manager).post(url("create", language="en"), form_data)
    assert response.status_code == 400
    assert shown in response.content.decode()
    assert not Call.objects.exists()
    assert not AuditRecord.objects.exists()


def test_an_amount_written_the_belgian_way_or_not_at_all(staff_client, call_manager, form_data):
    form_data["envelope"] = "quarante millions"
    response = staff_client(call_manager).post(url("create", language="en"), form_data)
    assert response.status_code == 400
    assert "Enter an amount, e.g. 1.234.567,89." in response.content.decode()
    assert not Call.objects.exists()


def test_closing_before_opening_is_refused_by_the_service_and_shown(staff_client, call_manager, form_data):
    form_data.update(opens_at="2031-05-01T12:00", closes_at="2031-04-01T12:00")
    response = staff_client(call_manager).post(url("create"), form_data)
    assert response.status_code == 400
    assert not Call.objects.exists()


def test_a_call_manager_edits_a_draft(staff_client, call_manager, form_data):
    version = call_draft()
    client = staff_client(call_manager)
    page = client.get(url("edit", version.call_id, 1)).content.decode()
    assert "43.000.000,00" in page  # amounts are shown as they are typed
    assert 'value="20"' in page  # the rate as a percentage
    del form_data["code"], form_data["programme"]
    form_data.update(title_fr="Infrastructures sportives 2031", min_cofinancing_rate="12,5")
    response = client.post(url("edit", version.call_id, 1), form_data)
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.title_fr == "Infrastructures sportives 2031"
    assert version.min_cofinancing_rate == Decimal("0.125000")
    assert version.status == CallStatus.DRAFT


def test_bad_json_in_an_edit_changes_nothing(staff_client, call_manager, form_data):
    version = call_draft()
    del form_data["code"], form_data["programme"]
    form_data.update(title_fr="Changed", scoring_grid="[{")
    response = staff_client(call_manager).post(url("edit", version.call_id, 1, language="en"), form_data)
    assert response.status_code == 400
    assert "This is not valid JSON" in response.content.decode()
    version.refresh_from_db()
    assert version.title_fr != "Changed"


def test_the_preview_shows_the_form_in_french_and_in_dutch(staff_client, call_manager):
    version = call_draft()
    response = staff_client(call_manager).get(url("preview", version.call_id, 1))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Intitulé du projet" in page
    assert "Titel van het project" in page
    assert 'lang="fr"' in page and 'lang="nl"' in page


def test_a_call_manager_publishes_a_draft_pinned_to_the_current_process(staff_client, call_manager, grant_process):
    version = call_draft()
    client = staff_client(call_manager)
    response = client.post(url("publish", version.call_id, 1))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == CallStatus.PUBLISHED
    assert version.process_pin == "grant_application@1"
    assert version.published_by == call_manager
    page = client.get(url("version", version.call_id, 1)).content.decode()
    assert "grant_application@1" in page
    assert version.content_hash in page
    assert timezone.localtime(version.published_at, BRUSSELS).strftime("%d/%m/%Y %H:%M") in page


def test_publishing_an_invalid_form_lists_every_problem_and_changes_nothing(staff_client, call_manager, grant_process):
    schema = copy.deepcopy(FORM_SCHEMA)
    schema["sections"][0]["fields"][0]["type"] = "slider"
    schema["sections"][0]["fields"][1]["label"] = {"fr": "Description du projet"}
    version = call_draft(form_schema=schema)
    response = staff_client(call_manager).post(url("publish", version.call_id, 1, language="en"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "field project_title: unknown type slider." in page
    assert "field description: the label needs a French and a Dutch text." in page
    assert "Nothing was published: the version is still a draft." in page
    version.refresh_from_db()
    assert version.status == CallStatus.DRAFT
    assert version.process_pin == ""
    assert not AuditRecord.objects.filter(action="call_published").exists()


def test_a_published_version_cannot_be_edited_and_a_new_version_is_a_draft(staff_client, call_manager, form_data):
    version = CallVersionFactory(published=True)
    organisation = OrganisationFactory()
    application = Application.objects.create(call_version=version, organisation=organisation, created_by=UserFactory())
    client = staff_client(call_manager)
    assert client.get(url("edit", version.call_id, 1)).status_code == 302
    del form_data["code"], form_data["programme"]
    response = client.post(
        url("edit", version.call_id, 1, language="en"), {**form_data, "title_fr": "Changed"}, follow=True
    )
    assert "A published version cannot be changed" in response.content.decode()
    version.refresh_from_db()
    assert version.title_fr != "Changed"

    response = client.post(url("new_version", version.call_id))
    assert response.status_code == 302
    assert response["Location"] == url("version", version.call_id, 2)
    new = CallVersion.objects.get(call=version.call, number=2)
    assert new.status == CallStatus.DRAFT
    assert new.form_schema == version.form_schema
    application.refresh_from_db()
    assert application.call_version_id == version.pk
    page = client.get(response["Location"]).content.decode()
    assert url("version", version.call_id, 1) in page  # the versions history links back to v1


def test_an_eligibility_officer_reads_calls_but_cannot_create_or_publish(
    staff_client, eligibility_officer, form_data, grant_process
):
    version = call_draft()
    client = staff_client(eligibility_officer)
    assert client.get(url("index")).status_code == 200
    assert client.get(url("version", version.call_id, 1)).status_code == 200
    assert client.get(url("preview", version.call_id, 1)).status_code == 200
    assert client.get(url("create")).status_code == 403
    assert client.post(url("create"), {**form_data, "code": "other"}).status_code == 403
    assert client.get(url("edit", version.call_id, 1)).status_code == 403
    assert client.post(url("publish", version.call_id, 1)).status_code == 403
    assert client.post(url("new_version", version.call_id)).status_code == 403
    version.refresh_from_db()
    assert version.status == CallStatus.DRAFT
    assert Call.objects.count() == 1
    page = client.get(url("version", version.call_id, 1)).content.decode()
    assert url("publish", version.call_id, 1) not in page
    assert url("edit", version.call_id, 1) not in page


def test_the_call_list_runs_a_fixed_number_of_queries(staff_client, call_manager, django_assert_max_num_queries):
    client = staff_client(call_manager)
    organisation = OrganisationFactory()
    author = UserFactory()

    def add_calls(count: int) -> None:
        for _ in range(count):
            version = CallVersionFactory(published=True, call=CallFactory())
            CallVersionFactory(call=version.call, number=2)
            Application.objects.create(call_version=version, organisation=organisation, created_by=author)

    add_calls(3)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("index")).status_code == 200
    add_calls(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("index"))
    assert response.content.decode().count("staff-status--draft") == 33  # each call shows its newest version


def test_a_second_call_with_the_same_code_is_refused(staff_client, call_manager, form_data):
    CallVersionFactory(call__code="sport")
    response = staff_client(call_manager).post(url("create"), form_data)
    assert response.status_code == 400
    assert Call.objects.count() == 1


def test_a_form_that_cannot_be_shown_lists_its_problems_instead_of_a_preview(staff_client, call_manager):
    version = call_draft(form_schema={"sections": []})
    response = staff_client(call_manager).get(url("preview", version.call_id, 1, language="en"))
    assert response.status_code == 400
    assert "The form needs at least one section." in response.content.decode()
