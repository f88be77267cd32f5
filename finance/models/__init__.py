"""Finance owns the budget and the money chain: budget lines and credits, envelopes, commitments, what is due, payment
orders and SEPA batches, bank statements and their matches (and, in their own modules, Paradigm transfers and the
WePulse programme's financing).

Grants and loans create commitments and payables through finance.services; the bank side never needs to know what a
tranche or an instalment is: a paid payable calls the handlers its owners registered.
"""

from finance.models.bank import BankStatement, LineMatch, MatchMethod, StatementFormat, StatementLine, TreasuryAccount
from finance.models.budget import BudgetCredit, BudgetLine, Commitment, Envelope, Payable, PayableStatus, Receivable
from finance.models.orders import BatchScheme, OrderStatus, PaymentBatch, PaymentOrder
from finance.models.programmes import (
    ParadigmAttachment,
    ParadigmPlan,
    ParadigmTransfer,
    TransferPurpose,
    WePulseDomain,
    WePulseFinancingPlan,
    WePulseParticipant,
    WePulseProgramme,
)
from finance.models.workbooks import ReconciliationWorkbook, WorkbookStatus

__all__ = [
    "BankStatement",
    "BatchScheme",
    "BudgetCredit",
    "BudgetLine",
    "Commitment",
    "Envelope",
    "LineMatch",
    "MatchMethod",
    "OrderStatus",
    "ParadigmAttachment",
    "ParadigmPlan",
    "ParadigmTransfer",
    "Payable",
    "PayableStatus",
    "PaymentBatch",
    "PaymentOrder",
    "Receivable",
    "ReconciliationWorkbook",
    "StatementFormat",
    "StatementLine",
    "TransferPurpose",
    "TreasuryAccount",
    "WePulseDomain",
    "WePulseFinancingPlan",
    "WePulseParticipant",
    "WePulseProgramme",
    "WorkbookStatus",
]
