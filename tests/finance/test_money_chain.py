"""Issue 7, "Done when": one money chain to the bank and back, through the services as people use them.

A grant's due advance (taken through the grant process) and a loan's approved drawdown (taken through the loan
process) are prepared as payment orders by a finance officer and approved by finance approvers with the controller's
visa; each goes into a batch of its paying account and the pain.001 files are read back. The bank's camt.053
statements are then written from what those files say (end-to-end ids, amounts, creditors), imported, and matched
automatically: the orders are paid with the bank's value date, the grant's tranche is paid and the loan's ledger
starts with the drawdown. The borrower's first repayment comes back on a CODA statement with the instalment's
structured communication and is booked. The year's reconciliation workbook, read back with openpyxl, shows both
payments reconciled and the bank figures of the database."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
import sepaxml
from django.db.models import Sum
from django.utils import timezone
from lxml import etree

from finance.models import (
    LineMatch,
    MatchMethod,
    OrderStatus,
    Payable,
    PayableStatus,
    PaymentBatch,
    PaymentOrder,
    StatementLine,
)
from finance.models.bank import AccountPurpose
from finance.reconciliation import build_workbook
from finance.services.orders import (
    batch_create,
    batch_download,
    order_approve,
    order_prepare,
    with_account_purpose,
)
from grants.models import TrancheStatus
from loans.ledger import balances, owed_by_installment
from loans.models import DrawdownStatus, EntryKind, LedgerEntry, Repayment, RepaymentSource
from tests.finance.fixtures_bank import Movement, camt_file, coda_file, imported
from tests.finance.fixtures_orders import *  # noqa: F403 - the people, accounts, due advance and drawdown
from tests.finance.fixtures_workbooks import data_rows, headers, open_workbook, total_of

pytestmark = pytest.mark.django_db

SCHEME = "pain.001.001.09"
NS = {"p": f"urn:iso:std:iso:20022:tech:xsd:{SCHEME}"}
XSD = sepaxml.__file__.rsplit("/", 1)[0] + f"/schemas/{SCHEME}.xsd"


def read_pain001(xml: bytes) -> dict:
    """The batch file as the bank reads it: checked against the XSD, then its debtor account and payments."""
    root = etree.fromstring(xml)
    etree.XMLSchema(etree.parse(XSD)).assertValid(root)
    payments = [
        {
            "end_to_end_id": tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            "amount": Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
            "currency": tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
            "name": tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
            "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            "bic": tx.findtext("p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) or "",
        }
        for tx in root.iterfind(".//p:CdtTrfTxInf", NS)
    ]
    return {
        "debtor_iban": root.findtext(".//p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS),
        "execution_date": root.findtext(".//p:PmtInf/p:ReqdExctnDt/p:Dt", namespaces=NS),
        "control_sum": Decimal(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS)),
        "payments": payments,
    }


def bank_statement_of(pain: dict, *, number: str, value_date: dt.date, booked: dt.date) -> bytes:
    """The camt.053 the bank sends back once it executed the file: one debit per payment of the file, with its
    end-to-end id, amount and creditor as the file gave them."""
    movements = [
        Movement(
            amount=-payment["amount"],
            value_date=value_date,
            booking_date=booked,
            end_to_end_id=payment["end_to_end_id"],
            counterparty_iban=payment["iban"],
            counterparty_name=payment["name"],
            counterparty_bic=payment["bic"],
            bank_reference=f"EXEC-{number}-{index}",
        )
        for index, payment in enumerate(pain["payments"], start=1)
    ]
    return camt_file(iban=pain["debtor_iban"], number=number, statement_date=booked, movements=movements)


def by_header(sheet, rows: list[list]) -> list[dict]:
    names = headers(sheet)
    return [dict(zip(names, row, strict=True)) for row in rows]


def as_decimal(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def as_date(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def test_a_due_advance_and_a_drawdown_are_paid_come_back_from_the_bank_and_are_reconciled(
    due_advance,
    approved_drawdown,
    accounts,
    finance_officer,
    approver,
    second_approver,
    django_capture_on_commit_callbacks,
    tmp_path,
):
    capture = django_capture_on_commit_callbacks
    today = timezone.localdate()
    year = today.year
    # The bank's value date is not the day the statement is read in: the order must be paid with the line's.
    value_date = max(today - dt.timedelta(days=2), dt.date(year, 1, 1))
    advance_payable = Payable.objects.get(pk=due_advance.payable_id)
    drawdown_payable = Payable.objects.get(pk=approved_drawdown.payable_id)
    assert advance_payable.status == drawdown_payable.status == PayableStatus.DUE

    # --- 1. Payment orders, four eyes, the controller's visa ------------------------------------------------------
    grant_order = order_prepare(actor=finance_officer, payable_id=advance_payable.pk)
    loan_order = order_prepare(actor=finance_officer, payable_id=drawdown_payable.pk)
    assert grant_order.amount == advance_payable.amount == due_advance.due_amount == Decimal("800000.00")
    assert loan_order.amount == drawdown_payable.amount == approved_drawdown.amount == Decimal("150000.00")
    assert grant_order.approvals_needed == 2 and loan_order.approvals_needed == 1  # above / below the threshold
    order_approve(actor=approver, order_id=grant_order.pk, visa_reference="CF-2026-0101", visa_date=today)
    grant_order = order_approve(actor=second_approver, order_id=grant_order.pk)
    loan_order = order_approve(actor=approver, order_id=loan_order.pk, visa_reference="CF-2026-0102", visa_date=today)
    for order, visa in ((grant_order, "CF-2026-0101"), (loan_order, "CF-2026-0102")):
        order.refresh_from_db()
        assert order.status == OrderStatus.APPROVED
        assert (order.visa_reference, order.visa_date, order.first_approved_by) == (visa, today, approver)
    assert grant_order.second_approved_by == second_approver

    # --- 2. One batch per paying account: grants from the payments account, the drawdown from the FRBRTC's -------
    purposes = dict(with_account_purpose(PaymentOrder.objects.all()).values_list("pk", "account_purpose"))
    assert purposes == {grant_order.pk: AccountPurpose.PAYMENTS, loan_order.pk: AccountPurpose.FRBRTC}
    batches = {}
    for order in (grant_order, loan_order):
        account = accounts[purposes[order.pk]]
        batch = batch_create(
            actor=finance_officer, order_ids=[order.pk], scheme=SCHEME, execution_date=today, account_id=account.pk
        )
        batches[order.pk] = batch_download(actor=finance_officer, batch_id=batch.pk)
    assert PaymentBatch.objects.count() == 2
    assert set(PaymentOrder.objects.values_list("status", flat=True)) == {OrderStatus.BATCHED}

    # --- 3. The files read back: each pays its order, from its account ------------------------------------------
    files = {order_pk: read_pain001(bytes(batch.xml)) for order_pk, batch in batches.items()}
    for order in (grant_order, loan_order):
        order.refresh_from_db()
        pain = files[order.pk]
        assert pain["debtor_iban"] == accounts[purposes[order.pk]].iban
        assert pain["execution_date"] == today.isoformat()
        assert pain["control_sum"] == order.amount
        assert pain["payments"] == [
            {
                "end_to_end_id": order.end_to_end_id,
                "amount": order.amount,
                "currency": "EUR",
                "name": order.creditor_name,
                "iban": order.creditor_iban,
                "bic": order.creditor_bic,
            }
        ]
    assert files[grant_order.pk]["debtor_iban"] != files[loan_order.pk]["debtor_iban"]

    # --- 4. The bank's camt.053 statements, written from the files, imported and matched -------------------------
    statements = {}
    for number, order in (("101", grant_order), ("201", loan_order)):
        content = bank_statement_of(files[order.pk], number=number, value_date=value_date, booked=today)
        statements[order.pk] = imported(finance_officer, content, capture, f"camt053-{number}.xml")
    for order in (grant_order, loan_order):
        line = StatementLine.objects.get(statement=statements[order.pk])
        assert (line.amount, line.value_date, line.end_to_end_id) == (-order.amount, value_date, order.end_to_end_id)
        (match,) = line.matches.all()
        assert (match.method, match.payment_order_id, match.amount, match.undone_at) == (
            MatchMethod.END_TO_END,
            order.pk,
            order.amount,
            None,
        )
        order.refresh_from_db()
        assert (order.status, order.paid_on) == (OrderStatus.PAID, value_date)
        payable = Payable.objects.get(pk=order.payable_id)
        assert (payable.status, payable.paid_on) == (PayableStatus.PAID, value_date)

    # The grant's advance is paid; the loan starts on the bank's date with the drawdown in its ledger.
    due_advance.refresh_from_db()
    assert due_advance.status == TrancheStatus.PAID
    approved_drawdown.refresh_from_db()
    assert (approved_drawdown.status, approved_drawdown.paid_on) == (DrawdownStatus.PAID, value_date)
    loan = approved_drawdown.loan
    loan.refresh_from_db()
    assert loan.start_date == value_date
    (drawn,) = LedgerEntry.objects.filter(loan=loan, kind=EntryKind.DRAWDOWN)
    assert (drawn.value_date, drawn.principal) == (value_date, approved_drawdown.amount)
    assert balances(loan).principal == approved_drawdown.amount

    # --- 5. The first instalment comes back on a CODA statement with its structured communication ----------------
    first = loan.installments.get(n=1, cancelled=False)
    owed = first.principal + first.interest
    assert first.principal > 0 and first.interest > 0
    repaid = Movement(
        amount=owed,
        value_date=today,
        structured=first.structured_communication,
        counterparty_iban=loan_order.creditor_iban,
        counterparty_name=loan_order.creditor_name,
        bank_reference="REPAY-1",
    )
    frbrtc = accounts[AccountPurpose.FRBRTC]
    coda = imported(
        finance_officer, coda_file(iban=frbrtc.iban, number=202, statement_date=today, movements=[repaid]), capture
    )
    line = StatementLine.objects.get(statement=coda)
    assert (line.amount, line.structured_communication) == (owed, first.structured_communication)
    (match,) = line.matches.all()
    repayment = Repayment.objects.get(loan=loan)
    assert (match.method, match.loan_id, match.repayment_id, match.amount) == (
        MatchMethod.STRUCTURED,
        loan.pk,
        repayment.pk,
        owed,
    )
    assert (repayment.amount, repayment.value_date, repayment.installment_id, repayment.source) == (
        owed,
        today,
        first.pk,
        RepaymentSource.BANK,
    )
    booked = LedgerEntry.objects.filter(loan=loan, kind=EntryKind.REPAYMENT, repayment=repayment)
    assert sum(e.principal for e in booked) == -first.principal
    assert sum(e.interest for e in booked) == -first.interest
    assert [o.total for o in owed_by_installment(loan)] == [Decimal("0.00")]
    assert balances(loan).principal == approved_drawdown.amount - first.principal

    # --- 6. The year's reconciliation workbook ----------------------------------------------------------------
    path = tmp_path / f"reconciliation-{year}.xlsx"
    build_workbook(year=year, language="en", out=str(path))
    workbook = open_workbook(str(path))

    payments = workbook["Payments"]
    rows = {row["End-to-end id"]: row for row in by_header(payments, data_rows(payments))}
    assert set(rows) == {grant_order.end_to_end_id, loan_order.end_to_end_id}
    for order in (grant_order, loan_order):
        row = rows[order.end_to_end_id]
        assert row["Reference"] == order.payable.reference
        assert row["Status"] == "Paid" and row["Payment order"] == "Paid"
        assert as_decimal(row["Amount"]) == as_decimal(row["On bank statements"]) == order.amount
        assert as_decimal(row["Amount not on a statement"]) == Decimal("0.00")
        assert as_date(row["Bank payment date"]) == value_date
        assert as_date(row["Booked by the bank on"]) == today
        assert row["Reconciled"] == "Yes"

    # Budget: per budget line, what was paid and what the bank statements show are the database's sums.
    budget = workbook["Budget"]
    sheet_paid: dict[str, Decimal] = defaultdict(Decimal)
    sheet_bank: dict[str, Decimal] = defaultdict(Decimal)
    for row in by_header(budget, data_rows(budget)):
        sheet_paid[row["Budget line"]] += as_decimal(row["Paid"])
        sheet_bank[row["Budget line"]] += as_decimal(row["On bank statements"])
        assert as_decimal(row["Paid, not on a statement"]) == Decimal("0.00")
    paid_orders = PaymentOrder.objects.filter(status=OrderStatus.PAID, paid_on__year=year)
    db_paid = dict(
        paid_orders.values("budget_line__code").annotate(total=Sum("amount")).values_list("budget_line__code", "total")
    )
    bank_matches = LineMatch.objects.filter(
        undone_at__isnull=True, payment_order__isnull=False, line__booking_date__year=year
    )
    db_bank = dict(
        bank_matches.values("payment_order__budget_line__code")
        .annotate(total=Sum("amount"))
        .values_list("payment_order__budget_line__code", "total")
    )
    assert dict(sheet_paid) == db_paid == db_bank == dict(sheet_bank)
    assert sum(db_bank.values()) == grant_order.amount + loan_order.amount
    totals = {headers(budget)[cell.column - 1]: cell.coordinate for cell in budget[budget.max_row] if cell.value}
    assert total_of(workbook, budget, totals["On bank statements"]) == grant_order.amount + loan_order.amount
    assert total_of(workbook, budget, totals["Paid, not on a statement"]) == Decimal("0.00")

    # The loan portfolio: what the loan drew, and the repayment received and seen on the bank statement.
    portfolio = workbook["Loan portfolio"]
    (loan_row,) = [row for row in by_header(portfolio, data_rows(portfolio)) if row["Reference"] == loan.reference]
    assert as_decimal(loan_row[f"Received in {year}"]) == owed
    assert as_decimal(loan_row["On bank statements"]) == owed
    drawn_header = next(name for name in loan_row if name.startswith("Drawn at"))
    assert as_decimal(loan_row[drawn_header]) == approved_drawdown.amount
