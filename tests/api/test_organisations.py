"""My organisations and their members: the portal's rules, a 404 (never a 403) for another organisation, fixed
queries, the one error body."""

import pytest

from core.models import MembershipRole
from tests.factories import BankAccountFactory, MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organisations/"


def detail(organisation) -> str:
    return f"/api/v1/organisations/{organisation.pk}/"


def members(organisation) -> str:
    return f"/api/v1/organisations/{organisation.pk}/members/"


@pytest.fixture
def account(commune):
    return BankAccountFactory(organisation=commune, iban="BE71096123456769", bic="GKCCBEBB", holder="Anderlecht")


def _codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


# --- the list -----------------------------------------------------------------------------------------------------


def test_a_member_lists_only_their_organisations(token_client, commune_editor, other_commune, account):
    response = token_client(commune_editor).get(LIST, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row == {
        "id": account.organisation.pk,
        "code": "commune-anderlecht",
        "name": "Gemeente Anderlecht",
        "kind": "commune",
        "kbo_number": "",
        "correspondence_language": "fr",
        "is_active": True,
        # As on the portal's organisation page: members read their accounts in full.
        "bank_accounts": [{"iban": "BE71096123456769", "bic": "GKCCBEBB", "holder": "Anderlecht", "is_primary": True}],
    }


def test_names_follow_accept_language(token_client, commune_editor):
    client = token_client(commune_editor)
    assert client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]["name"] == "Commune d'Anderlecht"
    assert client.get(LIST, HTTP_ACCEPT_LANGUAGE="nl").json()["results"][0]["name"] == "Gemeente Anderlecht"


def test_a_deactivated_organisation_leaves_the_list_as_on_the_portal(token_client, commune_editor, commune):
    commune.is_active = False
    commune.save()
    client = token_client(commune_editor)
    assert client.get(LIST).json()["results"] == []
    # ...but, as on the portal's organisation page, its members may still read it.
    assert client.get(detail(commune)).json()["is_active"] is False


def test_cursor_pages_and_kind_filter(token_client, commune_editor):
    for code in ("b-cpas", "c-zone"):
        MembershipFactory(user=commune_editor, organisation=OrganisationFactory(code=code, kind="cpas"))
    client = token_client(commune_editor)
    first = client.get(f"{LIST}?page_size=2").json()
    assert [row["code"] for row in first["results"]] == ["b-cpas", "c-zone"]
    assert [row["code"] for row in client.get(first["next"]).json()["results"]] == ["commune-anderlecht"]
    assert _codes(client.get(f"{LIST}?kind=commune")) == ["commune-anderlecht"]
    assert _codes(client.get(f"{LIST}?ordering=-code")) == ["commune-anderlecht", "c-zone", "b-cpas"]


def test_staff_who_see_bank_accounts_list_every_organisation(token_client, finance_officer, commune, other_commune):
    BankAccountFactory(organisation=commune)
    results = token_client(finance_officer).get(LIST).json()["results"]
    assert [row["code"] for row in results] == ["commune-anderlecht", "commune-schaerbeek"]
    assert len(results[0]["bank_accounts"]) == 1
    assert results[1]["bank_accounts"] == []


def test_staff_without_the_bank_account_permission_get_null_accounts(
    token_client, eligibility_officer, commune, account
):
    response = token_client(eligibility_officer).get(LIST)
    assert response.json()["results"][0]["bank_accounts"] is None
    assert token_client(eligibility_officer).get(detail(commune)).json()["bank_accounts"] is None


# --- one organisation ---------------------------------------------------------------------------------------------


def test_a_member_reads_their_organisation(token_client, signatory, commune, account):
    parent = OrganisationFactory(name_fr="Commune parente", name_nl="Moedergemeente")
    commune.parent = parent
    commune.kbo_number = "0207381436"
    commune.save()
    body = token_client(signatory).get(detail(commune), HTTP_ACCEPT_LANGUAGE="nl").json()
    assert body["name"] == "Gemeente Anderlecht"
    assert (body["name_fr"], body["name_nl"]) == ("Commune d'Anderlecht", "Gemeente Anderlecht")
    assert body["kbo_number"] == "0207381436"
    assert body["city"] == "Brussel"
    assert body["parent"] == {"id": parent.pk, "code": parent.code, "name": "Moedergemeente"}
    assert [a["iban"] for a in body["bank_accounts"]] == ["BE71096123456769"]


