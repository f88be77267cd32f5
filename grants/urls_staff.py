"""The staff site's Grants application: calls for projects and applications (mounted in config/staff_site.py)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, AppMenuMixin, Viewset

from core.roles import is_staff_member
from grants import views_review, views_sessions, views_staff


class CallsViewset(AppMenuMixin, Viewset):
    app_name = "calls"
    title = _("Calls for projects")
    icon = "campaign"
    index_path = path("", views_staff.call_list, name="index")
    create_path = path("new/", views_staff.call_create, name="create")
    detail_path = path("<int:pk>/", views_staff.call_detail, name="detail")
    new_version_path = path("<int:pk>/new-version/", views_staff.version_new, name="new_version")
    version_path = path("<int:pk>/v<int:number>/", views_staff.version_detail, name="version")
    edit_path = path("<int:pk>/v<int:number>/edit/", views_staff.version_edit, name="edit")
    preview_path = path("<int:pk>/v<int:number>/preview/", views_staff.version_preview, name="preview")
    publish_path = path("<int:pk>/v<int:number>/publish/", views_staff.version_publish, name="publish")
    ranking_path = path("<int:pk>/ranking/", views_review.call_ranking_page, name="ranking")
    dashboard_path = path("<int:pk>/dashboard/", views_review.call_dashboard_page, name="dashboard")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("grants.view_call")


class ApplicationsViewset(AppMenuMixin, Viewset):
    app_name = "applications"
    title = _("Applications")
    icon = "description"
    index_path = path("", views_staff.application_list, name="index")
    detail_path = path("<int:pk>/", views_staff.application_detail, name="detail")
    extend_path = path("<int:pk>/extend-deadline/", views_staff.application_extend, name="extend")
    reviewers_path = path("<int:pk>/reviewers/", views_review.application_reviewers, name="reviewers")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("grants.view_application")


class SessionsViewset(AppMenuMixin, Viewset):
    """Selection committee sessions: seen by committee members, call managers and auditors, recorded by the
    committee's secretary (grants.services.committee says who may do what)."""

    app_name = "sessions"
    title = _("Committee sessions")
    icon = "groups"
    index_path = path("", views_sessions.session_list, name="index")
    create_path = path("new/", views_sessions.session_create_page, name="create")
    detail_path = path("<int:pk>/", views_sessions.session_detail, name="detail")
    agenda_path = path("<int:pk>/agenda/", views_sessions.session_agenda, name="agenda")
    attendance_path = path("<int:pk>/attendance/", views_sessions.session_attendance, name="attendance")
    close_path = path("<int:pk>/close/", views_sessions.session_close, name="close")
    minutes_path = path("<int:pk>/minutes/<str:language>/", views_sessions.session_minutes, name="minutes")
    recusal_path = path("items/<int:item_pk>/recusal/", views_sessions.item_recusal, name="recusal")
    decision_path = path("items/<int:item_pk>/decision/", views_sessions.item_decision, name="decide")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("grants.view_committeesession")


class GrantsApp(Application):
    app_name = "grants"
    title = _("Grants")
    icon = "euro"
    viewsets = [CallsViewset(), ApplicationsViewset(), SessionsViewset()]

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("grants.view_call")
