from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Grants")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.roles import ALL_ROLES, StaffRole, grant_role_permissions

        call_rights = [
            f"grants.{action}_{model}" for model in ("call", "callversion") for action in ("add", "change", "view")
        ]
        grant_role_permissions(
            [StaffRole.CALL_MANAGER, StaffRole.ADMINISTRATOR], [*call_rights, "grants.extend_deadline"]
        )
        grant_role_permissions(ALL_ROLES, ["grants.view_call", "grants.view_callversion", "grants.view_programme"])
        grant_role_permissions(
            [
                StaffRole.CALL_MANAGER,
                StaffRole.ELIGIBILITY_OFFICER,
                StaffRole.COMMITTEE_SECRETARY,
                StaffRole.AUDITOR,
                StaffRole.ADMINISTRATOR,
            ],
            ["grants.view_application"],
        )
        grant_role_permissions([StaffRole.ELIGIBILITY_OFFICER], ["grants.check_eligibility"])
        grant_role_permissions([StaffRole.REVIEWER], ["grants.review_application"])
        from core.portal_hooks import register_open_calls
        from grants.views_portal import open_call_summaries

        register_open_calls(open_call_summaries)
