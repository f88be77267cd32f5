import datetime as dt
import re

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from tests.factories import OrganisationFactory
from tests.workflows.fixtures import KEY, complete, waiting
from workflows.models import TaskDeadline
from workflows.services.task_actions import task_claim, task_release, tasks_assign

pytestmark = pytest.mark.django_db


def test_the_queue_shows_what_my_roles_may_take_with_what_the_case_is(v1, start, staff_client, checker, decider):
    case = start(amount="125000.00")
    content = staff_client(checker).get("/fr/staff/tasks/queue/").content.decode()
    assert "DEMO-0001" in content
    assert "Commune d&#x27;Anderlecht" in content or "Commune d'Anderlecht" in content
    assert "125.000,00 EUR" in content
    assert "demo_request@1" in content
    assert "Check the request" in content
    assert "DEMO-0001" not in staff_client(decider).get("/fr/staff/tasks/queue/").content.decode()
    assert waiting(case).status == STATUS.NEW


def test_taking_and_giving_back_a_task(v1, start, staff_client, checker):
    case = start()
    task = waiting(case)
    client = staff_client(checker)
    response = client.post(f"/en/staff/tasks/task/{task.pk}/take/")
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, checker)
    inbox = client.get("/en/staff/tasks/inbox/").content.decode()
    assert "DEMO-0001" in inbox
    assert re.search(r'href="/en/staff/tasks/flows/demorequestv1/\d+/check/\d+/"', inbox)
    client.post(f"/en/staff/tasks/task/{task.pk}/give-back/")
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)


def test_a_task_my_roles_do_not_allow_is_refused_and_left_alone(v1, start, decider, staff_client):
    task = waiting(start())
    with pytest.raises(NotPermitted):
        task_claim(actor=decider, task_id=task.pk)
    assert staff_client(decider).post(f"/en/staff/tasks/task/{task.pk}/take/").status_code == 403
    task.refresh_from_db()
    assert task.owner_id is None


def test_a_task_taken_by_someone_else_is_refused_with_their_name(v1, start, checker, other_checker):
    task = waiting(start())
    task_claim(actor=checker, task_id=task.pk)
    with pytest.raises(TransitionNotAllowed, match="already taken by"):
        task_claim(actor=other_checker, task_id=task.pk)
    with pytest.raises(NotPermitted):
        task_release(actor=other_checker, task_id=task.pk)
    task.refresh_from_db()
    assert task.owner == checker


def test_a_call_manager_hands_out_tasks_in_bulk(v1, start, call_manager, checker, staff_client):
    tasks = [waiting(start()) for _ in range(3)]
    client = staff_client(call_manager)
    page = client.get("/en/staff/tasks/team/").content.decode()
    assert page.count('name="tasks"') == 3
    response = client.post("/en/staff/tasks/assign/", {"tasks": [t.pk for t in tasks[:2]], "assignee": checker.pk})
    assert response.status_code == 302
    owners = [Task.objects.get(pk=t.pk).owner for t in tasks]
    assert owners == [checker, checker, None]


def test_bulk_assignment_is_all_or_nothing(v1, start, call_manager, checker, decider):
    tasks = [waiting(start()) for _ in range(2)]
    task_claim(actor=checker, task_id=tasks[1].pk)
    with pytest.raises(TransitionNotAllowed):
        tasks_assign(actor=call_manager, task_ids=[t.pk for t in tasks], assignee_id=checker.pk)
    assert Task.objects.get(pk=tasks[0].pk).owner_id is None
    with pytest.raises(InvalidInput, match="may not do task"):
        tasks_assign(actor=call_manager, task_ids=[tasks[0].pk], assignee_id=decider.pk)
    with pytest.raises(InvalidInput):
        tasks_assign(actor=call_manager, task_ids=[], assignee_id=checker.pk)
    assert Task.objects.get(pk=tasks[0].pk).owner_id is None


def test_only_call_managers_hand_out_tasks(v1, start, checker, other_checker, staff_client):
    task = waiting(start())
    with pytest.raises(NotPermitted):
        tasks_assign(actor=checker, task_ids=[task.pk], assignee_id=other_checker.pk)
    client = staff_client(checker)
    assert client.get("/en/staff/tasks/team/").status_code == 403
    assert client.post("/en/staff/tasks/assign/", {"tasks": [task.pk], "assignee": other_checker.pk}).status_code == 403


