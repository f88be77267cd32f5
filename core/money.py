"""Money is Decimal from end to end. This module is the one place that rounds, and it says how.

EUR amounts are stored as DecimalField(max_digits=14, decimal_places=2), rates as (9, 6). Rounding happens at
boundaries only (a schedule line, a payment, a display), half up as Belgian public accounting does.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
RATE_QUANTUM = Decimal("0.000001")
MONEY_ROUNDING = ROUND_HALF_UP
MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
RATE_MAX_DIGITS = 9
RATE_DECIMAL_PLACES = 6


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Exact conversion; a float is refused because it is already rounded in binary."""
    if isinstance(value, bool | float):
        raise TypeError(f"{type(value).__name__} is not money; use Decimal, int or str")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return result


def to_cents(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half up."""
    return to_decimal(value).quantize(CENT, rounding=MONEY_ROUNDING)


def to_rate(value: Decimal | int | str) -> Decimal:
    return to_decimal(value).quantize(RATE_QUANTUM, rounding=MONEY_ROUNDING)


def cents_to_int(value: Decimal) -> int:
    """Integer cents, for formats that want them (SEPA libraries)."""
    cents = to_cents(value) * 100
    return int(cents)


def split_evenly(total: Decimal | int | str, parts: int) -> list[Decimal]:
    """Split an amount into `parts` cent amounts; the last part takes the rest so the parts sum to the total."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    amount = to_cents(total)
    share = (amount / parts).quantize(CENT, rounding=MONEY_ROUNDING)
    shares = [share] * (parts - 1)
    shares.append(amount - sum(shares, Decimal("0")))
    return shares


def format_eur(value: Decimal | int | str | None, *, with_currency: bool = True) -> str:
    """1234567.891 -> '1.234.567,89 EUR', the same in FR, NL and EN (Brussels administrative usage)."""
    if value is None or value == "":
        return ""
    amount = to_cents(value)
    sign = "-" if amount < 0 else ""
    integer, _sep, fraction = f"{abs(amount):.2f}".partition(".")
    groups: list[str] = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    text = f"{sign}{'.'.join(groups)},{fraction}"
    return f"{text} EUR" if with_currency else text


class MoneyField(models.DecimalField):
    """A EUR amount: 14 digits, 2 decimals."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


class RateField(models.DecimalField):
    """A rate as a fraction (0.030000 = 3 %): 9 digits, 6 decimals."""

    description = _("Rate")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", RATE_MAX_DIGITS)
        kwargs.setdefault("decimal_places", RATE_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)
