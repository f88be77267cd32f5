from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import checks  # noqa: F401
        from core.roles import sync_staff_groups

        # After every migrate the staff role groups match core.roles, so a fresh database is usable.
        post_migrate.connect(sync_staff_groups, dispatch_uid="core.sync_staff_groups")


class StaticFilesConfig(BaseStaticFilesConfig):
    # viewflow ships node_modules copies that break the manifest storage (stack-notes trap 5).
    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "node_modules", "*.map.gz"]
