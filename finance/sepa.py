"""SEPA credit transfer files (pain.001.001.09, or .03 for banks that still ask for it) for a batch of payment orders.

sepaxml builds the file; we then fix what it leaves random or cannot write, and validate the result against the XSD
sepaxml bundles (stack-notes #8):
- the message id is the batch reference, the creation time the batch's stored `created_at`, the payment information
  id the batch reference again: sepaxml draws them at random or from the clock, and the same batch must give the same
  bytes whenever it is generated;
- a Belgian structured communication goes into RmtInf/Strd/CdtrRefInf (Tp/CdOrPrtry/Cd = SCOR, Tp/Issr = BBA,
  Ref = its 12 digits) instead of the free text sepaxml writes;
- a paying account without a BIC gets FinInstnId/Othr/Id = NOTPROVIDED (the EPC's value) rather than an empty agent.

Nothing here touches the database: the caller passes the rows, so a stored file can be regenerated and compared.
"""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import sepaxml
from lxml import etree
from sepaxml import SepaTransfer
from text_unidecode import unidecode

from core.money import cents_to_int

SCHEMAS = Path(sepaxml.__file__).parent / "schemas"
# The EPC's basic Latin character set for SEPA text fields.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]+")


class SepaFileInvalid(Exception):
    """The generated file does not pass the XSD: it must never be stored or downloaded."""


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Payment:
    end_to_end_id: str
    amount: Decimal
    name: str
    iban: str
    bic: str
    communication: str
    structured_communication: str  # 12 digits, or ""


def sepa_text(value: str, limit: int) -> str:
    """Text a bank accepts: accents transliterated, other characters outside the EPC set become spaces."""
    cleaned = _NOT_SEPA.sub(" ", unidecode(value or ""))
    return " ".join(cleaned.split())[:limit].strip()


@cache
def _schema(scheme: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / f"{scheme}.xsd")))


def validate(xml: bytes, scheme: str) -> None:
    """Raise SepaFileInvalid with the schema's first complaints when `xml` is not a valid `scheme` document."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise SepaFileInvalid(str(error)) from None
    schema = _schema(scheme)
    if document.tag != f"{{urn:iso:std:iso:20022:tech:xsd:{scheme}}}Document" or not schema.validate(document):
        problems = "; ".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:3])
        raise SepaFileInvalid(problems or f"not a {scheme} document")


def build_pain001(
    *,
    scheme: str,
    reference: str,
    created_at: dt.datetime,
    execution_date: dt.date,
    debtor: Debtor,
    payments: Sequence[Payment],
) -> bytes:
    """The pain.001 file, validated. `created_at` is written as given (naive local time, to the second)."""
    config = {"name": sepa_text(debtor.name, 70), "IBAN": debtor.iban, "batch": True, "currency": "EUR"}
    if debtor.bic:
        config["BIC"] = debtor.bic
    transfer = SepaTransfer(config, schema=scheme, clean=False)
    for payment in payments:
        item = {
            "name": sepa_text(payment.name, 70),
            "IBAN": payment.iban,
            "amount": cents_to_int(payment.amount),  # sepaxml wants integer cents
            "execution_date": execution_date,
            "description": sepa_text(payment.communication, 140) or payment.end_to_end_id,
            "endtoend_id": payment.end_to_end_id,
        }
        if payment.bic:
            item["BIC"] = payment.bic
        transfer.add_payment(item)
    raw = transfer.export(validate=False)
    xml = _post_process(
        raw, scheme=scheme, reference=reference, created_at=created_at, debtor=debtor, payments=payments
    )
    validate(xml, scheme)
    return xml


def _post_process(
    raw: bytes, *, scheme: str, reference: str, created_at: dt.datetime, debtor: Debtor, payments: Sequence[Payment]
) -> bytes:
    ns = f"urn:iso:std:iso:20022:tech:xsd:{scheme}"

    def q(path: str) -> str:
        return "/".join(f"{{{ns}}}{part}" for part in path.split("/"))

    def sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ns}}}{name}")
        if text is not None:
            element.text = text
        return element

    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    initiation = root.find(q("CstmrCdtTrfInitn"))
    assert initiation is not None  # sepaxml always writes it
    initiation.find(q("GrpHdr/MsgId")).text = reference  # type: ignore[union-attr]
    initiation.find(q("GrpHdr/CreDtTm")).text = created_at.strftime("%Y-%m-%dT%H:%M:%S")  # type: ignore[union-attr]
    for information in initiation.findall(q("PmtInf")):
        information.find(q("PmtInfId")).text = reference  # type: ignore[union-attr]
        if not debtor.bic:
            institution = information.find(q("DbtrAgt/FinInstnId"))
            assert institution is not None
            sub(sub(institution, "Othr"), "Id", "NOTPROVIDED")
    structured = {p.end_to_end_id: p.structured_communication for p in payments if p.structured_communication}
    for transaction in initiation.iter(q("CdtTrfTxInf")):
        digits = structured.get(transaction.findtext(q("PmtId/EndToEndId")) or "")
        if not digits:
            continue
        remittance = transaction.find(q("RmtInf"))
        assert remittance is not None
        for child in list(remittance):
            remittance.remove(child)
        reference_information = sub(sub(remittance, "Strd"), "CdtrRefInf")
        kind = sub(reference_information, "Tp")
        sub(sub(kind, "CdOrPrtry"), "Cd", "SCOR")
        sub(kind, "Issr", "BBA")
        sub(reference_information, "Ref", digits)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
