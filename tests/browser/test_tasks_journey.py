import pytest
from django.utils import translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.browser.conftest import OUTPUT
from tests.workflows.fixtures import waiting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_checker_takes_a_task_from_the_queue_and_completes_it_in_french(
    live_server, browser_page, staff_client, v1, start, checker
):
    case = start(amount="125000.00")
    client = staff_client(checker)  # signed in with the second factor verified
    page = browser_page
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    with translation.override("fr"):
        page.goto(f"{live_server.url}/fr/staff/tasks/queue/")
    page.get_by_role("heading", name="File d'attente").wait_for()
    row = page.locator("tr", has_text="DEMO-0001")
    assert "125.000,00 EUR" in row.inner_text()
    page.screenshot(path=str(OUTPUT / "staff-fr-queue.png"), full_page=True)
    row.get_by_role("button", name="Prendre").click()
    page.get_by_text("La tâche vous est attribuée.").wait_for()
    page.get_by_role("link", name="Mes tâches").first.click()
    page.get_by_role("heading", name="Mes tâches").wait_for()
    page.locator("tr", has_text="DEMO-0001").get_by_role("link", name="Ouvrir").click()
    page.wait_for_url("**/check/**")
    page.locator("form.vf-form button.mdc-button--raised").click()
    page.wait_for_load_state("networkidle")
    task = Task.objects.get(pk=waiting(case, "decide").pk)
    assert task.status == STATUS.NEW
    assert Task.objects.filter(process_id=case.pk, flow_task__endswith=".check", status=STATUS.DONE).exists()
