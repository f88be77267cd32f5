"""Bank statement files built from the published layouts, and the accounts and orders they are about.

CODA: Febelfin "Standard CODA 2.6" (coded statement of account): records of 128 characters; 0 header, 1 old
balance, 2.1/2.2/2.3 movement, 8 new balance, 9 trailer (count of records 1, 2.x, 3.x and 8; debit and credit totals).
camt.053: ISO 20022 BankToCustomerStatementV02 (camt.053.001.02) or V08 (camt.053.001.08).

The builders make a valid file by default; their options break it the ways banks' files get broken (a truncated
record, a garbled amount, a missing record) so each refusal is tested with its line number.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.ogm import ogm_make
from core.roles import StaffRole
from finance.models import OrderStatus, PaymentOrder, Receivable, TreasuryAccount
from finance.models.bank import AccountPurpose
from finance.services.commitments import commitment_create, envelope_ensure, payable_create, receivable_create
from finance.services.statements import statement_import
from loans.models import Drawdown, Loan
from loans.services.drawdowns import InvoiceIn, drawdown_approve, drawdown_request
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.grants import BudgetLineFactory
from tests.loans import journey
from tests.loans.fixtures import days_ago, publish_sports_product

ACCOUNT_IBAN = "BE71096123456769"  # the administration's payments account (a valid Belgian IBAN)
FRBRTC_IBAN = "BE68539007547034"
UNKNOWN_IBAN = "BE62510007547061"


@dataclass
class Movement:
    amount: Decimal  # signed: positive received, negative paid out
    value_date: dt.date
    structured: str = ""  # 12 digits
    free: str = ""  # free communication
    end_to_end_id: str = ""
    counterparty_iban: str = ""
    counterparty_name: str = ""
    counterparty_bic: str = ""
    bank_reference: str = ""
    booking_date: dt.date | None = None


def _d(day: dt.date) -> str:
    return day.strftime("%d%m%y")


def _amount(value: Decimal) -> str:
    """CODA: a sign (0 credit, 1 debit) and 15 digits with 3 decimals."""
    return ("1" if value < 0 else "0") + f"{int(abs(value) * 1000):015d}"


def _fit(text: str, width: int) -> str:
    return text[:width].ljust(width)


def _record(*parts: str) -> str:
    record = "".join(parts)
    assert len(record) == 128, (len(record), record)
    return record


def coda_records(
    *,
    iban: str = ACCOUNT_IBAN,
    number: int = 1,
    statement_date: dt.date = dt.date(2026, 3, 2),
    opening: Decimal = Decimal("1000000.00"),
    movements: list[Movement] | None = None,
) -> list[str]:
    """The records of a one-statement CODA file for a Belgian IBAN (account structure 2)."""
    movements = movements or []
    account = _fit(iban, 16) + " " * 18 + "EUR"  # positions 6-42: IBAN, blanks, currency
    records = [
        _record(
            "0",
            "0000",
            _d(statement_date),
            "000",
            "05",
            " ",
            " " * 7,
            _fit("BPL0001", 10),
            _fit("BRUXELLES POUVOIRS LOCAUX", 26),
            _fit("GKCCBEBB", 11),
            "00248015497",
            " ",
            "00000",
            _fit("", 16),
            _fit("", 16),
            " " * 7,
            "2",
        ),
        _record(
            "1",
            "2",
            f"{number:03d}",
            account,
            _amount(opening),
            _d(statement_date - dt.timedelta(days=1)),
            _fit("BRUXELLES POUVOIRS LOCAUX", 26),
            _fit("Compte de paiements", 35),
            f"{number:03d}",
        ),
    ]
    for sequence, move in enumerate(movements, start=1):
        # Position 62: 1 a structured communication (type 101 then the 12 digits), 0 free text.
        structured = "1" + _fit("101" + move.structured, 53)
        communication = structured if move.structured else "0" + _fit(move.free, 53)
        records.append(
            _record(
                "21",
                f"{sequence:04d}",
                "0000",
                _fit(move.bank_reference or f"REF{sequence:05d}", 21),
                _amount(move.amount),
                _d(move.value_date),
                "00150000" if move.amount > 0 else "00101000",
                communication,
                _d(move.booking_date or move.value_date),
                f"{number:03d}",
                "0",
                "1",
                " ",
                "0",
            )
        )
        rest = move.free[53:106] if not move.structured else ""
        records.append(
            _record(
                "22",
                f"{sequence:04d}",
                "0000",
                _fit(rest, 53),
                _fit(move.end_to_end_id, 35),
                _fit(move.counterparty_bic, 11),
                " " * 3,
                " ",
                " " * 4,
                " " * 4,
                " " * 4,
                "1",
                " ",
                "0",
            )
        )
        records.append(
            _record(
                "23",
                f"{sequence:04d}",
                "0000",
                _fit(move.counterparty_iban, 34) + "EUR",
                _fit(move.counterparty_name, 35),
                _fit("", 43),
                "0",
                " ",
                "0",
            )
        )
    closing = opening + sum((m.amount for m in movements), Decimal("0"))
    debit = -sum((m.amount for m in movements if m.amount < 0), Decimal("0"))
    credit = sum((m.amount for m in movements if m.amount > 0), Decimal("0"))
    records.append(_record("8", f"{number:03d}", account, _amount(closing), _d(statement_date), " " * 64, "0"))
    counted = len(records) - 1  # records 1, 2.x and 8
    records.append(
        _record(
            "9",
            " " * 15,
            f"{counted:06d}",
            _amount(-debit)[1:],
            _amount(credit)[1:],
            " " * 75,
            "2",
        )
    )
    return records


def coda_file(records: list[str] | None = None, **kwargs) -> bytes:
    return ("\r\n".join(records if records is not None else coda_records(**kwargs)) + "\r\n").encode("cp1252")


def camt_file(
    *,
    iban: str = ACCOUNT_IBAN,
    number: str = "12",
    statement_date: dt.date = dt.date(2026, 3, 2),
    opening: Decimal = Decimal("1000000.00"),
    movements: list[Movement] | None = None,
    version: str = "02",
    closing: Decimal | None = None,
    amount_text: dict[int, str] | None = None,
    one_entry: bool = False,
) -> bytes:
    """A camt.053 statement with one entry per movement, or with `one_entry` a single entry booking them all (as a
    bank books a SEPA batch), each a transaction with its own amount. `amount_text` replaces the text of an entry's
    amount (by its index) to write a garbled one; `closing` overrides the closing balance."""
    movements = movements or []
    closing = closing if closing is not None else opening + sum((m.amount for m in movements), Decimal("0"))
    amount_text = amount_text or {}

    def balance(code: str, value: Decimal, day: dt.date) -> str:
        indicator = "CRDT" if value >= 0 else "DBIT"
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="EUR">{abs(value):.2f}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
            f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
        )

    def party(move: Movement) -> str:
        role = "Dbtr" if move.amount > 0 else "Cdtr"
        name = escape(move.counterparty_name)
        named = (
            f"<{role}><Pty><Nm>{name}</Nm></Pty></{role}>" if version == "08" else f"<{role}><Nm>{name}</Nm></{role}>"
        )
        account = f"<{role}Acct><Id><IBAN>{move.counterparty_iban}</IBAN></Id></{role}Acct>"
        bic_tag = "BICFI" if version == "08" else "BIC"
        bic = f"<{bic_tag}>{move.counterparty_bic}</{bic_tag}>"
        agent = f"<RltdAgts><{role}Agt><FinInstnId>{bic}</FinInstnId></{role}Agt></RltdAgts>"
        return f"<RltdPties>{named}{account}</RltdPties>" + (agent if move.counterparty_bic else "")

    def remittance(move: Movement) -> str:
        if move.structured:
            return (
                "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>"
                f"<Ref>{move.structured}</Ref></CdtrRefInf></Strd></RmtInf>"
            )
        return f"<RmtInf><Ustrd>{escape(move.free)}</Ustrd></RmtInf>" if move.free else ""

    def details(move: Movement, with_amount: bool) -> str:
        amount = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{abs(move.amount):.2f}</Amt></TxAmt></AmtDtls>' if with_amount else ""
        return (
            f"<TxDtls><Refs><EndToEndId>{move.end_to_end_id or 'NOTPROVIDED'}</EndToEndId></Refs>{amount}"
            f"{party(move)}{remittance(move)}</TxDtls>"
        )

    entries = []
    if one_entry:
        total = sum((m.amount for m in movements), Decimal("0"))
        first = movements[0]
        entries.append(
            f'<Ntry><Amt Ccy="EUR">{abs(total):.2f}</Amt><CdtDbtInd>{"CRDT" if total > 0 else "DBIT"}</CdtDbtInd>'
            f"<Sts>BOOK</Sts><BookgDt><Dt>{first.value_date.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{first.value_date.isoformat()}</Dt></ValDt><AcctSvcrRef>BATCH1</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls>{''.join(details(m, True) for m in movements)}</NtryDtls></Ntry>"
        )
    for index, move in enumerate([] if one_entry else movements):
        status = "<Sts><Cd>BOOK</Cd></Sts>" if version == "08" else "<Sts>BOOK</Sts>"
        text = amount_text.get(index, f"{abs(move.amount):.2f}")
        entries.append(
            f'<Ntry><Amt Ccy="EUR">{text}</Amt>'
            f"<CdtDbtInd>{'CRDT' if move.amount > 0 else 'DBIT'}</CdtDbtInd>{status}"
            f"<BookgDt><Dt>{(move.booking_date or move.value_date).isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{move.value_date.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{move.bank_reference or f'CAMT{index + 1:05d}'}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls>{details(move, False)}</NtryDtls></Ntry>"
        )
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{namespace}">\n<BkToCstmrStmt>\n'
        f"<GrpHdr><MsgId>MSG-{number}</MsgId><CreDtTm>{statement_date.isoformat()}T06:00:00</CreDtTm></GrpHdr>\n"
        f"<Stmt>\n<Id>STMT-{number}</Id><ElctrncSeqNb>{number}</ElctrncSeqNb><LglSeqNb>{number}</LglSeqNb>\n"
        f"<CreDtTm>{statement_date.isoformat()}T06:00:00</CreDtTm>\n"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
        f"{balance('OPBD', opening, statement_date - dt.timedelta(days=1))}\n"
        f"{balance('CLBD', closing, statement_date)}\n"
        + "\n".join(entries)
        + "\n</Stmt>\n</BkToCstmrStmt>\n</Document>\n"
    )
    return body.encode()


def upload(content: bytes, name: str = "statement.cod") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def treasury_account(db) -> TreasuryAccount:
    return TreasuryAccount.objects.create(
        iban=ACCOUNT_IBAN, bic="GKCCBEBB", holder="Bruxelles Pouvoirs locaux", purpose=AccountPurpose.PAYMENTS
    )


@pytest.fixture
def frbrtc_account(db) -> TreasuryAccount:
    return TreasuryAccount.objects.create(
        iban=FRBRTC_IBAN, bic="BBRUBEBB", holder="FRBRTC / BGHGT", purpose=AccountPurpose.FRBRTC
    )


def batched_order(payable, *, prepared_by, approved_by, end_to_end_id: str, iban: str, **fields) -> PaymentOrder:
    """An order as the order services leave it in a batch (written directly: those services are built alongside)."""
    defaults = {
        "commitment": payable.commitment,
        "budget_line": payable.commitment.envelope.budget_line,
        "beneficiary": payable.beneficiary,
        "creditor_name": payable.beneficiary.name_fr,
        "creditor_iban": iban,
        "creditor_bic": "GKCCBEBB",
        "amount": payable.amount,
        "status": OrderStatus.BATCHED,
        "prepared_by": prepared_by,
        "first_approved_by": approved_by,
    }
    return PaymentOrder.objects.create(payable=payable, end_to_end_id=end_to_end_id, **{**defaults, **fields})


@pytest.fixture(autouse=True)
def messages_in_english():
    """The messages matched in the tests are the English source strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def order_approver(db):
    return UserFactory(email="approver.bank@bpl.brussels", roles=[StaffRole.FINANCE_APPROVER])


