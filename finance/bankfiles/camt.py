"""camt.053, the ISO 20022 bank-to-customer statement (versions 001.02 and 001.08), read with lxml.

Parsed without DTD, entities or network (an upload is untrusted XML): a DOCTYPE is refused outright. One statement
(Stmt) per file; its booked entries (Ntry, status BOOK) become lines, one per transaction (TxDtls) when an entry
books several with their own amounts. Pending or information-only entries are not lines of the statement.
"""

import datetime as dt
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from lxml import etree
from stdnum.be import ogm_vcs

from core.money import format_eur, to_cents
from finance.bankfiles import NOT_PROVIDED, ParsedLine, ParsedStatement, StatementFileError, compact_iban

NAMESPACES = (
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
)
AMOUNT = re.compile(r"\d{1,12}(\.\d{1,5})?")
OPENING = ("OPBD", "PRCD")  # opening booked, or the previous closing booked
CLOSING = "CLBD"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
    )


def _root(content: bytes) -> etree._Element:
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        raise StatementFileError(
            _("this file is not a camt.053 statement: it is not well-formed XML (%(reason)s).") % {"reason": error.msg},
            line=line,
        ) from None
    if root.getroottree().docinfo.doctype:
        raise StatementFileError(_("a camt.053 statement has no DOCTYPE: this file is refused."), line=1)
    name = etree.QName(root)
    if name.localname != "Document" or name.namespace not in NAMESPACES:
        raise StatementFileError(
            _("this XML file is not a camt.053 statement (its schema is %(schema)s).")
            % {"schema": name.namespace or name.localname},
            line=root.sourceline,
        )
    return root


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.ns = {"c": namespace}

    def find(self, element, path: str):
        return element.find(self._path(path), self.ns)

    def findall(self, element, path: str) -> list:
        return element.findall(self._path(path), self.ns)

    def text(self, element, *paths: str) -> str:
        for path in paths:
            found = self.find(element, path)
            if found is not None and (found.text or "").strip():
                return " ".join(found.text.split())
        return ""

    def required(self, element, path: str, what: str) -> str:
        value = self.text(element, path)
        if not value:
            raise StatementFileError(_("%(what)s is missing.") % {"what": what}, line=element.sourceline)
        return value

    @staticmethod
    def _path(path: str) -> str:
        return "/".join(f"c:{step}" for step in path.split("/"))

    def amount(self, element, path: str, what: str) -> Decimal:
        node = self.find(element, path)
        if node is None:
            raise StatementFileError(_("%(what)s is missing.") % {"what": what}, line=element.sourceline)
        raw = (node.text or "").strip()
        if not AMOUNT.fullmatch(raw):
            raise StatementFileError(
                _("the %(what)s %(raw)s is not an amount.") % {"what": what, "raw": repr(raw)}, line=node.sourceline
            )
        if node.get("Ccy") != "EUR":
            raise StatementFileError(
                _("the %(what)s is in %(currency)s: only statements in EUR are imported.")
                % {"what": what, "currency": node.get("Ccy") or "?"},
                line=node.sourceline,
            )
        value = Decimal(raw)
        if value != to_cents(value):
            raise StatementFileError(
                _("the %(what)s %(raw)s has a fraction of a cent.") % {"what": what, "raw": repr(raw)},
                line=node.sourceline,
            )
        return value

    def signed(self, element, path: str, what: str) -> Decimal:
        value = self.amount(element, path, what)
        indicator = self.text(element, "CdtDbtInd")
        if indicator not in ("CRDT", "DBIT"):
            raise StatementFileError(
                _("the credit or debit indicator %(raw)s is neither CRDT nor DBIT.") % {"raw": repr(indicator)},
                line=element.sourceline,
            )
        return value if indicator == "CRDT" else -value

    def date(self, element, path: str, what: str) -> dt.date:
        node = self.find(element, path)
        raw = self.text(node, "Dt", "DtTm") if node is not None else ""
        if not raw:
            raise StatementFileError(_("%(what)s is missing.") % {"what": what}, line=element.sourceline)
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError:
            raise StatementFileError(
                _("the %(what)s %(raw)s is not a date.") % {"what": what, "raw": repr(raw)}, line=node.sourceline
            ) from None


def _balances(reader: _Reader, statement) -> tuple[Decimal, Decimal, dt.date]:
    found: dict[str, tuple[Decimal, dt.date]] = {}
    for balance in reader.findall(statement, "Bal"):
        code = reader.text(balance, "Tp/CdOrPrtry/Cd")
        if code in (*OPENING, CLOSING) and code not in found:
            found[code] = (reader.signed(balance, "Amt", _("balance")), reader.date(balance, "Dt", _("balance date")))
    opening = found.get("OPBD") or found.get("PRCD")
    if opening is None:
        raise StatementFileError(_("the statement has no opening balance (OPBD)."), line=statement.sourceline)
    if CLOSING not in found:
        raise StatementFileError(_("the statement has no closing balance (CLBD)."), line=statement.sourceline)
    return opening[0], found[CLOSING][0], found[CLOSING][1]


