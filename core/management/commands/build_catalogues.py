from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.i18n_catalogues import compile_mo, parse_po


class Command(BaseCommand):
    help = "Compile every .po file under LOCALE_PATHS to .mo, without needing GNU gettext."

    def handle(self, *args, **options) -> None:
        for base in settings.LOCALE_PATHS:
            for po in sorted(Path(base).glob("*/LC_MESSAGES/*.po")):
                count = compile_mo(parse_po(po), po.with_suffix(".mo"))
                self.stdout.write(f"{po.relative_to(settings.BASE_DIR)}: {count} messages")
