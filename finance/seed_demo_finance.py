"""The finance demo, made through the services as finance staff use them (run after the grants and loans demos and
seed_treasury_accounts): the year's credits on the demo budget lines; payment orders at every state; the demo's due
payables (the grant's advance, a loan's drawdown when one is due) approved, put in a batch per paying account and
paid by the bank; the bank's camt.053 statements imported and matched, with an instalment repaid by structured
communication and one line left for the manual matching page.

Besides what grants and loans make due, the demo needs a few payables of its own to show an order waiting for
approval, an approved one and a rejected one: one-off grants on a demo budget line (fictitious beneficiaries'
projects, amounts and references, marked "démo"). Everything is in one transaction: a second run finds the demo's
commitments and changes nothing.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from lxml import etree
from lxml.builder import ElementMaker

from core.models import BankAccount, Organisation, User
from core.money import to_cents
from finance.models import (
    BatchScheme,
    BudgetLine,
    Commitment,
    OrderStatus,
    Payable,
    PayableStatus,
    PaymentBatch,
    PaymentOrder,
    TreasuryAccount,
)
from finance.models.bank import AccountPurpose
from finance.services.budget import committed_in, credit_set, paid_in
from finance.services.commitments import commitment_create, envelope_ensure, payable_create
from finance.services.matching import statement_match
from finance.services.orders import (
    batch_create,
    batch_download,
    live_orders,
    order_approve,
    order_prepare,
    order_reject,
    with_account_purpose,
)
from finance.services.statements import statement_import
from loans.ledger import owed_by_installment
from loans.models import Loan, LoanStatus

KEY = "demo:finance"
OFFICER = "finance.officer@bpl.demo"
APPROVER = "finance.approver@bpl.demo"
SECOND_APPROVER = "finance.approver2@bpl.demo"
SCHEME = BatchScheme.PAIN_001_001_09
CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

DEMO_LINE = ("DEMO-SUBSIDES-FACULTATIFS", "Subsides facultatifs aux pouvoirs locaux (démo)")
DEMO_LINE_NL = "Facultatieve subsidies aan de plaatselijke besturen (demo)"
# The year's credits per budget line (commitment, payment), fictitious; a line not named gets its year's figures.
CREDITS = {
    "10.005.27.02.43.21": ("14500000.00", "12000000.00"),
    "FRBRTC-SPORT-2021": ("12500000.00", "12500000.00"),
    "PARADIGM-WEPULSE": ("4000000.00", "4000000.00"),
    DEMO_LINE[0]: ("2000000.00", "1500000.00"),
}
# The demo's one-off grants: (what the demo does with its order, beneficiary, amount, label in its language).
BATCHED, APPROVED, PREPARED, REJECTED = "batched", "approved", "prepared", "rejected"
ONE_OFF_GRANTS = [
    (BATCHED, "cpas-ixelles", "60000.00", "Subside facultatif : matériel informatique de l'accueil social"),
    (APPROVED, "commune-anderlecht", "120000.00", "Subside facultatif : rénovation de la maison de quartier"),
    (PREPARED, "commune-schaerbeek", "310000.00", "Facultatieve subsidie: inrichting van het buurthuis"),
    (REJECTED, "commune-anderlecht", "45000.00", "Subside facultatif : fête de quartier de Cureghem"),
]
REJECTION = (
    "La déclaration de créance jointe n'est pas signée par le directeur financier : demandez-en une signée. / "
    "De bijgevoegde schuldvordering is niet ondertekend door de financieel directeur: vraag een ondertekende."
)
OPENING_BALANCES: dict[str, Decimal] = {
    AccountPurpose.PAYMENTS: Decimal("25000000.00"),
    AccountPurpose.FRBRTC: Decimal("40000000.00"),
}


# A camt.053 statement as the bank sends it ----------------------------------------------------------------------


@dataclass(frozen=True)
class BankEntry:
    amount: Decimal  # signed: positive received, negative paid out
    value_date: dt.date
    counterparty_name: str
    counterparty_iban: str
    end_to_end_id: str = ""
    structured_communication: str = ""
    communication: str = ""


def camt053(*, iban: str, number: str, statement_date: dt.date, opening: Decimal, entries: list[BankEntry]) -> bytes:
    """A camt.053.001.08 statement of one account: one booked entry per line, booked on `statement_date`."""
    e = ElementMaker(namespace=CAMT_NS, nsmap={None: CAMT_NS})
    stamp = f"{statement_date.isoformat()}T06:00:00"

    def balance(code: str, amount: Decimal, day: dt.date):
        return e.Bal(
            e.Tp(e.CdOrPrtry(e.Cd(code))),
            e.Amt(f"{abs(amount):.2f}", Ccy="EUR"),
            e.CdtDbtInd("CRDT" if amount >= 0 else "DBIT"),
            e.Dt(e.Dt(day.isoformat())),
        )

    def entry(index: int, line: BankEntry):
        role = "Dbtr" if line.amount > 0 else "Cdtr"
        remittance = []
        if line.structured_communication:
            kind = e.Tp(e.CdOrPrtry(e.Cd("SCOR")), e.Issr("BBA"))
            remittance = [e.RmtInf(e.Strd(e.CdtrRefInf(kind, e.Ref(line.structured_communication))))]
        elif line.communication:
            remittance = [e.RmtInf(e.Ustrd(line.communication))]
        details = e.TxDtls(
            e.Refs(e.EndToEndId(line.end_to_end_id or "NOTPROVIDED")),
            e.RltdPties(
                e(role, e.Pty(e.Nm(line.counterparty_name[:140]))),
                e(f"{role}Acct", e.Id(e.IBAN(line.counterparty_iban))),
            ),
            *remittance,
        )
        family = ("RCDT", "ESCT") if line.amount > 0 else ("ICDT", "ESCT")
        return e.Ntry(
            e.Amt(f"{abs(line.amount):.2f}", Ccy="EUR"),
            e.CdtDbtInd("CRDT" if line.amount > 0 else "DBIT"),
            e.Sts(e.Cd("BOOK")),
            e.BookgDt(e.Dt(statement_date.isoformat())),
            e.ValDt(e.Dt(line.value_date.isoformat())),
            e.AcctSvcrRef(f"{statement_date:%Y%m%d}{number}{index:04d}"),
            e.BkTxCd(e.Domn(e.Cd("PMNT"), e.Fmly(e.Cd(family[0]), e.SubFmlyCd(family[1])))),
            e.NtryDtls(details),
        )

    closing = opening + sum((line.amount for line in entries), Decimal("0"))
    document = e.Document(
        e.BkToCstmrStmt(
            e.GrpHdr(e.MsgId(f"{iban}-{statement_date:%Y}-{number}"), e.CreDtTm(stamp)),
            e.Stmt(
                e.Id(f"{iban}-{statement_date:%Y}-{number}"),
                e.ElctrncSeqNb(number),
                e.LglSeqNb(number),
                e.CreDtTm(stamp),
                e.Acct(e.Id(e.IBAN(iban)), e.Ccy("EUR")),
                balance("OPBD", opening, statement_date - dt.timedelta(days=1)),
                balance("CLBD", closing, statement_date),
                *(entry(index, line) for index, line in enumerate(entries, start=1)),
            ),
        )
    )
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# The demo -------------------------------------------------------------------------------------------------------


def seed_demo_finance() -> str:
    """The finance demo once (a second run changes nothing). Returns what was done, for the command."""
    officer, approver, second_approver = (
        User.objects.filter(email=email).first() for email in (OFFICER, APPROVER, SECOND_APPROVER)
    )
    if officer is None or approver is None or second_approver is None:
        return "No finance demo: the demo finance officer and approvers are missing (run seed_demo)."
    if Commitment.objects.filter(idempotency_key__startswith=f"{KEY}:").exists():
        return "Finance demo already present."
    if set(TreasuryAccount.objects.values_list("purpose", flat=True)) != set(AccountPurpose.values):
        return "No finance demo: run seed_treasury_accounts first."
    with transaction.atomic():
        _Demo(officer, approver, second_approver).run()
    return (
        "Finance demo: the year's credits; payment orders prepared (waiting for two approvals), approved, rejected "
        "and in a batch paid by the bank; camt.053 statements imported and matched, one line left to match by hand."
    )


class _Demo:
    def __init__(self, officer: User, approver: User, second_approver: User) -> None:
        self.officer, self.approver, self.second_approver = officer, approver, second_approver
        self.today = timezone.localdate()
        # The bank's value dates lie a few days back (never in the previous year, so the year's figures hold them).
        self.value_date = max(self.today - dt.timedelta(days=2), dt.date(self.today.year, 1, 1))
        self.visas = 0

    def run(self) -> None:
        line = self._credits()
        payables = self._one_off_grants(line)
        # What the grants and loans demos made due (the grant's advance, an approved drawdown): paid through a batch.
        due = Payable.objects.filter(status=PayableStatus.DUE).exclude(commitment__idempotency_key__startswith=KEY)
        to_pay = [self._approved_order(p) for p in due.order_by("pk") if not live_orders().filter(payable=p).exists()]
        to_pay.append(self._approved_order(payables[BATCHED]))
        self._approved_order(payables[APPROVED])
        order_prepare(actor=self.officer, payable_id=payables[PREPARED].pk, idempotency_key=f"{KEY}:order:prepared")
        rejected = order_prepare(
            actor=self.officer, payable_id=payables[REJECTED].pk, idempotency_key=f"{KEY}:order:rejected"
        )
        order_reject(actor=self.approver, order_id=rejected.pk, reason=REJECTION)
        batches = self._batches(to_pay)
        self._statements(batches)

    def _credits(self) -> BudgetLine:
        """The demo line, and the year's credits of every budget line, set by the finance approver."""
        line, _created = BudgetLine.objects.get_or_create(
            code=DEMO_LINE[0], defaults={"label_fr": DEMO_LINE[1], "label_nl": DEMO_LINE_NL}
        )
        year = self.today.year
        for budget_line in BudgetLine.objects.order_by("code"):
            commitment, payment = CREDITS.get(budget_line.code, ("0.00", "0.00"))
            # Never below what the year already committed or paid on the line (credit_set refuses that).
            committed = committed_in(year).filter(envelope__budget_line=budget_line).aggregate(t=Sum("amount"))["t"]
            paid = paid_in(year).filter(commitment__envelope__budget_line=budget_line).aggregate(t=Sum("amount"))["t"]
            credit_set(
                actor=self.approver,
                budget_line_id=budget_line.pk,
                year=year,
                commitment_credit=max(Decimal(commitment), committed or Decimal("0.00")),
                payment_credit=max(Decimal(payment), paid or Decimal("0.00")),
            )
        return line

    def _one_off_grants(self, line: BudgetLine) -> dict[str, Payable]:
        threshold = settings.BPL_PAYMENT_SECOND_APPROVAL_ABOVE
        amounts = {role: Decimal(amount) for role, _code, amount, _label in ONE_OFF_GRANTS}
        # The order waiting for approval needs the second approver whatever the configured threshold.
        amounts[PREPARED] = max(amounts[PREPARED], to_cents(threshold) + Decimal("60000.00"))
        envelope = envelope_ensure(
            code="demo-one-off-grants",
            label="Subsides facultatifs (démo) / Facultatieve subsidies (demo)",
            budget_line=line,
            amount=max(Decimal("2000000.00"), 2 * sum(amounts.values(), Decimal("0"))),
        )
        organisations = {o.code: o for o in Organisation.objects.filter(code__in=[g[1] for g in ONE_OFF_GRANTS])}
        payables = {}
        for number, (role, code, _amount, label) in enumerate(ONE_OFF_GRANTS, start=1):
            reference = f"SF-{self.today.year}-{number:03d}"
            commitment = commitment_create(
                envelope_id=envelope.pk,
                beneficiary=organisations[code],
                amount=amounts[role],
                reference=reference,
                key=f"{KEY}:commitment:{number}",
                actor=self.officer,
            )
            payables[role] = payable_create(
                commitment=commitment, amount=amounts[role], reference=reference, label=label, key=f"{KEY}:due:{number}"
            )
        return payables

    def _approved_order(self, payable: Payable) -> PaymentOrder:
        """Prepared by the officer, approved with the controller's visa, and by the second approver when needed."""
        order = order_prepare(actor=self.officer, payable_id=payable.pk, idempotency_key=f"{KEY}:order:{payable.pk}")
        self.visas += 1
        order = order_approve(
            actor=self.approver,
            order_id=order.pk,
            visa_reference=f"DEMO-VISA-{self.today.year}-{self.visas:03d}",
            visa_date=self.today,
        )
        if order.status == OrderStatus.PREPARED:
            order = order_approve(actor=self.second_approver, order_id=order.pk)
        return order

    def _batches(self, orders: list[PaymentOrder]) -> list[PaymentBatch]:
        """One batch per paying account, its file downloaded as if sent to the bank."""
        rows = with_account_purpose(PaymentOrder.objects.filter(pk__in=[o.pk for o in orders]))
        purposes = {row.pk: row.account_purpose for row in rows}  # type: ignore[attr-defined]
        batches = []
        for account in self._accounts():
            ids = [pk for pk, purpose in purposes.items() if purpose == account.purpose]
            if not ids:
                continue
            batch = batch_create(
                actor=self.officer, order_ids=ids, scheme=SCHEME, execution_date=self.today, account_id=account.pk
            )
            batches.append(batch_download(actor=self.officer, batch_id=batch.pk))
        return batches

    @staticmethod
    def _accounts() -> list[TreasuryAccount]:
        """The administration's account of each purpose (the first recorded, when there are several)."""
        accounts: dict[str, TreasuryAccount] = {}
        for account in TreasuryAccount.objects.order_by("pk"):
            accounts.setdefault(account.purpose, account)
        return list(accounts.values())

    def _statements(self, batches: list[PaymentBatch]) -> None:
        """A statement per account: the batch's payments as the bank executed them; on the FRBRTC's, the demo loan's
        borrower repaying part of its instalment, once with its structured communication and once without."""
        lines: dict[str, list[BankEntry]] = {purpose: [] for purpose in AccountPurpose.values}
        for batch in batches:
            for order in batch.orders.order_by("pk"):
                lines[batch.debtor_account.purpose].append(
                    BankEntry(
                        amount=-order.amount,
                        value_date=self.value_date,
                        counterparty_name=order.creditor_name,
                        counterparty_iban=order.creditor_iban,
                        end_to_end_id=order.end_to_end_id,
                        communication=order.communication,
                    )
                )
        lines[AccountPurpose.FRBRTC].extend(self._repayments())
        number = f"{self.today.timetuple().tm_yday:03d}"  # banks number the statements of a year by day
        for account in self._accounts():
            if not lines[account.purpose]:
                continue
            content = camt053(
                iban=account.iban,
                number=number,
                statement_date=self.today,
                opening=OPENING_BALANCES[account.purpose],
                entries=lines[account.purpose],
            )
            upload = SimpleUploadedFile(
                f"camt053-{account.iban}-{self.today:%Y%m%d}.xml", content, content_type="application/xml"
            )
            statement = statement_import(actor=self.officer, upload=upload)
            # Here rather than after the commit: the demo is one transaction (the import's own run finds it done).
            statement_match(statement_id=statement.pk, booked_by=self.officer)

    def _repayments(self) -> list[BankEntry]:
        loan = Loan.objects.filter(status=LoanStatus.ACTIVE).select_related("borrower").order_by("pk").first()
        owed = next((o for o in owed_by_installment(loan) if o.total > 0), None) if loan else None
        account = BankAccount.objects.filter(organisation=loan.borrower, is_primary=True).first() if loan else None
        if loan is None or owed is None or account is None:
            return []
        # Parts of what is owed, so that the instalment stays in arrears (the loans demo shows one) even once the
        # line left for the manual page is matched.
        structured = min(Decimal("15000.00"), _hundreds(owed.total / 2))
        by_hand = min(Decimal("5000.00"), _hundreds(owed.total / 5))
        payer = account.holder or loan.borrower.name_fr
        return [
            BankEntry(
                amount=structured,
                value_date=max(self.value_date - dt.timedelta(days=1), dt.date(self.today.year, 1, 1)),
                counterparty_name=payer,
                counterparty_iban=account.iban,
                structured_communication=owed.installment.structured_communication,
            ),
            BankEntry(
                amount=by_hand,
                value_date=self.value_date,
                counterparty_name=payer,
                counterparty_iban=account.iban,
                communication=f"Pret {loan.reference} echeance {owed.installment.n} solde partiel",
            ),
        ]


def _hundreds(amount: Decimal) -> Decimal:
    return to_cents((amount / 100).quantize(Decimal("1"), ROUND_DOWN) * 100)
