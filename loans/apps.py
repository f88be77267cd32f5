from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = _("FRBRTC loans")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.roles import StaffRole, grant_role_permissions

        products = [
            f"loans.{action}_{model}" for model in ("loanproduct", "loanproductversion") for action in ("add", "change")
        ]
        readers = ["loans.view_loanproductversion", "loans.view_loanapplication", "loans.view_loan"]
        grant_role_permissions(
            [StaffRole.LOAN_ANALYST],
            [*products, *readers, "loans.analyse_loan", "loans.record_repayment", "loans.write_off_loan"],
        )
        grant_role_permissions([StaffRole.ADMINISTRATOR], [*products, *readers])
        grant_role_permissions([StaffRole.FINANCE_OFFICER], [*readers, "loans.record_repayment"])
        grant_role_permissions([StaffRole.FINANCE_APPROVER], [*readers, "loans.write_off_loan"])
        grant_role_permissions([StaffRole.AUDITOR, StaffRole.COMMITTEE_SECRETARY, StaffRole.COMMITTEE_MEMBER], readers)

        from finance.services.payments import register_paid_handler
        from loans.services.drawdowns import drawdown_paid

        register_paid_handler(drawdown_paid)

        from core.portal_hooks import register_open_calls
        from loans.views_portal_loans import open_loan_summaries

        register_open_calls(open_loan_summaries)
