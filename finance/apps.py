from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from core.roles import StaffRole, grant_role_permissions

        readers = [StaffRole.FINANCE_OFFICER, StaffRole.FINANCE_APPROVER, StaffRole.AUDITOR]
        grant_role_permissions(readers, ["finance.view_payable", "finance.view_receivable", "finance.view_commitment"])
        grant_role_permissions([StaffRole.FINANCE_OFFICER], ["finance.change_payable"])
