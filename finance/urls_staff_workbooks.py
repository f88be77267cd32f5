"""Staff pages of reconciliation workbooks (one line in finance.urls_staff's FinanceApp.viewsets)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from core.roles import is_staff_member
from finance import views_workbooks


class WorkbooksViewset(AppMenuMixin, Viewset):
    app_name = "workbooks"
    title = _("Reconciliation workbooks")
    icon = "table_view"
    index_path = path("", views_workbooks.workbook_list, name="index")
    progress_path = path("<int:pk>/progress/", views_workbooks.workbook_progress, name="progress")
    download_path = path("<int:pk>/download/", views_workbooks.workbook_download, name="download")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm(views_workbooks.VIEW)


def workbooks_viewsets() -> list[Viewset]:
    return [WorkbooksViewset()]
