from django.core.management.base import BaseCommand

from finance.seed import seed_treasury_accounts


class Command(BaseCommand):
    help = "Record the administration's payments account and the FRBRTC's account from the settings. Idempotent."

    def handle(self, *args, **options) -> None:
        for account in seed_treasury_accounts():
            if options.get("verbosity", 1) >= 1:
                self.stdout.write(f"{account.get_purpose_display()}: {account.iban} {account.bic}")
