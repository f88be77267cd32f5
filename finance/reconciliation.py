"""The reconciliation workbook of a budget year: from the budget to the bank, sheet by sheet.

Sheets, in this order (names and headers in the requested language):
- Summary: every sheet's totals, as formulas pointing at the totals rows of the other sheets;
- Budget: per budget line and month, committed vs liquidated (made due) vs paid (bank payment date) vs on bank
  statements (matched statement lines, booking date);
- Beneficiaries: per organisation, committed, due, paid, on bank statements, to recover, recovered;
- Payments: one line per payment request due or paid in the year, with its payment order, what the bank statements
  matched to it and whether it is reconciled (the line-level detail behind the Budget sheet);
- Loan portfolio: per loan, at the end of the year (or today for the current year): drawn, outstanding, fallen due
  in the year, received in the year (the ledger's repayments), on bank statements, arrears;
- Paradigm transfers of the year per purpose, and We Pulse financing per authority and domain.
The sheets themselves are in finance.reconciliation_sheets and finance.programme_sheets; the writer in
finance.workbook.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from finance.programme_sheets import ParadigmSheet, WePulseSheet
from finance.reconciliation_sheets import (
    BeneficiariesSheet,
    BudgetSheet,
    LoansSheet,
    PaymentsSheet,
    Sheet,
)
from finance.workbook import BOLD, MAX_WIDTH, SheetWriter, WrittenSheet, money_cell, streaming_sheet

PROGRESS_EVERY = 500
Progress = Callable[[int, int], None]


class Ticker:
    """Counts the rows written and reports (done, total) every PROGRESS_EVERY rows, at the start and at the end."""

    def __init__(self, total: int, report: Progress | None, every: int | None = None) -> None:
        self.total, self.done, self.report, self.every = total, 0, report, every or PROGRESS_EVERY
        if report is not None:
            report(0, total)

    def tick(self) -> None:
        self.done += 1
        if self.report is not None and self.done % self.every == 0:
            self.report(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.report is not None:
            self.report(self.total, self.total)


# The workbook ---------------------------------------------------------------------------------------------------


@dataclass
class BuiltWorkbook:
    sheets: list[WrittenSheet]
    lines: int


def sheets_for(year: int, today: dt.date | None = None) -> list[Sheet]:
    return [
        BudgetSheet(year),
        BeneficiariesSheet(year),
        PaymentsSheet(year),
        LoansSheet(year, today),
        ParadigmSheet(year),
        WePulseSheet(year),
    ]


def _summary(workbook: Workbook, title: str, written: list[WrittenSheet], year: int) -> None:
    """The first sheet, written last: one row per total of every other sheet, each a formula pointing at it."""
    sheet = streaming_sheet(workbook, title)
    workbook.move_sheet(sheet.title, offset=-(len(workbook.worksheets) - 1))
    rows = [(item, index) for item in written for index in item.totals]
    widths = [
        max([len(_("Sheet"))] + [len(item.title) for item, _index in rows]),
        max([len(_("Figure"))] + [len(item.columns[index].title) for item, index in rows]),
        18,
    ]
    for letter, width in zip("ABC", widths, strict=True):
        sheet.column_dimensions[letter].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    header = []
    for text in (_("Sheet"), _("Figure"), _("Amount")):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = BOLD
        header.append(cell)
    sheet.append(header)
    for item, index in rows:
        sheet.append([item.title, item.columns[index].title, money_cell(sheet, f"={item.reference(index)}")])
    sheet.auto_filter.ref = f"A1:C{len(rows) + 1}"
    sheet.append([])
    sheet.append([_("Budget year"), None, year])
    sheet.append([_("Built on"), None, timezone.localtime().strftime("%d/%m/%Y %H:%M")])


def build_workbook(
    *, year: int, language: str, out: str | IO[bytes], progress: Progress | None = None, today: dt.date | None = None
) -> BuiltWorkbook:
    """Write the reconciliation workbook of `year` in `language` to `out` (a path or a binary file).
    `progress(done, total)` is called as rows are written."""
    with translation.override(language):
        sheets = sheets_for(year, today)
        ticker = Ticker(sum(sheet.count() for sheet in sheets), progress)
        workbook = Workbook(write_only=True)
        workbook.calculation.fullCalcOnLoad = True  # no cached values: spreadsheet programs compute on opening
        summary_title = _("Summary")
        taken = {summary_title.casefold()}
        written = []
        for sheet in sheets:
            writer = SheetWriter(
                workbook,
                sheet.title(),
                sheet.columns(),
                total_label=_("Total"),
                empty_label=_("Nothing for this year."),
                tick=ticker.tick,
                taken=taken,
            )
            for row in sheet.rows():
                writer.append(row)
            written.append(writer.close())
        _summary(workbook, summary_title, written, year)
        workbook.save(out)
    ticker.finish()
    return BuiltWorkbook(sheets=written, lines=ticker.done)