def test_another_organisation_is_a_404_like_a_missing_one(token_client, other_commune_editor, commune):
    client = token_client(other_commune_editor)
    theirs = client.get(detail(commune), HTTP_ACCEPT_LANGUAGE="en")
    missing = client.get("/api/v1/organisations/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == {"message": "No such organisation.", "extra": {}}


def test_a_non_numeric_id_is_the_api_404(token_client, commune_editor):
    response = token_client(commune_editor).get("/api/v1/organisations/commune-anderlecht/")
    assert response.status_code == 404
    assert set(response.json()) == {"message", "extra"}


# --- members ------------------------------------------------------------------------------------------------------


def test_members_with_their_roles(token_client, commune_editor, signatory, commune, other_commune_editor):
    viewer = MembershipFactory(organisation=commune, role=MembershipRole.VIEWER).user
    response = token_client(commune_editor).get(members(commune))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["user"]["email"], r["role"], r["is_admin"]) for r in rows] == [
        ("editor@anderlecht.be", "editor", False),
        ("signatory@anderlecht.be", "signatory", True),
        (viewer.email, "viewer", False),
    ]
    assert rows[0]["user"]["name"] == commune_editor.get_full_name()


def test_members_of_another_organisation_are_a_404(token_client, other_commune_editor, commune):
    response = token_client(other_commune_editor).get(members(commune), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"message": "No such organisation.", "extra": {}}
    assert token_client(other_commune_editor).get("/api/v1/organisations/999999/members/").status_code == 404


def test_staff_read_the_members(token_client, auditor, signatory, commune):
    assert [r["role"] for r in token_client(auditor).get(members(commune)).json()["results"]] == ["signatory"]


# --- authentication, token scope, methods -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["list", "detail", "members"])
def test_anonymous_callers_get_a_401(api_client, commune, path):
    url = {"list": LIST, "detail": detail(commune), "members": members(commune)}[path]
    response = api_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"message": "Authentication credentials were not provided.", "extra": {}}


@pytest.mark.parametrize("path", ["list", "detail", "members"])
def test_a_read_only_token_may_read_but_not_write(token_client, commune_editor, commune, path):
    url = {"list": LIST, "detail": detail(commune), "members": members(commune)}[path]
    client = token_client(commune_editor, "read")
    assert client.get(url).status_code == 200
    refused = client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert refused.json()["message"] == "This token is read-only."


def test_writing_is_not_allowed_even_with_a_write_token(token_client, commune_editor, commune):
    response = token_client(commune_editor, "write").delete(detail(commune))
    assert response.status_code == 405
    assert response.json()["extra"] == {"code": "method_not_allowed"}


def test_a_session_works_too(client, commune_editor, commune):
    client.force_login(commune_editor)
    assert client.get(members(commune)).status_code == 200


# --- fixed query counts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 20])
def test_list_queries_do_not_grow_with_the_page(token_client, commune_editor, django_assert_max_num_queries, page_size):
    for _ in range(20):
        organisation = OrganisationFactory()
        MembershipFactory(user=commune_editor, organisation=organisation)
        BankAccountFactory.create_batch(2, organisation=organisation, is_primary=False)
    client = token_client(commune_editor)
    # token (1) + last use (1) + organisations (1) + the caller's memberships (1) + bank accounts (1)
    with django_assert_max_num_queries(5):
        response = client.get(f"{LIST}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 20])
def test_staff_list_queries_do_not_grow_with_the_page(
    token_client, finance_officer, django_assert_max_num_queries, page_size
):
    for organisation in OrganisationFactory.create_batch(20):
        BankAccountFactory(organisation=organisation)
    client = token_client(finance_officer)
    # token (1) + last use (1) + the staff member's permissions (2) + organisations (1) + bank accounts (1)
    with django_assert_max_num_queries(6):
        response = client.get(f"{LIST}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 20])
def test_member_queries_do_not_grow_with_the_page(
    token_client, commune_editor, commune, django_assert_max_num_queries, page_size
):
    MembershipFactory.create_batch(20, organisation=commune)
    client = token_client(commune_editor)
    # token (1) + last use (1) + organisation (1) + the caller's membership (1) + members with their users (1)
    with django_assert_max_num_queries(5):
        response = client.get(f"{members(commune)}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_detail_queries_are_fixed(token_client, commune_editor, commune, django_assert_max_num_queries):
    BankAccountFactory.create_batch(5, organisation=commune, is_primary=False)
    client = token_client(commune_editor)
    # token (1) + last use (1) + organisation with its parent (1) + bank accounts (1) + the caller's membership (1)
    with django_assert_max_num_queries(5):
        response = client.get(detail(commune))
    assert len(response.json()["bank_accounts"]) == 5
