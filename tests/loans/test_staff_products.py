"""The staff pages of loan products: create with every term, the version page, edit a draft, publish (every problem
listed), new version; who may see and who may act."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.models import AuditRecord
from core.roles import StaffRole
from finance.models import Envelope
from loans.models import LoanProduct, LoanProductVersion, ProductStatus
from loans.seed import sports_loan_fields
from tests.factories import UserFactory
from tests.factories.grants import BudgetLineFactory

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(f"staff:loans:products:{name}", args=args)


def local(moment: dt.datetime) -> str:
    return moment.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def form_data(db) -> dict:
    fields = sports_loan_fields(now=timezone.now())
    return {
        "code": "sport",
        "title_fr": fields["title_fr"],
        "title_nl": fields["title_nl"],
        "text_fr": fields["text_fr"],
        "text_nl": fields["text_nl"],
        "kind": "collective_interest",
        "legal_basis_fr": fields["legal_basis_fr"],
        "legal_basis_nl": fields["legal_basis_nl"],
        "decree_date": "01/01/2021",
        "budget_line": BudgetLineFactory(code="21.002.42.01.8511").pk,
        "envelope": "50.000.000,00",
        "eligible_kinds": ["commune"],
        "opens_at": local(fields["opens_at"]),
        "closes_at": local(fields["closes_at"]),
        "term_months": "240",
        "rate": "1,5",
        "frequency": "annual",
        "method": "annuity",
        "day_count": "30/360",
        "grace_principal_periods": "0",
        "grace_interest_periods": "0",
        "due_date_rule": "anniversary",
        "max_drawdowns": "4",
        "last_drawdown_date": fields["last_drawdown_date"].strftime("%d/%m/%Y"),
        "late_interest_rate": "4",
        "prepayment_rule": "shorten_term",
        "allocation_order": "late_interest,interest,principal",
        "max_financing_rate": "100",
        "min_depreciation_years": "20",
        "uses_borrowing_capacity": "on",
        "notice_days": "30",
        "required_documents": json.dumps(fields["required_documents"]),
        "checklist": json.dumps(fields["checklist"]),
    }


def draft(**overrides) -> LoanProductVersion:
    fields = {**sports_loan_fields(now=timezone.now()), **overrides}
    product = LoanProduct.objects.create(code=fields.pop("code", "sport"))
    return LoanProductVersion.objects.create(
        product=product, number=1, budget_line=BudgetLineFactory(code="21.002.42.01.8511"), **fields
    )


def test_a_loan_analyst_creates_a_product_with_every_term(staff_client, loan_analyst, form_data):
    client = staff_client(loan_analyst)
    assert client.get(url("create")).status_code == 200
    response = client.post(url("create"), form_data)
    assert response.status_code == 302
    version = LoanProductVersion.objects.select_related("product").get(product__code="sport")
    assert response["Location"] == url("version", version.product_id, 1)
    assert version.status == ProductStatus.DRAFT
    assert version.rate == Decimal("0.015000") and version.late_interest_rate == Decimal("0.040000")
    assert version.envelope == Decimal("50000000.00") and version.max_financing_rate == Decimal("1.000000")
    assert version.term_months == 240 and version.periods == 20 and version.max_drawdowns == 4
    assert version.allocation_order == ["late_interest", "interest", "principal"]
    assert version.decree_date == dt.date(2021, 1, 1) and version.uses_borrowing_capacity is True
    assert version.checklist == sports_loan_fields(now=timezone.now())["checklist"]
    assert AuditRecord.objects.filter(action="loan_product_created", actor=loan_analyst).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Ordonnance du 8 avril 1993, art. 2, § 4" in page  # the legal basis, in both languages
    assert "Ordonnantie van 8 april 1993, art. 2, § 4" in page
    assert "50.000.000,00 EUR" in page and "1,5 %" in page and "240 months (20 instalments)" in page
    assert "Délibération du conseil communal" in page  # a required document, in French for an English reader


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"rate": "0"}, "The rate must be above zero."),
        ({"rate": "-1"}, "Enter a percentage between 0 and 100"),
        ({"term_months": "0"}, "The term must be at least one month."),
        ({"term_months": "250"}, "The term (250 months) must be a whole number of payment periods of 12 months."),
        (
            {"grace_principal_periods": "1", "grace_interest_periods": "2"},
            "The grace on interest cannot be longer than the grace on principal.",
        ),
        ({"grace_principal_periods": "20"}, "The grace on principal must leave at least one period to repay."),
        ({"envelope": "0"}, "The envelope must be above zero."),
        (
            {"checklist": json.dumps([{"code": "borrower", "label": {"fr": "Une commune"}}])},
            "Checklist item borrower needs a French and a Dutch label.",
        ),
        ({"required_documents": "[{'code': 'x'}]"}, "This is not valid JSON (line 1, column 3)"),
    ],
)
def test_terms_that_make_no_schedule_are_refused_on_their_field(staff_client, loan_analyst, form_data, changes, shown):
    form_data.update(changes)
    response = staff_client(loan_analyst).post(url("create"), form_data)
    assert response.status_code == 400
    page = response.content.decode()
    assert shown in page
    assert "Some fields need your attention: nothing was saved." in page
    assert not LoanProduct.objects.exists()
    assert not AuditRecord.objects.exists()


def test_a_code_used_already_is_refused_by_the_service(staff_client, loan_analyst, form_data):
    draft(code="sport")
    response = staff_client(loan_analyst).post(url("create"), form_data)
    assert response.status_code == 400
    assert "A loan product with this code exists already." in response.content.decode()
    assert LoanProduct.objects.count() == 1


def test_a_draft_is_edited_and_a_published_version_is_not(staff_client, loan_analyst, form_data):
    version = draft()
    client = staff_client(loan_analyst)
    page = client.get(url("edit", version.product_id, 1)).content.decode()
    assert "50.000.000,00" in page and 'value="1,5"' in page  # amounts and rates as they are typed
    del form_data["code"]
    form_data.update(rate="2,25", term_months="120")
    assert client.post(url("edit", version.product_id, 1), form_data).status_code == 302
    version.refresh_from_db()
    assert version.rate == Decimal("0.022500") and version.term_months == 120

    LoanProductVersion.objects.filter(pk=version.pk).update(status=ProductStatus.PUBLISHED)
    response = client.post(url("edit", version.product_id, 1), {**form_data, "rate": "9"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.rate == Decimal("0.022500")


def test_publishing_lists_every_problem_and_publishes_nothing(staff_client, loan_analyst, loan_process):
    closes = timezone.now() + dt.timedelta(days=60)
    version = draft(
        term_months=250,
        grace_principal_periods=1,
        grace_interest_periods=2,
        closes_at=closes,
        last_drawdown_date=closes.date() - dt.timedelta(days=1),
        checklist=[{"code": "borrower", "label": {"fr": "Une commune", "nl": ""}}],
    )
    response = staff_client(loan_analyst).post(url("publish", version.product_id, 1))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The loan product cannot be published yet: 4 problem(s)." in page
    assert "The term (250 months) must be a whole number of payment periods of 12 months." in page
    assert "The grace on interest cannot be longer than the grace on principal." in page
    assert "The last drawdown date cannot come before applications close." in page
    assert "Checklist item borrower needs a French and a Dutch label." in page
    assert "Nothing was published: the version is still a draft." in page
    version.refresh_from_db()
    assert version.status == ProductStatus.DRAFT and not version.process_pin
    assert not Envelope.objects.exists()


def test_publishing_pins_the_process_and_opens_the_envelope_then_a_new_version_is_a_draft(
    staff_client, loan_analyst, loan_process
):
    version = draft()
    client = staff_client(loan_analyst)
    assert client.post(url("publish", version.product_id, 1)).status_code == 302
    version.refresh_from_db()
    assert version.status == ProductStatus.PUBLISHED and version.process_pin == "frbrtc_loan@1"
    assert Envelope.objects.get(code="loan-sport").amount == Decimal("50000000.00")
    page = client.get(url("version", version.product_id, 1)).content.decode()
    assert "frbrtc_loan@1" in page and "Make a new version" in page

    response = client.post(url("new_version", version.product_id))
    assert response.status_code == 302 and response["Location"] == url("version", version.product_id, 2)
    copy = LoanProductVersion.objects.get(product=version.product, number=2)
    assert copy.status == ProductStatus.DRAFT and copy.rate == version.rate and copy.checklist == version.checklist


def test_the_list_shows_each_product_with_its_newest_version(staff_client, auditor):
    version = draft(title_nl="Leningen voor sportinfrastructuur")
    client = staff_client(auditor)
    with translation.override("nl"):
        page = client.get(url("index", language="nl")).content.decode()
    assert "Leningen voor sportinfrastructuur" in page and "50.000.000,00 EUR" in page
    assert client.get(url("detail", version.product_id)).status_code == 302
    assert client.get(url("detail", 999)).status_code == 404


def test_who_may_see_and_who_may_prepare(staff_client, client, finance_officer, commune_editor, form_data):
    assert staff_client(finance_officer).get(url("index")).status_code == 200  # a reader
    assert staff_client(finance_officer).get(url("create")).status_code == 403  # but not a preparer
    assert staff_client(finance_officer).post(url("create"), form_data).status_code == 403
    reviewer = UserFactory(roles=[StaffRole.REVIEWER])
    assert staff_client(reviewer).get(url("index")).status_code == 403
    client.force_login(commune_editor)
    assert client.get(url("index")).status_code == 403  # a commune's editor never enters the staff site
    assert not LoanProduct.objects.exists()


def test_the_list_runs_a_fixed_number_of_queries(staff_client, auditor, django_assert_max_num_queries):
    client = staff_client(auditor)
    draft(code="p1")
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("index")).status_code == 200
    for number in range(2, 13):
        draft(code=f"p{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("index")).content.decode()
    assert "p12" in page