def _party(reader: _Reader, details, incoming: bool) -> tuple[str, str, str]:
    """Name, IBAN and BIC of the other side: the debtor of money received, the creditor of money paid."""
    role = "Dbtr" if incoming else "Cdtr"
    name = reader.text(details, f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm")
    iban = reader.text(details, f"RltdPties/{role}Acct/Id/IBAN")
    bic = reader.text(details, f"RltdAgts/{role}Agt/FinInstnId/BIC", f"RltdAgts/{role}Agt/FinInstnId/BICFI")
    return name[:140], compact_iban(iban)[:34], bic[:11]


def _remittance(reader: _Reader, details) -> tuple[str, str]:
    """The structured communication (12 digits whose check holds) and the free text."""
    free = [" ".join((node.text or "").split()) for node in reader.findall(details, "RmtInf/Ustrd")]
    structured = ""
    for node in reader.findall(details, "RmtInf/Strd/CdtrRefInf/Ref"):
        digits = re.sub(r"[\s+*/.-]", "", node.text or "")
        if not structured and digits.isdigit() and ogm_vcs.is_valid(digits):
            structured = digits
        else:  # another kind of reference (ISO 11649 RF...) or a mistyped one: a person reads it
            free.append(" ".join((node.text or "").split()))
    return structured, " ".join(part for part in free if part)[:500]


def _transaction_amount(reader: _Reader, details, entry_line: int) -> Decimal:
    for path in ("AmtDtls/TxAmt/Amt", "Amt"):
        if reader.find(details, path) is not None:
            return reader.amount(details, path, _("transaction amount"))
    raise StatementFileError(
        _("an entry with several transactions must give the amount of each."), line=details.sourceline or entry_line
    )


def _lines_of_entry(reader: _Reader, entry, start: int) -> list[ParsedLine]:
    amount = reader.signed(entry, "Amt", _("amount"))
    booking = reader.date(entry, "BookgDt", _("the booking date"))
    value = reader.date(entry, "ValDt", _("the value date"))
    bank_reference = reader.text(entry, "AcctSvcrRef")[:35]
    transactions = reader.findall(entry, "NtryDtls/TxDtls")
    if len(transactions) > 1:
        amounts = [_transaction_amount(reader, details, entry.sourceline) for details in transactions]
        if sum(amounts) != abs(amount):
            raise StatementFileError(
                _("the amounts of the entry's transactions do not add up to its amount."), line=entry.sourceline
            )
    else:
        amounts = [abs(amount)]
    lines = []
    for offset, (details, part) in enumerate(zip(transactions or [entry], amounts, strict=True)):
        name, iban, bic = _party(reader, details, amount > 0)
        structured, communication = _remittance(reader, details)
        end_to_end = reader.text(details, "Refs/EndToEndId")
        lines.append(
            ParsedLine(
                sequence=start + offset,
                booking_date=booking,
                value_date=value,
                amount=part if amount > 0 else -part,
                counterparty_name=name,
                counterparty_iban=iban,
                counterparty_bic=bic,
                structured_communication=structured,
                communication=communication or reader.text(entry, "AddtlNtryInf")[:500],
                end_to_end_id="" if end_to_end.upper() == NOT_PROVIDED else end_to_end[:35],
                bank_reference=bank_reference or reader.text(details, "Refs/AcctSvcrRef")[:35],
            )
        )
    return lines


def parse(content: bytes) -> ParsedStatement:
    root = _root(content)
    reader = _Reader(etree.QName(root).namespace)
    statements = reader.findall(root, "BkToCstmrStmt/Stmt")
    if not statements:
        raise StatementFileError(_("the file holds no statement (Stmt)."), line=root.sourceline)
    if len(statements) > 1:
        raise StatementFileError(
            _("this file holds %(count)s statements: import them one file at a time.") % {"count": len(statements)},
            line=statements[1].sourceline,
        )
    (statement,) = statements
    iban = reader.required(statement, "Acct/Id/IBAN", _("the IBAN of the statement's account"))
    currency = reader.text(statement, "Acct/Ccy")
    if currency and currency != "EUR":
        raise StatementFileError(
            _("the account is in %(currency)s: only statements in EUR are imported.") % {"currency": currency},
            line=statement.sourceline,
        )
    opening, closing, closing_date = _balances(reader, statement)
    lines: list[ParsedLine] = []
    for entry in reader.findall(statement, "Ntry"):
        status = reader.text(entry, "Sts", "Sts/Cd")
        if status != "BOOK":
            continue
        lines.extend(_lines_of_entry(reader, entry, len(lines) + 1))
    if opening + sum((line.amount for line in lines), Decimal("0")) != closing:
        raise StatementFileError(
            _("the closing balance (%(closing)s) is not the opening balance (%(opening)s) plus the entries.")
            % {"closing": format_eur(closing), "opening": format_eur(opening)},
            line=statement.sourceline,
        )
    number = reader.text(statement, "LglSeqNb", "ElctrncSeqNb", "Id")[:35]
    return ParsedStatement(
        format="camt053",
        iban=compact_iban(iban),
        number=number,
        statement_date=closing_date,
        opening_balance=to_cents(opening),
        closing_balance=to_cents(closing),
        lines=lines,
    )
