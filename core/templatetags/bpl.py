from django import template

from core.money import format_eur
from core.validators import format_kbo

register = template.Library()


@register.filter
def money(value) -> str:
    """1234.5 -> 1.234,50 EUR (FR, NL and EN alike)."""
    return format_eur(value)


@register.filter
def kbo(value: str) -> str:
    return format_kbo(value) if value else ""


@register.filter
def percent(value) -> str:
    """A rate stored as a fraction: 0.015000 -> 1,5 % (FR, NL and EN alike, as amounts are)."""
    if value in (None, ""):
        return ""
    from decimal import Decimal

    text = format(Decimal(str(value)) * 100, "f").rstrip("0").rstrip(".") or "0"
    return f"{text.replace('.', ',')} %"


@register.filter
def iban(value: str) -> str:
    """BE68539007547034 -> BE68 5390 0754 7034."""
    compact = "".join(str(value or "").split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
