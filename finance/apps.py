from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from core.roles import StaffRole, grant_role_permissions

        readers = [StaffRole.FINANCE_OFFICER, StaffRole.FINANCE_APPROVER, StaffRole.AUDITOR]
        viewed = [
            "budgetline",
            "budgetcredit",
            "envelope",
            "commitment",
            "payable",
            "receivable",
            "paymentorder",
            "paymentbatch",
            "treasuryaccount",
            "bankstatement",
            "statementline",
            "linematch",
            "reconciliationworkbook",
        ]
        grant_role_permissions(readers, [f"finance.view_{model}" for model in viewed])
        # Paradigm transfers and We Pulse financing: everyone who reads finance reads them; the finance officer
        # records transfers (a correction is a new transfer: change_paradigmtransfer), plans and participations.
        programmes = ["paradigmtransfer", "paradigmattachment", "paradigmplan"]
        programmes += ["wepulseprogramme", "wepulsedomain", "wepulseparticipant", "wepulsefinancingplan"]
        grant_role_permissions(readers, [f"finance.view_{model}" for model in programmes])
        officer_programmes = ["add_paradigmtransfer", "change_paradigmtransfer", "add_paradigmattachment"]
        officer_programmes += ["add_paradigmplan", "change_paradigmplan"]
        officer_programmes += ["add_wepulseparticipant", "change_wepulseparticipant"]
        officer_programmes += ["add_wepulsefinancingplan", "change_wepulsefinancingplan", "delete_wepulsefinancingplan"]
        grant_role_permissions([StaffRole.FINANCE_OFFICER], [f"finance.{code}" for code in officer_programmes])
        # Anyone who reads finance may ask for a reconciliation workbook.
        grant_role_permissions(readers, ["finance.add_reconciliationworkbook"])
        # The finance officer prepares: payment orders, batches, statement imports, matches by hand, bank dates.
        grant_role_permissions(
            [StaffRole.FINANCE_OFFICER],
            [
                "finance.change_payable",
                "finance.add_paymentorder",
                "finance.add_paymentbatch",
                "finance.add_bankstatement",
                "finance.add_linematch",
                "finance.change_linematch",
            ],
        )
        # The finance approver approves or rejects orders (never their own: four eyes) and sets the year's credits.
        grant_role_permissions(
            [StaffRole.FINANCE_APPROVER],
            ["finance.change_paymentorder", "finance.add_budgetcredit", "finance.change_budgetcredit"],
        )
