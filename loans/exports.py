"""Spreadsheets of loans: the schedule in force of a loan, and the portfolio (one row per loan).

openpyxl in write-only mode (rows stream to a temporary file, whatever the number of loans), headers and sheet names
in the reader's language, amounts as numbers with a number format and dates as dates, so that the figures can be
summed and sorted in the spreadsheet."""

import datetime as dt
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.ogm import ogm_display
from loans.models import Loan
from loans.portfolio import portfolio_loans
from loans.services.schedules import current_schedule

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "DD/MM/YYYY"
BOLD = Font(bold=True)


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A cell typed for the spreadsheet: Decimal amounts as numbers with two decimals, dates as dates."""
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = AMOUNT_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def _header(sheet: WriteOnlyWorksheet, titles: Iterable[str]) -> list:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = BOLD
        cells.append(cell)
    return cells


def _sheet(workbook: Workbook, title: str, widths: list[int]) -> WriteOnlyWorksheet:
    # Sheet names are at most 31 characters and some characters are forbidden; ours are short words.
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _saved(workbook: Workbook) -> IO[bytes]:
    """The workbook written to a temporary file (removed when closed), ready to be read from the start."""
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  # FileResponse closes it after sending
    workbook.save(output)
    output.seek(0)
    return output


def xlsx_response(output: IO[bytes], name: str) -> FileResponse:
    response = FileResponse(output, as_attachment=True, filename=name, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response


def schedule_workbook(loan: Loan) -> IO[bytes] | None:
    """Every line of the schedule in force, each with its instalment's structured communication; None before the
    first drawdown is paid (there is no schedule yet)."""
    schedule = current_schedule(loan)
    if schedule is None:
        return None
    communications = dict(loan.installments.values_list("n", "structured_communication"))
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, _("Schedule"), [6, 12, 16, 16, 16, 18, 26])
    sheet.append(
        _header(
            sheet,
            [
                _("Instalment"),
                _("Due date"),
                _("Payment"),
                _("Interest"),
                _("Principal"),
                _("Outstanding after"),
                _("Structured communication"),
            ],
        )
    )
    for line in schedule.lines.order_by("n"):
        ogm = communications.get(line.n)
        values = [line.n, line.due_date, line.payment, line.interest, line.principal, line.outstanding]
        sheet.append([_cell(sheet, value) for value in values] + [ogm_display(ogm) if ogm else ""])
    return _saved(workbook)


PORTFOLIO_COLUMNS = [
    ("reference", 28),
    ("borrower", 34),
    ("product", 16),
    ("approved_amount", 18),
    ("drawn", 18),
    ("outstanding", 18),
    ("due_next_12_months", 18),
    ("arrears", 16),
    ("status", 14),
]


def _portfolio_titles() -> list[str]:
    return [
        _("Reference"),
        _("Borrower"),
        _("Loan product"),
        _("Amount granted"),
        _("Drawn"),
        _("Outstanding"),
        _("Due in the next 12 months"),
        _("Arrears"),
        _("Status"),
    ]


def portfolio_workbook(*, today: dt.date | None = None) -> IO[bytes]:
    """One row per loan, the figures of loans.portfolio (one query for all the loans)."""
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, _("Portfolio"), [width for _name, width in PORTFOLIO_COLUMNS])
    sheet.append(_header(sheet, _portfolio_titles()))
    for loan in portfolio_loans(today=today):
        values = [
            loan.reference,
            loan.borrower.name,
            loan.product_version.product.code,
            loan.approved_amount,
            loan.drawn,
            loan.outstanding,
            loan.due_next_12_months,
            loan.arrears,
            loan.get_status_display(),
        ]
        sheet.append([_cell(sheet, value) for value in values])
    return _saved(workbook)
