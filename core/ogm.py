"""Belgian structured communications (OGM/VCS): 10 digits and a mod-97 check, shown +++ddd/dddd/ddddd+++.

Each expected payment gets its own so a bank line matches exactly one thing. The first digit says which family the
number belongs to, so families never collide: 2 = a loan instalment (then 6 digits of the loan, 3 of the instalment).
"""

import re

from django.utils.translation import gettext as _
from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError

from core.errors import InvalidInput

LOAN_INSTALMENT = 2


def ogm_make(family: int, number: int, sequence: int) -> str:
    """The 12 digits for `sequence` (up to 999) of object `number` (up to 999,999) in `family` (1 to 9)."""
    if not (1 <= family <= 9 and 0 <= number <= 999_999 and 0 <= sequence <= 999):
        raise ValueError(f"no structured communication for {family}/{number}/{sequence}")
    base = f"{family}{number:06d}{sequence:03d}"
    return base + ogm_vcs.calc_check_digits(base)


def ogm_display(digits: str) -> str:
    return f"+++{ogm_vcs.format(digits)}+++"


def ogm_parse(text: str) -> str:
    """The 12 digits of what a person or a bank wrote (with or without +++ / ***, slashes, spaces), or a clear
    refusal: a mistyped digit fails the check."""
    cleaned = re.sub(r"[\s+*/.-]", "", text or "")
    if not re.fullmatch(r"\d{12}", cleaned):
        raise InvalidInput(
            _("A structured communication has 12 digits, written +++123/4567/89012+++."),
            extra={"fields": {"structured_communication": []}},
        )
    try:
        return ogm_vcs.validate(cleaned)
    except ValidationError:
        raise InvalidInput(
            _("This structured communication is not valid: its check digits do not match (a digit mistyped?)."),
            extra={"fields": {"structured_communication": []}},
        ) from None
