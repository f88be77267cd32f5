from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from api import (  # noqa: F401
            housekeeping,  # registers the Celery task that purges old Idempotency-Key answers
            schema,  # registers the OpenAPI descriptions of our authentication
        )