def plain_payable(*, amount: str = "200000.00", reference: str = "AAP-2026-SPORT-0003", key: str = "bank-1"):
    """A payment request on its own commitment, as grants or loans leave it for finance."""
    envelope = envelope_ensure(
        code=f"env-{key}", label="Sport", budget_line=BudgetLineFactory(), amount=Decimal("50000000")
    )
    commitment = commitment_create(
        envelope_id=envelope.pk,
        beneficiary=OrganisationFactory(),
        amount=Decimal(amount),
        reference=reference,
        key=f"commitment-{key}",
    )
    return payable_create(commitment=commitment, amount=Decimal(amount), reference=reference, label="Advance", key=key)


def receivable_with_ogm(*, amount: str, number: int, reference: str = "REC-2026-0001") -> Receivable:
    """An amount to recover with its structured communication (family 3 of core.ogm)."""
    payable = plain_payable(amount="500000.00", reference=f"{reference}-C", key=f"rec-{number}")
    receivable = receivable_create(
        commitment=payable.commitment,
        amount=Decimal(amount),
        reference=reference,
        label="Avance non justifiée",
        key=f"receivable-{number}",
    )
    receivable.structured_communication = ogm_make(3, number, 1)
    receivable.save(update_fields=["structured_communication"])
    return receivable


