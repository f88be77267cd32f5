"""The staff site's Loans application: FRBRTC loan products, loan applications, loans and the portfolio (mounted in
config/staff_site.py)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, AppMenuMixin, Viewset

from core.roles import is_staff_member
from loans import (
    views_staff_applications,
    views_staff_portfolio,
    views_staff_products,
    views_staff_servicing,
    views_staff_simulator,
)


class ProductsViewset(AppMenuMixin, Viewset):
    app_name = "products"
    title = _("Loan products")
    icon = "inventory_2"
    index_path = path("", views_staff_products.product_list, name="index")
    create_path = path("new/", views_staff_products.product_create, name="create")
    detail_path = path("<int:pk>/", views_staff_products.product_detail, name="detail")
    new_version_path = path("<int:pk>/new-version/", views_staff_products.version_new, name="new_version")
    version_path = path("<int:pk>/v<int:number>/", views_staff_products.version_detail, name="version")
    edit_path = path("<int:pk>/v<int:number>/edit/", views_staff_products.version_edit, name="edit")
    publish_path = path("<int:pk>/v<int:number>/publish/", views_staff_products.version_publish, name="publish")
    shares_path = path("<int:pk>/shares/", views_staff_products.product_shares, name="shares")
    shares_import_path = path("<int:pk>/shares/import/", views_staff_products.shares_import, name="shares_import")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("loans.view_loanproductversion")


class ApplicationsViewset(AppMenuMixin, Viewset):
    app_name = "applications"
    title = _("Loan applications")
    icon = "request_quote"
    index_path = path("", views_staff_applications.application_list, name="index")
    detail_path = path("<int:pk>/", views_staff_applications.application_detail, name="detail")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("loans.view_loanapplication")


class LoansViewset(AppMenuMixin, Viewset):
    app_name = "loans"
    title = _("Loans")
    icon = "account_balance_wallet"
    index_path = path("", views_staff_servicing.loan_list, name="index")
    simulator_path = path("simulator/", views_staff_simulator.simulator, name="simulator")
    simulator_csv_path = path("simulator/schedule.csv", views_staff_simulator.simulator_csv, name="simulator_csv")
    detail_path = path("<int:pk>/", views_staff_servicing.loan_detail, name="detail")
    schedule_path = path("<int:pk>/schedule.xlsx", views_staff_servicing.schedule_export, name="schedule_xlsx")
    repayment_path = path("<int:pk>/repayments/", views_staff_servicing.repayment_create, name="repayment")
    write_off_path = path("<int:pk>/write-off/", views_staff_servicing.write_off_create, name="write_off")
    reversal_path = path("<int:pk>/reversal/", views_staff_servicing.reversal_create, name="reversal")
    approve_path = path(
        "<int:pk>/drawdowns/<int:drawdown_pk>/approve/", views_staff_servicing.drawdown_approve_view, name="approve"
    )
    refuse_path = path(
        "<int:pk>/drawdowns/<int:drawdown_pk>/refuse/", views_staff_servicing.drawdown_refuse_view, name="refuse"
    )

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("loans.view_loan")


class PortfolioViewset(AppMenuMixin, Viewset):
    app_name = "portfolio"
    title = _("Portfolio")
    icon = "pie_chart"
    index_path = path("", views_staff_portfolio.portfolio_page, name="index")
    export_path = path("portfolio.xlsx", views_staff_portfolio.portfolio_export, name="export")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("loans.view_loan")


class LoansApp(Application):
    app_name = "loans"
    title = _("FRBRTC loans")
    icon = "savings"
    viewsets = [ProductsViewset(), ApplicationsViewset(), LoansViewset(), PortfolioViewset()]

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("loans.view_loanproductversion")
