"""Repayment schedule (tableau d'amortissement / aflossingstabel) of an FRBRTC loan: pure functions, no database.

This is the contract the loan services and pages rely on.

Money
    Decimal throughout, never a float (``core.money.to_decimal`` refuses them). Every amount of a line is rounded to
    the cent, half up, with ``core.money.to_cents``. Interest is accrued unrounded and rounded once per line. What
    rounding leaves over goes on the last line, so the principal lines sum exactly to the amount drawn, minus the
    prepayments, minus the principal written off. Amounts given in (drawdowns, prepayments, write-offs) must be
    whole cents, above zero and within what a MoneyField holds (999,999,999,999.99).

Rates
    ``Terms.rate`` is the annual nominal rate in percent (``Decimal("3")`` is 3 %), from 0 (interest-free) to 100. The
    periodic rate of the level payment is rate / 100 / periods per year (nominal, not the equivalent rate).

Due dates
    ANNIVERSARY: start + k periods (k = 1..periods), same day of the month, clamped to the last day of a shorter
    month; each date is computed from the start, so 31 January monthly gives 28/29 February, then 31 March.
    PERIOD_END: the last day of each calendar period (31/12; 30/6 and 31/12; quarter ends; month ends). The first
    period is the broken one from the start to the first period end after it (a start that is itself a period end
    begins a full period), and there are ``periods`` due dates.
    Period k runs from the previous due date (the start for k = 1) to its due date. A term has 1 to 1,200 periods
    (100 years of months) and ends by the year 9999.

Day counts (``year_fraction``)
    30/360 is 30E/360, the European (Eurobond) basis: D1 = min(D1, 30), D2 = min(D2, 30), then
    360 x years + 30 x months + days. ACT/360 and ACT/365 (fixed) divide the actual days by 360 or 365. ACT/ACT is
    ACT/ACT ISDA: days falling in leap years / 366 + days falling in other years / 365.

Interest
    Interest of a period = rate / 100 x the sum, over the segments of the period, of the outstanding principal x the
    year fraction of the segment. A drawdown accrues interest from its own date; a prepayment or a write-off stops
    interest on its amount from its date.

Events (drawdowns, prepayments, write-offs)
    An event belongs to the period in which it falls, its start included and its due date excluded: an event dated on
    a due date is applied AFTER that line's payment and shows on the next line. So every event must fall on or after
    the start and before the last due date. A schedule needs at least one drawdown. A prepayment or a partial
    write-off cannot exceed the principal outstanding at its date.

Methods
    ANNUITY: level payment = ``annuity_payment`` of the outstanding at the first line after the principal grace,
    over the periods left; interest by the day count; principal = payment - interest, never below 0 (odd day counts
    can give more interest than the payment) nor above the outstanding.
    EQUAL_PRINCIPAL: principal per line = outstanding / periods left, rounded to the cent.
    BULLET: interest only, all the principal on the last line.
    The last line of the term always takes the whole remaining outstanding (payment = that principal + interest).
    The level payment (annuity) or principal per line (equal principal) is recomputed over the periods left, from the
    line of the period in which the outstanding changed, after a drawdown, a partial write-off or a prepayment under
    LOWER_INSTALMENT (same number of lines, lower payment). Under SHORTEN_TERM a prepayment keeps the amount and the
    loan ends earlier: the line that exhausts the outstanding is the last one, later lines are dropped. Before
    amortisation starts there is no amount to keep: it is computed from the outstanding at that time.

Grace
    During the first ``grace_principal`` periods no principal is due (payment = interest); amortisation runs over
    periods - grace_principal. During the first ``grace_interest`` periods (at most ``grace_principal``) nothing is
    paid: those lines still appear, at 0, so the due dates are visible. The interest they accrue is deferred, not
    capitalised, and is added to the interest of the first line after the interest grace, on top of its payment.

Write-offs
    WriteOff(amount) writes off that much principal, like a prepayment that is not paid. WriteOff(None) writes off
    the whole loan: the schedule ends with the lines due on or before its date; the write-off itself is not a line,
    the last kept line shows the outstanding before it, and interest accrued since that line (or deferred by an
    interest grace) is written off with the principal. Nothing may follow it.

Lines are numbered from 1. Trailing lines that begin with nothing outstanding and pay nothing are dropped (so a
loan repaid early simply ends); the line of the period in which a prepayment brought the outstanding to 0 is kept,
even at 0, so that the fall to 0 shows on a line.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from enum import IntEnum, StrEnum

from django.utils.translation import gettext, gettext_lazy

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, format_eur, to_cents, to_decimal

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
# Bounds that keep the arithmetic and the dates finite: what a MoneyField holds, 100 years of months, 100 %.
MAX_AMOUNT = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES) - Decimal("0.01")
MAX_PERIODS = 1200
MAX_RATE = HUNDRED
# Enough digits that year fractions (x/360, x/365) and (1 + r)^-n lose nothing at the cent on 50 M EUR.
_CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)


class Frequency(StrEnum):
    ANNUAL = "annual"
    SEMI_ANNUAL = "semi_annual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"

    @property
    def periods_per_year(self) -> int:
        return {"annual": 1, "semi_annual": 2, "quarterly": 4, "monthly": 12}[self.value]

    @property
    def months(self) -> int:
        return 12 // self.periods_per_year


class Method(StrEnum):
    ANNUITY = "annuity"
    EQUAL_PRINCIPAL = "equal_principal"
    BULLET = "bullet"


class DayCount(StrEnum):
    THIRTY_360 = "30/360"
    ACT_360 = "ACT/360"
    ACT_365 = "ACT/365"
    ACT_ACT = "ACT/ACT"


class DueDateRule(StrEnum):
    ANNIVERSARY = "anniversary"
    PERIOD_END = "period_end"


class PrepaymentRule(StrEnum):
    SHORTEN_TERM = "shorten_term"
    LOWER_INSTALMENT = "lower_instalment"


@dataclass(frozen=True)
class Terms:
    rate: Decimal
    periods: int
    frequency: Frequency
    method: Method
    day_count: DayCount
    start: date
    grace_principal: int = 0
    grace_interest: int = 0
    due_date_rule: DueDateRule = DueDateRule.ANNIVERSARY
    prepayment_rule: PrepaymentRule = PrepaymentRule.LOWER_INSTALMENT


@dataclass(frozen=True)
class Drawdown:
    amount: Decimal
    on: date


@dataclass(frozen=True)
class Prepayment:
    amount: Decimal
    on: date


@dataclass(frozen=True)
class WriteOff:
    amount: Decimal | None
    on: date


@dataclass(frozen=True)
class Line:
    n: int
    due_date: date
    payment: Decimal
    interest: Decimal
    principal: Decimal
    outstanding: Decimal


class ScheduleError(ValueError):
    """Terms or events that make no schedule; the message is translated and can be shown as is."""


class _Kind(IntEnum):
    # The order applies events of the same day: money comes in before it can be repaid or written off.
    DRAWDOWN = 0
    PREPAYMENT = 1
    WRITE_OFF = 2


@dataclass(frozen=True)
class _Event:
    kind: _Kind
    amount: Decimal | None
    on: date


_ABOVE_ZERO = {
    _Kind.DRAWDOWN: gettext_lazy("A drawdown must be above zero."),
    _Kind.PREPAYMENT: gettext_lazy("A prepayment must be above zero."),
    _Kind.WRITE_OFF: gettext_lazy("A write-off must be above zero."),
}
_BEFORE_START = {
    _Kind.DRAWDOWN: gettext_lazy("A drawdown cannot come before the start of the term."),
    _Kind.PREPAYMENT: gettext_lazy("A prepayment cannot come before the start of the term."),
    _Kind.WRITE_OFF: gettext_lazy("A write-off cannot come before the start of the term."),
}
_AFTER_END = {
    _Kind.DRAWDOWN: gettext_lazy("A drawdown must come before the last due date (%(date)s)."),
    _Kind.PREPAYMENT: gettext_lazy("A prepayment must come before the last due date (%(date)s)."),
    _Kind.WRITE_OFF: gettext_lazy("A write-off must come before the last due date (%(date)s)."),
}
_OVER_OUTSTANDING = {
    _Kind.PREPAYMENT: gettext_lazy("A prepayment cannot exceed the outstanding principal."),
    _Kind.WRITE_OFF: gettext_lazy("A write-off cannot exceed the outstanding principal."),
}


def year_fraction(day_count: DayCount, start: date, end: date) -> Decimal:
    """The fraction of a year from start to end under the day count (negative if end is before start)."""
    if end < start:
        return -year_fraction(day_count, end, start)
    with localcontext(_CONTEXT):
        if day_count == DayCount.THIRTY_360:
            days = (
                360 * (end.year - start.year) + 30 * (end.month - start.month) + min(end.day, 30) - min(start.day, 30)
            )
            return Decimal(days) / 360
        if day_count == DayCount.ACT_360:
            return Decimal((end - start).days) / 360
        if day_count == DayCount.ACT_365:
            return Decimal((end - start).days) / 365
        if day_count == DayCount.ACT_ACT:
            return _act_act_isda(start, end)
    raise ValueError(f"unknown day count: {day_count!r}")


def _act_act_isda(start: date, end: date) -> Decimal:
    total = Decimal(0)
    for year in range(start.year, end.year + 1):
        days = (min(end, date(year + 1, 1, 1)) - max(start, date(year, 1, 1))).days
        total += Decimal(days) / (366 if calendar.isleap(year) else 365)
    return total


def annuity_payment(principal: Decimal, periodic_rate: Decimal, periods: int) -> Decimal:
    """The level payment that repays principal over periods at periodic_rate (a fraction: 0.0025 = 0.25 %).

    Exact Decimal, rounded to the cent half up; at a zero rate, principal / periods.
    """
    principal, periodic_rate = to_decimal(principal), to_decimal(periodic_rate)
    if periods < 1:
        raise ScheduleError(gettext("The term must be at least one period."))
    with localcontext(_CONTEXT):
        if periodic_rate == 0:
            return to_cents(principal / periods)
        return to_cents(principal * periodic_rate / (1 - (1 + periodic_rate) ** -periods))


def due_dates(terms: Terms) -> list[date]:
    """The due date of every period of the term, in order (see the module docstring for the two rules)."""
    _check_periods(terms.periods)
    step = Frequency(terms.frequency).months
    try:
        if terms.due_date_rule == DueDateRule.ANNIVERSARY:
            return [_add_months(terms.start, k * step) for k in range(1, terms.periods + 1)]
        first = _first_period_end(terms.start, step)
        return [_month_end(_add_months(first, k * step)) for k in range(terms.periods)]
    except (ValueError, OverflowError):
        raise ScheduleError(gettext("The term cannot end after the year 9999.")) from None


def _check_periods(periods: int) -> None:
    if periods < 1:
        raise ScheduleError(gettext("The term must be at least one period."))
    if periods > MAX_PERIODS:
        raise ScheduleError(gettext("The term cannot exceed %(max)s periods.") % {"max": MAX_PERIODS})


def _add_months(day: date, months: int) -> date:
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _first_period_end(start: date, step: int) -> date:
    end = _month_end(start)
    while end.month % step or end == start:
        end = _month_end(end + timedelta(days=1))
    return end


def build_schedule(
    terms: Terms,
    drawdowns: Sequence[Drawdown],
    prepayments: Sequence[Prepayment] = (),
    write_offs: Sequence[WriteOff] = (),
) -> list[Line]:
    """The repayment schedule of the loan: one line per due date (rules in the module docstring)."""
    _check_terms(terms)
    dates = due_dates(terms)
    events = _events(terms.start, dates[-1], drawdowns, prepayments, write_offs)
    with localcontext(_CONTEXT):
        lines = _Builder(terms, dates, events).lines()
    # A line that begins with nothing outstanding and pays nothing says nothing. The line of the period in which a
    # prepayment cleared the outstanding begins with something, so it stays and shows the fall to 0.
    while len(lines) > 1 and lines[-1].payment == 0 and lines[-2].outstanding == 0:
        lines.pop()
    return lines


def simulate(
    *,
    principal: Decimal,
    rate: Decimal,
    years: int,
    frequency: str,
    method: str,
    day_count: str,
    start: date,
    grace_principal: int = 0,
    grace_interest: int = 0,
    due_date_rule: str = DueDateRule.ANNIVERSARY,
) -> list[Line]:
    """The schedule of a loan drawn in full on its start date: what the staff simulator and the API compute from
    the inputs of `manage.py loan_schedule` (the rate in percent, the term in years)."""
    step = Frequency(frequency)
    terms = Terms(
        rate=rate,
        periods=years * step.periods_per_year,
        frequency=step,
        method=Method(method),
        day_count=DayCount(day_count),
        start=start,
        grace_principal=grace_principal,
        grace_interest=grace_interest,
        due_date_rule=DueDateRule(due_date_rule),
    )
    return build_schedule(terms, [Drawdown(principal, start)])


def _check_terms(terms: Terms) -> None:
    rate = to_decimal(terms.rate)
    if rate < 0:
        raise ScheduleError(gettext("The rate cannot be negative."))
    if rate > MAX_RATE:
        raise ScheduleError(gettext("The rate cannot exceed 100 percent."))
    _check_periods(terms.periods)
    if terms.grace_principal < 0 or terms.grace_interest < 0:
        raise ScheduleError(gettext("A grace cannot be negative."))
    if terms.grace_interest > terms.grace_principal:
        raise ScheduleError(gettext("The grace on interest cannot be longer than the grace on principal."))
    if terms.grace_principal >= terms.periods:
        raise ScheduleError(gettext("The grace on principal must leave at least one period to repay."))


def _events(
    start: date,
    last_due: date,
    drawdowns: Sequence[Drawdown],
    prepayments: Sequence[Prepayment],
    write_offs: Sequence[WriteOff],
) -> list[_Event]:
    if not drawdowns:
        raise ScheduleError(gettext("A schedule needs at least one drawdown."))
    events = sorted(
        [_Event(_Kind.DRAWDOWN, d.amount, d.on) for d in drawdowns]
        + [_Event(_Kind.PREPAYMENT, p.amount, p.on) for p in prepayments]
        + [_Event(_Kind.WRITE_OFF, w.amount, w.on) for w in write_offs],
        key=lambda event: (event.on, event.kind),
    )
    events = [_checked(event, start, last_due) for event in events]
    full = next((event for event in events if event.kind == _Kind.WRITE_OFF and event.amount is None), None)
    if full is not None and any(event.on >= full.on and event is not full for event in events):
        raise ScheduleError(gettext("Nothing can come on or after the write-off of the whole loan."))
    return events


def _checked(event: _Event, start: date, last_due: date) -> _Event:
    amount = None if event.amount is None else to_decimal(event.amount)
    if amount is not None and amount <= 0:
        raise ScheduleError(str(_ABOVE_ZERO[event.kind]))
    if amount is not None and amount > MAX_AMOUNT:
        raise ScheduleError(gettext("An amount cannot exceed %(max)s.") % {"max": format_eur(MAX_AMOUNT)})
    if amount is not None and amount != to_cents(amount):
        raise ScheduleError(gettext("An amount cannot have fractions of a cent."))
    if event.on < start:
        raise ScheduleError(str(_BEFORE_START[event.kind]))
    if event.on >= last_due:
        raise ScheduleError(str(_AFTER_END[event.kind]) % {"date": last_due.isoformat()})
    return _Event(event.kind, None if amount is None else to_cents(amount), event.on)


class _Builder:
    """Walks the periods in order, carrying the outstanding, the level amount and the deferred interest."""

    def __init__(self, terms: Terms, dates: list[date], events: list[_Event]) -> None:
        self.terms = terms
        self.rate = to_decimal(terms.rate) / HUNDRED
        self.dates = dates
        self.events = events
        self.balance = ZERO
        self.level: Decimal | None = None  # the annuity, or the principal per line; None until amortisation starts
        self.reamortise = False
        self.deferred = ZERO  # interest of the interest grace, unrounded until the line that pays it

    def lines(self) -> list[Line]:
        lines: list[Line] = []
        period_start = self.terms.start
        for n, due in enumerate(self.dates, start=1):
            in_period = [event for event in self.events if period_start <= event.on < due]
            accrued = self._apply(in_period, period_start, due)
            if accrued is None:
                break
            lines.append(self._line(n, due, accrued))
            period_start = due
        return lines

    def _apply(self, events: list[_Event], period_start: date, due: date) -> Decimal | None:
        """Apply the period's events; return its unrounded interest, or None when the whole loan is written off."""
        day_count = self.terms.day_count
        # Interest by segments, written as each amount x the year fraction from its own date to the due date.
        weighted = self.balance * year_fraction(day_count, period_start, due)
        self.reamortise = False
        for event in events:
            if event.amount is None:
                return None
            change = event.amount if event.kind == _Kind.DRAWDOWN else -event.amount
            if self.balance + change < 0:
                raise ScheduleError(str(_OVER_OUTSTANDING[event.kind]))
            self.balance += change
            weighted += change * year_fraction(day_count, event.on, due)
            self.reamortise = self.reamortise or self._changes_level(event.kind)
        return weighted * self.rate

    def _changes_level(self, kind: _Kind) -> bool:
        return kind != _Kind.PREPAYMENT or self.terms.prepayment_rule == PrepaymentRule.LOWER_INSTALMENT

    def _line(self, n: int, due: date, accrued: Decimal) -> Line:
        if n <= self.terms.grace_interest:
            self.deferred += accrued
            return Line(n, due, ZERO, ZERO, ZERO, self.balance)
        interest = to_cents(self.deferred + accrued)
        self.deferred = ZERO
        principal = self._principal(n, to_cents(accrued))
        self.balance -= principal
        return Line(n, due, principal + interest, interest, principal, self.balance)

    def _principal(self, n: int, period_interest: Decimal) -> Decimal:
        terms = self.terms
        if n <= terms.grace_principal:
            return ZERO
        if n == terms.periods:
            return self.balance
        if self.level is None or self.reamortise:
            self.level = self._level(terms.periods - n + 1)
        share = self.level - period_interest if terms.method == Method.ANNUITY else self.level
        return min(max(share, ZERO), self.balance)

    def _level(self, periods_left: int) -> Decimal:
        method = self.terms.method
        if method == Method.ANNUITY:
            periodic_rate = self.rate / Frequency(self.terms.frequency).periods_per_year
            return annuity_payment(self.balance, periodic_rate, periods_left)
        if method == Method.EQUAL_PRINCIPAL:
            return to_cents(self.balance / periods_left)
        return ZERO
