"""Write the reconciliation workbook of a budget year to a file, for scheduled runs (cron, a CI job, a beat task).

The same workbook as the staff page's, built in this process (no Celery, no row in the page's list). The file is
written next to its final name and renamed when complete, so a reader never picks up half a workbook."""

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from finance.reconciliation import build_workbook
from finance.services.workbooks import check_language, check_year


class Command(BaseCommand):
    help = (
        "Write the reconciliation workbook of a budget year (.xlsx): budget, beneficiaries, payments, loans, "
        "Paradigm transfers and We Pulse financing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="budget year, e.g. 2026")
        parser.add_argument("--out", required=True, help="path of the .xlsx file to write")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, choices=[code for code, _name in settings.LANGUAGES]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Options given to call_command() as keywords skip argparse: the year and language are checked again here.
        try:
            year, language = check_year(options["year"]), check_language(options["language"])
        except InvalidInput as error:
            raise CommandError(str(error)) from error
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"The output file must end in .xlsx: {out}")
        if not out.parent.is_dir():
            raise CommandError(f"No such folder: {out.parent}")
        handle, partial_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        try:
            with os.fdopen(handle, "wb") as output:
                built = build_workbook(year=year, language=language, out=output)
            os.replace(partial_name, out)
        except BaseException:
            Path(partial_name).unlink(missing_ok=True)
            raise
        if options.get("verbosity", 1) >= 1:
            sheets = ", ".join(f"{sheet.title} ({sheet.lines})" for sheet in built.sheets)
            self.stdout.write(f"{out}: {built.lines} lines. {sheets}")
