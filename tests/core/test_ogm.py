import pytest
from django.utils import translation
from stdnum.be import ogm_vcs

from core.errors import InvalidInput
from core.ogm import LOAN_INSTALMENT, ogm_display, ogm_make, ogm_parse


def test_a_loan_instalment_gets_a_valid_number_that_names_the_loan_and_the_instalment():
    digits = ogm_make(LOAN_INSTALMENT, 42, 7)
    assert digits[:10] == "2000042007"
    assert ogm_vcs.is_valid(digits)
    # Check digits: 2000042007 = 97 x 20618989 + 74
    assert digits[10:] == "74"
    assert ogm_display(digits) == "+++200/0042/00774+++"


def test_numbers_of_different_instalments_differ():
    assert len({ogm_make(LOAN_INSTALMENT, loan, n) for loan in (1, 2, 999_999) for n in (0, 1, 999)}) == 9


def test_a_remainder_of_zero_gives_check_digits_97():
    base = "2000000029"  # = 97 x 20618557: a multiple of 97 is never written with 00
    assert int(base) % 97 == 0
    assert ogm_make(2, 0, 29) == base + "97"


@pytest.mark.parametrize("written", ["+++200/0042/00774+++", "***200/0042/00774***", "200 0042 00774", "200004200774"])
def test_what_people_and_banks_write_is_read(written):
    assert ogm_parse(written) == "200004200774"


@pytest.mark.parametrize("language, words", [("fr", "12 chiffres"), ("nl", "12 cijfers"), ("en", "12 digits")])
def test_a_malformed_communication_is_refused_in_the_users_language(language, words):
    with translation.override(language), pytest.raises(InvalidInput) as refused:
        ogm_parse("+++200/0042/0073+++")
    assert words in str(refused.value)


def test_a_mistyped_digit_fails_the_check():
    with translation.override("en"), pytest.raises(InvalidInput, match="check digits"):
        ogm_parse("+++200/0042/00874+++")


@pytest.mark.parametrize("family, number, sequence", [(0, 1, 1), (10, 1, 1), (2, 1_000_000, 1), (2, 1, 1000)])
def test_numbers_outside_the_scheme_are_refused(family, number, sequence):
    with pytest.raises(ValueError):
        ogm_make(family, number, sequence)
