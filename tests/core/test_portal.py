import pytest
from django.core import mail

from core.models import Membership
from tests.factories import BankAccountFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_landing_page_says_no_call_is_open_yet(client):
    content = client.get("/fr/").content.decode()
    assert "Aucun appel à projets n'est ouvert pour le moment." in content


def test_a_member_sees_the_organisation_with_its_members_and_accounts(client, commune_editor, signatory, commune):
    BankAccountFactory(organisation=commune, iban="BE10091012345604")
    client.force_login(commune_editor)
    response = client.get("/nl/organisations/", follow=True)
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/nl/organisations/{commune.code}/"
    assert "Gemeente Anderlecht" in content
    assert signatory.email in content and commune_editor.email in content
    assert "BE10 0910 1234 5604" in content
    assert "Lid toevoegen" not in content  # an editor does not manage members


def test_another_organisations_page_is_not_found(client, other_commune_editor, commune):
    client.force_login(other_commune_editor)
    assert client.get(f"/fr/organisations/{commune.code}/").status_code == 404


def test_pages_for_members_need_a_sign_in(client, commune):
    response = client.get(f"/fr/organisations/{commune.code}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/fr/login/")


def test_the_organisation_page_costs_the_same_queries_for_3_or_60_members(
    client, signatory, commune, django_assert_max_num_queries
):
    client.force_login(signatory)
    for _ in range(2):
        MembershipFactory(organisation=commune)
    with django_assert_max_num_queries(12) as small:
        assert client.get(f"/fr/organisations/{commune.code}/").status_code == 200
    for _ in range(57):
        MembershipFactory(organisation=commune)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(f"/fr/organisations/{commune.code}/")
    assert response.content.decode().count('id="role-') == 60


def test_a_member_admin_adds_a_colleague_from_the_portal(
    client, signatory, commune, django_capture_on_commit_callbacks
):
    client.force_login(signatory)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/fr/organisations/{commune.code}/members/",
            {"email": "colleague@anderlecht.be", "role": "viewer", "first_name": "Lea"},
        )
    assert response.status_code == 302
    assert Membership.objects.filter(
        organisation=commune, user__email="colleague@anderlecht.be", role="viewer"
    ).exists()
    assert mail.outbox[0].to == ["colleague@anderlecht.be"]


def test_a_bad_member_form_shows_the_errors_in_dutch_and_stores_nothing(client, signatory, commune):
    client.force_login(signatory)
    response = client.post(f"/nl/organisations/{commune.code}/members/", {"email": "geen-adres", "role": "boss"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Voer een geldig e-mailadres in." in content
    assert commune.memberships.count() == 1


def test_an_editor_posting_the_member_form_is_refused_in_their_language(client, commune_editor, commune):
    client.force_login(commune_editor)
    response = client.post(f"/nl/organisations/{commune.code}/members/", {"email": "x@anderlecht.be", "role": "editor"})
    assert response.status_code == 403
    assert "Alleen een lid dat de leden van deze organisatie beheert" in response.content.decode()
    assert commune.memberships.count() == 1


def test_removing_the_last_member_admin_shows_why(client, signatory, commune):
    client.force_login(signatory)
    membership = signatory.memberships.get()
    response = client.post(f"/en/organisations/{commune.code}/members/{membership.pk}/remove/", follow=True)
    assert "keeps at least one member who manages its members" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_profile_saves_the_language_and_follows_it(client, commune_editor):
    client.force_login(commune_editor)
    response = client.post(
        "/fr/account/", {"first_name": "Camille", "last_name": "Dubois", "phone": "", "preferred_language": "nl"}
    )
    assert response["Location"] == "/nl/account/"
    commune_editor.refresh_from_db()
    assert (commune_editor.first_name, commune_editor.preferred_language) == ("Camille", "nl")
