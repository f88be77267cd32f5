import pytest

from core.models import BankAccount, Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

FORM = {
    "code": "regie-foncière-test",
    "kind": "regie",
    "name_fr": "Régie foncière de Test",
    "name_nl": "Grondregie Test",
    "kbo_number": "0403.019.261",
    "correspondence_language": "fr",
    "is_active": "on",
}


def test_an_administrator_registers_an_organisation_from_the_staff_site(staff_client, administrator):
    client = staff_client(administrator)
    response = client.post("/fr/staff/administration/organisations/new/", {**FORM, "code": "regie-fonciere-test"})
    assert response.status_code == 302
    organisation = Organisation.objects.get(code="regie-fonciere-test")
    assert response["Location"] == f"/fr/staff/administration/organisations/{organisation.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "0403.019.261" in page
    assert "created" in page  # the history card shows the audit record


def test_an_invalid_enterprise_number_is_shown_on_its_field_in_dutch(staff_client, administrator):
    client = staff_client(administrator)
    response = client.post(
        "/nl/staff/administration/organisations/new/", {**FORM, "code": "regie-x", "kbo_number": "0403.019.262"}
    )
    assert response.status_code == 400
    assert "Het ondernemingsnummer 0403.019.262 is niet geldig" in response.content.decode()
    assert not Organisation.objects.filter(code="regie-x").exists()


def test_a_duplicate_organisation_is_refused_with_a_message(staff_client, administrator):
    OrganisationFactory(kind="regie", name_fr="Régie foncière de Test", name_nl="Iets anders")
    response = staff_client(administrator).post(
        "/en/staff/administration/organisations/new/", {**FORM, "code": "regie-y", "kbo_number": ""}
    )
    assert response.status_code == 400
    assert "An organisation of this kind with this French name already exists." in response.content.decode()
    assert Organisation.objects.count() == 1


def test_a_bank_account_with_a_wrong_iban_is_refused_in_french(staff_client, administrator, commune):
    response = staff_client(administrator).post(
        f"/fr/staff/administration/organisations/{commune.pk}/bank-accounts/new/",
        {"iban": "BE10 0910 1234 5605", "holder": "Commune d'Anderlecht"},
    )
    assert response.status_code == 400
    assert "n'est pas valide" in response.content.decode()
    assert not BankAccount.objects.exists()


def test_the_organisation_list_runs_a_fixed_number_of_queries(staff_client, auditor, django_assert_max_num_queries):
    client = staff_client(auditor)
    OrganisationFactory.create_batch(3)
    with django_assert_max_num_queries(15) as few:
        assert client.get("/fr/staff/administration/organisations/").status_code == 200
    OrganisationFactory.create_batch(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/fr/staff/administration/organisations/?kind=commune&q=Test")
    assert response.status_code == 200


def test_an_auditor_reads_but_cannot_edit(staff_client, auditor, commune):
    client = staff_client(auditor)
    assert client.get(f"/fr/staff/administration/organisations/{commune.pk}/").status_code == 200
    assert client.get(f"/fr/staff/administration/organisations/{commune.pk}/edit/").status_code == 403
    assert client.post(f"/fr/staff/administration/organisations/{commune.pk}/edit/", FORM).status_code == 403
