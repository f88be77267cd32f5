"""The staff site's Grants application: calls for projects and applications (mounted in config/staff_site.py)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, AppMenuMixin, Viewset

from core.roles import is_staff_member
from grants import views_staff


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

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("grants.view_call")


class ApplicationsViewset(AppMenuMixin, Viewset):
    app_name = "applications"
    title = _("Applications")
    icon = "description"
    index_path = path("", views_staff.application_list, name="index")
    detail_path = path("<int:pk>/", views_staff.application_detail, name="detail")
    extend_path = path("<int:pk>/extend-deadline/", views_staff.application_extend, name="extend")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("grants.view_application")


class GrantsApp(Application):
    app_name = "grants"
    title = _("Grants")
    icon = "euro"
    viewsets = [CallsViewset(), ApplicationsViewset()]

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("grants.view_call")
