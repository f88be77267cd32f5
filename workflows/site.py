"""The staff "Tasks" application: our inbox, queue, done and team pages, the case pages, and every registered
process version's own task pages (viewflow's FlowViewset) nested under it."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset

from core.roles import is_staff_member
from workflows import registry, selectors, views
from workflows.permissions import can_assign_others


class TasksApp(WorkflowAppViewset):
    app_name = "tasks"
    title = _("Tasks")
    icon = "assignment"
    menu_template_name = "staff/tasks/menu.html"

    index_path = path("", views.inbox, name="index")
    inbox_path = path("inbox/", views.inbox, name="inbox")
    queue_path = path("queue/", views.queue, name="queue")
    archive_path = path("done/", views.archive, name="archive")
    team_path = path("team/", views.team, name="team")
    claim_path = path("task/<int:task_id>/take/", views.claim, name="claim")
    release_path = path("task/<int:task_id>/give-back/", views.release, name="release")
    assign_path = path("assign/", views.assign, name="assign")
    case_path = path("case/<int:case_id>/", views.case_detail, name="case")

    def __init__(self, **kwargs):
        super().__init__(flow_viewsets=[FlowViewset(flow_class) for flow_class in registry.flow_classes()], **kwargs)

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user)

    def get_context_data(self, request) -> dict:
        user = request.user
        return {
            "tasks_mine_count": selectors.my_tasks(user).count(),
            "tasks_queue_count": selectors.queue(user).count(),
            "tasks_may_assign": can_assign_others(user)[0],
        }
