"""The portal's calls pages and starting an application.

Messages of the application are checked on /en/ pages (English is the source text, so these assertions hold once
the catalogues are translated); French and Dutch pages are checked with the call's own texts, which are data."""

import pytest
from django.utils import timezone

from core.models import MembershipRole, OrganisationKind
from grants.models import Application
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.grants import CallVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_version(db):
    return CallVersionFactory(published=True)


def test_the_open_calls_list_shows_title_programme_closing_time_and_amounts_in_french(client, call_version):
    content = client.get("/fr/calls/").content.decode()
    closes = timezone.localtime(call_version.closes_at).strftime("%d/%m/%Y %H:%M")
    assert "Appel à projets Infrastructures sportives 2021-2023" in content
    assert "Projectoproep Sportinfrastructuur 2021-2023" not in content
    assert "Infrastructures sportives" in content
    assert closes in content and closes.endswith("12:00")  # noon, Brussels time
    assert "43.000.000,00 EUR" in content
    assert "2.500.000,00 EUR" in content


def test_the_open_calls_list_is_in_dutch_on_dutch_pages(client, call_version):
    content = client.get("/nl/calls/").content.decode()
    assert "Projectoproep Sportinfrastructuur 2021-2023" in content
    assert "Sportinfrastructuur" in content
    assert "Appel à projets Infrastructures sportives 2021-2023" not in content


def test_a_closed_call_or_a_draft_is_not_listed(client):
    closed = CallVersionFactory(published=True, closed=True, title_fr="Appel clôturé", title_nl="Gesloten oproep")
    draft = CallVersionFactory(title_fr="Appel en préparation", title_nl="Oproep in voorbereiding")
    content = client.get("/fr/calls/").content.decode()
    assert "Appel clôturé" not in content
    assert "Appel en préparation" not in content
    assert f'href="/fr/calls/{closed.call.code}/"' not in content
    assert f'href="/fr/calls/{draft.call.code}/"' not in content
    assert 'class="calls"' not in content  # the empty list says so instead of showing a table


def test_the_home_page_lists_the_open_calls_with_a_link(client, call_version):
    content = client.get("/nl/").content.decode()
    assert "Projectoproep Sportinfrastructuur 2021-2023" in content
    assert f'href="/nl/calls/{call_version.call.code}/"' in content


def test_the_call_page_shows_its_text_documents_and_dates_in_the_readers_language(client, call_version):
    french = client.get(f"/fr/calls/{call_version.call.code}/").content.decode()
    dutch = client.get(f"/nl/calls/{call_version.call.code}/").content.decode()
    assert "La Région soutient les communes" in french
    assert "Délibération du conseil communal" in french and "Plan du site" in french
    assert "Het Gewest steunt gemeenten" in dutch
    assert "Beslissing van de gemeenteraad" in dutch and "Situatieplan" in dutch
    assert timezone.localtime(call_version.opens_at).strftime("%d/%m/%Y %H:%M") in dutch
    english = client.get(f"/en/calls/{call_version.call.code}/").content.decode()
    assert "Commune" in english  # the eligible kind
    assert "Sign in to apply" in english


def test_an_unknown_or_unpublished_call_is_not_found(client):
    draft = CallVersionFactory()
    assert client.get(f"/fr/calls/{draft.call.code}/").status_code == 404
    assert client.get("/fr/calls/nothing-here/").status_code == 404


def test_the_call_page_offers_a_commune_editor_to_start_an_application(client, call_version, commune_editor, commune):
    client.force_login(commune_editor)
    content = client.get(f"/en/calls/{call_version.call.code}/").content.decode()
    assert f'action="/en/calls/{call_version.call.code}/apply/"' in content
    assert f'name="organisation" value="{commune.pk}"' in content
    assert "Start an application for Commune d&#x27;Anderlecht" in content


def test_a_commune_editor_starts_an_application(client, call_version, commune_editor, commune):
    client.force_login(commune_editor)
    response = client.post(f"/fr/calls/{call_version.call.code}/apply/", {"organisation": commune.pk})
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/fr/applications/{application.pk}/"
    assert application.organisation == commune
    assert application.created_by == commune_editor
    assert application.status == "draft" and application.call_version == call_version
    page = client.get(response["Location"]).content.decode()
    assert 'id="application-form"' in page


def test_a_cpas_editor_is_told_the_call_is_not_for_cpas_and_nothing_is_stored(client, call_version):
    cpas = OrganisationFactory(kind=OrganisationKind.CPAS, name_fr="CPAS d'Anderlecht", name_nl="OCMW Anderlecht")
    editor = MembershipFactory(organisation=cpas, role=MembershipRole.EDITOR).user
    client.force_login(editor)
    page = client.get(f"/en/calls/{call_version.call.code}/").content.decode()
    assert "This call is not open to organisations of the kind" in page
    assert 'name="organisation"' not in page
    response = client.post(f"/en/calls/{call_version.call.code}/apply/", {"organisation": cpas.pk})
    assert response.status_code == 403
    assert (
        "This call is not open to organisations of the kind Public social welfare centre" in response.content.decode()
    )
    assert not Application.objects.exists()


def test_a_viewer_may_not_start_an_application(client, call_version, commune):
    viewer = MembershipFactory(organisation=commune, role=MembershipRole.VIEWER).user
    client.force_login(viewer)
    page = client.get(f"/en/calls/{call_version.call.code}/").content.decode()
    assert "Only an editor or a signatory of the organisation prepares its applications." in page
    response = client.post(f"/en/calls/{call_version.call.code}/apply/", {"organisation": commune.pk})
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_an_editor_cannot_apply_for_another_organisation(client, call_version, commune_editor, other_commune):
    client.force_login(commune_editor)
    response = client.post(f"/en/calls/{call_version.call.code}/apply/", {"organisation": other_commune.pk})
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_a_closed_call_says_so_and_takes_no_application(client, commune_editor, commune):
    closed = CallVersionFactory(published=True, closed=True)
    client.force_login(commune_editor)
    page = client.get(f"/en/calls/{closed.call.code}/").content.decode()
    assert "This call is not open." in page
    response = client.post(f"/en/calls/{closed.call.code}/apply/", {"organisation": commune.pk})
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_starting_an_application_needs_a_sign_in(client, call_version, commune):
    response = client.post(f"/fr/calls/{call_version.call.code}/apply/", {"organisation": commune.pk})
    assert response.status_code == 302 and response["Location"].startswith("/fr/login/")
    assert not Application.objects.exists()
