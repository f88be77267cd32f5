"""The repayment schedule against independent figures: numpy-financial, textbook formulas and hand computations.

Floats appear here only on the reference side (numpy-financial); the schedule itself is Decimal.
"""

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy_financial as npf
import pytest
from django.utils import translation
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from loans.schedules import (
    DayCount,
    Drawdown,
    DueDateRule,
    Frequency,
    Line,
    Method,
    Prepayment,
    PrepaymentRule,
    ScheduleError,
    Terms,
    WriteOff,
    annuity_payment,
    build_schedule,
    due_dates,
    year_fraction,
)

D = Decimal
START = date(2026, 1, 1)
MILLION = D("1000000.00")
CENT = 0.01


@pytest.fixture(autouse=True)
def in_english():
    """The messages asserted here are the English ones, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def terms(**changes) -> Terms:
    """The reference loan: 20 years, 3 % a year, annual annuity, 30/360, starting 1 January 2026."""
    values = {
        "rate": D("3"),
        "periods": 20,
        "frequency": Frequency.ANNUAL,
        "method": Method.ANNUITY,
        "day_count": DayCount.THIRTY_360,
        "start": START,
    }
    return Terms(**(values | changes))


def principal_total(lines: list[Line]) -> Decimal:
    return sum((line.principal for line in lines), D("0"))


def money(value: float) -> Decimal:
    """A reference float rounded to the cent, half up, through its shortest text (never Decimal(float))."""
    return D(repr(float(value))).quantize(D("0.01"), rounding=ROUND_HALF_UP)


# --- The reference figure of the domain notes --------------------------------------------------------------------


def test_one_million_over_twenty_years_at_three_percent_gives_the_textbook_annuity():
    lines = build_schedule(terms(), [Drawdown(MILLION, START)])
    assert len(lines) == 20
    assert {line.payment for line in lines[:-1]} == {D("67215.71")}
    assert abs(lines[-1].payment - D("67215.71")) <= D("0.20")
    assert lines[0] == Line(1, date(2027, 1, 1), D("67215.71"), D("30000.00"), D("37215.71"), D("962784.29"))
    assert lines[-1].outstanding == 0
    assert lines[-1].principal == lines[-2].outstanding
    assert principal_total(lines) == MILLION


# --- Annuities against numpy-financial ---------------------------------------------------------------------------

ANNUITY_CASES = [
    (Frequency.MONTHLY, 240, "3"),
    (Frequency.MONTHLY, 120, "4.5"),
    (Frequency.MONTHLY, 300, "2.125"),
    (Frequency.MONTHLY, 60, "0.875"),
    (Frequency.QUARTERLY, 80, "2.75"),
    (Frequency.QUARTERLY, 40, "6"),
    (Frequency.SEMI_ANNUAL, 40, "3.5"),
    (Frequency.SEMI_ANNUAL, 20, "1.25"),
    (Frequency.ANNUAL, 20, "3"),
    (Frequency.ANNUAL, 30, "5.125"),
    (Frequency.ANNUAL, 10, "0.5"),
    (Frequency.ANNUAL, 1, "4"),
]


@pytest.mark.parametrize("amount", ["1000000.00", "12345.67", "49999999.99"])
@pytest.mark.parametrize(("frequency", "periods", "rate"), ANNUITY_CASES)
def test_annuity_lines_match_numpy_financial(frequency, periods, rate, amount):
    # A day of the month every month has, so that 30/360 makes every period exactly 1 / periods per year.
    loan = terms(rate=D(rate), periods=periods, frequency=frequency, start=date(2026, 1, 15))
    lines = build_schedule(loan, [Drawdown(D(amount), loan.start)])
    r, principal = float(rate) / 100 / frequency.periods_per_year, float(amount)

    payment = lines[0].payment
    assert payment == money(npf.pmt(r, periods, -principal))
    assert all(line.payment == payment for line in lines[:-1])
    # The payment is rounded to the cent, so the loan really paid is the annuity with that payment and a tiny
    # balloon fv that the last line absorbs; ipmt/ppmt of that loan are the exact figures of every line.
    fv = npf.fv(r, periods, -float(payment), principal)
    for line in lines[:-1]:
        assert abs(float(line.interest) + npf.ipmt(r, line.n, periods, principal, fv)) <= CENT
        assert abs(float(line.principal) + npf.ppmt(r, line.n, periods, principal, fv)) <= CENT
    # Each line's interest is rounded by at most half a cent and that error then compounds at r.
    drift = 0.005 * (((1 + r) ** periods - 1) / r if r else periods)
    assert abs(float(lines[-1].principal) + npf.fv(r, periods - 1, -float(payment), principal)) <= drift + CENT
    assert principal_total(lines) == D(amount)
    assert lines[-1].outstanding == 0


def test_annuity_payment_is_exact_decimal_rounded_half_up():
    assert annuity_payment(MILLION, D("0.03"), 20) == D("67215.71")
    assert annuity_payment(MILLION, D("0.0025"), 240) == money(npf.pmt(0.0025, 240, -1_000_000))
    assert annuity_payment(D("1000.00"), D("0"), 3) == D("333.33")
    assert annuity_payment(D("1000.00"), D("0"), 8) == D("125.00")


# --- Equal principal and bullet against textbook formulas --------------------------------------------------------


def test_equal_principal_repays_p_over_n_with_interest_on_the_outstanding():
    loan = terms(rate=D("4"), periods=12, frequency=Frequency.QUARTERLY, method=Method.EQUAL_PRINCIPAL)
    lines = build_schedule(loan, [Drawdown(D("1200000.00"), START)])
    assert len(lines) == 12
    for k, line in enumerate(lines):
        outstanding_before = D("1200000") - k * D("100000")
        assert line.principal == D("100000.00")
        assert line.interest == outstanding_before * D("0.04") / 4
        assert line.payment == line.principal + line.interest
    assert lines[-1].outstanding == 0


def test_equal_principal_puts_the_rounding_remainder_on_the_last_line():
    loan = terms(periods=3, method=Method.EQUAL_PRINCIPAL, rate=D("0"))
    lines = build_schedule(loan, [Drawdown(MILLION, START)])
    assert [line.principal for line in lines] == [D("333333.33"), D("333333.33"), D("333333.34")]
    assert [line.interest for line in lines] == [D("0.00")] * 3


def test_bullet_pays_interest_only_then_everything_on_the_last_line():
    loan = terms(rate=D("2.5"), periods=10, frequency=Frequency.SEMI_ANNUAL, method=Method.BULLET)
    lines = build_schedule(loan, [Drawdown(D("500000.00"), START)])
    # 500,000 x 2.5 % / 2 = 6,250.00 each half year under 30/360.
    assert [line.interest for line in lines] == [D("6250.00")] * 10
    assert [line.principal for line in lines] == [D("0.00")] * 9 + [D("500000.00")]
    assert lines[-1].payment == D("506250.00")
    assert [line.outstanding for line in lines[:-1]] == [D("500000.00")] * 9


# --- Day counts against hand figures ------------------------------------------------------------------------------


def bullet_interest(day_count: DayCount, start: date, periods: int = 2) -> list[Decimal]:
    loan = terms(method=Method.BULLET, day_count=day_count, start=start, periods=periods)
    return [line.interest for line in build_schedule(loan, [Drawdown(MILLION, start)])]


def test_act_360_counts_the_actual_days_over_360():
    # 2027: 365 days -> 1,000,000 x 3 % x 365/360 = 30,416.67; 2028 (leap): 366 days -> x 366/360 = 30,500.00.
    assert bullet_interest(DayCount.ACT_360, date(2027, 1, 1)) == [D("30416.67"), D("30500.00")]


def test_act_365_counts_the_actual_days_over_365_even_in_a_leap_year():
    # 2027: 365/365 -> 30,000.00; 2028: 366/365 -> 30,082.19.
    assert bullet_interest(DayCount.ACT_365, date(2027, 1, 1)) == [D("30000.00"), D("30082.19")]


def test_act_act_isda_splits_a_period_across_leap_and_common_years():
    # 1/7/2027 -> 1/7/2028: 184 days of 2027 / 365 + 182 days of 2028 / 366 = 1.0013773 -> 30,041.32;
    # 1/7/2028 -> 1/7/2029: 184 days of 2028 / 366 + 181 days of 2029 / 365 = 0.9986226 -> 29,958.68.
    assert bullet_interest(DayCount.ACT_ACT, date(2027, 7, 1)) == [D("30041.32"), D("29958.68")]
    # A whole leap year is exactly one year: 366 / 366.
    assert bullet_interest(DayCount.ACT_ACT, date(2028, 1, 1), periods=1) == [D("30000.00")]


def test_act_365_monthly_february_has_28_days():
    loan = terms(method=Method.BULLET, day_count=DayCount.ACT_365, frequency=Frequency.MONTHLY, periods=3)
    lines = build_schedule(loan, [Drawdown(MILLION, START)])
    # January 31 days: 30,000 x 31/365 = 2,547.95; February 28 days: 30,000 x 28/365 = 2,301.37.
    assert [line.interest for line in lines[:2]] == [D("2547.95"), D("2301.37")]


def close(fraction: Decimal, expected: Decimal) -> bool:
    return abs(fraction - expected) < D("1e-25")


def test_year_fractions():
    # 30E/360: the 31st counts as the 30th at both ends, February is not lengthened.
    assert close(year_fraction(DayCount.THIRTY_360, date(2026, 1, 31), date(2026, 2, 28)), D(28) / 360)
    assert close(year_fraction(DayCount.THIRTY_360, date(2026, 1, 30), date(2026, 3, 31)), D(60) / 360)
    assert close(year_fraction(DayCount.THIRTY_360, date(2026, 3, 31), date(2026, 6, 30)), D(90) / 360)
    assert year_fraction(DayCount.THIRTY_360, date(2026, 1, 15), date(2027, 1, 15)) == 1
    assert close(year_fraction(DayCount.ACT_360, date(2026, 1, 1), date(2026, 3, 1)), D(59) / 360)
    assert close(year_fraction(DayCount.ACT_365, date(2028, 1, 1), date(2029, 1, 1)), D(366) / 365)
    assert close(year_fraction(DayCount.ACT_ACT, date(2027, 12, 1), date(2028, 2, 1)), D(31) / 365 + D(31) / 366)
    assert year_fraction(DayCount.ACT_ACT, date(2028, 1, 1), date(2029, 1, 1)) == 1
    assert year_fraction(DayCount.ACT_ACT, date(2026, 5, 1), date(2026, 5, 1)) == 0


def test_interest_above_the_payment_repays_no_principal_rather_than_a_negative_one():
    # 15 % over 40 years monthly: the annuity (1.2531 % a month) is below 31 days of ACT/360 interest (1.2917 %).
    loan = terms(rate=D("15"), periods=480, frequency=Frequency.MONTHLY, day_count=DayCount.ACT_360)
    lines = build_schedule(loan, [Drawdown(MILLION, START)])
    january = lines[0]
    assert january.interest == D("12916.67")  # 1,000,000 x 15 % x 31/360
    assert january.principal == 0
    assert january.payment == january.interest
    assert all(line.principal >= 0 for line in lines)
    assert principal_total(lines) == MILLION


# --- Drawdowns -----------------------------------------------------------------------------------------------------


def test_a_second_drawdown_accrues_interest_only_from_its_own_date():
    draws = [Drawdown(D("600000.00"), START), Drawdown(D("400000.00"), date(2026, 7, 1))]
    lines = build_schedule(terms(), draws)
    # 600,000 x 3 % x 360/360 + 400,000 x 3 % x 180/360 = 18,000 + 6,000.
    assert lines[0].interest == D("24000.00")
    # The level payment is set on the whole amount drawn at the first line: 67,215.71.
    assert lines[0].payment == D("67215.71")
    assert principal_total(lines) == MILLION
    assert lines[-1].outstanding == 0


def test_a_drawdown_later_in_the_term_recomputes_the_level_payment_over_the_periods_left():
    draws = [Drawdown(D("600000.00"), START), Drawdown(D("400000.00"), date(2028, 1, 1))]
    lines = build_schedule(terms(), draws)
    assert lines[0].payment == money(npf.pmt(0.03, 20, -600_000))
    # Dated on the 2nd due date: applied after that line, so the third line is the first on the new amount.
    assert lines[1].outstanding < D("600000")
    new_payment = money(npf.pmt(0.03, 18, -float(lines[1].outstanding + D("400000"))))
    assert {line.payment for line in lines[2:-1]} == {new_payment}
    assert principal_total(lines) == MILLION


# --- Grace ---------------------------------------------------------------------------------------------------------


def test_grace_on_principal_pays_interest_only_then_amortises_over_the_periods_left():
    lines = build_schedule(terms(grace_principal=2), [Drawdown(MILLION, START)])
    assert [(line.payment, line.principal) for line in lines[:2]] == [(D("30000.00"), D("0.00"))] * 2
    level = money(npf.pmt(0.03, 18, -1_000_000))  # 72,708.70
    assert level == D("72708.70")
    assert {line.payment for line in lines[2:-1]} == {level}
    assert len(lines) == 20
    assert principal_total(lines) == MILLION


def test_grace_on_interest_defers_the_interest_to_the_first_line_after_it():
    lines = build_schedule(terms(grace_principal=2, grace_interest=1), [Drawdown(MILLION, START)])
    assert lines[0] == Line(1, date(2027, 1, 1), D("0.00"), D("0.00"), D("0.00"), MILLION)
    # The second line pays its own 30,000 and the 30,000 deferred from the first: not capitalised.
    assert lines[1] == Line(2, date(2028, 1, 1), D("60000.00"), D("60000.00"), D("0.00"), MILLION)
    assert lines[2].payment == D("72708.70")
    assert lines[2].interest == D("30000.00")


def test_interest_grace_as_long_as_the_principal_grace_adds_the_deferred_interest_on_top_of_the_annuity():
    lines = build_schedule(terms(grace_principal=2, grace_interest=2), [Drawdown(MILLION, START)])
    assert [line.payment for line in lines[:2]] == [D("0.00"), D("0.00")]
    # 30,000 of its own + 60,000 deferred; principal = 72,708.70 - 30,000.
    assert lines[2].interest == D("90000.00")
    assert lines[2].principal == D("42708.70")
    assert lines[2].payment == D("132708.70")
    assert lines[3].payment == D("72708.70")
    assert principal_total(lines) == MILLION


# --- Prepayments and write-offs ------------------------------------------------------------------------------------

# Line 5 of the reference loan, due 1 January 2031, leaves 802,416.74 outstanding.
FIFTH_DUE = date(2031, 1, 1)
AFTER_FIFTH = D("802416.74")


def test_prepayment_lowering_the_instalment_keeps_the_number_of_lines():
    lines = build_schedule(terms(), [Drawdown(MILLION, START)], [Prepayment(D("100000.00"), FIFTH_DUE)])
    # On a due date: applied after that line's payment.
    assert lines[4].outstanding == AFTER_FIFTH
    lower = money(npf.pmt(0.03, 15, -float(AFTER_FIFTH - D("100000"))))
    assert {line.payment for line in lines[5:-1]} == {lower}
    assert lower < D("67215.71")
    assert lines[5].interest == D("21072.50")  # 702,416.74 x 3 %
    assert len(lines) == 20
    assert principal_total(lines) == D("900000.00")
    assert lines[-1].outstanding == 0


def test_prepayment_shortening_the_term_keeps_the_payment_and_ends_earlier():
    loan = terms(prepayment_rule=PrepaymentRule.SHORTEN_TERM)
    lines = build_schedule(loan, [Drawdown(MILLION, START)], [Prepayment(D("100000.00"), FIFTH_DUE)])
    # 702,416.74 repaid at 67,215.71 a year at 3 %: nper = 12.73, so 13 more lines, the last one smaller.
    extra = math.ceil(npf.nper(0.03, -67215.71, float(AFTER_FIFTH - D("100000"))))
    assert len(lines) == 5 + extra == 18
    assert {line.payment for line in lines[:-1]} == {D("67215.71")}
    assert lines[-1].payment < D("67215.71")
    assert principal_total(lines) == D("900000.00")
    assert lines[-1].outstanding == 0


def test_prepayment_mid_period_stops_interest_on_its_amount_from_its_date():
    lines = build_schedule(terms(), [Drawdown(MILLION, START)], [Prepayment(D("500000.00"), date(2026, 7, 1))])
    # 1,000,000 x 3 % x 180/360 + 500,000 x 3 % x 180/360 = 15,000 + 7,500.
    assert lines[0].interest == D("22500.00")
    assert principal_total(lines) == D("500000.00")


def test_equal_principal_shortening_keeps_the_principal_per_line():
    loan = terms(method=Method.EQUAL_PRINCIPAL, periods=10, prepayment_rule=PrepaymentRule.SHORTEN_TERM)
    lines = build_schedule(loan, [Drawdown(MILLION, START)], [Prepayment(D("250000.00"), date(2028, 1, 1))])
    # 100,000 a line; after two lines 800,000 - 250,000 = 550,000 left: five full lines and one of 50,000.
    assert [line.principal for line in lines] == [D("100000.00")] * 7 + [D("50000.00")]
    assert principal_total(lines) == D("750000.00")


def test_a_partial_write_off_reduces_the_principal_and_recomputes_the_payment():
    loan = terms(prepayment_rule=PrepaymentRule.SHORTEN_TERM)
    lines = build_schedule(loan, [Drawdown(MILLION, START)], write_offs=[WriteOff(D("200000.00"), FIFTH_DUE)])
    assert len(lines) == 20
    lower = money(npf.pmt(0.03, 15, -float(AFTER_FIFTH - D("200000"))))
    assert {line.payment for line in lines[5:-1]} == {lower}
    assert principal_total(lines) == D("800000.00")
    assert lines[-1].outstanding == 0


def test_writing_off_the_whole_loan_ends_the_schedule_at_its_date():
    lines = build_schedule(terms(), [Drawdown(MILLION, START)], write_offs=[WriteOff(None, date(2031, 6, 30))])
    assert [line.n for line in lines] == [1, 2, 3, 4, 5]
    assert lines[-1].due_date == FIFTH_DUE
    assert lines[-1].outstanding == AFTER_FIFTH
    assert principal_total(lines) + AFTER_FIFTH == MILLION


def test_a_full_write_off_on_a_due_date_keeps_that_line():
    lines = build_schedule(terms(), [Drawdown(MILLION, START)], write_offs=[WriteOff(None, FIFTH_DUE)])
    assert len(lines) == 5


# --- Due dates -----------------------------------------------------------------------------------------------------


def test_anniversary_dates_clamp_to_the_month_end_and_come_back_from_the_start():
    leap = terms(frequency=Frequency.MONTHLY, periods=4, start=date(2024, 1, 31))
    assert due_dates(leap) == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31)]
    common = terms(frequency=Frequency.MONTHLY, periods=2, start=date(2025, 1, 31))
    assert due_dates(common) == [date(2025, 2, 28), date(2025, 3, 31)]
    yearly = terms(periods=4, start=date(2024, 2, 29))
    assert due_dates(yearly) == [date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_period_end_dates_start_with_a_broken_period():
    quarterly = terms(
        frequency=Frequency.QUARTERLY,
        periods=5,
        start=date(2026, 2, 10),
        due_date_rule=DueDateRule.PERIOD_END,
        method=Method.BULLET,
        day_count=DayCount.ACT_365,
    )
    assert due_dates(quarterly) == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
        date(2027, 3, 31),
    ]
    lines = build_schedule(quarterly, [Drawdown(MILLION, quarterly.start)])
    # 10 February -> 31 March: 18 + 31 = 49 days; 30,000 x 49/365 = 4,027.40. Then 91 days: 7,479.45.
    assert [line.interest for line in lines[:2]] == [D("4027.40"), D("7479.45")]


def test_period_end_start_on_a_period_end_begins_a_full_period():
    semi = terms(frequency=Frequency.SEMI_ANNUAL, periods=3, start=date(2026, 6, 30), due_date_rule="period_end")
    assert due_dates(semi) == [date(2026, 12, 31), date(2027, 6, 30), date(2027, 12, 31)]
    annual = terms(periods=2, start=date(2026, 12, 31), due_date_rule=DueDateRule.PERIOD_END)
    assert due_dates(annual) == [date(2027, 12, 31), date(2028, 12, 31)]
    monthly = terms(frequency=Frequency.MONTHLY, periods=3, start=date(2026, 1, 15), due_date_rule="period_end")
    assert due_dates(monthly) == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]


# --- Bad input ------------------------------------------------------------------------------------------------------

DRAWN = [Drawdown(MILLION, START)]


@pytest.mark.parametrize(
    ("loan", "drawdowns", "prepayments", "write_offs", "message"),
    [
        (terms(rate=D("-0.5")), DRAWN, [], [], "The rate cannot be negative."),
        (terms(periods=0), DRAWN, [], [], "The term must be at least one period."),
        (terms(rate=D("100.001")), DRAWN, [], [], "The rate cannot exceed 100 percent."),
        (terms(periods=1201, frequency=Frequency.MONTHLY), DRAWN, [], [], "The term cannot exceed 1200 periods."),
        (terms(start=date(9990, 1, 1)), [Drawdown(MILLION, date(9990, 1, 1))], [], [], "after the year 9999"),
        (terms(), [Drawdown(D("1000000000000.00"), START)], [], [], "An amount cannot exceed 999.999.999.999,99"),
        (terms(grace_principal=-1), DRAWN, [], [], "A grace cannot be negative."),
        (terms(grace_principal=1, grace_interest=2), DRAWN, [], [], "The grace on interest cannot be longer"),
        (terms(grace_principal=20), DRAWN, [], [], "must leave at least one period to repay"),
        (terms(), [], [], [], "at least one drawdown"),
        (terms(), [Drawdown(D("0"), START)], [], [], "A drawdown must be above zero."),
        (terms(), [Drawdown(D("-5"), START)], [], [], "A drawdown must be above zero."),
        (terms(), [Drawdown(D("10.005"), START)], [], [], "fractions of a cent"),
        (terms(), [Drawdown(MILLION, date(2025, 12, 31))], [], [], "A drawdown cannot come before the start"),
        (terms(), [Drawdown(MILLION, date(2046, 1, 2))], [], [], "A drawdown must come before the last due date"),
        (terms(), [Drawdown(MILLION, date(2046, 1, 1))], [], [], "A drawdown must come before the last due date"),
        (terms(), DRAWN, [Prepayment(D("0"), START)], [], "A prepayment must be above zero."),
        (terms(), DRAWN, [Prepayment(D("1"), date(2047, 1, 1))], [], "A prepayment must come before the last due"),
        (terms(), DRAWN, [Prepayment(D("1"), date(2025, 1, 1))], [], "A prepayment cannot come before the start"),
        (terms(), DRAWN, [Prepayment(D("1000000.01"), START)], [], "A prepayment cannot exceed the outstanding"),
        (terms(), DRAWN, [Prepayment(D("962784.30"), FIFTH_DUE)], [], "A prepayment cannot exceed"),
        (terms(), DRAWN, [], [WriteOff(D("-1"), START)], "A write-off must be above zero."),
        (terms(), DRAWN, [], [WriteOff(D("2000000"), START)], "A write-off cannot exceed the outstanding"),
        (terms(), DRAWN, [], [WriteOff(None, date(2050, 1, 1))], "A write-off must come before the last due"),
        (terms(), DRAWN, [Prepayment(D("1"), FIFTH_DUE)], [WriteOff(None, FIFTH_DUE)], "Nothing can come"),
        (terms(), DRAWN, [], [WriteOff(None, START), WriteOff(None, FIFTH_DUE)], "Nothing can come"),
    ],
)
def test_bad_input_raises_a_schedule_error(loan, drawdowns, prepayments, write_offs, message):
    with pytest.raises(ScheduleError, match=message):
        build_schedule(loan, drawdowns, prepayments, write_offs)


def test_a_schedule_error_is_a_value_error_and_floats_are_refused():
    assert issubclass(ScheduleError, ValueError)
    with pytest.raises(TypeError):
        build_schedule(terms(), [Drawdown(1000.0, START)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        build_schedule(terms(rate=3.0), DRAWN)  # type: ignore[arg-type]


# --- Properties -----------------------------------------------------------------------------------------------------


@st.composite
def loans(draw):
    frequency = draw(st.sampled_from(Frequency))
    periods = draw(st.integers(min_value=1, max_value=480))
    grace_principal = draw(st.integers(min_value=0, max_value=min(periods - 1, 24)))
    loan = Terms(
        rate=draw(st.decimals(min_value=0, max_value=15, places=3)),
        periods=periods,
        frequency=frequency,
        method=draw(st.sampled_from(Method)),
        day_count=draw(st.sampled_from(DayCount)),
        start=draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))),
        grace_principal=grace_principal,
        grace_interest=draw(st.integers(min_value=0, max_value=grace_principal)),
        due_date_rule=draw(st.sampled_from(DueDateRule)),
        prepayment_rule=draw(st.sampled_from(PrepaymentRule)),
    )
    cents = draw(st.integers(min_value=100, max_value=5_000_000_000))
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=cents - 1), max_size=2, unique=True)))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, cents], strict=True)]
    days = (due_dates(loan)[-1] - loan.start).days - 1
    offsets = [0] + [draw(st.integers(min_value=0, max_value=days)) for _ in shares[1:]]
    dates = [loan.start + timedelta(days=offset) for offset in offsets]
    drawdowns = [Drawdown(D(share) / 100, on) for share, on in zip(shares, dates, strict=True)]
    return loan, drawdowns, D(cents) / 100


def check_invariants(lines: list[Line], repaid: Decimal) -> None:
    assert principal_total(lines) == repaid
    assert lines[-1].outstanding == 0
    assert [line.n for line in lines] == list(range(1, len(lines) + 1))
    assert [line.due_date for line in lines] == sorted({line.due_date for line in lines})
    for line in lines:
        assert line.outstanding >= 0
        assert line.interest >= 0
        assert line.principal >= 0
        assert line.payment == line.interest + line.principal
        assert all(amount == amount.quantize(D("0.01")) for amount in (line.payment, line.interest, line.principal))


@settings(max_examples=200, deadline=None)
@given(loans())
def test_every_schedule_repays_exactly_what_was_drawn(loan_and_draws):
    loan, drawdowns, drawn = loan_and_draws
    check_invariants(build_schedule(loan, drawdowns), drawn)


@settings(max_examples=200, deadline=None)
@given(loans(), st.integers(min_value=1, max_value=99), st.integers(min_value=0, max_value=1000), st.booleans())
def test_every_schedule_with_a_prepayment_or_write_off_repays_the_rest(loan_and_draws, percent, permille, write_off):
    loan, drawdowns, drawn = loan_and_draws
    last_draw = max(d.on for d in drawdowns)
    on = last_draw + timedelta(days=permille * ((due_dates(loan)[-1] - last_draw).days - 1) // 1000)
    amount = (drawn * percent / 100).quantize(D("0.01"))
    event = WriteOff(amount, on) if write_off else Prepayment(amount, on)
    try:
        lines = build_schedule(loan, drawdowns, *(([], [event]) if write_off else ([event], [])))
    except ScheduleError:
        reject()  # more than what is still outstanding at that date
    check_invariants(lines, drawn - amount)