def active_loan(people, capture, *, amount: str = "100000", **terms):
    """A loan of `amount` over its terms, taken through the services to an active loan (no drawdown yet)."""
    commune, editor, signatory, analyst = people
    version = publish_sports_product(code=f"small-{amount}", uses_borrowing_capacity=False, **terms)
    with capture(execute=True):
        application = journey.submitted(
            version, commune, editor, signatory, projects=[journey.project(cost=amount, requested=amount)]
        )
        journey.analysed(journey.eligible(application, analyst), analyst)
        journey.opinion_session(application)
    with capture(execute=True):
        journey.decided(application, analyst)
    return journey.active_loan(application, signatory, analyst)


@pytest.fixture
def borrower_people(loan_process, commune, commune_editor, signatory, loan_analyst):
    return commune, commune_editor, signatory, loan_analyst


@pytest.fixture
def drawdown_to_pay(borrower_people, django_capture_on_commit_callbacks) -> Drawdown:
    """A loan's approved drawdown of 100,000.00: its payable waits for the bank."""
    _commune, _editor, signatory, analyst = borrower_people
    loan = active_loan(borrower_people, django_capture_on_commit_callbacks, rate=Decimal("0.030000"), term_months=24)
    drawdown = drawdown_request(
        actor=signatory,
        loan_id=loan.pk,
        amount="100000.00",
        invoices=[InvoiceIn(reference="F-1", amount="100000.00", upload=journey.pdf("invoice.pdf"))],
    )
    return drawdown_approve(actor=analyst, drawdown_id=drawdown.pk)


