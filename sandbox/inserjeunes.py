"""InserJeunes figures for any well-formed certification code: made up, realistic, deterministic.

Pure: no ORM, no settings. Everything is drawn from random.Random seeded by the code (and the
region and vintage), so any code the app's mapping holds has figures, the same on every run.
What varies by code, as upstream (shared/reference/OPEN_DATA_APIS.md, A.6 to A.9):
- codes ending in "Z" are unknown everywhere;
- a MEFSTAT11 (11 characters) is the agricultural school track (the app asks for agricultural
  diplomas), filière "agricole", which has national figures only: regional statistics drop it;
- a CFD (8 characters) is apprenticeship; a third of them have no regional figures at all, and
  each of the others is missing from about one region in five, and from the overseas
  collectivities (00) and Mayotte (06), which are outside InserJeunes's field;
- one code in six is a new diploma (no figures before the third vintage), one in six a closed
  one (no figures for the latest vintage);
- cohorts run from 10 to 3,000 leavers a year; under 20, rates are withheld as upstream does;
- 35 to 75 % are in work at 6 months and 20 to 60 % study on, at most 95 % together, since
  work, study and "other situations" add up to 100 %.
"""

import math
import re
from dataclasses import dataclass
from functools import cache
from random import Random

from .departements import REGIONS

NATIONAL_VINTAGES = ("2021", "2022", "2023", "2024")
# Two-year cumulative periods, each ending with the national vintage of the same position.
REGIONAL_VINTAGES = ("2020_2021", "2021_2022", "2022_2023", "2023_2024")
CFD = re.compile(r"[0-9A-Z]{8}")
MEFSTAT11 = re.compile(r"[0-9A-Z]{11}")
VINTAGE = re.compile(r"[0-9]{4}(_[0-9]{4})?")
MIN_LEAVERS = 20
WITHHELD = (
    "Les taux ne peuvent pas être affichés car il n'y a pas assez d'élèves pour fournir une "
    "information fiable."
)
REGION_NAMES = {"00": "Collectivités d'outre-mer"} | {r.id: r.name for r in REGIONS.values()}
# Outside InserJeunes's field (the overseas collectivities; Mayotte, per the Dares).
UNCOVERED_REGIONS = frozenset({"00", "06"})
# Months after leaving at which employment is measured.
MONTHS = (6, 12, 18, 24)

# The CFD's first three characters give the diploma (BCN N_NIVEAU_FORMATION_DIPLOME); the
# code sent as `diplome.code` is the new level number.
DIPLOMAS = {
    "503": ("3", "CAPA"),
    "513": ("3", "BEPA"),
    "500": ("3", "CAP"),
    "403": ("4", "BAC PRO AG"),
    "433": ("4", "BAC TEC AG"),
    "400": ("4", "BAC PRO"),
    "323": ("5", "BTSA"),
    "320": ("5", "BTS"),
}
LEVEL_DIPLOMAS = {"5": ("3", "CAP"), "4": ("4", "BAC PRO"), "3": ("5", "BTS")}
AGRICULTURAL_PREFIXES = ("503", "403", "403", "323")
# BCN long labels are upper case, without accents.
SPECIALTIES = (
    "CONDUITE ET GESTION DE L'ENTREPRISE AGRICOLE",
    "CONDUITE ET GESTION DE L'ENTREPRISE VITIVINICOLE",
    "AMENAGEMENTS PAYSAGERS",
    "PRODUCTIONS HORTICOLES",
    "AGRONOMIE - PRODUCTIONS VEGETALES",
    "PRODUCTIONS ANIMALES",
    "SERVICES AUX PERSONNES ET ANIMATION DANS LES TERRITOIRES",
    "GESTION DES MILIEUX NATURELS ET DE LA FAUNE",
    "FORET",
    "TECHNICO-COMMERCIAL",
    "JARDINIER PAYSAGISTE",
    "METIERS DE L'AGRICULTURE",
    "VITICULTURE-OENOLOGIE",
    "AGRICULTURE DES REGIONS CHAUDES",
    "LABORATOIRE CONTROLE QUALITE",
    "GESTION ET MAITRISE DE L'EAU",
)


@dataclass(frozen=True, slots=True)
class Certification:
    code: str
    type: str
    filiere: str
    code_formation_diplome: str
    diplome: tuple[str, str]
    libelle: str
    # Indices into the vintage tuples of the first and last vintage with figures.
    first: int
    last: int
    has_regional: bool
    # Leavers of a typical year, and the shares that study on and find work at 6 months.
    cohort: float
    further: float
    employed: float

    @property
    def national_vintages(self):
        return NATIONAL_VINTAGES[self.first : self.last + 1]

    @property
    def regional_vintages(self):
        return REGIONAL_VINTAGES[self.first : self.last + 1]


def is_well_formed(code):
    return bool(CFD.fullmatch(code) or MEFSTAT11.fullmatch(code))


