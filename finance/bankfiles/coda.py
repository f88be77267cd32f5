"""CODA, the Febelfin coded statement of account (standard version 2.6): fixed-width records of 128 characters.

Records, by their first character (and the second for movements and information): 0 header, 1 old balance,
2.1/2.2/2.3 a movement (amount, dates, communication / end-to-end reference, BIC / counterparty account and name),
3.1/3.2/3.3 information, 4 free communication, 8 new balance, 9 trailer (record count and totals).

febelfin-coda reads the fields, but checks the file with `assert` (gone under python -O) and without line numbers;
so every record is checked here first, with its line number, and the library only reads a file known to be sound.
"""

import datetime as dt
import io
import re
from decimal import Decimal

import coda as febelfin_coda
from django.utils.translation import gettext as _
from stdnum.be import ogm_vcs

from core.money import format_eur, to_cents
from finance.bankfiles import NOT_PROVIDED, ParsedLine, ParsedStatement, StatementFileError, compact_iban

RECORD_LENGTH = 128
MAIN_MOVEMENTS = "0123"  # transaction types of a movement as booked; 5 to 8 are its details
DETAIL_MOVEMENTS = "5678"
STRUCTURED_TYPES = ("101", "102")  # the Belgian structured communication (OGM/VCS), as typed or reconstituted
LABELS = {"1": "1", "21": "2.1", "22": "2.2", "23": "2.3", "31": "3.1", "32": "3.2", "33": "3.3", "4": "4"}


def _decode(content: bytes) -> list[str]:
    text = content.lstrip(b"\xef\xbb\xbf").decode("cp1252", errors="replace")
    records = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while records and not records[-1].strip():
        records.pop()
    return records


def _amount(record: str, start: int, line: int, what: str) -> Decimal:
    """A sign (0 credit, 1 debit) then 15 digits with three decimals, at `start` (0-based)."""
    sign, digits = record[start], record[start + 1 : start + 16]
    if sign not in "01" or not digits.isdigit():
        raise StatementFileError(
            _("the %(what)s %(raw)s is not a CODA amount (a sign 0 or 1, then 15 digits).")
            % {"what": what, "raw": repr(record[start : start + 16])},
            line=line,
        )
    value = Decimal(digits) / 1000
    if value != to_cents(value):
        raise StatementFileError(
            _("the %(what)s %(raw)s has a fraction of a cent.") % {"what": what, "raw": repr(digits)}, line=line
        )
    return -value if sign == "1" else value


def _date(record: str, start: int, line: int, what: str, *, blank_allowed: bool = False) -> dt.date | None:
    raw = record[start : start + 6]
    if blank_allowed and raw == "000000":
        return None
    try:
        return dt.datetime.strptime(raw, "%d%m%y").date()
    except ValueError:
        raise StatementFileError(
            _("the %(what)s %(raw)s is not a date (DDMMYY).") % {"what": what, "raw": repr(raw)}, line=line
        ) from None


