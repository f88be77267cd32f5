"""The open loan products on the portal: the list, a product's page with its terms and each organisation's borrowing
capacity, the home page, and starting an application.

Messages are checked on /en/ pages (English is the source text, so these assertions hold once the catalogues are
translated); French and Dutch pages are checked with the product's own texts, which are data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import MembershipRole
from loans.models import LoanApplication, ProductStatus
from tests.factories import MembershipFactory
from tests.factories.grants import CallVersionFactory
from tests.loans.fixtures import publish_sports_product

pytestmark = pytest.mark.django_db

TITLE_FR = "Prêts pour les infrastructures sportives communales 2022-2025"
TITLE_NL = "Leningen voor gemeentelijke sportinfrastructuur 2022-2025"


def page(response) -> str:
    return response.content.decode()


def test_the_list_shows_the_open_products_in_the_readers_language(client, sports_product):
    french = page(client.get("/fr/loan-products/"))
    dutch = page(client.get("/nl/loan-products/"))
    assert TITLE_FR in french and TITLE_NL not in french
    assert TITLE_NL in dutch and TITLE_FR not in dutch
    assert 'href="/nl/loan-products/sport2021/"' in dutch
    assert "50.000.000,00 EUR" in dutch and "1,5 %" in dutch


def test_a_draft_or_closed_product_is_not_listed_and_has_no_page(client, sports_product):
    closed = publish_sports_product(code="closed", closes_at=timezone.now() - timezone.timedelta(days=1))
    draft = publish_sports_product(code="draft")
    draft.status = ProductStatus.DRAFT
    draft.save(update_fields=["status"])
    content = page(client.get("/en/loan-products/"))
    assert "/en/loan-products/closed/" not in content and "/en/loan-products/draft/" not in content
    assert client.get("/en/loan-products/draft/").status_code == 404
    assert client.get("/en/loan-products/nothing/").status_code == 404
    # A published product past its closing date keeps its page, which says applications are closed.
    assert "Applications for this loan are not open." in page(client.get(f"/en/loan-products/{closed.product.code}/"))


def test_the_product_page_shows_text_legal_basis_and_every_term(client, sports_product):
    content = page(client.get("/en/loan-products/sport2021/"))
    for text in (
        TITLE_FR,
        "Le Fonds régional bruxellois de refinancement",
        "Ordonnance du 8 avril 1993",
        "01/01/2021",  # the decree
        "50.000.000,00 EUR",
        "Commune",  # the eligible borrowers
        "20 years",
        "1,5 % per year",
        "Annual",
        "Annuity (equal instalments)",
        "30/360",
        "Anniversary of the first drawdown",
        "at most 4 drawdowns",
        "4 % per year on what is paid late",
        "Shorten the term",
        "assets depreciated over at least 20 years",
        "Délibération du conseil communal",
        "one for each project",
        "Formulaire ministériel des projets",
        "Sign in to apply",
    ):
        assert text in content, text
    assert 'lang="fr"' in content  # French data on an English page is marked as French


def test_the_product_page_is_in_dutch_on_dutch_pages(client, sports_product):
    content = page(client.get("/nl/loan-products/sport2021/"))
    assert TITLE_NL in content and "Het Brussels Gewestelijk Herfinancieringsfonds" in content
    assert "Beslissing van de gemeenteraad" in content and "Ordonnantie van 8 april 1993" in content
    assert TITLE_FR not in content


def test_a_member_sees_the_borrowing_capacity_of_their_commune_and_may_start_an_application(
    client, sports_product, shares, commune, commune_editor
):
    client.force_login(commune_editor)
    content = page(client.get("/en/loan-products/sport2021/"))
    assert "Borrowing capacity" in content
    assert "5.000.000,00 EUR" in content  # 10 % of the 50 M envelope, nothing held yet
    assert "data-available>5.000.000,00 EUR" in content
    assert 'action="/en/loan-products/sport2021/apply/"' in content
    assert f'name="organisation" value="{commune.pk}"' in content
    assert "Start a loan application for Commune d&#x27;Anderlecht" in content


def test_a_commune_editor_starts_an_application(client, sports_product, commune, commune_editor):
    client.force_login(commune_editor)
    response = client.post("/fr/loan-products/sport2021/apply/", {"organisation": commune.pk})
    application = LoanApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fr/loan-applications/{application.pk}/"
    assert application.organisation == commune and application.created_by == commune_editor
    assert application.status == "draft" and application.product_version == sports_product
    assert 'id="application-form"' in page(client.get(response["Location"]))


def test_a_cpas_is_told_the_loan_is_for_communes_and_nothing_is_stored(client, sports_product, cpas):
    editor = MembershipFactory(organisation=cpas, role=MembershipRole.EDITOR).user
    client.force_login(editor)
    content = page(client.get("/en/loan-products/sport2021/"))
    assert "This loan is not open to organisations of the kind" in content
    assert 'name="organisation"' not in content and "data-capacity" not in content
    response = client.post("/en/loan-products/sport2021/apply/", {"organisation": cpas.pk})
    assert response.status_code == 403
    assert "This loan is not open to organisations of the kind Public social welfare centre" in page(response)
    assert not LoanApplication.objects.exists()


def test_a_viewer_or_a_stranger_may_not_start_an_application(client, sports_product, commune, other_commune_editor):
    viewer = MembershipFactory(organisation=commune, role=MembershipRole.VIEWER).user
    client.force_login(viewer)
    assert "Only an editor or a signatory of the organisation prepares its loan applications." in page(
        client.get("/en/loan-products/sport2021/")
    )
    assert client.post("/en/loan-products/sport2021/apply/", {"organisation": commune.pk}).status_code == 403
    client.force_login(other_commune_editor)
    assert client.post("/en/loan-products/sport2021/apply/", {"organisation": commune.pk}).status_code == 403
    assert client.post("/en/loan-products/sport2021/apply/", {"organisation": "x"}).status_code == 404
    assert not LoanApplication.objects.exists()


def test_starting_an_application_needs_a_sign_in(client, sports_product, commune):
    response = client.post("/en/loan-products/sport2021/apply/", {"organisation": commune.pk})
    assert response.status_code == 302 and response["Location"].startswith("/en/login/")
    assert not LoanApplication.objects.exists()


def test_the_home_page_lists_the_open_loan_products_with_the_calls(client, sports_product):
    call = CallVersionFactory(published=True)
    content = page(client.get("/nl/"))
    assert TITLE_NL in content and 'href="/nl/loan-products/sport2021/"' in content
    assert "50.000.000,00 EUR" in content
    assert call.title_nl in content and f'href="/nl/calls/{call.call.code}/"' in content  # both providers listed
    assert 'href="/nl/loan-products/"' in content  # the navigation's "Loans"


def test_the_loans_link_of_the_navigation_marks_the_current_page(client, sports_product):
    content = page(client.get("/en/loan-products/sport2021/"))
    assert '<a href="/en/loan-products/" aria-current="page">Loans</a>' in content


def test_the_products_list_costs_the_same_queries_for_1_or_6_products(
    client, sports_product, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as small:
        assert client.get("/fr/loan-products/").status_code == 200
    for number in range(5):
        publish_sports_product(code=f"extra{number}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        content = page(client.get("/fr/loan-products/"))
    assert content.count('href="/fr/loan-products/extra') == 5
