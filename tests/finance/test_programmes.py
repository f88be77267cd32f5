"""Paradigm transfers and the We Pulse programme's financing, through the services: transfers with their documents
(checked by content), corrections as new rows, totals per year against the plan; participants, financing plans that
must add up, the social domain for CPAS only, and actuals from transfers and from the linked loan's paid drawdowns."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import AuditRecord
from finance.models import (
    ParadigmAttachment,
    ParadigmPlan,
    ParadigmTransfer,
    TransferPurpose,
    WePulseFinancingPlan,
    WePulseParticipant,
)
from finance.seed_programmes import seed_programmes
from finance.services import programmes as services
from finance.services.payments import payable_mark_paid
from finance.services.programme_figures import transfer_figures, transfers_in_force, wepulse_dashboard
from loans.models import DrawdownStatus
from loans.services.drawdowns import InvoiceIn, drawdown_approve, drawdown_request
from tests.factories import OrganisationFactory, UserFactory
from tests.finance.fixtures_programmes import *  # noqa: F403
from tests.finance.fixtures_programmes import PDF, PNG, days_ago, join, pdf, plan, transfer

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# Paradigm transfers ---------------------------------------------------------------------------------------------


def test_a_transfer_is_recorded_with_its_documents_and_audited(finance_officer, paradigm_line, settings):
    recorded = transfer(
        finance_officer,
        paradigm_line,
        key="t1",
        amount="3.950.000,00",
        attachments=[pdf("arrete.pdf"), SimpleUploadedFile("preuve.png", PNG, content_type="image/png")],
    )
    recorded.refresh_from_db()
    assert recorded.amount == Decimal("3950000.00")
    assert (recorded.budget_year, recorded.purpose, recorded.budget_line) == (2022, "steering", paradigm_line)
    documents = list(recorded.attachments.order_by("original_name"))
    assert [d.original_name for d in documents] == ["arrete.pdf", "preuve.png"]
    assert [d.content_type for d in documents] == ["application/pdf", "image/png"]
    with documents[0].file.open("rb") as stored:
        assert stored.read() == PDF
    audit = AuditRecord.objects.get(action="paradigm_transfer_recorded", object_id=str(recorded.pk))
    assert audit.changes["amount"] == "3950000.00" and len(audit.changes["attachments"]) == 2


def test_the_same_form_posted_twice_records_one_transfer(finance_officer, paradigm_line):
    first = transfer(finance_officer, paradigm_line, key="same", attachments=[pdf()])
    second = transfer(finance_officer, paradigm_line, key="same", attachments=[pdf()])
    assert first.pk == second.pk
    assert ParadigmTransfer.objects.count() == 1 and ParadigmAttachment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        ({"amount": "0"}, "Give an amount above zero.", "amount"),
        ({"amount": "-1500,00"}, "Give an amount above zero.", "amount"),
        ({"amount": "four million"}, "Enter an amount, e.g. 1.234.567,89.", "amount"),
        (
            {"date": timezone.localdate() + dt.timedelta(days=1)},
            "Give the date of the transfer (not in the future).",
            "date",
        ),
        ({"date": None}, "Give the date of the transfer (not in the future).", "date"),
        ({"budget_year": 1990}, "Give a budget year between 2000 and", "budget_year"),
        ({"budget_year": 2020}, "The budget year must be the year of the transfer, the year before", "budget_year"),
        ({"budget_line_id": 987654}, "Choose a budget line of the budget.", "budget_line"),
        ({"budget_line_id": "10.005"}, "Choose a budget line of the budget.", "budget_line"),
        ({"purpose": "gift"}, "Choose the purpose of the transfer.", "purpose"),
        (
            {"decision_reference": "  "},
            "Give the reference of the decision the transfer executes.",
            "decision_reference",
        ),
    ],
)
def test_bad_transfers_are_refused_with_a_clear_message_and_nothing_is_stored(
    finance_officer, paradigm_line, settings, changes, message, field
):
    values = {
        "key": "bad",
        "date": dt.date(2022, 6, 30),
        "amount": "1000.00",
        "budget_year": 2022,
        "budget_line_id": paradigm_line.pk,
        "purpose": "steering",
        "decision_reference": "AGRBC 2022/1",
        "attachments": [pdf()],
        **changes,
    }
    with pytest.raises(InvalidInput) as refused:
        services.transfer_record(actor=finance_officer, **values)
    assert str(refused.value).startswith(message)
    assert field in refused.value.extra["fields"]
    assert ParadigmTransfer.objects.count() == 0 and ParadigmAttachment.objects.count() == 0
    assert stored_files(settings) == []
    assert not AuditRecord.objects.filter(action__startswith="paradigm").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("decision.pdf", b"this is plain text, not a PDF"),
        ("decision.pdf", PNG),
        ("photo.png", PDF),
        ("tool.pdf", b"MZ\x90\x00 a Windows program"),
        ("notes.txt", b"plain text"),
    ],
)
def test_a_document_that_is_not_what_its_name_says_is_refused_and_nothing_is_stored(
    finance_officer, paradigm_line, settings, name, content
):
    bad = SimpleUploadedFile(name, content)
    with pytest.raises(InvalidInput) as refused:
        transfer(finance_officer, paradigm_line, key="k", attachments=[pdf("good.pdf"), bad])
    assert "attachments" in refused.value.extra["fields"]
    assert any(word in str(refused.value) for word in ("does not match its name", "program", "not accepted"))
    assert ParadigmTransfer.objects.count() == 0 and ParadigmAttachment.objects.count() == 0
    assert stored_files(settings) == []  # the good file checked first was not written either


def test_an_empty_or_too_large_document_is_refused(finance_officer, paradigm_line, settings):
    with pytest.raises(InvalidInput, match=re.escape("This file is empty.")):
        transfer(finance_officer, paradigm_line, key="k", attachments=[pdf(content=b"")])
    settings.BPL_MAX_UPLOAD_BYTES = 10
    with pytest.raises(InvalidInput, match="This file is too large"):
        transfer(finance_officer, paradigm_line, key="k", attachments=[pdf()])
    assert ParadigmTransfer.objects.count() == 0


def test_documents_added_later_are_checked_and_audited(finance_officer, paradigm_line):
    recorded = transfer(finance_officer, paradigm_line, key="t")
    with pytest.raises(InvalidInput, match="does not match its name"):
        services.transfer_attachments_add(
            actor=finance_officer, transfer_id=recorded.pk, uploads=[pdf("proof.pdf", PNG)]
        )
    assert recorded.attachments.count() == 0
    services.transfer_attachments_add(actor=finance_officer, transfer_id=recorded.pk, uploads=[pdf("proof.pdf")])
    assert [a.original_name for a in recorded.attachments.all()] == ["proof.pdf"]
    assert AuditRecord.objects.filter(action="paradigm_attachments_added", object_id=str(recorded.pk)).exists()


def test_a_correction_is_a_new_transfer_that_replaces_the_old_one(finance_officer, paradigm_line):
    old = transfer(finance_officer, paradigm_line, key="t", amount="100000.00", attachments=[pdf("a.pdf")])
    fields = {
        "date": old.date,
        "amount": "120000.00",
        "budget_year": 2022,
        "budget_line_id": paradigm_line.pk,
        "purpose": "steering",
        "decision_reference": old.decision_reference,
        "description": "",
    }
    new = services.transfer_correct(
        actor=finance_officer, transfer_id=old.pk, key="c1", reason="Typing error", attachments=[pdf("b.pdf")], **fields
    )
    old.refresh_from_db()
    assert old.amount == Decimal("100000.00")  # the old row is kept as it was recorded
    assert new.replaces == old and new.correction_reason == "Typing error"
    assert sorted(a.original_name for a in new.attachments.all()) == ["a.pdf", "b.pdf"]
    assert list(transfers_in_force()) == [new]
    (year,) = transfer_figures()
    assert year.actual == Decimal("120000.00")
    audit = AuditRecord.objects.get(action="paradigm_transfer_corrected", object_id=str(new.pk))
    assert audit.changes["amount"] == ["100000.00", "120000.00"] and audit.changes["reason"] == "Typing error"
    with pytest.raises(TransitionNotAllowed, match="corrected already"):
        services.transfer_correct(actor=finance_officer, transfer_id=old.pk, key="c2", reason="Again", **fields)
    with pytest.raises(InvalidInput, match="Say why"):
        services.transfer_correct(actor=finance_officer, transfer_id=new.pk, key="c3", reason=" ", **fields)
    assert ParadigmTransfer.objects.count() == 2


def test_only_finance_officers_record_and_correct_transfers_and_plans(
    finance_officer, auditor, finance_approver, loan_analyst, paradigm_line
):
    recorded = transfer(finance_officer, paradigm_line, key="t")
    for person in (auditor, finance_approver, loan_analyst):
        with pytest.raises(NotPermitted, match="Only finance officers record transfers"):
            transfer(person, paradigm_line, key=f"x-{person.pk}")
        with pytest.raises(NotPermitted):
            services.transfer_correct(actor=person, transfer_id=recorded.pk, key="c", reason="r")
        with pytest.raises(NotPermitted):
            services.transfer_attachments_add(actor=person, transfer_id=recorded.pk, uploads=[pdf()])
        with pytest.raises(NotPermitted, match="Only finance officers set what is planned"):
            services.plan_set(actor=person, year=2022, purpose="steering", amount="1")
    assert ParadigmTransfer.objects.count() == 1 and ParadigmPlan.objects.count() == 0


def test_a_plan_is_set_per_year_and_purpose_and_changed_with_an_audit(finance_officer):
    first = services.plan_set(actor=finance_officer, year=2022, purpose="steering", amount="4.000.000,00")
    again = services.plan_set(actor=finance_officer, year=2022, purpose="steering", amount="3900000", source="BA")
    assert first.pk == again.pk and ParadigmPlan.objects.get().amount == Decimal("3900000.00")
    changes = [a.changes for a in AuditRecord.objects.filter(action="paradigm_plan_set").order_by("pk")]
    assert changes[1] == {"amount": ["4000000.00", "3900000.00"], "source": ["", "BA"]}
    assert services.plan_set(actor=finance_officer, year=2023, purpose="other", amount="0").amount == Decimal("0.00")
    for amount, message in (("-1", "Give an amount of zero or more."), ("x", "Enter an amount")):
        with pytest.raises(InvalidInput, match=message):
            services.plan_set(actor=finance_officer, year=2024, purpose="steering", amount=amount)
    with pytest.raises(InvalidInput, match="Choose the purpose"):
        services.plan_set(actor=finance_officer, year=2024, purpose="nope", amount="1")
    assert ParadigmPlan.objects.count() == 2


def test_totals_per_year_and_purpose_equal_the_database_and_compare_with_the_plan(finance_officer, paradigm_line):
    amounts = {(2022, "steering"): ["2000000.00", "1950000.00"], (2022, "other"): ["12345.67"]}
    amounts[(2023, "investments")] = ["250000.10", "0.01"]
    for (year, purpose), values in amounts.items():
        for index, amount in enumerate(values):
            transfer(
                finance_officer, paradigm_line, key=f"{year}{purpose}{index}", amount=amount, year=year, purpose=purpose
            )
    services.plan_set(actor=finance_officer, year=2022, purpose="steering", amount="4000000")
    services.plan_set(actor=finance_officer, year=2024, purpose="steering", amount="4100000")
    figures = {year.year: year for year in transfer_figures()}
    assert sorted(figures) == [2022, 2023, 2024]
    for year, figure in figures.items():
        database = ParadigmTransfer.objects.filter(budget_year=year).aggregate(total=Sum("amount"))["total"] or 0
        assert figure.actual == database
        for row in figure.purposes:
            expected = sum((Decimal(a) for a in amounts.get((year, row.purpose), [])), Decimal("0"))
            assert row.actual == expected
    steering = figures[2022].purposes[0]
    assert (steering.planned, steering.actual, steering.difference) == (
        Decimal("4000000.00"),
        Decimal("3950000.00"),
        Decimal("-50000.00"),
    )
    assert figures[2022].purposes[1].planned is None  # nothing planned for investments in 2022
    assert figures[2024].actual == 0 and figures[2024].planned == Decimal("4100000.00")
    assert [y.year for y in transfer_figures(years=[2023])] == [2023]


# We Pulse participants and financing plans -----------------------------------------------------------------------


def test_communes_and_cpas_join_with_a_date_and_other_authorities_are_refused(programme, finance_officer, commune):
    participant = join(programme, commune, finance_officer, on=dt.date(2021, 3, 15))
    assert (participant.joined, participant.joined_on) == (True, dt.date(2021, 3, 15))
    zone = OrganisationFactory(kind="police_zone")
    with pytest.raises(InvalidInput, match=re.escape("Only communes and CPAS take part in We Pulse.")):
        join(programme, zone, finance_officer)
    other = OrganisationFactory()
    for joined_on in (None, timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(InvalidInput, match="Give the date the authority joined"):
            services.wepulse_participant_set(
                actor=finance_officer,
                programme_id=programme.pk,
                organisation_id=other.pk,
                joined=True,
                joined_on=joined_on,
            )
    assert list(WePulseParticipant.objects.values_list("organisation_id", flat=True)) == [commune.pk]
    services.wepulse_participant_set(
        actor=finance_officer, programme_id=programme.pk, organisation_id=other.pk, joined=False, joined_on=None
    )
    assert WePulseParticipant.objects.get(organisation=other).joined is False


def test_a_plan_is_saved_when_it_adds_up_and_replaced_when_saved_again(commune_joined, domains, finance_officer):
    saved = plan(finance_officer, commune_joined, domains["crm"], "600.000,00", "300000", "200000", "100000")
    assert (saved.cost, saved.regional_share, saved.loan_amount, saved.own_funds) == (
        Decimal("600000.00"),
        Decimal("300000.00"),
        Decimal("200000.00"),
        Decimal("100000.00"),
    )
    again = plan(finance_officer, commune_joined, domains["crm"], "650000", "300000", "250000", "100000")
    assert again.pk == saved.pk and WePulseFinancingPlan.objects.get().cost == Decimal("650000.00")
    changes = AuditRecord.objects.filter(action="wepulse_plan_set").order_by("pk").last().changes
    assert changes["cost"] == ["600000.00", "650000.00"] and changes["domain"] == "crm"


@pytest.mark.parametrize(
    ("amounts", "message", "field"),
    [
        (
            ("100000.00", "50000.00", "0.00", "40000.00"),
            "The plan does not add up: regional share, loan and own funds make 90.000,00 EUR, the cost is "
            "100.000,00 EUR.",
            "cost",
        ),
        (("100000.00", "60000.00", "0.00", "50000.00"), "The plan does not add up", "cost"),
        (("0", "0", "0", "0"), "Give an amount above zero.", "cost"),
        (("100000.00", "-50000", "100000", "50000"), "Give an amount of zero or more.", "regional_share"),
        (("100000.00", "50000", "", "50000"), "Enter an amount", "loan_amount"),
    ],
)
def test_a_plan_that_does_not_add_up_is_refused_and_nothing_is_stored(
    commune_joined, domains, finance_officer, amounts, message, field
):
    with pytest.raises(InvalidInput) as refused:
        plan(finance_officer, commune_joined, domains["crm"], *amounts)
    assert str(refused.value).startswith(message) and field in refused.value.extra["fields"]
    assert WePulseFinancingPlan.objects.count() == 0
    assert not AuditRecord.objects.filter(action="wepulse_plan_set").exists()


def test_the_social_domain_is_for_cpas_only(commune_joined, cpas_joined, domains, finance_officer, paradigm_line):
    with pytest.raises(InvalidInput, match=re.escape("is for CPAS only: Commune d'Anderlecht is not a CPAS.")):
        plan(finance_officer, commune_joined, domains["social"])
    assert plan(finance_officer, cpas_joined, domains["social"]).domain == domains["social"]
    with pytest.raises(InvalidInput, match="is for CPAS only"):
        transfer(
            finance_officer,
            paradigm_line,
            key="t",
            purpose="investments",
            participant_id=commune_joined.pk,
            domain_id=domains["social"].pk,
        )
    assert WePulseFinancingPlan.objects.count() == 1 and ParadigmTransfer.objects.count() == 0


def test_only_a_participant_that_joined_has_plans_and_it_cannot_leave_while_it_has_some(
    programme, commune, domains, finance_officer
):
    participant = services.wepulse_participant_set(
        actor=finance_officer, programme_id=programme.pk, organisation_id=commune.pk, joined=False
    )
    with pytest.raises(InvalidInput, match="has not joined We Pulse"):
        plan(finance_officer, participant, domains["crm"])
    join(programme, commune, finance_officer)
    saved = plan(finance_officer, participant, domains["crm"])
    with pytest.raises(TransitionNotAllowed, match="has financing plans"):
        services.wepulse_participant_set(
            actor=finance_officer, programme_id=programme.pk, organisation_id=commune.pk, joined=False
        )
    assert WePulseParticipant.objects.get().joined is True
    services.financing_plan_remove(actor=finance_officer, plan_id=saved.pk)
    assert AuditRecord.objects.filter(action="wepulse_plan_removed").count() == 1
    services.wepulse_participant_set(
        actor=finance_officer, programme_id=programme.pk, organisation_id=commune.pk, joined=False
    )
    assert WePulseParticipant.objects.get().joined_on is None


def test_the_attribution_of_a_transfer_is_checked(commune_joined, domains, programme, finance_officer, paradigm_line):
    with pytest.raises(InvalidInput, match="Only a transfer for investments is attributed"):
        transfer(finance_officer, paradigm_line, key="a", purpose="steering", participant_id=commune_joined.pk)
    outsider = services.wepulse_participant_set(
        actor=finance_officer, programme_id=programme.pk, organisation_id=OrganisationFactory().pk, joined=False
    )
    with pytest.raises(InvalidInput, match="has not joined We Pulse"):
        transfer(finance_officer, paradigm_line, key="b", purpose="investments", participant_id=outsider.pk)
    with pytest.raises(InvalidInput, match="Choose a domain of the programme"):
        transfer(finance_officer, paradigm_line, key="c", purpose="investments", domain_id=987654)
    made = transfer(finance_officer, paradigm_line, key="d", purpose="investments", participant_id=commune_joined.pk)
    assert made.programme == programme  # the authority names the programme
    with pytest.raises(TransitionNotAllowed, match="Transfers to Paradigm are attributed"):
        services.wepulse_participant_set(
            actor=finance_officer,
            programme_id=programme.pk,
            organisation_id=commune_joined.organisation_id,
            joined=False,
        )


def test_only_finance_officers_manage_participants_and_plans(commune_joined, domains, programme, auditor, commune):
    with pytest.raises(NotPermitted, match="Only finance officers record the We Pulse participants"):
        plan(auditor, commune_joined, domains["crm"])
    with pytest.raises(NotPermitted):
        join(programme, commune, auditor)
    assert WePulseFinancingPlan.objects.count() == 0


# Dashboard figures -----------------------------------------------------------------------------------------------


def _wepulse_data(programme, domains, officer, line, *, authorities: int, tag: str):
    """`authorities` communes that joined, each with two plans and an attributed transfer; one CPAS likewise."""
    for index in range(authorities):
        participant = join(programme, OrganisationFactory(code=f"commune-{tag}-{index}"), officer)
        plan(officer, participant, domains["crm"], "100000", "50000", "0", "50000")
        plan(officer, participant, domains["finance"], "80000", "40000", "0", "40000")
        transfer(
            officer, line, key=f"{tag}{index}", amount="1000.00", purpose="investments",
            participant_id=participant.pk, domain_id=domains["crm"].pk,
        )  # fmt: skip
    cpas = join(programme, OrganisationFactory(code=f"cpas-{tag}", kind="cpas"), officer)
    plan(officer, cpas, domains["social"], "30000", "10000", "0", "20000")


def test_the_dashboard_sums_equal_the_database_per_authority_and_domain(
    programme, domains, finance_officer, paradigm_line
):
    _wepulse_data(programme, domains, finance_officer, paradigm_line, authorities=3, tag="a")
    transfer(
        finance_officer, paradigm_line, key="free", amount="500.00", purpose="investments", programme_id=programme.pk
    )
    transfer(
        finance_officer,
        paradigm_line,
        key="dom",
        amount="70.00",
        purpose="investments",
        domain_id=domains["hr-soft"].pk,
    )
    transfer(finance_officer, paradigm_line, key="steer", amount="3950000.00", programme_id=programme.pk)
    transfer(finance_officer, paradigm_line, key="elsewhere", amount="99.00")  # not for the programme
    dashboard = wepulse_dashboard(programme)
    plans = WePulseFinancingPlan.objects.aggregate(
        cost=Sum("cost"), regional=Sum("regional_share"), loan=Sum("loan_amount"), own=Sum("own_funds")
    )
    assert (dashboard.total.cost, dashboard.total.regional, dashboard.total.own) == (
        plans["cost"], plans["regional"], plans["own"]
    )  # fmt: skip
    investments = ParadigmTransfer.objects.filter(programme=programme, purpose=TransferPurpose.INVESTMENTS)
    assert dashboard.total.actual_regional == investments.aggregate(total=Sum("amount"))["total"] == Decimal("3570.00")
    assert dashboard.steering == Decimal("3950000.00")
    assert dashboard.regional_without_authority == Decimal("570.00")
    assert dashboard.regional_without_domain == Decimal("500.00")
    assert (dashboard.joined_communes, dashboard.joined_cpas) == (3, 1)
    per_authority = sum((a.financing.actual_regional for a in dashboard.authorities), Decimal("0"))
    assert per_authority + dashboard.regional_without_authority == dashboard.total.actual_regional
    per_domain = sum((d.financing.actual_regional for d in dashboard.by_domain), Decimal("0"))
    assert per_domain + dashboard.regional_without_domain == dashboard.total.actual_regional
    for row in dashboard.by_domain:
        in_db = WePulseFinancingPlan.objects.filter(domain=row.domain).aggregate(total=Sum("cost"))["total"] or 0
        assert row.financing.cost == in_db
    crm = next(d for d in dashboard.by_domain if d.domain.code == "crm")
    assert crm.financing.actual_regional == Decimal("3000.00")
    first = dashboard.authorities[0]
    assert first.plan_for(domains["crm"]).financing.actual_regional == Decimal("1000.00")
    assert first.plan_for(domains["social"]) is None
    chart = dashboard.charts["domains"]
    assert [row.name for row in chart.rows] == [d.domain.name for d in dashboard.by_domain]
    assert all(len(row.label) <= 32 for row in chart.rows)
    assert max(sum(s.width for s in row.planned) for row in chart.rows) <= chart.width - chart.label_width


def test_the_dashboard_reads_in_a_fixed_number_of_queries(programme, domains, finance_officer, paradigm_line):
    _wepulse_data(programme, domains, finance_officer, paradigm_line, authorities=1, tag="few")
    with CaptureQueriesContext(connection) as few:
        wepulse_dashboard(programme)
    _wepulse_data(programme, domains, finance_officer, paradigm_line, authorities=12, tag="many")
    with CaptureQueriesContext(connection) as many:
        dashboard = wepulse_dashboard(programme)
        [a.participant.organisation.name for a in dashboard.authorities]
    assert len(many) == len(few) <= 5
    with CaptureQueriesContext(connection) as figures:
        transfer_figures()
    assert len(figures) == 2


def test_the_loan_actual_follows_the_linked_loans_paid_drawdowns(
    programme, commune_loan, commune, signatory, loan_analyst, finance_officer, domains
):
    participant = join(programme, commune, finance_officer)
    linked = plan(
        finance_officer, participant, domains["crm"], "400000", "100000", "250000", "50000", loan_id=commune_loan.pk
    )
    assert linked.loan == commune_loan

    def loan_drawn():
        return wepulse_dashboard(programme).authorities[0].financing.actual_loan

    drawdown = drawdown_request(
        actor=signatory,
        loan_id=commune_loan.pk,
        amount="120000.00",
        invoices=[InvoiceIn(reference="F-1", amount="120000.00", upload=pdf("invoice.pdf"))],
    )
    drawdown = drawdown_approve(actor=loan_analyst, drawdown_id=drawdown.pk)
    assert loan_drawn() == Decimal("0.00")  # approved is not paid
    payable_mark_paid(actor=finance_officer, payable_id=drawdown.payable_id, paid_on=days_ago(3))
    drawdown.refresh_from_db()
    assert drawdown.status == DrawdownStatus.PAID
    assert loan_drawn() == Decimal("120000.00")
    dashboard = wepulse_dashboard(programme)
    assert dashboard.total.actual_loan == Decimal("120000.00")
    assert next(d for d in dashboard.by_domain if d.domain.code == "crm").financing.actual_loan == Decimal("120000.00")


def test_a_linked_loan_must_be_the_authoritys_free_and_cover_the_loan_share(
    programme, commune_loan, commune, other_commune, finance_officer, domains
):
    participant = join(programme, commune, finance_officer)
    other = join(programme, other_commune, finance_officer)
    with pytest.raises(InvalidInput, match=re.escape("Choose a loan of Commune de Schaerbeek.")):
        plan(finance_officer, other, domains["crm"], "400000", "100000", "250000", "50000", loan_id=commune_loan.pk)
    with pytest.raises(InvalidInput, match="the loan share must be above zero and at most the amount granted"):
        plan(
            finance_officer, participant, domains["crm"], "900000", "100000", "750000", "50000", loan_id=commune_loan.pk
        )
    with pytest.raises(InvalidInput, match="the loan share must be above zero"):
        plan(finance_officer, participant, domains["crm"], "100000", "50000", "0", "50000", loan_id=commune_loan.pk)
    plan(finance_officer, participant, domains["crm"], "400000", "100000", "250000", "50000", loan_id=commune_loan.pk)
    with pytest.raises(InvalidInput, match=re.escape("This loan already finances another plan.")):
        plan(
            finance_officer, participant, domains["finance"], "300000", "0", "250000", "50000", loan_id=commune_loan.pk
        )
    assert WePulseFinancingPlan.objects.count() == 1


def test_the_database_refuses_a_plan_that_does_not_add_up(commune_joined, domains, finance_officer):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        WePulseFinancingPlan.objects.create(
            participant=commune_joined,
            domain=domains["crm"],
            cost=Decimal("0.30"),
            regional_share=Decimal("0.10"),
            loan_amount=Decimal("0.10"),
            own_funds=Decimal("0.05"),
            updated_by=finance_officer,
        )
    exact = WePulseFinancingPlan.objects.create(
        participant=commune_joined,
        domain=domains["crm"],
        cost=Decimal("0.30"),
        regional_share=Decimal("0.10"),
        loan_amount=Decimal("0.20"),
        own_funds=Decimal("0.00"),
        updated_by=finance_officer,
    )
    assert exact.pk


# Seed -------------------------------------------------------------------------------------------------------------


def test_the_seed_makes_the_programme_and_the_2022_transfer_once(commune, cpas_ixelles):
    UserFactory(email="finance.officer@bpl.demo", roles=["finance_officer"])
    seed_programmes()
    seed_programmes()
    transfer_2022 = ParadigmTransfer.objects.get(budget_year=2022)
    assert transfer_2022.purpose == "steering" and transfer_2022.amount == Decimal("3950000.00")
    assert transfer_2022.attachments.count() == 1
    (year,) = [y for y in transfer_figures() if y.year == 2022]
    assert year.purposes[0].planned == Decimal("4000000.00")
    dashboard = wepulse_dashboard(transfer_2022.programme)
    assert [d.code for d in dashboard.domains] == ["crm", "hr-hard", "hr-soft", "finance", "social"]
    assert [d.cpas_only for d in dashboard.domains] == [False, False, False, False, True]
    assert (dashboard.programme.start_year, dashboard.programme.end_year) == (2021, 2025)
    assert WePulseParticipant.objects.filter(joined=True).count() == 2  # the two seeded here of the demo's list
    assert ParadigmTransfer.objects.count() == 2
