"""manage.py loan_schedule: a thin adapter over build_schedule. No database needed."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

REFERENCE = [
    "--principal",
    "1000000",
    "--rate",
    "3",
    "--years",
    "20",
    "--frequency",
    "annual",
    "--method",
    "annuity",
    "--day-count",
    "30/360",
    "--start",
    "2026-01-01",
]


@pytest.fixture(autouse=True)
def in_english():
    """The messages asserted here are the English ones, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command("loan_schedule", *args, stdout=out, **options)
    return out.getvalue()


def replace(args: list[str], option: str, value: str) -> list[str]:
    changed = list(args)
    changed[changed.index(option) + 1] = value
    return changed


def test_csv_prints_the_header_and_one_row_per_instalment():
    text = run(*REFERENCE, "--format", "csv")
    rows = list(csv.reader(StringIO(text)))
    assert rows[0] == ["n", "due_date", "payment", "interest", "principal", "outstanding"]
    assert len(rows) == 21
    assert text.splitlines()[1] == "1,2027-01-01,67215.71,30000.00,37215.71,962784.29"
    assert all(row[2] == "67215.71" for row in rows[1:-1])
    assert rows[-1][0] == "20"
    assert rows[-1][1] == "2046-01-01"
    assert rows[-1][5] == "0.00"


def test_the_table_is_the_default_and_ends_with_totals():
    lines = run(*REFERENCE).splitlines()
    assert lines[0].split() == ["n", "due", "date", "payment", "interest", "principal", "outstanding"]
    assert len(lines) == 22
    assert lines[1].split() == ["1", "01/01/2027", "67.215,71", "30.000,00", "37.215,71", "962.784,29"]
    # 19 x 67,215.71 + the last 67,215.66; the principal is the million, the interest the difference.
    assert lines[-1].split() == ["total", "1.344.314,15", "344.314,15", "1.000.000,00"]
    assert len({len(line) for line in lines[:-1]}) == 1  # aligned: every row as wide as the header


def test_grace_interest_grace_and_due_date_rule_reach_the_schedule():
    args = replace(REFERENCE, "--start", "2026-02-10")
    text = run(
        *args, "--grace-periods", "2", "--interest-grace", "1", "--due-date-rule", "period_end", "--format", "csv"
    )
    rows = list(csv.reader(StringIO(text)))[1:]
    assert [row[1] for row in rows[:3]] == ["2026-12-31", "2027-12-31", "2028-12-31"]
    assert rows[0][2:5] == ["0.00", "0.00", "0.00"]
    assert rows[1][4] == "0.00"
    assert len(rows) == 20


def test_monthly_equal_principal_over_one_year():
    args = replace(replace(REFERENCE, "--frequency", "monthly"), "--method", "equal_principal")
    rows = list(csv.reader(StringIO(run(*replace(args, "--years", "1"), "--format", "csv"))))[1:]
    assert len(rows) == 12
    assert {row[4] for row in rows[:-1]} == {"83333.33"}
    assert rows[-1][4] == "83333.37"


def test_options_given_as_keywords_are_checked_too():
    text = run(principal="1000000", rate="3", years="20", start="2026-01-01", format="csv")
    assert text.splitlines()[1] == "1,2027-01-01,67215.71,30000.00,37215.71,962784.29"
    with pytest.raises(CommandError, match="--frequency: unknown value weekly"):
        run(principal="1000000", rate="3", years="20", start="2026-01-01", frequency="weekly")
    with pytest.raises(CommandError, match="Unknown format: xlsx"):
        run(principal="1000000", rate="3", years="20", start="2026-01-01", format="xlsx")
    with pytest.raises(CommandError, match="--rate: not a number"):
        run(principal="1000000", rate=3.0, years="20", start="2026-01-01")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--principal", "-1", "A drawdown must be above zero."),
        ("--principal", "0", "A drawdown must be above zero."),
        ("--principal", "abc", "--principal: not a number: abc"),
        ("--principal", "1e999999999", "An amount cannot exceed 999.999.999.999,99 EUR."),
        ("--principal", "inf", "--principal: not a number: inf"),
        ("--rate", "300", "The rate cannot exceed 100 percent."),
        ("--years", "1201", "The term cannot exceed 1200 periods."),
        ("--start", "9990-01-01", "The term cannot end after the year 9999."),
        ("--principal", "1.005", "fractions of a cent"),
        ("--rate", "-0.5", "The rate cannot be negative."),
        ("--rate", "three", "--rate: not a number: three"),
        ("--years", "0", "The term must be at least one period."),
        ("--years", "1.5", "--years: not a whole number: 1.5"),
        ("--frequency", "weekly", "invalid choice: 'weekly'"),
        ("--method", "balloon", "invalid choice: 'balloon'"),
        ("--day-count", "30/365", "invalid choice: '30/365'"),
        ("--start", "2026-13-01", "--start: not a date"),
        ("--start", "01/01/2026", "--start: not a date"),
    ],
)
def test_bad_input_raises_a_command_error_and_prints_nothing(option, value, message):
    out = StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("loan_schedule", *replace(REFERENCE, option, value), stdout=out)
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--grace-periods", "20"], "must leave at least one period to repay"),
        (["--grace-periods", "1", "--interest-grace", "2"], "The grace on interest cannot be longer"),
        (["--grace-periods", "x"], "--grace-periods: not a whole number"),
        (["--format", "xlsx"], "invalid choice: 'xlsx'"),
        (["--due-date-rule", "first_day"], "invalid choice: 'first_day'"),
    ],
)
def test_bad_options_raise_a_command_error_and_print_nothing(extra, message):
    out = StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("loan_schedule", *REFERENCE, *extra, stdout=out)
    assert out.getvalue() == ""


def test_a_missing_required_option_is_refused_by_argparse():
    with pytest.raises(CommandError, match="--start"):
        call_command("loan_schedule", *REFERENCE[:-2], stdout=StringIO())
