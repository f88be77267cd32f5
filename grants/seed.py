"""The sports infrastructure call for projects (2021-2023), as a demo of a real call: 43 M EUR on budget line
10.005.27.02.43.21, for communes, with the selection criteria of the domain notes (low-coverage zone, supra-local
interest, harmonised tariff). Amounts per application and the co-financing minimum are demo values [to confirm]."""

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
    },
    {
        "code": "cost_estimate",
        "label": t("Estimation détaillée des coûts", "Gedetailleerde kostenraming"),
        "required": True,
    },
    {"code": "site_plan", "label": t("Plan du site", "Situatieplan"), "required": False},
]

FORM_SCHEMA = {
    "sections": [
        {
            "key": "project",
            "title": t("Le projet", "Het project"),
            "fields": [
                {
                    "key": "project_title",
                    "type": "text",
                    "label": t("Intitulé du projet", "Titel van het project"),
                    "required": True,
                    "max_length": 200,
                },
                {
                    "key": "description",
                    "type": "long_text",
                    "label": t("Description du projet", "Beschrijving van het project"),
                    "help": t("Les travaux prévus et le public visé.", "De geplande werken en het beoogde publiek."),
                    "required": True,
                    "max_length": 5000,
                },
                {
                    "key": "facility_kind",
                    "type": "choice",
                    "label": t("Type d'infrastructure", "Soort infrastructuur"),
                    "required": True,
                    "choices": [
                        {"value": "hall", "label": t("Salle de sport", "Sporthal")},
                        {"value": "pool", "label": t("Piscine", "Zwembad")},
                        {"value": "outdoor", "label": t("Terrain extérieur", "Buitenterrein")},
                    ],
                },
                {
                    "key": "start_date",
                    "type": "date",
                    "label": t("Début des travaux", "Start van de werken"),
                    "required": True,
                    "min": "2021-01-01",
                    "max": "2025-12-31",
                },
                {
                    "key": "users_per_week",
                    "type": "number",
                    "label": t("Utilisateurs par semaine", "Gebruikers per week"),
                    "min": 0,
                    "max": 100000,
                },
            ],
        },
        {
            "key": "criteria",
            "title": t("Critères de sélection", "Selectiecriteria"),
            "fields": [
                {
                    "key": "low_coverage_zone",
                    "type": "yes_no",
                    "label": t(
                        "Le projet est situé dans une zone peu couverte en infrastructures sportives",
                        "Het project ligt in een zone met weinig sportinfrastructuur",
                    ),
                    "required": True,
                },
                {
                    "key": "supralocal",
                    "type": "yes_no",
                    "label": t("Le projet a un intérêt supra-local", "Het project heeft een bovenlokaal belang"),
                    "required": True,
                },
                {
                    "key": "supralocal_explanation",
                    "type": "long_text",
                    "label": t("Expliquez l'intérêt supra-local", "Licht het bovenlokale belang toe"),
                    "required": True,
                    "show_if": {"field": "supralocal", "equals": True},
                    "max_length": 3000,
                },
                {
                    "key": "harmonised_tariff",
                    "type": "yes_no",
                    "label": t(
                        "Les tarifs sont harmonisés pour les habitants de la Région",
                        "De tarieven zijn geharmoniseerd voor de inwoners van het Gewest",
                    ),
                    "required": True,
                },
            ],
        },
        {
            "key": "budget",
            "title": t("Budget", "Begroting"),
            "fields": [
                {
                    "key": "costs",
                    "type": "budget_table",
                    "role": "total_cost",
                    "label": t("Coûts du projet", "Kosten van het project"),
                    "help": t(
                        "Une ligne par poste de dépense, montants TVA comprise.",
                        "Eén regel per uitgavenpost, bedragen inclusief btw.",
                    ),
                    "required": True,
                },
                {
                    "key": "amount_requested",
                    "type": "money",
                    "role": "amount_requested",
                    "label": t("Montant demandé", "Gevraagd bedrag"),
                    "required": True,
                    "min": "1",
                },
                {
                    "key": "council_resolution_file",
                    "type": "file",
                    "document": "council_resolution",
                    "label": t("Délibération du conseil communal", "Beslissing van de gemeenteraad"),
                },
            ],
        },
    ]
}

