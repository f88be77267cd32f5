import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.validators import format_kbo, normalize_iban, normalize_kbo


@pytest.mark.parametrize("raw", ["0403.019.261", "0403019261", "BE 0403 019 261", "403019261"])
def test_it_accepts_enterprise_numbers_in_any_usual_form(raw):
    assert normalize_kbo(raw) == "0403019261"
    assert format_kbo(normalize_kbo(raw)) == "0403.019.261"


@pytest.mark.parametrize(
    ("raw", "code"), [("0403.019.262", "kbo_checksum"), ("12345", "kbo_format"), ("abc", "kbo_format")]
)
def test_it_rejects_a_wrong_enterprise_number_with_a_reason(raw, code):
    with pytest.raises(ValidationError) as error:
        normalize_kbo(raw)
    assert error.value.code == code


@pytest.mark.parametrize(("language", "word"), [("nl", "ondernemingsnummer"), ("fr", "numéro d'entreprise")])
def test_the_enterprise_number_message_speaks_the_users_language(language, word):
    with translation.override(language):
        with pytest.raises(ValidationError) as error:
            normalize_kbo("0403.019.262")
        assert word in str(error.value.messages[0]).lower()


def test_it_accepts_a_belgian_iban_and_finds_the_bic():
    iban = normalize_iban("be10 0910 1234 5604")
    assert iban.compact == "BE10091012345604"
    assert str(iban.bic) == "GKCCBEBB"


@pytest.mark.parametrize(
    "raw",
    [
        "BE10091012345605",  # international check digits wrong
        "BE11091012345605",  # national check digits wrong (passes mod 97 only by luck or not)
        "BE1009101234",  # too short
        "XX10091012345604",
        "",
    ],
)
def test_it_rejects_a_wrong_iban(raw):
    with pytest.raises(ValidationError):
        normalize_iban(raw)
