"""Reading the bank's statement files: CODA (Febelfin, fixed-width records) and camt.053 (ISO 20022 XML).

The format is told by the content, never by the name. A file is read whole before anything is stored: the first
problem found refuses it, with the line (record) number and the reason, so nothing of a bad file is imported.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import InvalidInput

NOT_PROVIDED = "NOTPROVIDED"  # what ISO 20022 writes where the payer gave no end-to-end id


@dataclass
class ParsedLine:
    sequence: int
    booking_date: dt.date
    value_date: dt.date
    amount: Decimal  # signed: positive received, negative paid out
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    structured_communication: str = ""  # 12 digits, check digits verified
    communication: str = ""
    end_to_end_id: str = ""
    bank_reference: str = ""


@dataclass
class ParsedStatement:
    format: str
    iban: str
    number: str
    statement_date: dt.date
    opening_balance: Decimal
    closing_balance: Decimal
    lines: list[ParsedLine] = field(default_factory=list)


class StatementFileError(InvalidInput):
    """A statement file that cannot be imported; `extra["line"]` is the line (record) number when there is one."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        text = _("Line %(line)s: %(reason)s") % {"line": line, "reason": message} if line else message
        super().__init__(text, extra={"fields": {"file": [text]}, "line": line})


def compact_iban(value: str) -> str:
    return "".join((value or "").split()).upper()


def is_coda(content: bytes) -> bool:
    """A CODA file opens with its header record: type 0 followed by four zeros."""
    return content.lstrip(b"\xef\xbb\xbf").startswith(b"00000")


def parse_statement(content: bytes) -> ParsedStatement:
    from finance.bankfiles import camt, coda

    if is_coda(content):
        return coda.parse(content)
    return camt.parse(content)
