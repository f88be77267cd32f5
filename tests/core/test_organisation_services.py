import pytest
from django.utils import translation

from core.errors import InvalidInput, NotPermitted
from core.models import AuditRecord, BankAccount, Organisation, OrganisationKind
from core.services.organisations import bank_account_add, organisation_create, organisation_update
from tests.factories import BankAccountFactory

pytestmark = pytest.mark.django_db

VALID = {
    "code": "commune-jette",
    "kind": OrganisationKind.COMMUNE,
    "name_fr": "Commune de Jette",
    "name_nl": "Gemeente Jette",
    "kbo_number": "0403.019.261",
    "postal_code": "1090",
    "city_fr": "Jette",
    "city_nl": "Jette",
    "correspondence_language": "nl",
}


def test_an_administrator_registers_an_organisation_and_it_is_audited(administrator):
    organisation = organisation_create(actor=administrator, **VALID)
    assert organisation.kbo_number == "0403019261"
    assert organisation.kbo_display == "0403.019.261"
    record = AuditRecord.objects.for_object(organisation).get()
    assert (record.action, record.actor, record.changes["name_nl"]) == ("created", administrator, "Gemeente Jette")


def test_it_rejects_an_invalid_enterprise_number_in_the_users_language_and_stores_nothing(administrator):
    with translation.override("nl"):
        with pytest.raises(InvalidInput) as error:
            organisation_create(actor=administrator, **{**VALID, "kbo_number": "0403.019.262"})
        assert "ondernemingsnummer" in str(error.value.message)
        assert list(error.value.extra["fields"]) == ["kbo_number"]
    assert not Organisation.objects.exists()
    assert not AuditRecord.objects.exists()


def test_it_rejects_a_duplicate_enterprise_number(administrator):
    organisation_create(actor=administrator, **VALID)
    with translation.override("fr"), pytest.raises(InvalidInput) as error:
        organisation_create(actor=administrator, **{**VALID, "code": "other", "name_fr": "Autre", "name_nl": "Ander"})
    assert "numéro d'entreprise existe déjà" in str(error.value.extra["fields"])
    assert Organisation.objects.count() == 1


def test_it_rejects_a_duplicate_name_of_the_same_kind_whatever_the_case(administrator):
    organisation_create(actor=administrator, **VALID)
    duplicate = {**VALID, "code": "jette-bis", "kbo_number": "", "name_fr": "COMMUNE DE JETTE", "name_nl": "Jette bis"}
    with translation.override("en"), pytest.raises(InvalidInput) as error:
        organisation_create(actor=administrator, **duplicate)
    assert "French name already exists" in str(error.value.extra["fields"])
    assert Organisation.objects.count() == 1


def test_an_applicant_cannot_register_an_organisation(commune_editor):
    with pytest.raises(NotPermitted):
        organisation_create(actor=commune_editor, **VALID)
    assert Organisation.objects.filter(code="commune-jette").count() == 0


def test_an_update_records_only_what_changed(administrator):
    organisation = organisation_create(actor=administrator, **VALID)
    organisation_update(actor=administrator, organisation_id=organisation.pk, email="info@jette.brussels")
    organisation_update(actor=administrator, organisation_id=organisation.pk, email="info@jette.brussels")
    records = AuditRecord.objects.for_object(organisation).filter(action="updated")
    assert [r.changes for r in records] == [{"email": ["", "info@jette.brussels"]}]


def test_an_invalid_update_leaves_the_organisation_as_it_was(administrator):
    organisation = organisation_create(actor=administrator, **VALID)
    with pytest.raises(InvalidInput):
        organisation_update(actor=administrator, organisation_id=organisation.pk, kbo_number="123", name_fr="Changé")
    organisation.refresh_from_db()
    assert (organisation.name_fr, organisation.kbo_number) == ("Commune de Jette", "0403019261")


def test_a_bank_account_is_validated_and_gets_its_bic(administrator, commune):
    account = bank_account_add(
        actor=administrator, organisation_id=commune.pk, iban="BE10 0910 1234 5604", holder="Commune d'Anderlecht"
    )
    assert (account.iban, account.bic, account.is_primary) == ("BE10091012345604", "GKCCBEBB", True)
    assert AuditRecord.objects.for_object(commune).get().action == "bank_account_added"


def test_an_invalid_iban_is_refused_with_a_field_message(administrator, commune):
    with translation.override("nl"):
        with pytest.raises(InvalidInput) as error:
            bank_account_add(actor=administrator, organisation_id=commune.pk, iban="BE10091012345605", holder="X")
        assert "IBAN" in str(error.value.extra["fields"]["iban"][0])
        assert "geldig" in str(error.value.extra["fields"]["iban"][0])
    assert not BankAccount.objects.exists()


def test_the_same_account_twice_is_refused(administrator, commune):
    bank_account_add(actor=administrator, organisation_id=commune.pk, iban="BE10091012345604", holder="X")
    with pytest.raises(InvalidInput):
        bank_account_add(actor=administrator, organisation_id=commune.pk, iban="be10091012345604", holder="X")
    assert commune.bank_accounts.count() == 1


def test_a_new_primary_account_replaces_the_old_one(administrator, commune):
    old = BankAccountFactory(organisation=commune, is_primary=True)
    new = bank_account_add(
        actor=administrator, organisation_id=commune.pk, iban="BE75001012345651", holder="X", make_primary=True
    )
    old.refresh_from_db()
    assert (old.is_primary, new.is_primary) == (False, True)


def test_a_finance_officer_may_not_change_bank_accounts(finance_officer, commune):
    with pytest.raises(NotPermitted):
        bank_account_add(actor=finance_officer, organisation_id=commune.pk, iban="BE10091012345604", holder="X")
    assert not BankAccount.objects.exists()
