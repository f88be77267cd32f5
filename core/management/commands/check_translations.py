import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.i18n_catalogues import parse_po, problems

REQUIRED = ["fr", "nl", "en"]


class Command(BaseCommand):
    help = (
        "Fail unless the FR, NL and EN catalogues translate every string of the code and templates (no untranslated "
        "or fuzzy entry, same placeholders), and the Dutch catalogue for viewflow's strings is complete."
    )

    def handle(self, *args, **options) -> None:
        failures: list[str] = []
        base = Path(settings.BASE_DIR)
        catalogues = {lang: base / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in REQUIRED}
        for lang, po in catalogues.items():
            if not po.exists():
                failures.append(f"{po.relative_to(base)} is missing")
                continue
            failures += [f"{lang}: {problem}" for problem in problems(parse_po(po))]
        failures += self._vendor_failures(base)
        failures += self._extraction_failures(base, catalogues)
        if failures:
            for failure in failures:
                self.stderr.write(failure)
            raise CommandError(f"{len(failures)} translation problem(s)")
        self.stdout.write("Translations complete: " + ", ".join(REQUIRED) + " and viewflow (nl).")

    def _vendor_failures(self, base: Path) -> list[str]:
        import viewflow

        source = Path(viewflow.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
        wanted = {entry.key for entry in parse_po(source) if entry.msgid}
        po = base / "locale_vendor" / "nl" / "LC_MESSAGES" / "django.po"
        if not po.exists():
            return [f"{po.relative_to(base)} is missing"]
        entries = parse_po(po)
        present = {entry.key for entry in entries if entry.msgid}
        failures = [f"viewflow nl: missing {key[:60]!r}" for key in sorted(wanted - present)]
        return failures + [f"viewflow nl: {problem}" for problem in problems(entries)]

    def _extraction_failures(self, base: Path, catalogues: dict[str, Path]) -> list[str]:
        """Every string marked for translation in our code must be in the catalogues (needs xgettext)."""
        if shutil.which("xgettext") is None:
            self.stderr.write("xgettext not found: skipped the check that catalogues hold every source string.")
            return []
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp) / "tree"
            ignore = shutil.ignore_patterns(
                ".*", "locale", "locale_vendor", "node_modules", "staticfiles", "var", "tests"
            )
            shutil.copytree(base, work, ignore=ignore, symlinks=True)
            (work / "locale").mkdir()
            cmd = [sys.executable, "manage.py", "makemessages", "-l", "xx", "--no-location", "-v", "0"]
            subprocess.run(cmd, cwd=work, check=True)  # noqa: S603 (our own manage.py)
            extracted = {e.key for e in parse_po(work / "locale" / "xx" / "LC_MESSAGES" / "django.po") if e.msgid}
        failures = []
        for lang, po in catalogues.items():
            if po.exists():
                present = {e.key for e in parse_po(po) if e.msgid}
                failures += [
                    f"{lang}: not in catalogue (run make messages): {k[:60]!r}" for k in sorted(extracted - present)
                ]
        return failures
