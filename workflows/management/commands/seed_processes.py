from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.models import ProcessVersion, VersionState
from workflows.services.versions import sync_versions, version_set_state

DEMO_PUBLISHED = [("grant_application", 1), ("frbrtc_loan", 1)]


class Command(BaseCommand):
    help = "Demo: publish the process versions the demo calls run on. Idempotent; refused in production."

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Process versions are published by an administrator in production (workflow_versions).")
        sync_versions()
        for key, number in DEMO_PUBLISHED:
            if ProcessVersion.objects.get(key=key, version=number).state == VersionState.DRAFT:
                # In production grant_application@1 waits for the review steps (docs/workflows.md).
                version_set_state(actor=None, key=key, version=number, state=VersionState.CURRENT)
            self.stdout.write(f"{key}@{number} is current.")
