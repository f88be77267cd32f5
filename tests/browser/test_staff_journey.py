import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import OUTPUT
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_signs_in_with_two_steps_and_reads_the_organisations_in_dutch(
    live_server, browser_page, administrator
):
    call_command("seed_reference_data", verbosity=0)
    administrator.preferred_language = "nl"
    administrator.save()
    page = browser_page
    page.goto(f"{live_server.url}/nl/staff/")
    page.wait_for_url("**/nl/staff/accounts/login/**")
    page.locator("input[name=username]").fill(administrator.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/nl/staff/2fa/setup/**")
    assert page.locator("svg").first.is_visible()  # the QR code to scan
    device = TOTPDevice.objects.get(user=administrator, confirmed=False)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    page.locator("input[name=token]").fill(code)
    page.locator("button[type=submit]").click()
    page.get_by_text("Back-upcodes").first.wait_for()
    page.get_by_role("link", name="Doorgaan").click()
    page.goto(f"{live_server.url}/nl/staff/administration/organisations/?kind=commune")
    page.get_by_role("heading", name="Organisaties").wait_for()
    assert page.get_by_role("link", name="Gemeente Anderlecht").is_visible()
    assert page.get_by_text("Commune de Woluwe-Saint-Lambert").is_visible()
    page.screenshot(path=str(OUTPUT / "staff-nl-organisations.png"), full_page=True)