class _Checker:
    """Walks the records once, in order, as the standard lays them out; refuses at the first problem."""

    def __init__(self, records: list[str]) -> None:
        self.records = records
        self.counted = 0  # records 1, 2.x, 3.x and 8, as the trailer counts them
        self.credit = Decimal("0")
        self.debit = Decimal("0")
        self.opening: Decimal | None = None
        self.closing: Decimal | None = None
        self.previous = ""  # the label of the record before
        self.movement = ""  # sequence + detail number of the movement or information being read

    def run(self) -> list[str]:
        """The records to give the library (a blank value date read as the entry date)."""
        fed = []
        for line, record in enumerate(self.records, start=1):
            if len(record) != RECORD_LENGTH:
                raise StatementFileError(
                    _("the record is %(length)s characters long, a CODA record has 128.") % {"length": len(record)},
                    line=line,
                )
            fed.append(self.check(line, record))
        last = len(self.records)
        if self.previous != "9":
            raise StatementFileError(
                _("the file ends without its trailer record (type 9): it is truncated or incomplete."), line=last
            )
        return fed

    def check(self, line: int, record: str) -> str:
        kind = record[0] if record[0] in "01489" else record[:2]
        if kind not in ("0", "1", "8", "9", *LABELS):
            raise StatementFileError(
                _("%(kind)s is not a CODA record type.")
                % {"kind": repr(record[:2] if record[0] in "23" else record[:1])},
                line=line,
            )
        handler = getattr(self, f"_record_{kind}", None)
        result = handler(line, record) if handler else record
        if kind not in ("0", "4", "9"):
            self.counted += 1
        self.previous = LABELS.get(kind, kind)
        return result or record

    def _expect_after(self, line: int, record_label: str, allowed: tuple[str, ...]) -> None:
        if self.previous not in allowed:
            raise StatementFileError(
                _("a record %(label)s cannot come here (after a record %(previous)s).")
                % {"label": record_label, "previous": self.previous or "—"},
                line=line,
            )

    def _record_0(self, line: int, record: str) -> None:
        if line != 1:
            raise StatementFileError(
                _("a second header record: this file holds more than one statement; import them one file at a time."),
                line=line,
            )
        if record[127] != "2":
            raise StatementFileError(
                _("CODA version %(version)s is not read here: version 2 only.") % {"version": repr(record[127])},
                line=line,
            )
        _date(record, 5, line, _("creation date"))

    def _record_1(self, line: int, record: str) -> None:
        if self.previous != "0":
            raise StatementFileError(_("an old balance record (type 1) must follow the header."), line=line)
        if record[1] not in "0123":
            raise StatementFileError(
                _("%(raw)s is not a CODA account structure (0 to 3).") % {"raw": repr(record[1])}, line=line
            )
        currency = record[18:21] if record[1] == "0" else record[39:42]
        if currency != "EUR":
            raise StatementFileError(
                _("the account is in %(currency)s: only statements in EUR are imported.")
                % {"currency": currency.strip() or "?"},
                line=line,
            )
        self.opening = _amount(record, 42, line, _("old balance"))
        _date(record, 58, line, _("old balance date"))

    def _record_21(self, line: int, record: str) -> str:
        if self.previous in ("0", "", "8", "9"):
            self._missing_old_balance(line)
        if not (record[2:6].isdigit() and record[6:10].isdigit()):
            raise StatementFileError(_("the movement's sequence number is not a number."), line=line)
        kind = record[53]
        main = kind in MAIN_MOVEMENTS
        if not main and kind not in DETAIL_MOVEMENTS:
            raise StatementFileError(
                _("%(raw)s is not a transaction type read here (0 to 3, or a detail 5 to 8).") % {"raw": repr(kind)},
                line=line,
            )
        if not main and not self.movement.startswith(record[2:6]):
            raise StatementFileError(
                _("a detail movement must follow the movement it details (sequence %(sequence)s).")
                % {"sequence": record[2:6]},
                line=line,
            )
        amount = _amount(record, 31, line, _("amount"))
        entry = _date(record, 115, line, _("entry date"))
        value = _date(record, 47, line, _("value date"), blank_allowed=True)
        if main:
            self.credit += amount if amount > 0 else 0
            self.debit += -amount if amount < 0 else 0
        self.movement = record[2:10]
        if value is None and entry is not None:  # the standard allows 000000; the library cannot read it
            return record[:47] + entry.strftime("%d%m%y") + record[53:]
        return record

    def _continuation(self, line: int, record: str, label: str, after: tuple[str, ...]) -> None:
        self._expect_after(line, label, after)
        if record[2:10] != self.movement:
            raise StatementFileError(
                _("this record %(label)s does not belong to the movement before it (sequence %(sequence)s).")
                % {"label": label, "sequence": self.movement[:4] or "—"},
                line=line,
            )

    def _record_22(self, line: int, record: str) -> None:
        self._continuation(line, record, "2.2", ("2.1",))

    def _record_23(self, line: int, record: str) -> None:
        self._continuation(line, record, "2.3", ("2.1", "2.2"))

    def _record_31(self, line: int, record: str) -> None:
        if self.previous in ("0", "", "8", "9"):
            self._missing_old_balance(line)
        if not (record[2:6].isdigit() and record[6:10].isdigit()):
            raise StatementFileError(_("the information's sequence number is not a number."), line=line)
        self.movement = record[2:10]

    def _record_32(self, line: int, record: str) -> None:
        self._continuation(line, record, "3.2", ("3.1",))

    def _record_33(self, line: int, record: str) -> None:
        self._continuation(line, record, "3.3", ("3.1", "3.2"))

    def _record_4(self, line: int, record: str) -> None:
        if self.previous in ("0", "", "9"):
            self._missing_old_balance(line)

    def _record_8(self, line: int, record: str) -> None:
        if self.previous in ("0", "", "8", "9"):
            self._missing_old_balance(line)
        if record[4:41] != self.records[1][5:42]:
            raise StatementFileError(_("the new balance is for another account than the old balance."), line=line)
        self.closing = _amount(record, 41, line, _("new balance"))
        _date(record, 57, line, _("new balance date"))
        opening = self.opening if self.opening is not None else Decimal("0")  # record 1 came first: set
        if opening + self.credit - self.debit != self.closing:
            raise StatementFileError(
                _("the new balance (%(closing)s) is not the old balance (%(opening)s) plus the movements.")
                % {"closing": format_eur(self.closing), "opening": format_eur(opening)},
                line=line,
            )

    def _record_9(self, line: int, record: str) -> None:
        if self.previous != "8":
            raise StatementFileError(
                _("the new balance record (type 8) is missing before the trailer record (type 9)."), line=line
            )
        if not record[16:22].isdigit():
            raise StatementFileError(_("the trailer's record count is not a number."), line=line)
        if int(record[16:22]) != self.counted:
            raise StatementFileError(
                _("the trailer counts %(said)s records, the file has %(found)s (a record missing or extra?).")
                % {"said": int(record[16:22]), "found": self.counted},
                line=line,
            )
        debit = -_amount("1" + record[22:37], 0, line, _("debit total"))  # the trailer's totals carry no sign
        credit = _amount("0" + record[37:52], 0, line, _("credit total"))
        if (debit, credit) != (self.debit, self.credit):
            raise StatementFileError(
                _("the trailer's totals (debit %(debit)s, credit %(credit)s) are not those of the movements.")
                % {"debit": format_eur(debit), "credit": format_eur(credit)},
                line=line,
            )

    def _missing_old_balance(self, line: int) -> None:
        if self.previous == "0":
            raise StatementFileError(_("the old balance record (type 1) is missing after the header."), line=line)
        raise StatementFileError(_("a record cannot come after the trailer or the new balance."), line=line)


