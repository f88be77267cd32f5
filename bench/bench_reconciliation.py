"""How much our reconciliation sheet writer costs over plain openpyxl, and that its memory stays flat.

Writes the Payments sheet of the reconciliation workbook (15 columns: texts, amounts, dates; the columns and headers
of finance.reconciliation_sheets.PaymentsSheet, in French) with 10,000 and 100,000 generated lines, twice:
- ours: finance.workbook.SheetWriter as build_workbook drives it (formula-safe text, EUR and date formats, frozen
  header, widths fitted from the first rows, filter, SUBTOTAL totals, a progress tick per line);
- plain: openpyxl Workbook(write_only=True), the same header and the same values appended as they are.
Same process, same generated values (made on the fly, so that no list of rows weighs on the memory measured).
Time: the CPU time of this process (other work on a shared machine does not skew it), the best of three alternating
runs, without tracemalloc. Memory: the peak traced by tracemalloc (Python's allocations), one run each; and, since
lxml and zlib allocate in C where tracemalloc does not look, the peak resident size of a fresh child process that
writes one sheet (`--child WRITER LINES`).

With `--database`, also the whole workbook end to end: build_workbook on a throwaway test database holding 10,000
then 100,000 payment requests (CPU time and tracemalloc peak), to show that the queries stream as the writer does.

Fails (exit 1) when ours takes more than 1.3x the time of plain openpyxl at 100,000 lines, or when its peak at
100,000 lines is more than 1.5x its peak at 10,000 (memory must not grow with the lines).
"""

import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.utils import translation  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from finance.reconciliation import Ticker  # noqa: E402
from finance.reconciliation_sheets import PaymentsSheet  # noqa: E402
from finance.workbook import SheetWriter  # noqa: E402

TIME_TARGET = 1.3
MEMORY_GROWTH_LIMIT = 1.5
SIZES = (10_000, 100_000)
NAMES = ["Commune d'Anderlecht", "CPAS de Schaerbeek", '=HYPERLINK("x")', "Gemeente Evere", "+1+1", "Bruxelles-Ville"]


def rows(lines: int) -> Iterator[list[Any]]:
    """Lines shaped like the Payments sheet's: a reference, a label, a beneficiary (some named like formulas), ..."""
    start = dt.date(2026, 1, 1)
    for n in range(lines):
        amount = Decimal(10_000 + n % 90_000) + Decimal("0.25")
        due = start + dt.timedelta(days=n % 330)
        paid = n % 4 != 0
        bank = amount if n % 3 else Decimal("0.00")
        yield [
            f"AAP-2026-SPORT-{n:06d}-T1",
            "Avance (80 %)" if n % 2 else "Solde",
            NAMES[n % len(NAMES)],
            "10.005.27.02.43.21",
            f"AAP-2026-SPORT-{n:06d}",
            "Payé" if paid else "À payer",
            due,
            due + dt.timedelta(days=9) if paid else None,
            f"BPL-2026-{n:08d}",
            "Payé" if paid else None,
            amount,
            bank,
            due + dt.timedelta(days=10) if bank else None,
            amount - bank,
            "Oui" if bank else "Non",
        ]


def ours(lines: int, path: str) -> None:
    with translation.override("fr"):
        sheet = PaymentsSheet(2026)
        workbook = Workbook(write_only=True)
        ticker = Ticker(lines, lambda done, total: None)
        writer = SheetWriter(workbook, sheet.title(), sheet.columns(), total_label="Total", tick=ticker.tick)
        for row in rows(lines):
            writer.append(row)
        writer.close()
        workbook.save(path)


def plain(lines: int, path: str) -> None:
    with translation.override("fr"):
        titles = [column.title for column in PaymentsSheet(2026).columns()]
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="Paiements")
        sheet.append(titles)
        for row in rows(lines):
            sheet.append(row)
        workbook.save(path)


def timed(write: Callable[[int, str], None], lines: int, folder: str) -> float:
    started = time.process_time()
    write(lines, os.path.join(folder, f"{write.__name__}-{lines}.xlsx"))
    return time.process_time() - started


def resident_peak(writer: str, lines: int) -> int:
    """The peak resident size (bytes) of a fresh process that writes the sheet once."""
    output = subprocess.run(  # noqa: S603  # this very script, with our own arguments
        [sys.executable, __file__, "--child", writer, str(lines)], check=True, capture_output=True, text=True
    )
    return int(output.stdout.split()[-1])


def child(writer: str, lines: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bpl-bench-") as folder:
        {"ours": ours, "plain": plain}[writer](lines, os.path.join(folder, "child.xlsx"))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)  # KiB on Linux


