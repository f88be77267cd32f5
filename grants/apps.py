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
        sessions = ["grants.view_committeesession"]
        grant_role_permissions(
            [StaffRole.COMMITTEE_SECRETARY, StaffRole.ADMINISTRATOR],
            [*sessions, "grants.add_committeesession", "grants.change_committeesession"],
        )
        grant_role_permissions(
            [StaffRole.COMMITTEE_MEMBER], [*sessions, "grants.sit_on_committee", "grants.view_application"]
        )
        grant_role_permissions([StaffRole.CALL_MANAGER, StaffRole.AUDITOR], [*sessions, "grants.view_award"])
        grant_role_permissions(
            [StaffRole.CALL_MANAGER, StaffRole.ADMINISTRATOR], ["grants.add_awardapproval", "grants.view_award"]
        )
        grant_role_permissions(
            [StaffRole.ELIGIBILITY_OFFICER, StaffRole.FINANCE_OFFICER],
            ["grants.check_justification", "grants.view_application"],
        )
        grant_role_permissions(
            [StaffRole.FINANCE_OFFICER, StaffRole.FINANCE_APPROVER, StaffRole.AUDITOR], ["grants.view_award"]
        )
        from core.portal_hooks import register_open_calls
        from grants.views_portal import open_call_summaries

        register_open_calls(open_call_summaries)

        from finance.services.payments import register_paid_handler
        from grants.services.tranches import tranche_paid

        register_paid_handler(tranche_paid)

        from grants.signals import award_committed

        award_committed.connect(_send_award_letter, dispatch_uid="grants.award_letter")


def _send_award_letter(sender, award_id: int, **kwargs) -> None:
    """An award committed after its session closed (approvals came later) gets its letter now."""
    from grants.models import Award
    from grants.tasks import award_letter

    award = Award.objects.select_related("session_item__session").get(pk=award_id)
    if award.session_item.session.status == "closed":
        award_letter.delay(application_id=award.application_id)
