"""Reconciliation workbooks: the file read back with openpyxl (sheets, headers in FR and NL, formats, frozen header,
filters, totals as formulas equal to the database), formula injection neutralised, the command, the Celery task
(progress, idempotence, failure), the staff page (request, progress, download, permissions), a real worker."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from core.models import AuditRecord
from finance import reconciliation
from finance.models import (
    Commitment,
    LineMatch,
    Payable,
    PayableStatus,
    ReconciliationWorkbook,
    WorkbookStatus,
)
from finance.reconciliation import Ticker, build_workbook
from finance.services.workbooks import workbook_build, workbook_request
from finance.tasks import reconciliation_workbook
from finance.workbook import DATE_FORMAT, MONEY, MONEY_FORMAT, Column, SheetWriter, needs_quoting, safe_text
from tests.finance.fixtures_workbooks import (
    FORMULA_NAMES,
    Chain,
    build_chain,
    data_rows,
    headers,
    open_workbook,
    total_of,
    totals_by_header,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(finance_officer) -> Chain:
    return build_chain(finance_officer)


def built(year: int, language: str = "en", **kwargs) -> tuple[object, reconciliation.BuiltWorkbook]:
    output = BytesIO()
    result = build_workbook(year=year, language=language, out=output, **kwargs)
    return open_workbook(output.getvalue()), result


def column(sheet, title: str) -> list:
    index = headers(sheet).index(title)
    return [row[index] for row in data_rows(sheet)]


def orm_sum(queryset, field: str = "amount") -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or Decimal("0.00")


# The file ------------------------------------------------------------------------------------------------------


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def test_the_sheets_are_in_order_with_their_headers_in_french_and_dutch(chain):
    french, _result = built(chain.year, "fr")
    dutch, _result = built(chain.year, "nl")
    titles = ["Summary", "Budget", "Beneficiaries", "Payments", "Loan portfolio", "Paradigm", "We Pulse"]
    assert french.sheetnames == [in_language("fr", title) for title in titles]
    assert dutch.sheetnames == [in_language("nl", title) for title in titles]
    assert french.sheetnames[4] == "Portefeuille de prêts" and dutch.sheetnames[4] == "Leningenportefeuille"
    # Headers in the reader's language: words the catalogues already have, then every header as gettext gives it.
    budget_fr, budget_nl = headers(french[french.sheetnames[1]]), headers(dutch[dutch.sheetnames[1]])
    assert budget_fr[0] == "Allocation de base" and "Engagé" in budget_fr and "Payé" in budget_fr
    assert budget_nl[0] == "Basisallocatie" and "Vastgelegd" in budget_nl and "Betaald" in budget_nl
    for language, workbook in (("fr", french), ("nl", dutch)):
        with translation.override(language):
            for sheet, title in zip(reconciliation.sheets_for(chain.year), workbook.sheetnames[1:], strict=True):
                assert headers(workbook[title]) == [c.title for c in sheet.columns()]
                assert workbook[title].cell(row=workbook[title].max_row, column=1).value == translation.gettext("Total")
    assert dutch[dutch.sheetnames[1]].cell(row=dutch[dutch.sheetnames[1]].max_row, column=1).value == "Totaal"


def test_every_sheet_has_a_frozen_bold_header_a_filter_formats_and_fitted_widths(chain):
    workbook, result = built(chain.year)
    for written in result.sheets:
        sheet = workbook[written.title]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        last_column = sheet.cell(row=1, column=len(written.columns)).column_letter
        assert sheet.auto_filter.ref == f"A1:{last_column}{max(written.lines, 1) + 1}"
        for index, spec in enumerate(written.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            assert sheet.column_dimensions[letter].width >= len(spec.title) + 2 or (
                sheet.column_dimensions[letter].width == 60
            )
            for row in range(2, written.lines + 2):
                cell = sheet.cell(row=row, column=index)
                if spec.kind == MONEY and cell.value is not None:  # blank: e.g. nothing planned
                    assert cell.number_format == MONEY_FORMAT and isinstance(cell.value, int | float)
                elif spec.kind == "date" and cell.value is not None:
                    assert cell.number_format == DATE_FORMAT and isinstance(cell.value, dt.datetime)
    payments = workbook["Payments"]
    assert column(payments, "Made due on")[0] == dt.datetime.combine(chain.today, dt.time())
    # The widest beneficiary's name fits its column.
    widest = max(len(name) for name in column(payments, "Beneficiary"))
    assert payments.column_dimensions["C"].width >= widest


def test_the_budget_sheet_totals_are_formulas_equal_to_the_database(chain):
    workbook, _result = built(chain.year)
    budget = workbook["Budget"]
    totals = totals_by_header(workbook, budget)
    year = chain.year
    committed = orm_sum(Commitment.objects.filter(created_at__year=year))
    due = orm_sum(Payable.objects.filter(due_since__year=year).exclude(status=PayableStatus.CANCELLED))
    paid = orm_sum(Payable.objects.filter(status=PayableStatus.PAID, paid_on__year=year))
    bank = orm_sum(
        LineMatch.objects.filter(undone_at__isnull=True, payment_order__isnull=False, line__booking_date__year=year)
    )
    assert totals == {
        "Committed": committed,
        "Liquidated (made due)": due,
        "Paid": paid,
        "On bank statements": bank,
        "Paid, not on a statement": paid - bank,
    }
    # The figures themselves, so that a wrong filter on both sides cannot pass: six commitments this year (the
    # seventh dates from last year), six requests due (the seventh cancelled, last year's not counted), four
    # paid, three on the bank (the undone match does not count).
    assert committed == Decimal("600016.00")
    assert due == Decimal("480015.00")
    assert paid == Decimal("320006.00") and bank == Decimal("240003.00")
    assert {row[0] for row in data_rows(budget)} == {"10.005.27.02.43.21", "10.005.38.01.43.22"}
    assert {row[2] for row in data_rows(budget)} == {f"{chain.today.month:02d}/{year}"}


def test_the_beneficiaries_payments_and_summary_agree_with_the_database(chain):
    workbook, _result = built(chain.year)
    year = chain.year
    beneficiaries = totals_by_header(workbook, workbook["Beneficiaries"])
    assert beneficiaries["To recover"] == Decimal("5000.00") and beneficiaries["Recovered"] == Decimal("2500.00")
    assert beneficiaries["Paid"] == orm_sum(Payable.objects.filter(status=PayableStatus.PAID, paid_on__year=year))
    payments = workbook["Payments"]
    assert len(data_rows(payments)) == 6
    assert column(payments, "Reconciled").count("Yes") == 3
    by_reference = {row[0]: row for row in data_rows(payments)}
    fourth = by_reference[chain.payables[3].reference]
    assert fourth[headers(payments).index("Amount not on a statement")] == float(chain.payables[3].amount)
    assert fourth[headers(payments).index("End-to-end id")] == chain.orders[3].end_to_end_id
    assert totals_by_header(workbook, payments)["Amount"] == orm_sum(
        Payable.objects.filter(due_since__year=year).exclude(status=PayableStatus.CANCELLED)
    )
    # The summary points at each total: following its formula gives the same amount.
    summary = workbook[workbook.sheetnames[0]]
    rows = {(row[0].value, row[1].value): row[2] for row in summary.iter_rows(min_row=2) if row[2].value}
    assert rows[("Budget", "Paid")].value.startswith("='Budget'!")
    assert total_of(workbook, summary, rows[("Budget", "Paid")].coordinate) == Decimal("320006.00")
    assert total_of(workbook, summary, rows[("Beneficiaries", "Recovered")].coordinate) == Decimal("2500.00")


def test_user_text_that_looks_like_a_formula_is_written_as_text(chain):
    workbook, _result = built(chain.year)
    for title, header in (("Beneficiaries", "Beneficiary"), ("Payments", "Beneficiary")):
        sheet = workbook[title]
        index = headers(sheet).index(header)
        cells = {row[index].value: row[index] for row in sheet.iter_rows(min_row=2)}
        for name in FORMULA_NAMES[:5]:
            cell = cells[name]
            assert cell.data_type == "s" and cell.quotePrefix, (title, name, cell.data_type)
        assert cells["Commune d'Evere"].data_type == "s" and not cells["Commune d'Evere"].quotePrefix
    # Nowhere in the workbook is there a formula other than our totals and the summary's references.
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert cell.value.startswith(("=SUBTOTAL(9,", "='")), (sheet.title, cell.coordinate, cell.value)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("=1+1", True),
        ("+32 2 123", True),
        ("-2", True),
        ("@SUM(A1)", True),
        ("   =cmd|' /C calc'!A0", True),
        ("\tplain", True),
        ("\rplain", True),
        ("#N/A", True),
        ("Commune d'Evere", False),
        ("a=b", False),
        ("", False),
        ("   ", False),
    ],
)
def test_which_texts_are_quoted(text, quoted):
    assert needs_quoting(text) is quoted


def test_safe_text_returns_plain_text_as_it_is_and_quotes_the_rest(tmp_path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("S")
    assert safe_text(sheet, "Commune d'Evere") == "Commune d'Evere" and safe_text(sheet, Decimal("1")) == Decimal("1")
    quoted = safe_text(sheet, '=WEBSERVICE("http://evil.example")')
    assert quoted.data_type == "s" and quoted.quotePrefix
    sheet.append([quoted, safe_text(sheet, "@cmd"), "=1+1"])
    workbook.save(tmp_path / "s.xlsx")
    row = open_workbook(str(tmp_path / "s.xlsx"))["S"][1]
    assert [(c.data_type, c.quotePrefix) for c in row] == [("s", True), ("s", True), ("f", False)]  # plain openpyxl


def test_the_writer_drops_characters_xml_cannot_carry_and_sums_an_empty_sheet(tmp_path):
    workbook = Workbook(write_only=True)
    writer = SheetWriter(workbook, "A:B/C?", [Column("Name"), Column("Amount", MONEY)], empty_label="Nothing")
    written = writer.close()
    other = SheetWriter(workbook, "Other", [Column("Name"), Column("Amount", MONEY)])
    other.append(["bell\x07 name", Decimal("1.10")])
    other.close()
    workbook.save(tmp_path / "w.xlsx")
    read = open_workbook(str(tmp_path / "w.xlsx"))
    assert written.title == "A B C" and read.sheetnames == ["A B C", "Other"]
    assert [c.value for c in read["A B C"][2]] == ["Nothing", None]
    assert read["A B C"]["B3"].value == "=SUBTOTAL(9,B2:B2)"
    assert read["Other"]["A2"].value == "bell name"


def test_the_loan_portfolio_sheet_reads_the_ledger(
    loan_process, commune, commune_editor, signatory, loan_analyst, finance_officer, django_capture_on_commit_callbacks
):
    from loans.portfolio import portfolio_loans
    from loans.services.repayments import repayment_record
    from tests.loans import journey
    from tests.loans.fixtures import publish_sports_product

    version = publish_sports_product(
        code="small", rate=Decimal("0.030000"), term_months=24, uses_borrowing_capacity=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(
            version, commune, commune_editor, signatory, projects=[journey.project(cost="100000", requested="100000")]
        )
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)
    loan = journey.active_loan(application, signatory, loan_analyst)
    today = timezone.localdate()
    journey.drawdown_paid(loan, signatory, loan_analyst, finance_officer, amount="60000.00", paid_on=today)
    repayment_record(actor=finance_officer, loan_id=loan.pk, amount="1000.00", value_date=today, key="wb-repay-1")
    workbook, _result = built(today.year)
    sheet = workbook["Loan portfolio"]
    (row,) = data_rows(sheet)
    figures = dict(zip(headers(sheet), row, strict=True))
    at = today.strftime("%d/%m/%Y")
    (expected,) = portfolio_loans(today=today)
    assert figures["Reference"] == loan.reference
    assert Decimal(str(figures[f"Outstanding at {at}"])) == expected.outstanding
    assert Decimal(str(figures[f"Arrears at {at}"])) == expected.arrears
    assert Decimal(str(figures[f"Drawn at {at}"])) == expected.drawn == Decimal("60000.00")
    assert Decimal(str(figures[f"Received in {today.year}"])) == Decimal("1000.00")
    totals = totals_by_header(workbook, sheet)
    assert totals[f"Outstanding at {at}"] == expected.outstanding


def test_the_programme_sheets_follow_the_programme_figures(finance_officer):
    from finance.models import (
        ParadigmPlan,
        ParadigmTransfer,
        WePulseDomain,
        WePulseFinancingPlan,
        WePulseParticipant,
        WePulseProgramme,
    )
    from finance.services.programme_figures import wepulse_dashboard
    from tests.factories import OrganisationFactory
    from tests.factories.grants import BudgetLineFactory

    year = timezone.localdate().year
    line = BudgetLineFactory()
    programme = WePulseProgramme.objects.create(
        code="wepulse", name_fr="We Pulse", name_nl="We Pulse", start_year=2021, end_year=2025,
        estimated_budget=Decimal("70000000"),
    )  # fmt: skip
    crm = WePulseDomain.objects.create(programme=programme, code="crm", name_fr="CRM", name_nl="CRM", position=1)
    hr = WePulseDomain.objects.create(programme=programme, code="hr", name_fr="RH", name_nl="HR", position=2)
    evere = WePulseParticipant.objects.create(
        programme=programme,
        organisation=OrganisationFactory(name_fr="=CPAS d'Evere", name_nl="=OCMW Evere"),
        joined=True,
        joined_on=dt.date(2021, 3, 1),
    )
    WePulseFinancingPlan.objects.create(
        participant=evere, domain=crm, cost=Decimal("300000"), regional_share=Decimal("150000"),
        loan_amount=Decimal("100000"), own_funds=Decimal("50000"), updated_by=finance_officer,
    )  # fmt: skip

    def transfer(amount: str, purpose: str, **more) -> ParadigmTransfer:
        return ParadigmTransfer.objects.create(
            date=dt.date(year, 1, 15), amount=Decimal(amount), budget_year=year, budget_line=line, purpose=purpose,
            decision_reference="AGRBC", programme=programme, idempotency_key=f"t-{amount}-{purpose}",
            created_by=finance_officer, **more,
        )  # fmt: skip

    transfer("40000", "investments", participant=evere, domain=crm)
    transfer("7000", "investments", participant=evere, domain=hr)  # no plan for HR: a row of its own
    transfer("3000", "investments")  # no authority named
    transfer("3900000", "steering")
    ParadigmPlan.objects.create(year=year, purpose="steering", amount=Decimal("4000000"))
    workbook, _result = built(year)
    paradigm = totals_by_header(workbook, workbook["Paradigm"])
    assert paradigm == {
        "Planned": Decimal("4000000.00"),
        "Transferred": Decimal("3950000.00"),
        "Transferred minus planned": Decimal("-50000.00"),
    }
    wepulse = workbook["We Pulse"]
    totals = totals_by_header(workbook, wepulse)
    dashboard = wepulse_dashboard(programme)
    assert totals["Regional share transferred to date"] == dashboard.total.actual_regional == Decimal("50000.00")
    assert totals["Cost"] == Decimal("300000.00")
    names = column(wepulse, "Local authority")
    assert "=CPAS d'Evere" in names
    cell = next(c for c in wepulse["B"] if c.value == "=CPAS d'Evere")
    assert cell.data_type == "s" and cell.quotePrefix


# The command ---------------------------------------------------------------------------------------------------


def test_the_command_writes_the_workbook(chain, tmp_path):
    out = tmp_path / "reconciliation.xlsx"
    call_command("reconciliation_workbook", year=str(chain.year), out=str(out), language="nl", verbosity=0)
    workbook = open_workbook(str(out))
    assert workbook.sheetnames[0] == in_language("nl", "Summary")
    assert totals_by_header(workbook, workbook[in_language("nl", "Budget")])["Betaald"] == Decimal("320006.00")
    assert [p.name for p in tmp_path.iterdir()] == ["reconciliation.xlsx"]  # no partial file left


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"year": "1999"}, "Give a budget year between 2000 and"),
        ({"year": "twenty"}, "Give a budget year between 2000 and"),
        ({"language": "de"}, "The workbook can be written in fr, nl, en."),
        ({"out": "workbook.csv"}, "The output file must end in .xlsx"),
    ],
)
def test_the_command_refuses_bad_options_and_writes_nothing(tmp_path, options, message):
    arguments = {"year": "2026", "out": "workbook.xlsx", "language": "fr", **options}
    arguments["out"] = str(tmp_path / arguments["out"])
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("reconciliation_workbook", verbosity=0, **arguments)
    assert list(tmp_path.iterdir()) == []


# The task ------------------------------------------------------------------------------------------------------


def test_progress_is_reported_every_n_rows_and_at_both_ends():
    calls = []
    ticker = Ticker(5, lambda done, total: calls.append((done, total)), every=2)
    for _ in range(5):
        ticker.tick()
    ticker.finish()
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_the_task_builds_reports_progress_and_is_not_rebuilt_when_delivered_again(chain, finance_officer, monkeypatch):
    monkeypatch.setattr(reconciliation, "PROGRESS_EVERY", 2)
    seen = []
    original = reconciliation.Ticker.tick

    def tick(self):
        original(self)
        seen.append(ReconciliationWorkbook.objects.values_list("done", "total").get())

    monkeypatch.setattr(reconciliation.Ticker, "tick", tick)
    workbook = ReconciliationWorkbook.objects.create(year=chain.year, language="fr", requested_by=finance_officer)
    assert reconciliation_workbook(workbook.pk) == WorkbookStatus.READY
    workbook.refresh_from_db()
    assert workbook.status == WorkbookStatus.READY and workbook.done == workbook.total > 0 and workbook.percent == 100
    assert any(0 < done < total for done, total in seen)  # the row showed progress while the rows were written
    assert workbook.finished_at is not None and workbook.file.name.endswith(".xlsx")
    with workbook.file.open("rb") as stored:
        assert open_workbook(stored.read()).sheetnames[0] == in_language("fr", "Summary")
    first = workbook.file.name
    assert reconciliation_workbook(workbook.pk) == "skipped"
    workbook.refresh_from_db()
    assert workbook.file.name == first


def test_a_failed_build_is_recorded_with_its_reason(finance_officer, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(reconciliation, "build_workbook", broken)
    workbook = ReconciliationWorkbook.objects.create(year=2026, language="fr", requested_by=finance_officer)
    result = workbook_build(workbook_id=workbook.pk)
    assert result.status == WorkbookStatus.FAILED and result.error == "RuntimeError: the disk is full"
    assert not result.file
    assert workbook_build(workbook_id=workbook.pk) is None  # delivered again: left as it is


def test_a_request_is_queued_on_commit_and_a_second_click_gives_the_same(
    finance_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = workbook_request(actor=finance_officer, year=2026, language="nl")
        again = workbook_request(actor=finance_officer, year="2026", language="nl")
    assert first == again and len(callbacks) == 1
    assert AuditRecord.objects.filter(action="requested", object_id=str(first.pk)).count() == 1
    callbacks[0]()
    first.refresh_from_db()
    assert first.status == WorkbookStatus.READY


@pytest.mark.parametrize("year", [1999, timezone.localdate().year + 2, "abc", ""])
def test_a_request_for_a_year_out_of_range_is_refused(finance_officer, year):
    from core.errors import InvalidInput

    with translation.override("en"), pytest.raises(InvalidInput, match="Give a budget year between 2000 and"):
        workbook_request(actor=finance_officer, year=year)
    assert not ReconciliationWorkbook.objects.exists()


# The page ------------------------------------------------------------------------------------------------------


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:finance:workbooks:{name}", args=args)


def test_a_finance_officer_asks_for_a_workbook_and_downloads_it(
    staff_client, finance_officer, chain, django_capture_on_commit_callbacks
):
    client = staff_client(finance_officer)
    page = client.get(url("index")).content.decode()
    assert "You have not asked for a workbook yet." in page and 'name="year"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("index"), {"year": str(chain.year), "language": "fr"})
    assert response.status_code == 302
    workbook = ReconciliationWorkbook.objects.get()
    assert workbook.status == WorkbookStatus.READY and workbook.requested_by == finance_officer
    page = client.get(url("index")).content.decode()
    assert url("download", workbook.pk) in page and "hx-trigger" not in page
    download = client.get(url("download", workbook.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"
    body = b"".join(download.streaming_content)
    assert open_workbook(body).sheetnames[0] == in_language("fr", "Summary")


def test_a_running_workbook_is_polled_until_it_is_ready(staff_client, finance_officer, auditor):
    workbook = ReconciliationWorkbook.objects.create(
        year=2026, language="fr", requested_by=finance_officer, status=WorkbookStatus.RUNNING, done=250, total=1000
    )
    page = staff_client(auditor).get(url("index")).content.decode()
    assert f'hx-get="{url("progress", workbook.pk)}"' in page and 'hx-trigger="every 2s"' in page
    assert "htmx-2.min.js" in page and "hx-boost" not in page
    fragment = staff_client(auditor).get(url("progress", workbook.pk)).content.decode()
    assert fragment.lstrip().startswith("<tr") and 'value="25"' in fragment and "hx-trigger" in fragment
    ReconciliationWorkbook.objects.filter(pk=workbook.pk).update(status=WorkbookStatus.FAILED, error="Boom")
    fragment = staff_client(auditor).get(url("progress", workbook.pk)).content.decode()
    assert "hx-trigger" not in fragment and "The workbook could not be built." in fragment and "Boom" in fragment
    assert staff_client(auditor).get(url("download", workbook.pk)).status_code == 404


def test_a_wrong_year_on_the_page_is_refused_and_nothing_is_stored(staff_client, finance_officer):
    response = staff_client(finance_officer).post(url("index"), {"year": "1850", "language": "fr"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a budget year between 2000 and" in page and "Nothing was requested." in page
    assert not ReconciliationWorkbook.objects.exists()


def test_people_outside_finance_cannot_see_ask_or_download(
    staff_client, loan_analyst, finance_officer, client, commune_editor, tmp_path
):
    workbook = ReconciliationWorkbook.objects.create(
        year=2026, language="fr", requested_by=finance_officer, status=WorkbookStatus.READY
    )
    workbook.file.save("w.xlsx", BytesIO(b"PK"), save=True)
    analyst = staff_client(loan_analyst)
    assert analyst.get(url("index")).status_code == 403
    assert analyst.post(url("index"), {"year": "2026", "language": "fr"}).status_code == 403
    assert analyst.get(url("progress", workbook.pk)).status_code == 403
    assert analyst.get(url("download", workbook.pk)).status_code == 403
    client.force_login(commune_editor)
    assert client.get(url("download", workbook.pk)).status_code in (302, 403)
    assert ReconciliationWorkbook.objects.count() == 1


def test_the_list_runs_a_fixed_number_of_queries(staff_client, finance_officer, auditor, django_assert_max_num_queries):
    def add(n: int) -> None:
        for index in range(n):
            for person in (finance_officer, auditor):
                ReconciliationWorkbook.objects.create(year=2020 + index % 5, language="fr", requested_by=person)

    client = staff_client(finance_officer)
    add(1)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url("index")).status_code == 200
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("index")).content.decode()
    assert page.count("<progress") == 42


# A real worker -------------------------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_builds_a_workbook(require_postgres, require_redis, tmp_path, finance_officer):
    """The worker is another process: it reads the request the test committed (PostgreSQL: SQLite's test database
    lives in this process's memory) and writes the file to the private storage it is configured with."""
    import os
    import subprocess
    import sys
    import uuid

    from celery import Celery

    from tests.core.test_celery_worker import ROOT, _database_url_for_the_worker

    year = build_chain(finance_officer).year
    workbook = ReconciliationWorkbook.objects.create(year=year, language="nl", requested_by=finance_officer)
    media = tmp_path / "private"
    queue = f"bpl-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "CELERY_BROKER_URL": require_redis,
        "CELERY_RESULT_BACKEND": require_redis,
        "DATABASE_URL": _database_url_for_the_worker(tmp_path),
        "BPL_PRIVATE_MEDIA_ROOT": str(media),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    sender = Celery("bpl-test-sender", broker=require_redis, backend=require_redis)
    try:
        result = sender.send_task("finance.reconciliation_workbook", args=[workbook.pk], queue=queue)
        outcome = result.get(timeout=120)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert outcome == WorkbookStatus.READY, output
    workbook.refresh_from_db()
    assert workbook.status == WorkbookStatus.READY and workbook.done == workbook.total > 0
    read = open_workbook(str(media / workbook.file.name))
    assert read.sheetnames[0] == in_language("nl", "Summary")
    assert totals_by_header(read, read[read.sheetnames[1]])["Betaald"] == Decimal("320006.00")
