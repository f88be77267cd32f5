from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.roles import ALL_ROLES, StaffRole, grant_role_permissions
        from workflows import checks, events  # noqa: F401

        # Every app's process versions live in its `flows` module and register themselves on import.
        autodiscover_modules("flows")
        grant_role_permissions(ALL_ROLES, ["workflows.view_case"])
        grant_role_permissions([StaffRole.CALL_MANAGER, StaffRole.ADMINISTRATOR], ["workflows.assign_tasks"])
        grant_role_permissions([StaffRole.ADMINISTRATOR], ["workflows.migrate_cases"])
        post_migrate.connect(_sync_versions, sender=self, dispatch_uid="workflows.sync_versions")

        from workflows.frbrtc_loan import handlers as loan_handlers  # noqa: F401  (connects its receivers)
        from workflows.grant_application import handlers

        handlers.register_process_pinner()


def _sync_versions(sender, **kwargs) -> None:
    from workflows.services.versions import sync_versions

    sync_versions()
