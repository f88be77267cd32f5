"""Print the repayment schedule of a loan drawn in full on its start date: a thin adapter over build_schedule."""

import csv
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from core.money import format_eur
from loans.schedules import (
    DayCount,
    Drawdown,
    DueDateRule,
    Frequency,
    Line,
    Method,
    ScheduleError,
    Terms,
    build_schedule,
)

CSV_HEADER = ["n", "due_date", "payment", "interest", "principal", "outstanding"]
TABLE_HEADER = ["n", "due date", "payment", "interest", "principal", "outstanding"]
TOTALS = ("payment", "interest", "principal")
Choice = TypeVar("Choice", Frequency, Method, DayCount, DueDateRule)


class Command(BaseCommand):
    help = (
        "Print the repayment schedule (tableau d'amortissement / aflossingstabel) of a loan drawn in full on its "
        "start date, as an aligned table with totals or as CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--principal", required=True, help="amount drawn in EUR, e.g. 1000000 or 250000.50")
        parser.add_argument("--rate", required=True, help="annual nominal rate in percent, e.g. 3 or 2.875")
        parser.add_argument("--years", required=True, help="length of the term in years")
        parser.add_argument("--frequency", choices=[f.value for f in Frequency], default=Frequency.ANNUAL.value)
        parser.add_argument("--method", choices=[m.value for m in Method], default=Method.ANNUITY.value)
        parser.add_argument("--day-count", choices=[d.value for d in DayCount], default=DayCount.THIRTY_360.value)
        parser.add_argument("--start", required=True, help="start of the term and date of the drawdown, YYYY-MM-DD")
        parser.add_argument("--grace-periods", default="0", help="periods without principal (interest only)")
        parser.add_argument("--interest-grace", default="0", help="periods without interest either (deferred)")
        parser.add_argument(
            "--due-date-rule", choices=[r.value for r in DueDateRule], default=DueDateRule.ANNIVERSARY.value
        )
        parser.add_argument("--format", choices=["table", "csv"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        # Options given to call_command() as keywords skip argparse, so every value is checked again here.
        if options["format"] not in ("table", "csv"):
            raise CommandError(gettext("Unknown format: %(value)s.") % {"value": options["format"]})
        terms, principal = _terms(options), _amount(options["principal"], "--principal")
        try:
            lines = build_schedule(terms, [Drawdown(principal, terms.start)])
        except ScheduleError as error:
            raise CommandError(str(error)) from error
        if options["format"] == "csv":
            self._write_csv(lines)
        else:
            self.stdout.write(_table(lines))

    def _write_csv(self, lines: list[Line]) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for line in lines:
            amounts = [f"{amount:.2f}" for amount in _amounts(line)]
            writer.writerow([line.n, line.due_date.isoformat(), *amounts])


def _terms(options: dict[str, Any]) -> Terms:
    frequency = _choice(Frequency, options["frequency"], "--frequency")
    return Terms(
        rate=_amount(options["rate"], "--rate"),
        periods=_whole(options["years"], "--years") * frequency.periods_per_year,
        frequency=frequency,
        method=_choice(Method, options["method"], "--method"),
        day_count=_choice(DayCount, options["day_count"], "--day-count"),
        start=_date(options["start"], "--start"),
        grace_principal=_whole(options["grace_periods"], "--grace-periods"),
        grace_interest=_whole(options["interest_grace"], "--interest-grace"),
        due_date_rule=_choice(DueDateRule, options["due_date_rule"], "--due-date-rule"),
    )


def _amount(value: Any, option: str) -> Decimal:
    # From the text, never through a float: "0.1" stays exactly one tenth.
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if isinstance(value, float) or not amount.is_finite():
        raise CommandError(gettext("%(option)s: not a number: %(value)s.") % {"option": option, "value": value})
    return amount


def _whole(value: Any, option: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise CommandError(
            gettext("%(option)s: not a whole number: %(value)s.") % {"option": option, "value": value}
        ) from None


def _date(value: Any, option: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise CommandError(
            gettext("%(option)s: not a date (YYYY-MM-DD): %(value)s.") % {"option": option, "value": value}
        ) from None


def _choice(kind: type[Choice], value: Any, option: str) -> Choice:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise CommandError(
            gettext("%(option)s: unknown value %(value)s (choose from %(choices)s).")
            % {"option": option, "value": value, "choices": choices}
        ) from None


def _amounts(line: Line) -> list[Decimal]:
    return [line.payment, line.interest, line.principal, line.outstanding]


def _table(lines: list[Line]) -> str:
    """Amounts as the pages show them (1.234.567,89), right-aligned, and a totals line under the columns."""
    totals = [sum((getattr(line, name) for line in lines), Decimal("0.00")) for name in TOTALS]
    rows = [TABLE_HEADER]
    rows += [[str(line.n), line.due_date.strftime("%d/%m/%Y"), *map(_eur, _amounts(line))] for line in lines]
    rows.append(["total", "", *map(_eur, totals), ""])
    widths = [max(len(row[column]) for row in rows) for column in range(len(TABLE_HEADER))]
    return "\n".join(_row(row, widths) for row in rows)


def _row(row: list[str], widths: list[int]) -> str:
    cells = [
        cell.ljust(width) if column <= 1 else cell.rjust(width)
        for column, (cell, width) in enumerate(zip(row, widths, strict=True))
    ]
    return "  ".join(cells).rstrip()


def _eur(amount: Decimal) -> str:
    return format_eur(amount, with_currency=False)