def test_done_tasks_are_listed(v1, start, checker, staff_client):
    complete(waiting(start()), checker)
    content = staff_client(checker).get("/en/staff/tasks/done/").content.decode()
    assert "DEMO-0001" in content


def test_filters_by_process_call_organisation_step_and_due_date(v2, start, checker, staff_client, commune):
    start(pin=f"{KEY}@1")
    start(pin=f"{KEY}@2")
    client = staff_client(checker)

    def refs(query: str) -> set[str]:
        return set(re.findall(r"DEMO-\d{4}", client.get(f"/en/staff/tasks/queue/?{query}").content.decode()))

    assert refs("") == {"DEMO-0001", "DEMO-0002"}
    assert refs("step=screen") == {"DEMO-0002"}
    assert refs("process=demo_request") == {"DEMO-0001", "DEMO-0002"}
    assert refs("source=PROG-2026") == {"DEMO-0001", "DEMO-0002"}
    assert refs("source=OTHER") == set()
    assert refs(f"organisation={commune.pk}") == {"DEMO-0001", "DEMO-0002"}
    assert refs(f"organisation={OrganisationFactory().pk}") == set()
    soon = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    assert refs(f"due_before={soon}") == {"DEMO-0002"}  # v2 screens in 3 days, v1 checks in 5
    assert refs("overdue=on") == set()
    TaskDeadline.objects.update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert refs("overdue=on") == {"DEMO-0001", "DEMO-0002"}
    assert "Overdue" in client.get("/en/staff/tasks/queue/").content.decode()


def test_a_bad_filter_is_ignored_not_a_server_error(v1, start, checker, staff_client):
    start()
    response = staff_client(checker).get("/en/staff/tasks/queue/?due_before=31-31-2026&organisation=abc&step=../x")
    assert response.status_code == 200
    assert "DEMO-0001" in response.content.decode()


@pytest.mark.parametrize("page", ["inbox", "queue", "team"])
def test_task_lists_run_a_fixed_number_of_queries_for_1000_tasks(
    v1, start, call_manager, checker, staff_client, django_assert_max_num_queries, page
):
    checker.groups.add(*call_manager.groups.all())  # one person who sees every list
    client = staff_client(checker)
    case = start()
    if page == "inbox":
        task_claim(actor=checker, task_id=waiting(case).pk)
    with django_assert_max_num_queries(40) as few:
        assert client.get(f"/en/staff/tasks/{page}/").status_code == 200
    _copy_tasks(waiting(case), 1000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/en/staff/tasks/{page}/")
    assert response.content.decode().count("DEMO-0001") >= 50  # a full page of rows


def _copy_tasks(task: Task, count: int) -> None:
    """Many waiting tasks quickly: copies of one task row and its deadline (as a busy call would have)."""
    fields = {f.attname: getattr(task, f.attname) for f in Task._meta.concrete_fields if f.attname != "id"}
    created = Task.objects.bulk_create([Task(**fields) for _ in range(count)])
    deadline = task.deadline
    TaskDeadline.objects.bulk_create(
        TaskDeadline(task=copy, due_at=deadline.due_at, remind_at=deadline.remind_at) for copy in created
    )


def test_the_holder_opens_the_task_page_and_completes_it(v1, start, checker, staff_client):
    case = start()
    task = waiting(case)
    task_claim(actor=checker, task_id=task.pk)
    client = staff_client(checker)
    inbox = client.get("/en/staff/tasks/inbox/").content.decode()
    url = re.search(r'href="(/en/staff/tasks/flows/demorequestv1/\d+/check/\d+/)"', inbox).group(1)
    page = client.get(url, follow=True)
    assert page.status_code == 200
    execute_url = page.redirect_chain[-1][0] if page.redirect_chain else url
    response = client.post(execute_url, {"_continue": "1"})
    assert response.status_code in (302, 303)
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert waiting(case, "decide").status == STATUS.NEW
