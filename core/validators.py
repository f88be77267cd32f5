"""Belgian identifiers: enterprise numbers (KBO/BCE) and IBANs, normalised before they are stored."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import exceptions as stdnum_exceptions
from stdnum.be import vat


def normalize_kbo(value: str) -> str:
    """Return the ten digits of a KBO/BCE number, or raise ValidationError with a message for the user."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        return vat.validate(raw)
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(
            _("The enterprise number %(value)s is not valid: its check digits do not match."),
            code="kbo_checksum",
            params={"value": raw},
        ) from None
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("The enterprise number %(value)s is not valid: it must have ten digits, e.g. 0403.019.261."),
            code="kbo_format",
            params={"value": raw},
        ) from None


def format_kbo(number: str) -> str:
    """0403019261 -> 0403.019.261 (python-stdnum has no formatter for Belgian enterprise numbers)."""
    digits = vat.compact(number)
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def normalize_iban(value: str) -> IBAN:
    """Parse an IBAN, checking its international and, for Belgium, national check digits."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("An IBAN is required."), code="iban_required")
    try:
        return IBAN(raw, validate_bban=True)
    except SchwiftyException:
        raise ValidationError(
            _("The IBAN %(value)s is not valid: check the number and its check digits."),
            code="iban_invalid",
            params={"value": raw},
        ) from None


def validate_kbo(value: str) -> None:
    normalize_kbo(value)


def validate_iban(value: str) -> None:
    normalize_iban(value)
