"""The schedule simulator for loan analysts: the inputs of `manage.py loan_schedule`, the table with its totals and
the CSV; bad inputs give a clear message and no table."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

# The reference figure: 1,000,000 EUR over 20 years at 3 % gives an annual annuity of 67,215.71.
REFERENCE = {
    "principal": "1.000.000,00",
    "rate": "3",
    "years": "20",
    "frequency": "annual",
    "method": "annuity",
    "day_count": "30/360",
    "start": "15/01/2026",
    "grace_periods": "0",
    "interest_grace": "0",
    "due_date_rule": "anniversary",
}


def url(name: str) -> str:
    with translation.override("en"):
        return reverse(f"staff:loans:loans:{name}")


def test_an_analyst_computes_the_reference_annuity(staff_client, loan_analyst):
    client = staff_client(loan_analyst)
    empty = client.get(url("simulator"))
    assert empty.status_code == 200 and "Repayment schedule" not in empty.content.decode()
    response = client.get(url("simulator"), REFERENCE)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("67.215,71 EUR") >= 19  # the level payment on every line
    assert "15/01/2027" in page and "15/01/2046" in page  # the first and the last due dates
    assert "1.000.000,00 EUR" in page  # the principal total
    assert url("simulator_csv") + "?" in page


def test_the_csv_has_the_commands_columns_and_figures(staff_client, loan_analyst):
    response = staff_client(loan_analyst).get(
        url("simulator_csv"), {**REFERENCE, "principal": "1000000", "start": "2026-01-15"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert text.splitlines()[0] == "n,due_date,payment,interest,principal,outstanding"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 20
    assert rows[0] == {
        "n": "1",
        "due_date": "2027-01-15",
        "payment": "67215.71",
        "interest": "30000.00",
        "principal": "37215.71",
        "outstanding": "962784.29",
    }
    assert sum(Decimal(row["principal"]) for row in rows) == Decimal("1000000.00")
    assert rows[-1]["outstanding"] == "0.00"
    # The same figures as the command prints.
    printed = io.StringIO()
    call_command(
        "loan_schedule", principal="1000000", rate="3", years="20", start="2026-01-15", format="csv", stdout=printed
    )
    assert printed.getvalue() == text


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"rate": "-1"}, "The rate cannot be negative."),
        ({"rate": "101"}, "The rate cannot exceed 100 percent."),
        ({"rate": "trois"}, "Enter a rate in percent, e.g. 3 or 2,875."),
        ({"years": "0"}, "The term must be at least one period."),
        ({"years": "200", "frequency": "monthly"}, "The term cannot exceed 1200 periods."),
        ({"principal": "0"}, "A drawdown must be above zero."),
        ({"principal": "un million"}, "Enter an amount, e.g. 1.234.567,89."),
        ({"grace_periods": "1", "interest_grace": "2"}, "The grace on interest cannot be longer than the grace on"),
        ({"grace_periods": "20"}, "The grace on principal must leave at least one period to repay."),
        ({"grace_periods": "-1"}, "A grace cannot be negative."),
        ({"start": "31/02/2026"}, "Enter a valid date."),
        ({"method": "balloon"}, "Select a valid choice."),
    ],
)
def test_bad_inputs_give_a_message_and_no_table(staff_client, loan_analyst, changes, shown):
    client = staff_client(loan_analyst)
    response = client.get(url("simulator"), {**REFERENCE, **changes})
    assert response.status_code == 400
    page = response.content.decode()
    assert shown in page
    assert "No schedule could be computed." in page
    assert "Download as CSV" not in page and "67.215,71" not in page
    csv_response = client.get(url("simulator_csv"), {**REFERENCE, **changes})
    assert csv_response.status_code == 400 and shown in csv_response.content.decode()


def test_only_loan_analysts_use_the_simulator(staff_client, auditor, finance_officer):
    assert staff_client(auditor).get(url("simulator"), REFERENCE).status_code == 403
    assert staff_client(finance_officer).get(url("simulator_csv"), REFERENCE).status_code == 403
