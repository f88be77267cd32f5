"""The Finance app's pages for Paradigm transfers and the We Pulse programme (listed in finance/urls_staff.py)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from core.roles import is_staff_member
from finance import views_programmes as views


class ParadigmViewset(AppMenuMixin, Viewset):
    app_name = "paradigm"
    title = _("Paradigm transfers")
    icon = "swap_horiz"
    index_path = path("", views.transfer_list, name="index")
    create_path = path("new/", views.transfer_create, name="create")
    plan_path = path("plans/", views.plan_set, name="plan")
    detail_path = path("<int:pk>/", views.transfer_detail, name="detail")
    correct_path = path("<int:pk>/correct/", views.transfer_correct, name="correct")
    attachments_path = path("<int:pk>/documents/", views.transfer_attachments, name="attachments")
    download_path = path("documents/<int:pk>/", views.attachment_download, name="download")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_paradigmtransfer")


class WePulseViewset(AppMenuMixin, Viewset):
    app_name = "wepulse"
    title = _("We Pulse")
    icon = "hub"
    index_path = path("", views.wepulse_dashboard_page, name="index")
    participants_path = path("authorities/", views.participant_list, name="participants")
    authority_path = path("authorities/<int:org_pk>/", views.authority_detail, name="authority")
    joined_path = path("authorities/<int:org_pk>/participation/", views.participant_set, name="participation")
    plan_path = path("authorities/<int:org_pk>/plans/<int:domain_pk>/", views.financing_plan_set, name="plan")
    plan_remove_path = path(
        "authorities/<int:org_pk>/plans/<int:domain_pk>/remove/", views.financing_plan_remove, name="plan_remove"
    )

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_wepulsefinancingplan")


def programmes_viewsets() -> list[Viewset]:
    return [ParadigmViewset(), WePulseViewset()]
