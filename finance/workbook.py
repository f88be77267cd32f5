"""A small streaming sheet writer on openpyxl's write-only mode, for workbooks of any number of lines.

Rows go straight to a temporary file per sheet (openpyxl writes strings inline, so nothing grows with the lines);
what a reader expects of a finance workbook is added on the way: a bold header row that stays frozen, a filter over
the data, amounts as numbers shown `#,##0.00 "EUR"`, dates shown dd/mm/yyyy, fitted column widths and a totals row of
SUBTOTAL(9, ...) formulas, which follow the filter (SUBTOTAL sums the rows left visible).

Widths: a write-only sheet writes its column widths before its first row, so the writer keeps the first SAMPLE_ROWS
rows back, sizes each column from its title, its kind and those rows, then writes them and streams the rest. No
second query and no second pass; a longer value further down is shown cut, as in any fitted sheet (capped anyway).

Text that came from a user is written by `safe_text`: see there.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MONEY_FORMAT = '#,##0.00 "EUR"'
DATE_FORMAT = "dd/mm/yyyy"
SAMPLE_ROWS = 200
MAX_WIDTH = 60
BOLD = Font(bold=True)

TEXT = "text"
MONEY = "money"
DATE = "date"
INTEGER = "integer"

# What makes Excel (or LibreOffice, or a CSV re-import) read a cell typed by hand as a formula or a DDE call.
FORMULA_TRIGGERS = ("=", "+", "-", "@")
CONTROL_TRIGGERS = ("\t", "\r", "\n")
# XML 1.0 refuses these; openpyxl raises IllegalCharacterError on them. A user's text may carry one (a paste).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORBIDDEN_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
# Narrowest sensible widths per kind: 1.234.567.890,12 EUR; 31/12/2026.
_MIN_WIDTH = {TEXT: 6, MONEY: 16, DATE: 11, INTEGER: 6}


def needs_quoting(text: str) -> bool:
    """Whether Excel would read this text as a formula when someone edits the cell, or pastes it elsewhere (or
    openpyxl as an error value: a name "#N/A" would otherwise be written as Excel's error)."""
    if not text:
        return False
    if text[0] in CONTROL_TRIGGERS or (text[0] == "#" and text in ERROR_CODES):
        return True
    stripped = text.lstrip(" \t\r\n")
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def safe_text(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A user's text as a cell Excel shows as text and never runs.

    openpyxl turns any string that starts with "=" into a formula (data type "f"): an organisation named
    =HYPERLINK(...) would become a live link. Text that starts with = + - @ (also after spaces, or with a tab or a
    line break) is written as a string cell (data type "s", forced after openpyxl's guess) carrying Excel's quote
    prefix (the `quotePrefix` style: what Excel itself stores when someone types a leading apostrophe), so it stays
    text even when the cell is edited. A literal "'" character would not do: in the file it is part of the text and
    Excel would show it. Characters XML cannot carry are dropped; anything else is returned as it is.
    """
    if not isinstance(value, str):
        return value
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    if not needs_quoting(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\."""
    base = _FORBIDDEN_IN_TITLE.sub(" ", str(title)).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.casefold())
    return name


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = TEXT
    total: bool | None = None  # None: money columns get a total, others not

    @property
    def summed(self) -> bool:
        return self.kind == MONEY if self.total is None else self.total


@dataclass
class WrittenSheet:
    """What the summary needs to know of a sheet once it is written."""

    title: str
    columns: list[Column]
    lines: int
    totals_row: int
    totals: dict[int, str] = field(default_factory=dict)  # column index -> cell of its total, e.g. "F58"

    def reference(self, index: int) -> str:
        """The total of column `index` as a formula reference from another sheet: 'Budget'!F58."""
        return f"{quote_sheetname(self.title)}!{self.totals[index]}"


def _display_width(kind: str, value: Any) -> int:
    if value is None:
        return 0
    if kind == MONEY:
        return len(f"{value:,.2f}") + 4
    if kind == DATE:
        return 10
    return len(str(value))


class StreamingSheet(WriteOnlyWorksheet):
    """A write-only sheet that takes the cells it is given as they are.

    openpyxl's own write-only sheet tries to bind every appended value as a plain value first and only falls back to
    a prepared cell after a ValueError (whose message formats the cell's repr), then allocates a fresh cell for the
    next value: for a styled amount or date that is most of the cost of a cell. Here a prepared cell goes straight to
    the writer; a plain value still gets its own cell. openpyxl is pinned (3.1.5); the tests read every sheet back.
    """

    def _values_to_row(self, values, row_idx):  # type: ignore[no-untyped-def]
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            cell = value if isinstance(value, Cell) else WriteOnlyCell(self, value=value)
            cell.column = col_idx
            cell.row = row_idx
            yield cell


def streaming_sheet(workbook: Workbook, title: str) -> StreamingSheet:
    """A new sheet at the end of a write-only workbook (what Workbook.create_sheet does, with our sheet class)."""
    sheet = StreamingSheet(parent=workbook, title=title)
    workbook._add_sheet(sheet=sheet)
    return sheet


class SheetWriter:
    """Writes one sheet: `append` rows of values in the order of `columns`, then `close`.

    `tick`, when given, is called once per data row written (the caller counts and reports progress)."""

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        columns: Sequence[Column],
        *,
        total_label: str = "Total",
        empty_label: str = "",
        tick: Callable[[], None] | None = None,
        taken: set[str] | None = None,
        sample_rows: int = SAMPLE_ROWS,
    ) -> None:
        self.title = sheet_title(title, taken if taken is not None else set())
        self.sheet = streaming_sheet(workbook, self.title)
        self.columns = list(columns)
        self.total_label = total_label
        self.empty_label = empty_label
        self._tick = tick
        self._sample_rows = sample_rows
        self._pending: list[Sequence[Any]] | None = []
        self._lines = 0
        self._kinds = [column.kind for column in self.columns]
        # One cell per column, reused row after row: a row's cells are written to the file as soon as it is
        # appended, so each cell object is free again for the next row (and its style is looked up once).
        self._cells = [self._column_cell(kind) for kind in self._kinds]
        self._quoted = [self._quoted_cell() if kind == TEXT else None for kind in self._kinds]

    def _column_cell(self, kind: str) -> Cell:
        cell = WriteOnlyCell(self.sheet)
        if kind == MONEY:
            cell.number_format = MONEY_FORMAT
        elif kind == DATE:
            cell.number_format = DATE_FORMAT
        return cell

    def _quoted_cell(self) -> Cell:
        cell = WriteOnlyCell(self.sheet)
        cell.quotePrefix = True
        return cell

    def append(self, values: Sequence[Any]) -> None:
        if self._pending is not None:
            self._pending.append(values)
            if len(self._pending) >= self._sample_rows:
                self._start()
            return
        self._write(values)

    def _write(self, values: Sequence[Any]) -> None:
        row: list[Cell | None] = []
        for kind, cell, quoted, value in zip(self._kinds, self._cells, self._quoted, values, strict=True):
            if value is None:
                row.append(None)
                continue
            if kind == TEXT:
                # Text is always written as text: never as a formula or an error value, whatever it starts with.
                value = str(value)
                if _ILLEGAL.search(value):
                    value = _ILLEGAL.sub("", value)
                if quoted is not None and needs_quoting(value):
                    cell = quoted
            cell.value = value
            if kind == TEXT:
                cell.data_type = "s"
            row.append(cell)
        self.sheet.append(row)
        self._lines += 1
        if self._tick is not None:
            self._tick()

    def _start(self) -> None:
        """Size the columns from the titles and the rows kept back, freeze the header, then write what was kept."""
        pending, self._pending = self._pending or [], None
        for index, column in enumerate(self.columns):
            seen = max((_display_width(column.kind, row[index]) for row in pending), default=0)
            width = max(len(column.title) + 2, seen + 2, _MIN_WIDTH[column.kind])
            self.sheet.column_dimensions[get_column_letter(index + 1)].width = min(width, MAX_WIDTH)
        self.sheet.freeze_panes = "A2"
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(self.sheet, value=column.title)
            cell.data_type = "s"
            cell.font = BOLD
            header.append(cell)
        self.sheet.append(header)
        for values in pending:
            self._write(values)

    def close(self) -> WrittenSheet:
        """Write the rows still kept back, the totals row and the filter over the data (header included)."""
        if self._pending is not None:
            self._start()
        last_column = get_column_letter(len(self.columns))
        first, last = 2, self._lines + 1
        if self._lines == 0:  # a sheet with nothing says so, and its totals sum an empty row
            self.sheet.append([self.empty_label] + [None] * (len(self.columns) - 1))
            last = 2
        totals_row = last + 1
        written = WrittenSheet(title=self.title, columns=self.columns, lines=self._lines, totals_row=totals_row)
        row: list[Any] = []
        for index, column in enumerate(self.columns):
            letter = get_column_letter(index + 1)
            if index == 0:
                cell = WriteOnlyCell(self.sheet, value=self.total_label)
            elif column.summed:
                cell = WriteOnlyCell(self.sheet, value=f"=SUBTOTAL(9,{letter}{first}:{letter}{last})")
                cell.number_format = MONEY_FORMAT if column.kind == MONEY else "0"
                written.totals[index] = f"{letter}{totals_row}"
            else:
                row.append(None)
                continue
            cell.font = BOLD
            row.append(cell)
        self.sheet.append(row)
        self.sheet.auto_filter.ref = f"A1:{last_column}{last}"
        return written


def money_cell(sheet: WriteOnlyWorksheet, value: Decimal | str, *, bold: bool = False) -> Cell:
    """An amount, or a formula giving one, in the EUR number format (for sheets written by hand, e.g. a summary)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = MONEY_FORMAT
    if bold:
        cell.font = BOLD
    return cell
