import pytest

from tests.browser.conftest import OUTPUT
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_commune_editor_signs_in_switches_to_dutch_and_sees_the_portal_in_dutch(
    live_server, browser_page, commune_editor, commune
):
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Adresse e-mail").fill(commune_editor.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/fr/")
    assert page.get_by_role("link", name="Mon organisation").is_visible()

    page.get_by_role("button", name="NL").click()
    page.wait_for_url(f"{live_server.url}/nl/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", name="Lopende projectoproepen").is_visible()
    page.get_by_role("link", name="Mijn organisatie").click()
    page.wait_for_url(f"{live_server.url}/nl/organisations/{commune.code}/")
    assert page.get_by_role("heading", name="Gemeente Anderlecht", level=1).is_visible()
    assert page.get_by_role("heading", name="Leden").is_visible()
    assert page.get_by_role("button", name="Afmelden").is_visible()
    page.screenshot(path=str(OUTPUT / "portal-nl-organisation.png"), full_page=True)

    commune_editor.refresh_from_db()
    assert commune_editor.preferred_language == "nl"
