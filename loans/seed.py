"""The FRBRTC programme of loans for sports infrastructure (2021), as the domain notes describe it: 50 M EUR for
2022-2025, 20-year annuity loans, up to 100 % of the cost, assets depreciated over 20 years or more, each commune's
borrowing capacity pro rata its share of the general grant to communes.

Demo values, marked [to confirm]: the rate, the day count, the late-interest rate, the notice period, the decree's
exact date, and the shares of the general grant (the demo table splits 100 % evenly, not the official figures;
the administration imports the real table as an .xlsx)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def t(fr: str, nl: str) -> dict[str, str]:
    return {"fr": fr, "nl": nl}


REQUIRED_DOCUMENTS = [
    {
        "code": "council_resolution",
        "label": t("Délibération du conseil communal", "Beslissing van de gemeenteraad"),
        "required": True,
        "per_project": True,
    },
    {
        "code": "budget_commitment",
        "label": t(
            "Preuve de l'engagement de la dépense au budget communal",
            "Bewijs van de vastlegging van de uitgave in de gemeentebegroting",
        ),
        "required": True,
        "per_project": True,
        "needed_to_grant": True,
    },
    {
        "code": "ministerial_form",
        "label": t("Formulaire ministériel des projets", "Ministerieel formulier van de projecten"),
        "required": True,
    },
]

CHECKLIST = [
    {
        "code": "borrower",
        "label": t("L'emprunteur est une commune bruxelloise", "De ontlener is een Brusselse gemeente"),
    },
    {
        "code": "investment",
        "label": t(
            "Il s'agit d'investissements en infrastructures sportives",
            "Het gaat om investeringen in sportinfrastructuur",
        ),
    },
    {
        "code": "budget",
        "label": t(
            "La dépense est engagée au budget communal",
            "De uitgave is vastgelegd in de gemeentebegroting",
        ),
    },
]


def sports_loan_fields(*, now: dt.datetime) -> dict:
    """The product version's fields. Applications open from now for the programme's years (demo dates)."""
    return {
        "title_fr": "Prêts pour les infrastructures sportives communales 2022-2025",
        "title_nl": "Leningen voor gemeentelijke sportinfrastructuur 2022-2025",
        "text_fr": (
            "Le Fonds régional bruxellois de refinancement des trésoreries communales prête aux communes, pour "
            "leurs investissements en infrastructures sportives, jusqu'à 100 % du coût, sur 20 ans. Chaque commune "
            "peut emprunter à proportion de sa part dans la dotation générale aux communes."
        ),
        "text_nl": (
            "Het Brussels Gewestelijk Herfinancieringsfonds van de gemeentelijke thesaurieën leent aan de gemeenten "
            "voor hun investeringen in sportinfrastructuur, tot 100 % van de kosten, over 20 jaar. Elke gemeente kan "
            "lenen naar verhouding van haar aandeel in de algemene dotatie aan de gemeenten."
        ),
        "kind": "collective_interest",
        "legal_basis_fr": (
            "Ordonnance du 8 avril 1993, art. 2, § 4 ; arrêté du Gouvernement de 2021 ouvrant le programme "
            "d'infrastructures sportives (date exacte à confirmer)"
        ),
        "legal_basis_nl": (
            "Ordonnantie van 8 april 1993, art. 2, § 4; besluit van de Regering van 2021 tot opening van het "
            "programma sportinfrastructuur (precieze datum te bevestigen)"
        ),
        "decree_date": dt.date(2021, 1, 1),
        "envelope": Decimal("50000000.00"),
        "eligible_kinds": ["commune"],
        "opens_at": min(now - dt.timedelta(days=30), dt.datetime(2022, 1, 1, tzinfo=BRUSSELS)),
        "closes_at": dt.datetime(now.year + 1, 3, 31, 23, 59, 59, tzinfo=BRUSSELS),
        "term_months": 240,
        "rate": Decimal("0.015000"),
        "frequency": "annual",
        "method": "annuity",
        "day_count": "30/360",
        "grace_principal_periods": 0,
        "grace_interest_periods": 0,
        "due_date_rule": "anniversary",
        "max_drawdowns": 4,
        "last_drawdown_date": dt.date(now.year + 3, 12, 31),
        "late_interest_rate": Decimal("0.040000"),
        "prepayment_rule": "shorten_term",
        "allocation_order": ["late_interest", "interest", "principal"],
        "max_financing_rate": Decimal("1.000000"),
        "min_depreciation_years": 20,
        "uses_borrowing_capacity": True,
        "notice_days": 30,
        "required_documents": REQUIRED_DOCUMENTS,
        "checklist": CHECKLIST,
    }


def demo_shares(commune_codes: list[str]) -> list[tuple[str, Decimal]]:
    """A demo share table: 100 % split evenly over the communes given, the rest of the rounding on the last one.
    NOT the official shares of the general grant, which the administration imports."""
    if not commune_codes:
        return []
    even = (Decimal("100") / len(commune_codes)).quantize(Decimal("0.000001"))
    shares = [even] * len(commune_codes)
    shares[-1] += Decimal("100") - sum(shares, Decimal("0"))
    return list(zip(commune_codes, shares, strict=True))
