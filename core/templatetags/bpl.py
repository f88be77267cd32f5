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
