from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from finance.seed_demo_finance import seed_demo_finance


class Command(BaseCommand):
    help = (
        "The finance demo: the year's credits, payment orders at every state, a batch paid by the bank and camt.053 "
        "statements matched (run after the grants and loans demos and seed_treasury_accounts). Idempotent; refused "
        "in production."
    )

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("Demo finance data is never loaded with production settings.")
        message = seed_demo_finance()
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(message)