def peak(write: Callable[[int, str], None], lines: int, folder: str) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    write(lines, os.path.join(folder, f"{write.__name__}-{lines}-traced.xlsx"))
    _current, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    times: dict[tuple[str, int], float] = {}
    peaks: dict[tuple[str, int], int] = {}
    resident = {(writer, lines): resident_peak(writer, lines) for lines in SIZES for writer in ("plain", "ours")}
    with tempfile.TemporaryDirectory(prefix="bpl-bench-") as folder:
        ours(1_000, os.path.join(folder, "warm-up.xlsx"))
        plain(1_000, os.path.join(folder, "warm-up-plain.xlsx"))
        for lines in SIZES:
            for write in (plain, ours):
                times[(write.__name__, lines)] = float("inf")
            for _ in range(3):
                for write in (plain, ours):
                    key = (write.__name__, lines)
                    times[key] = min(times[key], timed(write, lines, folder))
            for write in (plain, ours):
                peaks[(write.__name__, lines)] = peak(write, lines, folder)
    mib = 1024 * 1024
    print("reconciliation sheet (Payments, 15 columns), our writer vs plain openpyxl write-only:")
    for lines in SIZES:
        ratio = times[("ours", lines)] / times[("plain", lines)]
        memory = peaks[("ours", lines)] / peaks[("plain", lines)]
        print(
            f"  {lines:>7,} lines: time {times[('ours', lines)]:6.2f} s vs {times[('plain', lines)]:6.2f} s "
            f"(x{ratio:.2f}); peak memory {peaks[('ours', lines)] / mib:5.1f} MiB vs "
            f"{peaks[('plain', lines)] / mib:5.1f} MiB (x{memory:.2f}); peak resident size "
            f"{resident[('ours', lines)] / mib:5.1f} MiB vs {resident[('plain', lines)] / mib:5.1f} MiB"
        )
    small, big = SIZES
    ratio = times[("ours", big)] / times[("plain", big)]
    growth = peaks[("ours", big)] / peaks[("ours", small)]
    print(f"time ratio at {big:,} lines: x{ratio:.2f} (target: at most x{TIME_TARGET})")
    rss_growth = resident[("ours", big)] / resident[("ours", small)]
    print(f"our peak memory, {big:,} lines vs {small:,}: x{growth:.2f} traced, x{rss_growth:.2f} resident "
          f"(flat: at most x{MEMORY_GROWTH_LIMIT})")  # fmt: skip
    if ratio > TIME_TARGET:
        sys.exit(f"our writer takes x{ratio:.2f} the time of plain openpyxl (target x{TIME_TARGET})")
    if max(growth, rss_growth) > MEMORY_GROWTH_LIMIT:
        sys.exit(f"our writer's memory grows with the lines (x{max(growth, rss_growth):.2f} for x{big // small})")


def end_to_end() -> None:
    """build_workbook over real rows: payment requests inserted in a throwaway test database."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    from finance.models import BudgetLine, Commitment, Envelope, Payable
    from finance.reconciliation import build_workbook
    from tests.factories import OrganisationFactory, UserFactory

    line = BudgetLine.objects.create(code="10.005.27.02.43.21", label_fr="Sport", label_nl="Sport")
    envelope = Envelope.objects.create(code="bench", label="Bench", budget_line=line, amount=Decimal("1000000000000"))
    organisations = [OrganisationFactory(name_fr=name, name_nl=name) for name in NAMES]
    commitments = [
        Commitment.objects.create(
            envelope=envelope, beneficiary=o, amount=Decimal("1000000000"), reference=f"C{n}", idempotency_key=f"c{n}"
        )
        for n, o in enumerate(organisations)
    ]
    UserFactory()
    year, inserted, results = dt.date.today().year, 0, []
    for lines in SIZES:
        while inserted < lines:
            batch = [
                Payable(
                    commitment=commitments[n % len(commitments)],
                    beneficiary_id=commitments[n % len(commitments)].beneficiary_id,
                    amount=Decimal(1000 + n % 9000) + Decimal("0.10"),
                    reference=f"AAP-{n:06d}",
                    label="Avance",
                    idempotency_key=f"p{n}",
                )
                for n in range(inserted, min(lines, inserted + 10_000))
            ]
            Payable.objects.bulk_create(batch)
            inserted += len(batch)
        with tempfile.TemporaryDirectory(prefix="bpl-bench-") as folder:
            started = time.process_time()
            build_workbook(year=year, language="fr", out=os.path.join(folder, "w.xlsx"))
            seconds = time.process_time() - started
            tracemalloc.start()
            build_workbook(year=year, language="fr", out=os.path.join(folder, "w2.xlsx"))
            _current, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        results.append((lines, seconds, top))
    print("build_workbook end to end (SQLite test database):")
    for lines, seconds, top in results:
        print(f"  {lines:>7,} payment requests: {seconds:6.2f} s CPU, peak traced memory {top / 1024 / 1024:5.1f} MiB")
    growth = results[-1][2] / results[0][2]
    print(f"peak memory, {SIZES[-1]:,} vs {SIZES[0]:,} payment requests: x{growth:.2f}")
    if growth > MEMORY_GROWTH_LIMIT:
        sys.exit(f"build_workbook's memory grows with the rows (x{growth:.2f})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
        if "--database" in sys.argv[1:]:
            end_to_end()