CHECKLIST = [
    {
        "code": "applicant",
        "label": t("Le demandeur est une commune bruxelloise", "De aanvrager is een Brusselse gemeente"),
    },
    {
        "code": "investment",
        "label": t(
            "Il s'agit d'un investissement en infrastructure sportive",
            "Het gaat om een investering in sportinfrastructuur",
        ),
    },
    {
        "code": "resolution",
        "label": t(
            "La délibération du conseil couvre le projet et son financement",
            "De raadsbeslissing dekt het project en de financiering ervan",
        ),
    },
]

SCORING_GRID = [
    {
        "code": "coverage",
        "label": t("Zone peu couverte", "Zone met weinig voorzieningen"),
        "weight": 50,
        "max_score": 10,
        "min_score": 4,
    },
    {
        "code": "supralocal",
        "label": t("Intérêt supra-local", "Bovenlokaal belang"),
        "weight": 30,
        "max_score": 10,
        "min_score": 0,
    },
    {
        "code": "tariff",
        "label": t("Tarif harmonisé", "Geharmoniseerd tarief"),
        "weight": 20,
        "max_score": 5,
        "min_score": 0,
    },
]


def sports_call_fields(*, now: dt.datetime | None = None) -> dict:
    """A call version open now (for the demo), closing in 60 days at noon Brussels time, with a 15-minute grace."""
    now = now or dt.datetime.now(tz=BRUSSELS)
    closes = (now + dt.timedelta(days=60)).astimezone(BRUSSELS).replace(hour=12, minute=0, second=0, microsecond=0)
    return {
        "title_fr": "Appel à projets Infrastructures sportives 2021-2023",
        "title_nl": "Projectoproep Sportinfrastructuur 2021-2023",
        "text_fr": (
            "La Région soutient les communes qui créent ou rénovent des infrastructures sportives. Sont privilégiés "
            "les projets situés dans des zones peu couvertes, d'intérêt supra-local et pratiquant un tarif harmonisé."
        ),
        "text_nl": (
            "Het Gewest steunt gemeenten die sportinfrastructuur bouwen of renoveren. Voorrang krijgen projecten in "
            "zones met weinig voorzieningen, met een bovenlokaal belang en een geharmoniseerd tarief."
        ),
        "envelope": Decimal("43000000.00"),
        "eligible_kinds": ["commune"],
        "max_amount": Decimal("2500000.00"),
        "min_cofinancing_rate": Decimal("0.200000"),
        "opens_at": now - dt.timedelta(days=1),
        "closes_at": closes,
        "grace_minutes": 15,
        "required_documents": REQUIRED_DOCUMENTS,
        "form_schema": FORM_SCHEMA,
        "eligibility_rules": [
            "organisation_kind",
            "max_amount",
            "cofinancing",
            "required_documents",
            "submitted_in_time",
        ],
        "checklist": CHECKLIST,
        "scoring_grid": SCORING_GRID,
        "tranche_plan": [80, 20],
    }


def sample_answers() -> dict:
    return {
        "project_title": "Rénovation de la salle omnisports",
        "description": "Remplacement de la toiture et des vestiaires.",
        "facility_kind": "hall",
        "start_date": "2024-03-01",
        "users_per_week": "1200",
        "low_coverage_zone": True,
        "supralocal": False,
        "harmonised_tariff": True,
        "costs": [{"label": "Toiture", "amount": "900000.00"}, {"label": "Vestiaires", "amount": "350000.00"}],
        "amount_requested": "1000000.00",
    }
