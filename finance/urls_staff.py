"""The staff site's Finance application: payment requests to pay (mounted in config/staff_site.py)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, AppMenuMixin, Viewset

from core.roles import is_staff_member
from finance import views_staff
from finance.urls_staff_bank import bank_viewsets
from finance.urls_staff_orders import orders_viewsets
from finance.urls_staff_programmes import programmes_viewsets
from finance.urls_staff_workbooks import workbooks_viewsets


class PayablesViewset(AppMenuMixin, Viewset):
    app_name = "payables"
    title = _("Payment requests")
    icon = "payments"
    index_path = path("", views_staff.payable_list, name="index")
    paid_path = path("<int:pk>/paid/", views_staff.payable_paid, name="paid")

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_payable")


class FinanceApp(Application):
    app_name = "finance"
    title = _("Finance")
    icon = "account_balance"
    # One line per area (each area's viewsets live in its own finance/urls_staff_<area>.py).
    viewsets = [
        PayablesViewset(),
        *orders_viewsets(),
        *programmes_viewsets(),
        *bank_viewsets(),
        *workbooks_viewsets(),
    ]

    def has_view_permission(self, user, obj=None) -> bool:
        return is_staff_member(user) and user.has_perm("finance.view_payable")
