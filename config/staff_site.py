"""The staff site: viewflow's Material frontend with the administration's applications."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, AppMenuMixin, Site, Viewset

from core.views import staff as staff_views
from finance.urls_staff import FinanceApp
from grants.urls_staff import GrantsApp
from loans.urls_staff import LoansApp
from workflows.site import TasksApp


class OrganisationsViewset(AppMenuMixin, Viewset):
    app_name = "organisations"
    title = _("Organisations")
    icon = "account_balance"
    index_path = path("", staff_views.organisation_list, name="index")
    create_path = path("new/", staff_views.organisation_create, name="create")
    detail_path = path("<int:pk>/", staff_views.organisation_detail, name="detail")
    edit_path = path("<int:pk>/edit/", staff_views.organisation_edit, name="edit")
    bank_account_path = path("<int:pk>/bank-accounts/new/", staff_views.bank_account_create, name="bank_account")

    def has_view_permission(self, user, obj=None) -> bool:
        return user.has_perm("core.view_organisation")


class HistoryViewset(Viewset):
    app_name = "history"
    object_path = path("<str:app_label>/<str:model>/<str:pk>/", staff_views.history, name="object")


class AdministrationApp(Application):
    app_name = "administration"
    title = _("Administration")
    icon = "settings"
    viewsets = [OrganisationsViewset(), HistoryViewset()]

    def has_view_permission(self, user, obj=None) -> bool:
        return user.has_perm("core.view_organisation")


site = Site(
    app_name="staff",
    title=_("BPL Funding · staff"),
    primary_color="#1d4f91",
    secondary_color="#c8102e",
    viewsets=[TasksApp(), GrantsApp(), LoansApp(), FinanceApp(), AdministrationApp()],
)
