"""The local authorities of the Brussels-Capital Region, as public sources name them.

Enterprise numbers (KBO/BCE) are left empty on purpose: the administration fills them from its own records.
Correspondence language defaults to French for every body [to confirm per body]: staff change it per organisation.
"""

from dataclasses import dataclass

from core.models import OrganisationKind


@dataclass(frozen=True)
class Commune:
    slug: str
    name_fr: str
    name_nl: str
    city_fr: str
    city_nl: str
    postal_code: str


COMMUNES = [
    Commune("anderlecht", "Commune d'Anderlecht", "Gemeente Anderlecht", "Anderlecht", "Anderlecht", "1070"),
    Commune("auderghem", "Commune d'Auderghem", "Gemeente Oudergem", "Auderghem", "Oudergem", "1160"),
    Commune(
        "berchem-sainte-agathe",
        "Commune de Berchem-Sainte-Agathe",
        "Gemeente Sint-Agatha-Berchem",
        "Berchem-Sainte-Agathe",
        "Sint-Agatha-Berchem",
        "1082",
    ),
    Commune("bruxelles", "Ville de Bruxelles", "Stad Brussel", "Bruxelles", "Brussel", "1000"),
    Commune("etterbeek", "Commune d'Etterbeek", "Gemeente Etterbeek", "Etterbeek", "Etterbeek", "1040"),
    Commune("evere", "Commune d'Evere", "Gemeente Evere", "Evere", "Evere", "1140"),
    Commune("forest", "Commune de Forest", "Gemeente Vorst", "Forest", "Vorst", "1190"),
    Commune("ganshoren", "Commune de Ganshoren", "Gemeente Ganshoren", "Ganshoren", "Ganshoren", "1083"),
    Commune("ixelles", "Commune d'Ixelles", "Gemeente Elsene", "Ixelles", "Elsene", "1050"),
    Commune("jette", "Commune de Jette", "Gemeente Jette", "Jette", "Jette", "1090"),
    Commune("koekelberg", "Commune de Koekelberg", "Gemeente Koekelberg", "Koekelberg", "Koekelberg", "1081"),
    Commune(
        "molenbeek-saint-jean",
        "Commune de Molenbeek-Saint-Jean",
        "Gemeente Sint-Jans-Molenbeek",
        "Molenbeek-Saint-Jean",
        "Sint-Jans-Molenbeek",
        "1080",
    ),
    Commune("saint-gilles", "Commune de Saint-Gilles", "Gemeente Sint-Gillis", "Saint-Gilles", "Sint-Gillis", "1060"),
    Commune(
        "saint-josse-ten-noode",
        "Commune de Saint-Josse-ten-Noode",
        "Gemeente Sint-Joost-ten-Node",
        "Saint-Josse-ten-Noode",
        "Sint-Joost-ten-Node",
        "1210",
    ),
    Commune("schaerbeek", "Commune de Schaerbeek", "Gemeente Schaarbeek", "Schaerbeek", "Schaarbeek", "1030"),
    Commune("uccle", "Commune d'Uccle", "Gemeente Ukkel", "Uccle", "Ukkel", "1180"),
    Commune(
        "watermael-boitsfort",
        "Commune de Watermael-Boitsfort",
        "Gemeente Watermaal-Bosvoorde",
        "Watermael-Boitsfort",
        "Watermaal-Bosvoorde",
        "1170",
    ),
    Commune(
        "woluwe-saint-lambert",
        "Commune de Woluwe-Saint-Lambert",
        "Gemeente Sint-Lambrechts-Woluwe",
        "Woluwe-Saint-Lambert",
        "Sint-Lambrechts-Woluwe",
        "1200",
    ),
    Commune(
        "woluwe-saint-pierre",
        "Commune de Woluwe-Saint-Pierre",
        "Gemeente Sint-Pieters-Woluwe",
        "Woluwe-Saint-Pierre",
        "Sint-Pieters-Woluwe",
        "1150",
    ),
]

# (slug, French name, Dutch name)
POLICE_ZONES = [
    ("bruxelles-capitale-ixelles", "Zone de police Bruxelles-Capitale/Ixelles", "Politiezone Brussel-Hoofdstad/Elsene"),
    ("bruxelles-ouest", "Zone de police Bruxelles-Ouest", "Politiezone Brussel-West"),
    ("bruxelles-midi", "Zone de police Bruxelles-Midi", "Politiezone Brussel-Zuid"),
    ("marlow", "Zone de police Marlow", "Politiezone Marlow"),
    ("montgomery", "Zone de police Montgomery", "Politiezone Montgomery"),
    ("polbruno", "Zone de police Polbruno", "Politiezone Polbruno"),
]

INTERCOMMUNALES = [
    ("vivaqua", "Vivaqua", "Vivaqua"),
    ("sibelga", "Sibelga", "Sibelga"),
    ("interfin", "Interfin", "Interfin"),
]


def _cpas_name_fr(commune: Commune) -> str:
    city = commune.city_fr
    return f"CPAS d'{city}" if city[0] in "AEIOUÉ" else f"CPAS de {city}"


def reference_organisations() -> list[dict]:
    """Every reference organisation as the fields to create it with; CPAS carry `parent_code`."""
    rows: list[dict] = []
    for commune in COMMUNES:
        address = {"postal_code": commune.postal_code, "city_fr": commune.city_fr, "city_nl": commune.city_nl}
        rows.append(
            {
                "code": f"commune-{commune.slug}",
                "kind": OrganisationKind.COMMUNE,
                "name_fr": commune.name_fr,
                "name_nl": commune.name_nl,
                **address,
            }
        )
        rows.append(
            {
                "code": f"cpas-{commune.slug}",
                "kind": OrganisationKind.CPAS,
                "name_fr": _cpas_name_fr(commune),
                "name_nl": f"OCMW {commune.city_nl}",
                "parent_code": f"commune-{commune.slug}",
                **address,
            }
        )
    for slug, name_fr, name_nl in POLICE_ZONES:
        rows.append(
            {"code": f"police-{slug}", "kind": OrganisationKind.POLICE_ZONE, "name_fr": name_fr, "name_nl": name_nl}
        )
    for slug, name_fr, name_nl in INTERCOMMUNALES:
        rows.append({"code": slug, "kind": OrganisationKind.INTERCOMMUNALE, "name_fr": name_fr, "name_nl": name_nl})
    return rows
