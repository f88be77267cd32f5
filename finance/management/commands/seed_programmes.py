from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from finance.seed_programmes import seed_programmes


class Command(BaseCommand):
    help = (
        "The We Pulse programme and its domains, with demo participants, financing plans and a 2022 transfer to "
        "Paradigm (run after seed_loan_cases to link a plan to the demo's active loan). Idempotent; refused in "
        "production."
    )

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Demo programme data is never loaded with production settings.")
        self.stdout.write(seed_programmes())
