"""The staff pages of payment orders, SEPA batches and the budget (one line in FinanceApp.viewsets)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import AppMenuMixin, Viewset

from core.roles import is_staff_member
from finance import views_orders


class OrdersViewset(AppMenuMixin, Viewset):
    app_name = "orders"
    title = _("Payment orders")
    icon = "assignment_turned_in"
    index_path = path("", views_orders.order_list, name="index")
    prepare_path = path("prepare/<int:payable_pk>/", views_orders.order_prepare_page, name="prepare")
    detail_path = path("<int:pk>/", views_orders.order_detail, name="detail")
    approve_path = path("<int:pk>/approve/", views_orders.order_approve_view, name="approve")
    reject_path = path("<int:pk>/reject/", views_orders.order_reject_view, name="reject")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_paymentorder")


class BatchesViewset(AppMenuMixin, Viewset):
    app_name = "batches"
    title = _("Payment batches")
    icon = "send"
    index_path = path("", views_orders.batch_list, name="index")
    new_path = path("new/", views_orders.batch_new, name="new")
    detail_path = path("<int:pk>/", views_orders.batch_detail, name="detail")
    file_path = path("<int:pk>/pain001.xml", views_orders.batch_file, name="file")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_paymentbatch")


class BudgetViewset(AppMenuMixin, Viewset):
    app_name = "budget"
    title = _("Budget")
    icon = "bar_chart"
    index_path = path("", views_orders.budget_page, name="index")
    credit_path = path("credits/", views_orders.budget_credit, name="credit")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_budgetcredit")


def orders_viewsets() -> list[Viewset]:
    return [OrdersViewset(), BatchesViewset(), BudgetViewset()]
