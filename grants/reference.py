"""Reference data of grants that commands restore when a database lost it (migration 0003 loads it first)."""

from decimal import Decimal

from grants.models import ApprovalLevel

APPROVAL_LEVELS = [
    (
        "finance_inspection",
        "Avis de l'Inspection des Finances",
        "Advies van de Inspectie van Financiën",
        "3100.00",
        False,
        1,
    ),
    ("budget_minister", "Accord du ministre du Budget", "Akkoord van de minister van Begroting", "6200.00", False, 2),
    ("government_decision", "Décision du Gouvernement", "Beslissing van de Regering", "15000.00", True, 3),
]


def ensure_approval_levels() -> int:
    """Create the approval levels of the former regime [to confirm under the Codex] where missing; never overwrite."""
    created = 0
    for code, label_fr, label_nl, threshold, needs_reference, position in APPROVAL_LEVELS:
        _level, was_created = ApprovalLevel.objects.get_or_create(
            code=code,
            defaults={
                "label_fr": label_fr,
                "label_nl": label_nl,
                "threshold": Decimal(threshold),
                "requires_reference": needs_reference,
                "position": position,
            },
        )
        created += was_created
    return created
