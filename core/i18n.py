from django.utils.translation import get_language


def pick(fr: str, nl: str) -> str:
    """The Dutch text for Dutch readers, the French one otherwise (French is the fallback for English too)."""
    return nl if (get_language() or "").startswith("nl") and nl else fr
