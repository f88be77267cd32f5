"""The finance officers' bank pages: importing a statement (refusals shown in the page, nothing stored), the
statements and their lines with what each was matched to, the lines left to match with their candidates, matching
and undoing by hand; readers see without acting; every list runs a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.ogm import ogm_display, ogm_make
from finance.models import BankStatement, LineMatch, MatchMethod, StatementLine
from tests.finance.fixtures_bank import *  # noqa: F403 - the fixtures
from tests.finance.fixtures_bank import (
    UNKNOWN_IBAN,
    Movement,
    camt_file,
    coda_file,
    coda_records,
    imported,
    receivable_with_ogm,
    upload,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:finance:{name}", args=args)


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def recovery(db):
    return receivable_with_ogm(amount="4000.00", number=1, reference="REC-2026-0001")


def movements(recovery) -> list[Movement]:
    return [
        Movement(
            amount=Decimal("4000.00"),
            value_date=today(),
            structured=recovery.structured_communication,
            counterparty_name="Commune d'Evere",
        ),
        Movement(
            amount=Decimal("750.00"), value_date=today(), free="Remboursement dossier 17", counterparty_name="CPAS"
        ),
    ]


def post_file(client, content: bytes, capture, name: str = "statement.cod"):
    with capture(execute=True):
        return client.post(url("statements:upload"), {"file": upload(content, name)})


def test_a_finance_officer_imports_a_statement_and_sees_its_lines_matched(
    staff_client, finance_officer, treasury_account, recovery, django_capture_on_commit_callbacks
):
    client = staff_client(finance_officer)
    assert 'name="file"' in client.get(url("statements:index")).content.decode()
    response = post_file(client, coda_file(movements=movements(recovery)), django_capture_on_commit_callbacks)
    statement = BankStatement.objects.get()
    assert response.status_code == 302 and response.url == url("statements:detail", statement.pk)
    page = client.get(response.url).content.decode()
    for shown in ("The statement is imported with its 2 line(s).", "4.000,00 EUR", "750,00 EUR"):
        assert shown in page
    assert "REC-2026-0001" in page and "Structured communication" in page  # what line 1 was matched to, and how
    assert ogm_display(recovery.structured_communication) in page
    second = statement.lines.get(sequence=2)
    assert url("matching:line", second.pk) in page and "Remboursement dossier 17" in page
    listing = client.get(url("statements:index")).content.decode()
    assert url("statements:detail", statement.pk) in listing and "BE71 0961 2345 6769" in listing


@pytest.mark.parametrize(
    ("build", "name", "shown"),
    [
        (
            lambda: coda_file([r[:97] if i == 3 else r for i, r in enumerate(coda_records(movements=MOVES))]),
            "statement.cod",
            "Line 4: the record is 97 characters long, a CODA record has 128.",
        ),
        (lambda: coda_file(iban=UNKNOWN_IBAN, movements=MOVES), "statement.cod", UNKNOWN_IBAN),
        (lambda: b"Date;Amount\n02/03/2026;12,50\n", "statement.xml", "this file is not a camt.053 statement"),
        (
            lambda: b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>',
            "statement.xml",
            "this XML file is not a camt.053 statement",
        ),
    ],
)
def test_a_refused_file_is_explained_in_the_page_and_nothing_is_stored(
    staff_client, finance_officer, treasury_account, django_capture_on_commit_callbacks, build, name, shown
):
    response = post_file(staff_client(finance_officer), build(), django_capture_on_commit_callbacks, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert shown in page and "Nothing was imported." in page
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()


MOVES = [Movement(amount=Decimal("-10.00"), value_date=dt.date(2026, 3, 2)) for _ in range(2)]


def test_the_same_file_twice_is_refused_in_the_page(
    staff_client, finance_officer, treasury_account, django_capture_on_commit_callbacks
):
    client = staff_client(finance_officer)
    content = camt_file(movements=MOVES)
    assert post_file(client, content, django_capture_on_commit_callbacks, "s.xml").status_code == 302
    response = post_file(client, content, django_capture_on_commit_callbacks, "s.xml")
    assert response.status_code == 400 and "This file was already imported on" in response.content.decode()
    assert BankStatement.objects.count() == 1


def test_readers_see_the_pages_without_acting_and_others_are_refused(
    staff_client, auditor, loan_analyst, client, commune_editor, finance_officer, treasury_account, recovery
):
    statement = imported(finance_officer, coda_file(movements=movements(recovery)))
    line = statement.lines.get(sequence=2)
    reader = staff_client(auditor)
    page = reader.get(url("statements:index")).content.decode()
    assert url("statements:detail", statement.pk) in page and 'name="file"' not in page
    assert reader.get(url("statements:detail", statement.pk)).status_code == 200
    line_page = reader.get(url("matching:line", line.pk)).content.decode()
    assert "Remboursement dossier 17" in line_page and url("matching:match", line.pk) not in line_page
    response = reader.post(url("statements:upload"), {"file": upload(coda_file(movements=MOVES))})
    assert response.status_code == 403
    response = reader.post(
        url("matching:match", line.pk), {"target": "receivable", "target_id": recovery.pk, "amount": "750"}
    )
    assert response.status_code == 403
    assert staff_client(loan_analyst).get(url("statements:index")).status_code == 403
    client.force_login(commune_editor)
    assert client.get(url("matching:index")).status_code == 403
    assert BankStatement.objects.count() == 1 and not LineMatch.objects.exists()


# Manual matching ---------------------------------------------------------------------------------------------------


@pytest.fixture
def open_line(finance_officer, treasury_account, recovery, django_capture_on_commit_callbacks) -> StatementLine:
    statement = imported(finance_officer, coda_file(movements=movements(recovery)), django_capture_on_commit_callbacks)
    return statement.lines.get(sequence=2)


def test_the_lines_to_match_are_listed_and_searched(staff_client, finance_officer, open_line):
    client = staff_client(finance_officer)
    page = client.get(url("matching:index")).content.decode()
    assert url("matching:line", open_line.pk) in page and "Remboursement dossier 17" in page
    assert "4.000,00 EUR" not in page  # line 1 is matched whole
    assert (
        url("matching:line", open_line.pk) in client.get(url("matching:index"), {"amount": "750,00"}).content.decode()
    )
    assert "Every statement line is matched." in client.get(url("matching:index"), {"amount": "751"}).content.decode()
    found = client.get(url("matching:index"), {"q": "dossier 17"}).content.decode()
    assert url("matching:line", open_line.pk) in found


def test_a_person_matches_a_line_to_a_recovery_in_the_page_and_undoes_it(
    staff_client, finance_officer, open_line, django_capture_on_commit_callbacks
):
    other = receivable_with_ogm(amount="750.00", number=2, reference="REC-2026-0002")
    client = staff_client(finance_officer)
    page = client.get(url("matching:line", open_line.pk), {"q": "REC-2026-0002"}).content.decode()
    assert f'id="receivable-{other.pk}"' in page and "750,00 EUR" in page

    refused = client.post(
        url("matching:match", open_line.pk), {"target": "receivable", "target_id": other.pk, "amount": "800"}
    )
    assert refused.status_code == 400
    assert "Only 750,00 EUR of this line is left to match." in refused.content.decode()
    assert "Nothing was matched." in refused.content.decode() and not open_line.matches.exists()

    done = client.post(
        url("matching:match", open_line.pk), {"target": "receivable", "target_id": other.pk, "amount": "750,00"}
    )
    assert done.status_code == 302
    match = open_line.matches.get()
    assert (match.receivable, match.amount, match.method, match.matched_by) == (
        other,
        Decimal("750.00"),
        MatchMethod.MANUAL,
        finance_officer,
    )
    assert "Every statement line is matched." in client.get(url("matching:index")).content.decode()

    statement_url = url("statements:detail", open_line.statement_id)
    assert url("statements:undo", match.pk) in client.get(statement_url).content.decode()
    refused = client.post(url("statements:undo", match.pk), {"reason": ""})
    assert refused.status_code == 400 and "Say why the match is undone." in refused.content.decode()
    undone = client.post(url("statements:undo", match.pk), {"reason": "The wrong recovery."})
    assert undone.status_code == 302
    match.refresh_from_db()
    assert match.undone_at is not None and match.undo_reason == "The wrong recovery."
    assert url("matching:line", open_line.pk) in client.get(url("matching:index")).content.decode()


def test_the_automatic_matching_runs_again_on_request(
    staff_client, finance_officer, treasury_account, django_capture_on_commit_callbacks
):
    received = Movement(amount=Decimal("300.00"), value_date=today(), structured=ogm_make(3, 9, 1))
    statement = imported(finance_officer, coda_file(movements=[received]), django_capture_on_commit_callbacks)
    assert not LineMatch.objects.exists()
    receivable_with_ogm(amount="300.00", number=9)  # the recovery is recorded after the statement came in
    response = staff_client(finance_officer).post(url("statements:rematch", statement.pk))
    assert response.status_code == 302
    assert statement.lines.get().matches.get().amount == Decimal("300.00")


# Fixed numbers of queries -----------------------------------------------------------------------------------------


def test_the_statement_list_runs_a_fixed_number_of_queries(
    staff_client, finance_officer, treasury_account, django_assert_max_num_queries
):
    def add(start: int, count: int) -> None:
        for number in range(start, start + count):
            imported(finance_officer, coda_file(number=number, movements=MOVES))

    client = staff_client(finance_officer)
    add(1, 2)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("statements:index")).status_code == 200
    add(3, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("statements:index")).content.decode()
    assert page.count('id="bank-statement-') == 22


def test_the_statement_and_the_matching_pages_run_a_fixed_number_of_queries(
    staff_client, finance_officer, treasury_account, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    def statement_of(count: int, first: int):
        receivables = [
            receivable_with_ogm(amount="10.00", number=first + n, reference=f"REC-{first + n}") for n in range(count)
        ]
        lines = [
            Movement(amount=Decimal("10.00"), value_date=today(), structured=r.structured_communication)
            for r in receivables
        ]
        lines += [Movement(amount=Decimal("5.00"), value_date=today(), free=f"libre {n}") for n in range(count)]
        return imported(
            finance_officer, coda_file(number=first, movements=lines), django_capture_on_commit_callbacks
        ), receivables

    client = staff_client(finance_officer)
    small, _ = statement_of(2, 1)
    open_small = small.lines.filter(communication__startswith="libre").first()
    pages = [
        url("statements:detail", small.pk),
        url("matching:index"),
        url("matching:line", open_small.pk) + "?q=REC",
    ]
    bounds = []
    for page in pages:
        with django_assert_max_num_queries(25) as few:
            assert client.get(page).status_code == 200
        bounds.append(len(few.captured_queries))
    big, _ = statement_of(30, 100)
    open_big = big.lines.filter(communication__startswith="libre").first()
    bigger = [url("statements:detail", big.pk), url("matching:index"), url("matching:line", open_big.pk) + "?q=REC"]
    for page, bound in zip(bigger, bounds, strict=True):
        with django_assert_max_num_queries(bound):
            response = client.get(page)
        assert response.status_code == 200
    detail = client.get(bigger[0]).content.decode()
    assert detail.count('id="line-') == 60 and detail.count('id="match-') == 30
    assert client.get(bigger[1]).content.decode().count('id="line-') == 32
