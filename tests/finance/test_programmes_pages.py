"""The staff pages of Paradigm transfers and We Pulse: recording and correcting a transfer with documents, the totals
against the plan, downloads through a permission check, the dashboard with its charts, participants and financing
plans; refusals shown with nothing stored, and a fixed number of queries whatever the amount of data."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from finance.models import ParadigmAttachment, ParadigmPlan, ParadigmTransfer, WePulseFinancingPlan
from finance.services import programmes as services
from tests.factories import OrganisationFactory
from tests.finance.fixtures_programmes import *  # noqa: F403
from tests.finance.fixtures_programmes import PDF, PNG, join, pdf, plan, transfer

pytestmark = pytest.mark.django_db


def url(name: str, *args, **kwargs) -> str:
    with translation.override("en"):
        return reverse(f"staff:finance:{name}", args=args, kwargs=kwargs)


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def transfer_post(paradigm_line, **changes) -> dict:
    return {
        "token": "tok-1",
        "date": "2022-06-30",
        "amount": "3.950.000,00",
        "budget_year": "2022",
        "budget_line": str(paradigm_line.pk),
        "purpose": "steering",
        "decision_reference": "AGRBC 2022/0611",
        "description": "Pilotage du programme",
        **changes,
    }


def test_a_finance_officer_records_a_transfer_with_its_documents(
    staff_client, finance_officer, paradigm_line, programme
):
    client = staff_client(finance_officer)
    form = client.get(url("paradigm:create")).content.decode()
    assert 'name="token"' in form and paradigm_line.code in form and 'enctype="multipart/form-data"' in form
    data = transfer_post(paradigm_line, programme=str(programme.pk), attachments=[pdf("arrete.pdf")])
    response = client.post(url("paradigm:create"), data)
    recorded = ParadigmTransfer.objects.get()
    assert response.status_code == 302 and response["Location"] == url("paradigm:detail", recorded.pk)
    assert recorded.amount == Decimal("3950000.00") and recorded.programme == programme
    page = client.get(url("paradigm:detail", recorded.pk)).content.decode()
    for shown in ("3.950.000,00 EUR", "AGRBC 2022/0611", "arrete.pdf", "Programme steering and management"):
        assert shown in page
    document = recorded.attachments.get()
    download = client.get(url("paradigm:download", document.pk))
    assert download.status_code == 200 and content(download) == PDF
    assert download["Content-Disposition"].startswith("attachment") and download["Cache-Control"] == "private, no-store"
    # The same form posted again (a double click) records nothing more.
    again = transfer_post(paradigm_line, attachments=[pdf("arrete.pdf")])
    assert client.post(url("paradigm:create"), again).status_code == 302
    assert ParadigmTransfer.objects.count() == 1 and ParadigmAttachment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"amount": "0"}, "Give an amount above zero."),
        ({"amount": "-10"}, "Give an amount above zero."),
        ({"budget_line": "99999"}, "Choose a budget line of the budget."),
        ({"decision_reference": ""}, "Give the reference of the decision the transfer executes."),
        ({"attachments": [SimpleUploadedFile("arrete.pdf", PNG)]}, "does not match its name (arrete.pdf)"),
    ],
)
def test_a_refused_transfer_shows_why_and_nothing_is_stored(
    staff_client, finance_officer, paradigm_line, changes, shown
):
    response = staff_client(finance_officer).post(url("paradigm:create"), transfer_post(paradigm_line, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert shown in page and "Nothing was recorded." in page
    assert ParadigmTransfer.objects.count() == 0 and ParadigmAttachment.objects.count() == 0


def test_the_list_shows_totals_per_year_against_the_plan(staff_client, finance_officer, paradigm_line):
    transfer(finance_officer, paradigm_line, key="a", amount="2000000.00")
    transfer(finance_officer, paradigm_line, key="b", amount="1950000.00")
    client = staff_client(finance_officer)
    response = client.post(url("paradigm:plan"), {"year": "2022", "purpose": "steering", "amount": "4.000.000,00"})
    assert response.status_code == 302 and ParadigmPlan.objects.get().amount == Decimal("4000000.00")
    page = client.get(url("paradigm:index")).content.decode()
    row = page[page.index('id="year-2022-steering"') :].split("</tr>")[0]
    assert "4.000.000,00 EUR" in row and "3.950.000,00 EUR" in row and "-50.000,00 EUR" in row
    assert "not planned" in page[page.index('id="year-2022-investments"') :].split("</tr>")[0]
    refused = client.post(url("paradigm:plan"), {"year": "2022", "purpose": "steering", "amount": "-5"})
    assert refused.status_code == 400 and "Give an amount of zero or more." in refused.content.decode()
    assert ParadigmPlan.objects.get().amount == Decimal("4000000.00")


def test_a_correction_on_the_page_replaces_the_transfer(staff_client, finance_officer, paradigm_line):
    old = transfer(finance_officer, paradigm_line, key="a", amount="100000.00", attachments=[pdf("a.pdf")])
    client = staff_client(finance_officer)
    form = client.get(url("paradigm:correct", old.pk)).content.decode()
    assert 'value="100000.00"' in form and "AGRBC 2022/a" in form
    data = transfer_post(paradigm_line, token="tok-2", amount="120000,00", reason="Wrong amount")
    response = client.post(url("paradigm:correct", old.pk), data)
    new = ParadigmTransfer.objects.get(replaces=old)
    assert response.status_code == 302 and response["Location"] == url("paradigm:detail", new.pk)
    page = client.get(url("paradigm:detail", old.pk)).content.decode()
    assert "This transfer was corrected: it is no longer counted." in page
    assert url("paradigm:correct", old.pk) not in page
    listing = client.get(url("paradigm:index")).content.decode()
    assert "<s>100.000,00 EUR</s>" in listing and "120.000,00 EUR" in listing


def test_an_auditor_reads_everything_and_can_record_nothing(
    staff_client, finance_officer, auditor, paradigm_line, commune_joined, domains
):
    recorded = transfer(finance_officer, paradigm_line, key="a", attachments=[pdf("a.pdf")])
    document = recorded.attachments.get()
    client = staff_client(auditor)
    for name, args in (
        ("paradigm:index", ()),
        ("paradigm:detail", (recorded.pk,)),
        ("wepulse:index", ()),
        ("wepulse:participants", ()),
        ("wepulse:authority", (commune_joined.organisation_id,)),
    ):
        response = client.get(url(name, *args))
        assert response.status_code == 200, name
        assert url("paradigm:create") not in response.content.decode()
    assert content(client.get(url("paradigm:download", document.pk))) == PDF
    assert client.get(url("paradigm:create")).status_code == 403
    assert client.post(url("paradigm:create"), transfer_post(paradigm_line)).status_code == 403
    assert client.post(url("paradigm:plan"), {"year": "2022", "purpose": "steering", "amount": "1"}).status_code == 403
    assert client.post(url("paradigm:attachments", recorded.pk), {"attachments": [pdf()]}).status_code == 403
    org = commune_joined.organisation_id
    plan_data = {"cost": "10", "regional_share": "10", "loan_amount": "0", "own_funds": "0"}
    assert client.post(url("wepulse:plan", org, domains["crm"].pk), plan_data).status_code == 403
    assert client.post(url("wepulse:participation", org), {"joined": "on"}).status_code == 403
    assert ParadigmTransfer.objects.count() == 1 and ParadigmPlan.objects.count() == 0
    assert recorded.attachments.count() == 1 and WePulseFinancingPlan.objects.count() == 0


def test_people_outside_finance_get_neither_pages_nor_documents(
    staff_client, client, finance_officer, loan_analyst, commune_editor, paradigm_line, programme
):
    document = transfer(finance_officer, paradigm_line, key="a", attachments=[pdf()]).attachments.get()
    analyst = staff_client(loan_analyst)
    for target in (url("paradigm:index"), url("wepulse:index"), url("paradigm:download", document.pk)):
        assert analyst.get(target).status_code == 403
    client.force_login(commune_editor)
    response = client.get(url("paradigm:download", document.pk))
    assert response.status_code == 403 and PDF not in content(response)


def test_the_dashboard_shows_the_figures_and_an_inline_chart(
    staff_client, auditor, finance_officer, paradigm_line, commune_joined, cpas_joined, domains, programme
):
    plan(finance_officer, commune_joined, domains["crm"], "600000", "300000", "200000", "100000")
    plan(finance_officer, cpas_joined, domains["social"], "520000", "260000", "160000", "100000")
    transfer(
        finance_officer, paradigm_line, key="i", amount="150000.00", year=2023, purpose="investments",
        participant_id=commune_joined.pk, domain_id=domains["crm"].pk,
    )  # fmt: skip
    transfer(finance_officer, paradigm_line, key="s", amount="3950000.00", programme_id=programme.pk)
    page = staff_client(auditor).get(url("wepulse:index")).content.decode()
    assert "1 communes and 1 CPAS" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 2  # inline, one per chart
    assert "<rect" in page[page.index('id="chart-domains"') :]
    total = page[page.index('id="total-cost"') :].split("</tr>")[0]
    assert "1.120.000,00 EUR" in total
    assert "3.950.000,00 EUR" in page[page.index('id="total-steering"') :].split("</tr>")[0]
    crm = page[page.index('id="domain-crm"') :].split("</tr>")[0]
    assert "600.000,00 EUR" in crm and "150.000,00 EUR" in crm
    anderlecht = page[page.index('id="authority-commune-anderlecht"') :].split("</tr>")[0]
    assert "Commune d&#x27;Anderlecht" in anderlecht and "01/03/2021" in anderlecht
    assert "Dossiers sociaux (CPAS)" in page and "Loan drawn" in page


def test_the_authority_page_records_joining_and_plans(staff_client, finance_officer, programme, commune, domains):
    client = staff_client(finance_officer)
    page = client.get(url("wepulse:authority", commune.pk)).content.decode()
    assert "Not recorded" in page and "Dossiers sociaux" not in page  # no social domain for a commune
    refused = client.post(url("wepulse:participation", commune.pk), {"joined": "on", "joined_on": ""})
    assert refused.status_code == 400 and "Give the date the authority joined" in refused.content.decode()
    joined = client.post(url("wepulse:participation", commune.pk), {"joined": "on", "joined_on": "2021-03-15"})
    assert joined.status_code == 302
    target = url("wepulse:plan", commune.pk, domains["crm"].pk)
    bad = {"cost": "100.000,00", "regional_share": "50000", "loan_amount": "0", "own_funds": "40000"}
    response = client.post(target, bad)
    assert response.status_code == 400
    assert (
        "The plan does not add up: regional share, loan and own funds make 90.000,00 EUR, the cost is 100.000,00 EUR."
        in (response.content.decode())
    )
    assert WePulseFinancingPlan.objects.count() == 0
    good = {**bad, "own_funds": "50.000,00"}
    assert client.post(target, good).status_code == 302
    page = client.get(url("wepulse:authority", commune.pk)).content.decode()
    assert "Yes, on 15/03/2021" in page and "100.000,00 EUR" in page
    assert client.post(url("wepulse:plan_remove", commune.pk, domains["crm"].pk)).status_code == 302
    assert WePulseFinancingPlan.objects.count() == 0
    zone = OrganisationFactory(kind="police_zone")
    assert client.get(url("wepulse:authority", zone.pk)).status_code == 404


def _many(programme, domains, officer, line, tag: str, count: int) -> None:
    for index in range(count):
        participant = join(programme, OrganisationFactory(code=f"commune-{tag}{index}"), officer)
        plan(officer, participant, domains["crm"])
        transfer(
            officer, line, key=f"{tag}{index}", purpose="investments", participant_id=participant.pk,
            attachments=[pdf(f"{tag}{index}.pdf")],
        )  # fmt: skip
        services.plan_set(actor=officer, year=2000 + index, purpose="steering", amount="1")


def queries(client, target: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(target).status_code == 200
    return len(captured)


def test_lists_and_dashboards_run_a_fixed_number_of_queries(
    staff_client, finance_officer, paradigm_line, programme, domains, commune_joined, django_assert_max_num_queries
):
    client = staff_client(finance_officer)
    _many(programme, domains, finance_officer, paradigm_line, "few", 1)
    targets = [
        url("paradigm:index"),
        url("wepulse:index"),
        url("wepulse:participants"),
        url("wepulse:authority", commune_joined.organisation_id),
    ]
    few = {target: queries(client, target) for target in targets}
    _many(programme, domains, finance_officer, paradigm_line, "many", 15)
    for target in targets:
        with django_assert_max_num_queries(few[target]):
            assert client.get(target).status_code == 200


def test_the_transfer_form_offers_the_participants_and_domains(
    staff_client, finance_officer, paradigm_line, commune_joined, domains
):
    page = staff_client(finance_officer).get(url("paradigm:create")).content.decode()
    assert f'value="{commune_joined.pk}"' in page and "Commune d&#x27;Anderlecht" in page
    assert all(domain.name_fr.replace("'", "&#x27;") in page for domain in domains.values())
    data = transfer_post(
        paradigm_line,
        purpose="investments",
        participant=str(commune_joined.pk),
        domain=str(domains["social"].pk),
    )
    response = staff_client(finance_officer).post(url("paradigm:create"), data)
    assert response.status_code == 400 and "is for CPAS only" in response.content.decode()
    assert not ParadigmTransfer.objects.exists()