def _belgian_iban(account: str) -> str:
    """A Belgian BBAN (12 digits) as its IBAN; anything else as it is."""
    if len(account) == 12 and account.isdigit():
        check = 98 - int(account + "111400") % 97
        return f"BE{check:02d}{account}"
    return account


def _iban_of_account(statement) -> str:
    return _belgian_iban(compact_iban(statement.account))


def _counterparty_iban(field: str | None) -> str:
    """Positions 11-44 of record 2.3 hold the account (45-47 its currency): an IBAN, or a Belgian BBAN."""
    tokens = (field or "")[:34].split()
    return _belgian_iban(compact_iban(tokens[0]))[:34] if tokens else ""


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _line(move) -> ParsedLine:
    kind = move.communication_type
    communication = _words(move.communication) if kind is None or kind not in STRUCTURED_TYPES else ""
    structured = ""
    if kind in STRUCTURED_TYPES:
        digits = re.sub(r"\D", "", move.communication or "")
        if ogm_vcs.is_valid(digits):
            structured = digits
        else:  # a structured communication that fails its check: kept for a person to read
            communication = _words(move.communication)
    end_to_end = _words(move.customer_reference)
    return ParsedLine(
        sequence=int(move.sequence),
        booking_date=move.entry_date,
        value_date=move.value_date,
        amount=to_cents(move.amount),
        counterparty_name=_words(move.counterparty_name)[:140],
        counterparty_iban=_counterparty_iban(move.counterparty_account),
        counterparty_bic=_words(move.counterparty_bic)[:11],
        structured_communication=structured,
        communication=communication[:500],
        end_to_end_id="" if end_to_end.upper() == NOT_PROVIDED else end_to_end[:35],
        bank_reference=_words(move.bank_reference)[:35],
    )


def parse(content: bytes) -> ParsedStatement:
    records = _decode(content)
    checked = _Checker(records).run()
    try:
        (statement,) = febelfin_coda.CODA(io.StringIO("\n".join(checked) + "\n")).statements
    except (AssertionError, ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        raise StatementFileError(_("the CODA file could not be read (%(error)s).") % {"error": error}) from None
    return ParsedStatement(
        format="coda",
        iban=_iban_of_account(statement),
        number=statement.old_sequence,
        statement_date=statement.new_balance_date,
        opening_balance=to_cents(statement.old_balance),
        closing_balance=to_cents(statement.new_balance),
        lines=[_line(move) for move in statement.moves],
    )
