"""Importing bank statements: CODA and camt.053 files built from the published layouts, stored whole and immutably;
a malformed file refused whole with its line number and reason; the same file or statement twice, an unknown
account, a file that is not a statement: refused, nothing stored."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.errors import InvalidInput, NotPermitted
from core.ogm import ogm_make
from finance.models import BankStatement, StatementLine
from finance.models.bank import ImmutableError
from finance.services.statements import statement_import
from tests.finance.fixtures_bank import *  # noqa: F403 - the fixtures
from tests.finance.fixtures_bank import ACCOUNT_IBAN, UNKNOWN_IBAN, Movement, camt_file, coda_file, coda_records, upload

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)
OGM = ogm_make(2, 15, 1)  # instalment 1 of loan 15
MOVEMENTS = [
    Movement(
        amount=Decimal("-200000.00"),
        value_date=DAY,
        end_to_end_id="BPL-2026-00000012",
        counterparty_iban="BE68539007547034",
        counterparty_name="Commune d'Evere",
        counterparty_bic="GKCCBEBB",
        bank_reference="OUT1",
    ),
    Movement(
        amount=Decimal("52261.08"),
        value_date=DAY - dt.timedelta(days=1),
        booking_date=DAY,
        structured=OGM,
        counterparty_iban="BE62510007547061",
        counterparty_name="Commune d'Anderlecht",
        counterparty_bic="BBRUBEBB",
        bank_reference="IN1",
    ),
    Movement(amount=Decimal("12.50"), value_date=DAY, free="Remboursement frais dossier 2026/17"),
]


def nothing_stored() -> bool:
    return not BankStatement.objects.exists() and not StatementLine.objects.exists()


def refusal(content: bytes, actor, name: str = "statement.cod") -> str:
    with pytest.raises(InvalidInput) as error:
        statement_import(actor=actor, upload=upload(content, name))
    assert nothing_stored()
    return str(error.value)


@pytest.mark.parametrize(
    ("build", "name", "kind"),
    [
        (lambda: coda_file(movements=MOVEMENTS), "CODA_20260302.cod", "coda"),
        (lambda: camt_file(movements=MOVEMENTS), "camt053.xml", "camt053"),
        (lambda: camt_file(movements=MOVEMENTS, version="08"), "camt053-v08.xml", "camt053"),
    ],
)
def test_a_statement_is_stored_with_its_lines(finance_officer, treasury_account, build, name, kind):
    content = build()
    statement = statement_import(actor=finance_officer, upload=upload(content, name))
    statement = BankStatement.objects.get(pk=statement.pk)
    assert (statement.account, statement.format, statement.statement_date) == (treasury_account, kind, DAY)
    assert statement.number == ("001" if kind == "coda" else "12")
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("1000000.00"), Decimal("852273.58"))
    assert bytes(statement.content) == content and statement.file_sha256 == hashlib.sha256(content).hexdigest()
    assert statement.file_name == name and statement.imported_by == finance_officer
    out, received, fee = statement.lines.order_by("sequence")
    assert [line.sequence for line in (out, received, fee)] == [1, 2, 3]
    assert (out.amount, out.end_to_end_id, out.counterparty_iban, out.counterparty_bic) == (
        Decimal("-200000.00"),
        "BPL-2026-00000012",
        "BE68539007547034",
        "GKCCBEBB",
    )
    assert out.counterparty_name == "Commune d'Evere" and out.value_date == DAY and out.bank_reference == "OUT1"
    assert (received.amount, received.structured_communication, received.communication) == (
        Decimal("52261.08"),
        OGM,
        "",
    )
    assert (received.booking_date, received.value_date) == (DAY, DAY - dt.timedelta(days=1))
    assert (received.counterparty_iban, received.counterparty_bic, received.end_to_end_id) == (
        "BE62510007547061",
        "BBRUBEBB",
        "",
    )
    assert (fee.amount, fee.communication, fee.structured_communication, fee.counterparty_iban) == (
        Decimal("12.50"),
        "Remboursement frais dossier 2026/17",
        "",
        "",
    )


def test_a_structured_communication_whose_check_fails_is_kept_as_text(finance_officer, treasury_account):
    wrong = OGM[:10] + ("00" if OGM[10:] != "00" else "01")
    content = coda_file(movements=[Movement(amount=Decimal("10.00"), value_date=DAY, structured=wrong)])
    line = statement_import(actor=finance_officer, upload=upload(content)).lines.get()
    assert line.structured_communication == "" and line.communication == wrong


def test_a_blank_value_date_is_read_as_the_booking_date(finance_officer, treasury_account):
    records = coda_records(movements=[Movement(amount=Decimal("10.00"), value_date=DAY)])
    records[2] = records[2][:47] + "000000" + records[2][53:]
    line = statement_import(actor=finance_officer, upload=upload(coda_file(records))).lines.get()
    assert line.value_date == line.booking_date == DAY


# Malformed CODA: refused whole, the line and the reason named --------------------------------------------------


def _truncated(records):
    records[3] = records[3][:97]
    return records


def _garbled_amount(records):
    records[2] = records[2][:32] + "00000001x345000" + records[2][47:]
    return records


def _without(kind):
    def build(records):
        return [r for r in records if r[0] != kind]

    return build


def _garbled_date(records):
    records[2] = records[2][:47] + "310226" + records[2][53:]
    return records


def _count_off(records):
    records[-1] = records[-1][:16] + "000099" + records[-1][22:]
    return records


def _closing_off(records):
    records[-2] = records[-2][:41] + "0000000000001000" + records[-2][57:]
    return records


def _unknown_type(records):
    records[4] = "7" + records[4][1:]
    return records


def _orphan_continuation(records):
    records[3], records[2] = records[2], records[3]
    return records


def _second_statement(records):
    return records + records


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (_truncated, "Line 4: the record is 97 characters long, a CODA record has 128."),
        (
            _garbled_amount,
            "Line 3: the amount '100000001x345000' is not a CODA amount (a sign 0 or 1, then 15 digits).",
        ),
        (_without("1"), "Line 2: the old balance record (type 1) is missing after the header."),
        (_without("8"), "Line 9: the new balance record (type 8) is missing before the trailer record (type 9)."),
        (_without("9"), "Line 9: the file ends without its trailer record (type 9): it is truncated"),
        (_garbled_date, "Line 3: the value date '310226' is not a date (DDMMYY)."),
        (_count_off, "Line 10: the trailer counts 99 records, the file has 8"),
        (
            _closing_off,
            "Line 9: the new balance (1,00 EUR) is not the old balance (1.000.000,00 EUR) plus the movements.",
        ),
        (_unknown_type, "Line 5: '7' is not a CODA record type."),
        (_orphan_continuation, "Line 3: a record 2.2 cannot come here (after a record 1)."),
        (_second_statement, "Line 11: a second header record: this file holds more than one statement"),
    ],
)
def test_a_malformed_coda_file_is_refused_whole_with_its_line(finance_officer, treasury_account, breaks, expected):
    records = breaks(coda_records(movements=MOVEMENTS[:2]))
    assert expected in refusal(coda_file(records), finance_officer)


def test_a_coda_amount_of_a_fraction_of_a_cent_is_refused(finance_officer, treasury_account):
    records = coda_records(movements=[Movement(amount=Decimal("10.00"), value_date=DAY)])
    records[2] = records[2][:32] + "000000000010005" + records[2][47:]
    assert "Line 3: the amount '000000000010005' has a fraction of a cent." in refusal(
        coda_file(records), finance_officer
    )


# camt.053: not XML, not that schema, malformed --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"Date;Amount;Communication\n02/03/2026;12,50;frais\n", "Line 1: this file is not a camt.053 statement"),
        (b"<?xml version='1.0'?>\n<Document><BkToCstmrStmt>", "this file is not a camt.053 statement"),
        (
            b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">'
            b"<CstmrCdtTrfInitn/></Document>",
            "Line 2: this XML file is not a camt.053 statement (its schema is "
            "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09).",
        ),
        (
            b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"/>',
            "this XML file is not a camt.053 statement (its schema is urn:iso:std:iso:20022:tech:xsd:camt.052.001.02).",
        ),
    ],
)
def test_a_file_that_is_not_a_camt053_statement_is_refused(finance_officer, treasury_account, content, expected):
    assert expected in refusal(content, finance_officer, "statement.xml")


def test_xml_entities_are_never_expanded(finance_officer, treasury_account, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("BE00SECRET")
    content = camt_file(movements=MOVEMENTS[:1]).replace(
        b'<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file://{secret}">]>\n'.encode(),
    )
    content = content.replace(b"BPL-2026-00000012", b"&x;")
    message = refusal(content, finance_officer, "statement.xml")
    assert "Line 1: a camt.053 statement has no DOCTYPE" in message and "SECRET" not in message


def test_a_garbled_camt_amount_is_refused_with_its_line(finance_officer, treasury_account):
    content = camt_file(movements=MOVEMENTS, amount_text={1: "52.261,08"})
    line = content.decode().splitlines().index(next(x for x in content.decode().splitlines() if "52.261,08" in x)) + 1
    assert f"Line {line}: the amount '52.261,08' is not an amount." in refusal(content, finance_officer, "s.xml")


def test_an_entry_booking_several_transactions_gives_a_line_each(finance_officer, treasury_account):
    batch = [
        Movement(
            amount=Decimal("-1250.00"), value_date=DAY, end_to_end_id="BPL-2026-00000001", counterparty_iban="BE1"
        ),
        Movement(amount=Decimal("-300.00"), value_date=DAY, end_to_end_id="BPL-2026-00000002", counterparty_iban="BE2"),
    ]
    statement = statement_import(
        actor=finance_officer, upload=upload(camt_file(movements=batch, one_entry=True), "b.xml")
    )
    lines = statement.lines.order_by("sequence")
    assert [(line.amount, line.end_to_end_id, line.counterparty_iban, line.bank_reference) for line in lines] == [
        (Decimal("-1250.00"), "BPL-2026-00000001", "BE1", "BATCH1"),
        (Decimal("-300.00"), "BPL-2026-00000002", "BE2", "BATCH1"),
    ]


def test_an_entry_whose_transactions_do_not_add_up_is_refused(finance_officer, treasury_account):
    batch = [Movement(amount=Decimal("-1250.00"), value_date=DAY), Movement(amount=Decimal("-300.00"), value_date=DAY)]
    content = camt_file(movements=batch, one_entry=True).replace(
        b"1550.00</Amt><CdtDbtInd>", b"1550.01</Amt><CdtDbtInd>"
    )
    content = content.replace(
        b'<Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">998450.00',
        b'<Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">998449.99',
    )
    assert "Line 11: the amounts of the entry's transactions do not add up to its amount." in refusal(
        content, finance_officer, "b.xml"
    )


def test_a_camt_statement_whose_balances_do_not_add_up_is_refused(finance_officer, treasury_account):
    content = camt_file(movements=MOVEMENTS, closing=Decimal("1.00"))
    assert (
        "Line 5: the closing balance (1,00 EUR) is not the opening balance (1.000.000,00 EUR) plus the entries."
        in refusal(content, finance_officer, "s.xml")
    )


def test_a_camt_statement_without_closing_balance_is_refused(finance_officer, treasury_account):
    content = camt_file(movements=MOVEMENTS).replace(b"<Cd>CLBD</Cd>", b"<Cd>ITBD</Cd>")
    assert "Line 5: the statement has no closing balance (CLBD)." in refusal(content, finance_officer, "s.xml")


def test_a_statement_in_another_currency_is_refused(finance_officer, treasury_account):
    content = camt_file(movements=MOVEMENTS).replace(b"<Ccy>EUR</Ccy>", b"<Ccy>USD</Ccy>")
    assert "only statements in EUR are imported" in refusal(content, finance_officer, "s.xml")


# Duplicates, unknown accounts, files that are not statements at all ---------------------------------------------


def test_the_same_file_twice_is_refused(finance_officer, treasury_account):
    content = coda_file(movements=MOVEMENTS)
    first = statement_import(actor=finance_officer, upload=upload(content))
    with pytest.raises(InvalidInput) as error:
        statement_import(actor=finance_officer, upload=upload(content, "again.cod"))
    assert "This file was already imported on" in str(error.value) and "(statement 001 of BE71096123456769)" in str(
        error.value
    )
    assert list(BankStatement.objects.all()) == [first] and StatementLine.objects.count() == 3


@pytest.mark.parametrize("fmt", ["coda", "camt"])
def test_the_same_statement_in_another_file_is_refused(finance_officer, treasury_account, fmt):
    build = coda_file if fmt == "coda" else camt_file
    statement_import(actor=finance_officer, upload=upload(build(movements=MOVEMENTS), "first.xml"))
    other = build(movements=MOVEMENTS[:1], opening=Decimal("800000.00"))  # another file, the same statement
    with pytest.raises(InvalidInput) as error:
        statement_import(actor=finance_officer, upload=upload(other, "second.xml"))
    number = "001" if fmt == "coda" else "12"
    assert f"Statement {number} of 02/03/2026 for BE71096123456769 was already imported (file first.xml)" in str(
        error.value
    )
    assert BankStatement.objects.count() == 1 and StatementLine.objects.count() == 3


@pytest.mark.parametrize("build", [coda_file, camt_file])
def test_a_statement_for_an_unknown_account_is_refused(finance_officer, treasury_account, build):
    message = refusal(build(iban=UNKNOWN_IBAN, movements=MOVEMENTS), finance_officer, "s.xml")
    assert f"The statement is for the account {UNKNOWN_IBAN}, which is not an account of the administration" in (
        message
    )


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"", "statement.cod", "This file is empty."),
        (b"MZ\x90\x00" + b"0" * 200, "statement.cod", "This file is a program, not a statement"),
        (b"%PDF-1.4 statement", "statement.pdf", "Send the statement as the bank gives it"),
    ],
)
def test_files_that_are_not_statements_are_refused(finance_officer, treasury_account, content, name, expected):
    assert expected in refusal(content, finance_officer, name)


def test_a_file_over_the_size_limit_is_refused(finance_officer, treasury_account, settings):
    settings.BPL_MAX_UPLOAD_BYTES = 1000
    assert "This file is too large" in refusal(coda_file(movements=MOVEMENTS), finance_officer)


def test_only_finance_officers_import(auditor, loan_analyst, treasury_account):
    for person in (auditor, loan_analyst):
        with pytest.raises(NotPermitted):
            statement_import(actor=person, upload=upload(coda_file(movements=MOVEMENTS)))
    assert nothing_stored()


# Immutability ----------------------------------------------------------------------------------------------------


def test_imported_statements_and_lines_cannot_be_changed(finance_officer, treasury_account):
    statement = statement_import(actor=finance_officer, upload=upload(coda_file(movements=MOVEMENTS)))
    line = statement.lines.first()
    line.amount = Decimal("1.00")
    for attempt in (
        line.save,
        line.delete,
        statement.save,
        statement.delete,
        lambda: StatementLine.objects.filter(pk=line.pk).update(amount=Decimal("1.00")),
        lambda: StatementLine.objects.filter(pk=line.pk).delete(),
        lambda: BankStatement.objects.all().update(number="999"),
    ):
        with pytest.raises(ImmutableError):
            attempt()
    assert StatementLine.objects.get(pk=line.pk).amount == Decimal("-200000.00")


@pytest.mark.postgres
def test_postgresql_refuses_even_raw_sql_changes(require_postgres, finance_officer, treasury_account):
    statement = statement_import(actor=finance_officer, upload=upload(coda_file(movements=MOVEMENTS)))
    for sql in (
        "UPDATE finance_statementline SET amount = 1 WHERE statement_id = %s",
        "DELETE FROM finance_statementline WHERE statement_id = %s",
        "UPDATE finance_bankstatement SET number = '999' WHERE id = %s",
    ):
        with pytest.raises(Exception, match="is immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [statement.pk])
    assert sorted(statement.lines.values_list("amount", flat=True)) == sorted(m.amount for m in MOVEMENTS)
    assert BankStatement.objects.get().number == "001"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_store_it_once(require_postgres, finance_officer):
    from finance.models import TreasuryAccount
    from finance.models.bank import AccountPurpose
    from tests.core.test_concurrency import run_together

    TreasuryAccount.objects.create(iban=ACCOUNT_IBAN, bic="GKCCBEBB", holder="BPL", purpose=AccountPurpose.PAYMENTS)
    content = coda_file(movements=MOVEMENTS)

    def attempt():
        from django.utils import translation

        with translation.override("en"):
            return statement_import(actor=finance_officer, upload=upload(content))

    results = run_together(attempt, attempt)
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], InvalidInput), results
    assert "already imported" in str(refused[0])
    assert BankStatement.objects.count() == 1 and StatementLine.objects.count() == 3
