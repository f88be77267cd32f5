"""The approval levels of the former regime (domain notes), to be confirmed under the Codex: configurable rows."""

from decimal import Decimal

from django.db import migrations

LEVELS = [
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


def seed(apps, schema_editor):
    ApprovalLevel = apps.get_model("grants", "ApprovalLevel")
    for code, label_fr, label_nl, threshold, needs_reference, position in LEVELS:
        ApprovalLevel.objects.get_or_create(
            code=code,
            defaults={
                "label_fr": label_fr,
                "label_nl": label_nl,
                "threshold": Decimal(threshold),
                "requires_reference": needs_reference,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("grants", "0002_review_committee_awards")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
