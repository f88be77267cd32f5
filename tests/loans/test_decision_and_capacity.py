"""Borrowing capacity (applying and deciding, under the envelope's lock), the decision's guards, the proof of the
budget commitment, drawdown limits, and the share table import."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import Workbook

from core.errors import InvalidInput, TransitionNotAllowed
from finance.models import Commitment
from loans.models import Drawdown, LoanDecision, ShareTable
from loans.services.capacity import capacity_of, share_table_import
from loans.services.decision import loan_decision_record
from loans.services.drawdowns import InvoiceIn, drawdown_request
from loans.services.submission import loan_application_submit
from tests.core.test_concurrency import run_together
from tests.factories import MembershipFactory, OrganisationFactory
from tests.loans import journey
from tests.loans.fixtures import publish_sports_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


def ready_for_decision(version, commune, editor, signatory, analyst, capture, requested="1000000.00"):
    with capture(execute=True):
        application = journey.submitted(
            version, commune, editor, signatory, projects=[journey.project(cost=requested, requested=requested)]
        )
        journey.analysed(journey.eligible(application, analyst), analyst)
        journey.opinion_session(application)
    application.refresh_from_db()
    return application


def test_the_cap_is_the_envelope_times_the_share_minus_what_is_held(sports_product, shares, commune):
    capacity = capacity_of(sports_product, commune)
    assert (capacity.share, capacity.cap, capacity.held, capacity.available) == (
        Decimal("10.000000"),
        Decimal("5000000.00"),
        Decimal("0.00"),
        Decimal("5000000.00"),
    )


def test_a_commune_without_a_share_has_no_capacity(sports_product, shares):
    assert capacity_of(sports_product, OrganisationFactory()).cap == Decimal("0.00")


def test_an_application_over_the_capacity_cannot_be_submitted(
    sports_product, shares, commune, commune_editor, signatory
):
    application = journey.draft(
        sports_product, commune, commune_editor, [journey.project(cost="6000000", requested="6000000")]
    )
    with pytest.raises(InvalidInput) as refused:
        loan_application_submit(actor=signatory, application_id=application.pk)
    assert any("exceed the borrowing capacity" in item for item in refused.value.extra["missing"])
    application.refresh_from_db()
    assert application.status == "draft" and not application.snapshots.exists()


def test_the_decision_checks_the_capacity_again_with_what_was_granted_since(
    sports_product, shares, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = ready_for_decision(sports_product, commune, commune_editor, signatory, loan_analyst, capture, "3000000")
    second = ready_for_decision(sports_product, commune, commune_editor, signatory, loan_analyst, capture, "3000000")
    journey.decided(first, loan_analyst)
    with pytest.raises(InvalidInput, match=r"2\.000\.000,00 EUR of borrowing capacity left"):
        journey.decided(second, loan_analyst)
    second.refresh_from_db()
    assert second.status == "opinion_given" and not hasattr(second, "decision")
    assert Commitment.objects.count() == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"decree_reference": " "}, "reference and the date of the Government's decree"),
        ({"decree_date": None}, "reference and the date of the Government's decree"),
        ({"outcome": "maybe"}, "Choose a decision"),
        ({"outcome": "rejected", "reason": ""}, "A refusal needs its reason"),
        ({"amounts": {}}, "Give an amount for every project"),
        ({"amounts": "over"}, "must be between 0 and the loan requested"),
        ({"amounts": "zero"}, "At least one project needs an amount above zero"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_committed(
    fields,
    message,
    sports_product,
    shares,
    commune,
    commune_editor,
    signatory,
    loan_analyst,
    django_capture_on_commit_callbacks,
):
    application = ready_for_decision(
        sports_product, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks
    )
    (project,) = application.projects.all()
    amounts = {"over": {project.pk: "1000000.01"}, "zero": {project.pk: "0"}}
    arguments = {
        "outcome": "approved",
        "decree_reference": "AGRBC 2026/1",
        "decree_date": timezone.localdate(),
        "amounts": {project.pk: "1000000"},
        **fields,
    }
    if isinstance(arguments["amounts"], str):
        arguments["amounts"] = amounts[arguments["amounts"]]
    with pytest.raises(InvalidInput, match=message):
        loan_decision_record(actor=loan_analyst, application_id=application.pk, **arguments)
    assert not LoanDecision.objects.exists() and not Commitment.objects.exists()


def test_a_project_without_the_proof_of_its_budget_commitment_is_not_granted(
    loan_process, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks
):
    from loans.seed import REQUIRED_DOCUMENTS

    documents = [{**d, "required": False} if d["code"] == "budget_commitment" else d for d in REQUIRED_DOCUMENTS]
    version = publish_sports_product(code="proof", required_documents=documents, uses_borrowing_capacity=False)
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.draft(version, commune, commune_editor)
        application.documents.filter(document_code="budget_commitment").update(removed_at=timezone.now())
        loan_application_submit(actor=signatory, application_id=application.pk)
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with pytest.raises(InvalidInput, match="cannot be granted without this document"):
        journey.decided(application, loan_analyst)
    assert not Commitment.objects.exists()


def test_a_decision_before_the_committees_opinion_is_refused(
    sports_product, shares, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(sports_product, commune, commune_editor, signatory)
    with pytest.raises(TransitionNotAllowed, match="once the committee has given its opinion"):
        journey.decided(application, loan_analyst)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_never_exceed_a_communes_capacity(
    require_postgres,
    sports_product,
    shares,
    commune,
    commune_editor,
    signatory,
    loan_analyst,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    first = ready_for_decision(sports_product, commune, commune_editor, signatory, loan_analyst, capture, "3000000")
    second = ready_for_decision(sports_product, commune, commune_editor, signatory, loan_analyst, capture, "3000000")

    def decide(application):
        with translation.override("en"):  # each thread starts in the default language
            return journey.decided(application, loan_analyst)

    results = run_together(lambda: decide(first), lambda: decide(second))
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert len(refused) == 1 and "borrowing capacity" in str(refused[0]), results
    assert LoanDecision.objects.count() == 1
    assert Commitment.objects.get().amount == Decimal("3000000.00")


# Drawdowns ------------------------------------------------------------------------------------------------------


@pytest.fixture
def active(
    sports_product, shares, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks
):
    application = ready_for_decision(
        sports_product, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)
    return journey.active_loan(application, signatory, loan_analyst)


def request(loan, who, amount, invoices):
    return drawdown_request(
        actor=who,
        loan_id=loan.pk,
        amount=amount,
        invoices=[InvoiceIn(reference=ref, amount=value, upload=journey.pdf()) for ref, value in invoices],
    )


@pytest.mark.parametrize(
    "amount, invoices, message",
    [
        ("1000000.01", [("F1", "1000000.01")], "more than what is left to draw"),
        ("0", [("F1", "10")], "above zero"),
        ("1000", [], "Attach the invoices"),
        ("1000", [("F1", "999.99")], "do not cover the drawdown"),
        ("1000", [(" ", "1000")], "reference of every invoice"),
    ],
)
def test_bad_drawdown_requests_are_refused_and_nothing_is_stored(active, signatory, amount, invoices, message):
    with pytest.raises(InvalidInput, match=message):
        request(active, signatory, amount, invoices)
    assert not Drawdown.objects.exists()


def test_an_editor_cannot_ask_for_a_drawdown(active, commune_editor):
    from core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        request(active, commune_editor, "1000", [("F1", "1000")])


def test_no_drawdown_after_the_last_date_nor_beyond_the_number_allowed(active, signatory):
    active.max_drawdowns = 1
    active.save(update_fields=["max_drawdowns"])
    request(active, signatory, "1000", [("F1", "1000")])
    with pytest.raises(InvalidInput, match="allows 1 drawdown"):
        request(active, signatory, "1000", [("F2", "1000")])
    active.last_drawdown_date = timezone.localdate().replace(year=2020)
    active.save(update_fields=["last_drawdown_date"])
    with pytest.raises(InvalidInput, match="last drawdown date"):
        request(active, signatory, "1000", [("F3", "1000")])
    assert Drawdown.objects.count() == 1


def test_a_second_drawdown_accrues_interest_from_its_own_date(active, signatory, loan_analyst, finance_officer):
    from tests.loans.fixtures import days_ago

    journey.drawdown_paid(active, signatory, loan_analyst, finance_officer, amount="600000.00", paid_on=days_ago(200))
    journey.drawdown_paid(active, signatory, loan_analyst, finance_officer, amount="400000.00", paid_on=days_ago(20))
    active.refresh_from_db()
    assert active.schedules.count() == 2
    line = active.schedules.order_by("-number").first().lines.get(n=1)
    # 30/360 at 1.5 %: 600,000.00 for the whole year = 9,000.00, plus 400,000.00 from its own date to the first
    # due date (start + 1 year): 400000 x 0.015 x days360(paid, due) / 360.
    from loans.schedules import DayCount, year_fraction

    due = active.start_date.replace(year=active.start_date.year + 1)
    expected = Decimal("9000") + Decimal("400000") * Decimal("0.015") * year_fraction(
        DayCount.THIRTY_360, days_ago(20), due
    )
    assert line.interest == expected.quantize(Decimal("0.01"))
    assert sum(line.principal for line in active.schedules.order_by("-number").first().lines.all()) == Decimal(
        "1000000.00"
    )


# The share table -------------------------------------------------------------------------------------------------


def xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Commune", "Part (%)"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("dgc.xlsx", buffer.getvalue())


def test_a_share_table_is_imported_with_names_in_french_or_dutch(sports_product, commune, other_commune, loan_analyst):
    table = share_table_import(
        actor=loan_analyst,
        product_id=sports_product.product_id,
        label="DGC 2025",
        upload=xlsx([("Gemeente Anderlecht", 12.5), ("Commune de Schaerbeek", "87,5")]),
    )
    assert {row.organisation: row.share for row in table.rows.all()} == {
        commune: Decimal("12.500000"),
        other_commune: Decimal("87.500000"),
    }
    assert capacity_of(sports_product, commune).cap == Decimal("6250000.00")


@pytest.mark.parametrize(
    "rows, message",
    [
        ([("Commune d'Anderlecht", 10), ("Commune de Schaerbeek", 80)], "add up to 90"),
        ([("Commune d'Anderlecht", 10), ("Commune de Schaerbeek", 90), ("Commune de Nulle Part", 0)], "not a commune"),
        ([("Commune d'Anderlecht", 100)], "missing from the table"),
        ([("Commune d'Anderlecht", "dix"), ("Commune de Schaerbeek", 90)], "between 0 and 100"),
        ([("Commune d'Anderlecht", 50), ("Gemeente Anderlecht", 50), ("Commune de Schaerbeek", 0)], "appears twice"),
    ],
)
def test_a_bad_share_table_is_refused_whole(sports_product, commune, other_commune, loan_analyst, rows, message):
    with pytest.raises(InvalidInput) as refused:
        share_table_import(actor=loan_analyst, product_id=sports_product.product_id, label="DGC", upload=xlsx(rows))
    assert any(message in problem for problem in refused.value.extra["problems"]), refused.value.extra
    assert not ShareTable.objects.exists()


def test_a_share_table_that_is_not_a_spreadsheet_is_refused(sports_product, commune, loan_analyst):
    with pytest.raises(InvalidInput, match="Excel file"):
        share_table_import(
            actor=loan_analyst, product_id=sports_product.product_id, label="DGC", upload=journey.pdf("dgc.pdf")
        )
    with pytest.raises(InvalidInput, match="does not match its name"):
        share_table_import(
            actor=loan_analyst,
            product_id=sports_product.product_id,
            label="DGC",
            upload=SimpleUploadedFile("dgc.xlsx", b"Commune;Part\nAnderlecht;100\n"),
        )
    assert not ShareTable.objects.exists()


def test_only_loan_analysts_import_share_tables(sports_product, commune, commune_editor):
    from core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        share_table_import(actor=commune_editor, product_id=sports_product.product_id, label="x", upload=xlsx([]))


def test_signatory_membership_of_another_commune_does_not_let_it_submit(
    sports_product, shares, commune, commune_editor, other_commune
):
    from core.errors import NotPermitted

    outsider = MembershipFactory(organisation=other_commune, role="signatory").user
    application = journey.draft(sports_product, commune, commune_editor)
    with pytest.raises(NotPermitted):
        loan_application_submit(actor=outsider, application_id=application.pk)