@pytest.fixture
def repaying_loan(borrower_people, finance_officer, django_capture_on_commit_callbacks) -> Loan:
    """100,000.00 over 2 years at 3 %, drawn 400 days ago: instalment 1 (52,261.08) fell due about a month ago."""
    _commune, _editor, signatory, analyst = borrower_people
    loan = active_loan(borrower_people, django_capture_on_commit_callbacks, rate=Decimal("0.030000"), term_months=24)
    journey.drawdown_paid(loan, signatory, analyst, finance_officer, amount="100000.00", paid_on=days_ago(400))
    loan.refresh_from_db()
    return loan


@pytest.fixture
def two_due_loan(borrower_people, finance_officer, django_capture_on_commit_callbacks) -> Loan:
    """90,000.00 over 3 years at 3 %, no late interest, drawn 800 days ago: instalments 1 and 2 are both due."""
    _commune, _editor, signatory, analyst = borrower_people
    loan = active_loan(
        borrower_people,
        django_capture_on_commit_callbacks,
        amount="90000",
        rate=Decimal("0.030000"),
        term_months=36,
        late_interest_rate=Decimal("0"),
    )
    journey.drawdown_paid(loan, signatory, analyst, finance_officer, amount="90000.00", paid_on=days_ago(800))
    loan.refresh_from_db()
    return loan


def imported(actor, content: bytes, capture=None, name: str = "statement.cod"):
    """Import through the service; with django_capture_on_commit_callbacks as `capture`, the automatic matching runs
    as it does after the commit (without, it never runs: the test's transaction is rolled back)."""
    if capture is None:
        return statement_import(actor=actor, upload=upload(content, name))
    with capture(execute=True):
        return statement_import(actor=actor, upload=upload(content, name))