@cache
def certification(code):
    """What the stand-in knows of a well-formed code, or None when it is unknown."""
    if code.endswith("Z"):
        return None
    rng = Random(f"inserjeunes/{code}")
    if CFD.fullmatch(code):
        kind, filiere, cfd = "cfd", "apprentissage", code
        diploma = DIPLOMAS.get(code[:3]) or LEVEL_DIPLOMAS.get(code[0], ("4", "BAC PRO"))
        has_regional = rng.random() >= 1 / 3
    else:
        kind, filiere = "mef11", "agricole"
        cfd = rng.choice(AGRICULTURAL_PREFIXES) + f"{rng.randrange(100_000):05d}"
        diploma = DIPLOMAS[cfd[:3]]
        has_regional = False
    further = rng.uniform(22, 58)
    draw = rng.random()
    first = 2 if rng.random() < 1 / 6 else 0
    last = 2 if rng.random() < 1 / 6 else 3
    return Certification(
        code=code,
        type=kind,
        filiere=filiere,
        code_formation_diplome=cfd,
        diplome=diploma,
        libelle=rng.choice(SPECIALTIES),
        first=first,
        last=max(first, last),
        has_regional=has_regional,
        # Log-uniform between 10 and 3,000: many small diplomas, a few large ones.
        cohort=math.exp(rng.uniform(math.log(10), math.log(3000))),
        further=further,
        # Employment and further study leave at least 5 % of "other situations".
        employed=37 + draw * (min(73, 93 - further) - 37),
    )


def has_regional(cert, region_code):
    if not cert.has_regional or region_code in UNCOVERED_REGIONS:
        return False
    return Random(f"inserjeunes/{cert.code}/{region_code}").random() >= 0.2


def national(cert, millesime):
    """The national statistics of one vintage, as the certifications route sends them."""
    rng = Random(f"inserjeunes/{cert.code}/{millesime}")
    leavers = min(3000, max(10, round(cert.cohort * rng.uniform(0.85, 1.15))))
    return _with_meta(_stats(cert, millesime, leavers, rng))


def regional(cert, region_code, millesime):
    """The statistics of a region over a two-year period, as the regionales route sends them."""
    rng = Random(f"inserjeunes/{cert.code}/{region_code}/{millesime}")
    # A region trains 2 to 15 % of a diploma's leavers; a period cumulates two years.
    leavers = max(1, round(2 * cert.cohort * rng.uniform(0.02, 0.15)))
    stats = _stats(cert, millesime, leavers, rng)
    stats["region"] = {"code": region_code, "nom": REGION_NAMES[region_code]}
    return _with_meta(stats)


def _stats(cert, millesime, leavers, rng):
    further = cert.further + rng.uniform(-3, 3)
    studying = _count(leavers, further, 20, 60)
    # Employment and further study leave at least 5 % of "other situations".
    employed = _count(
        leavers, cert.employed + rng.uniform(-3, 3), 35, min(75, 95 - 100 * studying / leavers)
    )
    stats = {
        "millesime": millesime,
        "code_certification": cert.code,
        "code_certification_type": cert.type,
        "code_formation_diplome": cert.code_formation_diplome,
        "filiere": cert.filiere,
        "libelle": cert.libelle,
        "diplome": {"code": cert.diplome[0], "libelle": cert.diplome[1]},
        "donnee_source": {"code_certification": cert.code, "type": "self"},
        "nb_annee_term": leavers,
        "nb_sortant": leavers - studying,
        "nb_poursuite_etudes": studying,
    }
    # Employment grows with time after leaving, never beyond those who left.
    for months in MONTHS:
        stats[f"nb_en_emploi_{months}_mois"] = min(leavers - studying, employed)
        employed += round(leavers * rng.uniform(0.005, 0.04))
    # Rates are integer percentages of the final-year pupils, as upstream computes them.
    stats["taux_en_formation"] = _percent(studying, leavers)
    for months in MONTHS:
        rate = _percent(stats[f"nb_en_emploi_{months}_mois"], leavers)
        stats[f"taux_en_emploi_{months}_mois"] = rate
        stats[f"taux_autres_{months}_mois"] = max(0, 100 - rate - stats["taux_en_formation"])
    if cert.filiere == "apprentissage":
        stats["taux_rupture_contrats"] = round(rng.uniform(10, 30))
    if leavers < MIN_LEAVERS:
        stats = {k: (None if k.startswith("taux_") else v) for k, v in stats.items()}
    return stats


def _with_meta(stats):
    """_meta as the single-item routes add it, with the message explaining withheld rates."""
    code, diplome, filiere = stats["code_certification"], stats["diplome"], stats["filiere"]
    meta = {
        "titre": f"Certification {code}",
        "details": (
            f"Données InserJeunes pour la certification {code} ({diplome['libelle']} filière "
            f"{filiere}) pour le millesime {stats['millesime']}"
        ),
    }
    if stats["nb_annee_term"] < MIN_LEAVERS:
        meta["messages"] = [WITHHELD]
    return stats | {"_meta": meta}


def _percent(part, whole):
    return round(100 * part / whole)


def _count(leavers, percent, low, high):
    """round(leavers x percent), kept where its rate stays between low and high percent."""
    return max(
        math.ceil(leavers * low / 100),
        min(math.floor(leavers * high / 100), round(leavers * percent / 100)),
    )
