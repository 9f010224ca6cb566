"""Deterministic stand-in records of two data.education.gouv.fr datasets, for every département.

- `fr-en-annuaire-education`: each département's lycées. One to four are agricultural (public
  "Lycée agricole …" or "EPLEFPA de …", sometimes a public "Lycée professionnel agricole …",
  private "Lycée agricole privé …" and "Maison familiale rurale de …"); three to six are not, so
  that the `lycee_agricole` filter matters.
- `fr-en-indicateurs-de-resultat-des-lycees-pro_v2` (IVAL): Bac pro indicators, sessions 2022 to
  2025, of the département's lycées professionnels and polyvalents. Agricultural lycées are
  probably not in IVAL (OPEN_DATA_APIS.md B.4, unverified), so here only about one département in
  ten has its public agricultural lycée in it: enough for the join to be tried both ways.

Field names and value formats are the portal's (B.3, B.4, and a real annuaire record): the
annuaire's département as "030", its flags sometimes "1" and sometimes 1, IVAL's `annee` as an
ISO date. IVAL's names here are upper case without accents and abbreviated ("LP JEAN JAURES",
"NIMES"), as the ministry's extractions often are, so they differ from the annuaire's: join on
the UAI, never on a name. Mayotte's lycées have no value added (as the source often has it), and
about one row in twenty elsewhere. The nature codes and labels of agricultural establishments and
their `ministere_tutelle` are the stand-in's guesses.

Pure: no ORM, no settings; drawn from random.Random seeded by stable strings, like data.py.
"""

import unicodedata
from dataclasses import dataclass
from functools import cache
from random import Random

from .communes import COMMUNES
from .departements import BY_CODE, DEPARTEMENTS

ANNUAIRE = "fr-en-annuaire-education"
LYCEES_PRO = "fr-en-indicateurs-de-resultat-des-lycees-pro_v2"
SESSIONS = (2022, 2023, 2024, 2025)
# The UAI's check letter: the seven leading digits modulo 23, in this alphabet.
UAI_KEY = "ABCDEFGHJKLMNPRSTUVWXYZ"
# IVAL publishes a lycée professionnel's results from ten candidates.
IVAL_THRESHOLD = 10
AGRICULTURAL_IN_IVAL_RATE = 0.1
MISSING_VA_RATE = 0.05
NO_VALUE_ADDED = {"976"}
EDUCATION = "MINISTERE DE L'EDUCATION NATIONALE"
AGRICULTURE = "MINISTERE DE L'AGRICULTURE"


@dataclass(frozen=True, slots=True)
class Kind:
    nature_code: int
    nature: str
    agricultural: bool
    # (voie générale, voie technologique, voie professionnelle)
    voies: tuple[int, int, int]
    pupils: tuple[int, int]
    # How IVAL abbreviates the label that opens the name.
    ival_prefix: str = ""


LEGT = Kind(300, "LYCEE D ENSEIGNEMENT GENERAL ET TECHNOLOGIQUE", False, (1, 1, 0), (600, 1800))
LPO = Kind(306, "LYCEE POLYVALENT", False, (1, 1, 1), (700, 1900), "LPO")
LP = Kind(320, "LYCEE PROFESSIONNEL", False, (0, 0, 1), (200, 700), "LP")
LEGTA = Kind(
    307,
    "LYCEE ENSEIGNT GENERAL TECHNOLOGIQUE ET PROFESSIONNEL AGRICOLE",
    True,
    (1, 1, 1),
    (250, 700),
    "LEGTA",
)
LPA = Kind(321, "LYCEE PROFESSIONNEL AGRICOLE", True, (0, 0, 1), (100, 320), "LPA")
MFR = Kind(380, "MAISON FAMILIALE RURALE D EDUCATION ET D ORIENTATION", True, (0, 0, 1), (60, 180))

PATRONS = """
Jean Jaurès|Victor Hugo|Marie Curie|Jules Ferry|Albert Camus|Louise Michel|Paul Langevin|
Jean Moulin|Simone Veil|Camille Claudel|Antoine de Saint-Exupéry|Marcel Pagnol|Frédéric Mistral|
Émile Zola|Jacques Prévert|George Sand|Olympe de Gouges|Léonard de Vinci|Pierre Mendès France|
René Cassin|Condorcet|Voltaire|Lavoisier|Joliot-Curie|Gaston Bachelard|Germaine Tillion|
Lucie Aubrac|Jean Monnet|Aristide Briand|Blaise Pascal
"""
TRADES_PATRONS = """
Gustave Eiffel|Jean Lurçat|Marcel Sembat|Louis Armand|André Malraux|Paul Éluard|Marie Marvingt|
Édouard Branly|Frédéric Bazille|Raymond Loewy|Jean Mermoz|Hélène Boucher|Claude-Nicolas Ledoux|
Léonce Vieljeux|Charles Péguy|Denis Papin|Jacques Brel|Paul-Louis Courier
"""
FARMING_PATRONS = """
Olivier de Serres|Théodore Monod|Mathieu de Dombasle|Antoine Parmentier|Charles Baltet|
Marie Durand|Henri Queuille|Pierre Poivre|Jean-Baptiste Boussingault|Louis Pasteur|
Jules Rieffel|Auguste Chevalier
"""
SAINTS = """
Saint-Joseph|Notre-Dame|Sainte-Marie|Saint-Vincent-de-Paul|La Salle|Jeanne-d'Arc|
Saint-François-d'Assise|Sainte-Famille|Saint-Louis|Notre-Dame-de-la-Providence|Saint-Exupère
"""


def _names(text):
    return tuple(name.strip() for name in text.replace("\n", "").split("|"))


PATRON_LIST = _names(PATRONS)
TRADES_LIST = _names(TRADES_PATRONS)
FARMING_LIST = _names(FARMING_PATRONS)
SAINT_LIST = _names(SAINTS)


@dataclass(frozen=True, slots=True)
class Lycee:
    uai: str
    name: str
    kind: Kind
    public: bool
    departement: str
    commune: str
    # In the IVAL file from this session on (None: never).
    ival_from: int | None


def of(commune):
    """ "de Nîmes", "d'Alès", "du Vigan", "des Andelys", "de La Rochelle": French elision."""
    if commune.startswith("Le "):
        return "du " + commune[3:]
    if commune.startswith("Les "):
        return "des " + commune[4:]
    if commune[0] in "AEIOUYHÉÈÎaeiouyh":
        return "d'" + commune
    return "de " + commune


def uai(departement, number):
    """A UAI: the département on three digits (Corsica: 620, 720), four digits, a key."""
    prefix = {"2A": "620", "2B": "720"}.get(departement, departement.zfill(3))
    digits = f"{prefix}{number:04d}"
    return digits + UAI_KEY[int(digits) % 23]


@cache
def lycees(code):
    """The lycées of a département in the stand-in's annuaire, agricultural ones first."""
    if code not in BY_CODE:
        return ()
    rng = Random(f"education/{code}")
    communes = COMMUNES[code]
    towns = communes[1:] or communes
    numbers = iter(rng.sample(range(1, 10_000), 12))
    drawn, names = [], set()

    def add(kind, public, name, commune, ival_from=None):
        if name in names:
            return
        names.add(name)
        drawn.append(Lycee(uai(code, next(numbers)), name, kind, public, code, commune, ival_from))

    commune = rng.choice(towns)
    name = rng.choice(
        (f"Lycée agricole {rng.choice(FARMING_LIST)}", f"EPLEFPA {of(commune)}")
        + (f"Lycée agricole {of(commune)}",)
    )
    in_ival = rng.random() < AGRICULTURAL_IN_IVAL_RATE
    add(LEGTA, True, name, commune, SESSIONS[0] if in_ival else None)
    for _ in range(rng.choices((0, 1, 2, 3), (20, 35, 30, 15))[0]):
        commune = rng.choice(towns)
        kind, public, name = rng.choices(
            (
                (LPA, True, f"Lycée professionnel agricole {of(commune)}"),
                (LPA, False, f"Lycée agricole privé {rng.choice(SAINT_LIST)}"),
                (MFR, False, f"Maison familiale rurale {of(commune)}"),
            ),
            (1, 2, 3),
        )[0]
        add(kind, public, name, commune)

    # The préfecture's lycée polyvalent, a lycée professionnel, then a few more of any kind.
    add(LPO, True, f"Lycée polyvalent {rng.choice(PATRON_LIST)}", communes[0], SESSIONS[0])
    add(LP, True, f"Lycée professionnel {rng.choice(TRADES_LIST)}", rng.choice(communes), 2022)
    for _ in range(rng.randint(1, 4)):
        commune = rng.choice(communes)
        kind, public, name = rng.choice(
            (
                (LEGT, True, f"Lycée {rng.choice(PATRON_LIST)}"),
                (LEGT, False, f"Lycée privé {rng.choice(SAINT_LIST)}"),
                (LPO, True, f"Lycée polyvalent {rng.choice(PATRON_LIST)}"),
                (LP, True, f"Lycée professionnel {rng.choice(TRADES_LIST)}"),
                (LP, False, f"Lycée professionnel privé {rng.choice(SAINT_LIST)}"),
            )
        )
        # Now and then a lycée professionnel opened lately: IVAL has only its last sessions.
        start = rng.choice(SESSIONS[:1] * 5 + SESSIONS[2:3]) if kind.voies[2] else None
        add(kind, public, name, commune, start)
    return tuple(drawn)


@cache
def _commune(departement, name):
    """(INSEE code, postal code) of a commune: made up, stable, of the right shape."""
    rng = Random(f"commune/{departement}/{name}")
    if len(departement) == 3:
        # Overseas: the département's three digits, then two.
        insee = f"{departement}{rng.randint(1, 34):02d}"
        return insee, f"{departement}{rng.randrange(0, 100, 10):02d}"
    insee = f"{departement}{rng.randint(1, 800):03d}"
    if departement in ("2A", "2B"):
        base = 0 if departement == "2A" else 200
        return insee, f"20{base + rng.randrange(0, 200, 10):03d}"
    prefecture = COMMUNES[departement][0] == name
    postal = "000" if prefecture else f"{rng.randrange(100, 1000, 10):03d}"
    return insee, f"{departement}{postal}"


def _phone(rng, zone):
    pairs = " ".join(f"{rng.randint(0, 99):02d}" for _ in range(3 if len(zone) == 3 else 4))
    return f"0{zone} {pairs}"


def annuaire_record(lycee):
    """The annuaire's record of a lycée, with the fields and value types the portal sends."""
    departement = BY_CODE[lycee.departement]
    rng = Random(f"annuaire/{lycee.uai}")
    code_commune, code_postal = _commune(lycee.departement, lycee.commune)
    kind = lycee.kind
    general, technological, vocational = kind.voies
    return {
        "identifiant_de_l_etablissement": lycee.uai,
        "nom_etablissement": lycee.name,
        "type_etablissement": "Lycée",
        "statut_public_prive": "Public" if lycee.public else "Privé",
        "adresse_1": f"{rng.randint(1, 60)} {rng.choice(STREETS)}",
        "adresse_2": None,
        "adresse_3": None,
        "code_postal": code_postal,
        "code_commune": code_commune,
        "nom_commune": lycee.commune,
        "code_departement": lycee.departement.zfill(3),
        "libelle_departement": departement.name,
        "code_region": departement.region.id,
        "libelle_region": departement.region.name,
        "voie_generale": str(general),
        "voie_technologique": str(technological),
        "voie_professionnelle": str(vocational),
        "telephone": _phone(rng, departement.region.phone_zone),
        "fax": None,
        "restauration": 1,
        "hebergement": int(kind.agricultural or rng.random() < 0.3),
        "ulis": int(rng.random() < 0.3),
        "apprentissage": str(int(kind.agricultural or rng.random() < 0.4)),
        "segpa": "0",
        "lycee_agricole": str(int(kind.agricultural)),
        "lycee_militaire": "0",
        "lycee_des_metiers": str(int(vocational and rng.random() < 0.4)),
        "post_bac": str(int(kind in (LEGTA, LEGT, LPO) and rng.random() < 0.7)),
        "greta": str(int(not kind.agricultural and rng.random() < 0.3)),
        "siren_siret": f"{rng.randint(10**13, 10**14 - 1)}",
        "nombre_d_eleves": rng.randint(*kind.pupils),
        "type_contrat_prive": "SANS OBJET" if lycee.public else "CONTRAT D'ASSOCIATION",
        "code_type_contrat_prive": "99" if lycee.public else "30",
        "date_ouverture": f"{rng.randint(1960, 2015)}-09-01",
        "date_maj_ligne": "2025-09-02",
        "etat": "OUVERT",
        "ministere_tutelle": AGRICULTURE if kind.agricultural else EDUCATION,
        "code_nature": kind.nature_code,
        "libelle_nature": kind.nature,
    }


STREETS = (
    "route de la Gare",
    "avenue Jean Jaurès",
    "rue des Écoles",
    "chemin de la Ferme",
    "boulevard Victor Hugo",
    "rue du Lycée",
    "allée des Tilleuls",
    "route Nationale",
    "rue de la République",
    "place de l'Église",
)


def _ival_text(text):
    """Upper case without accents, as the ministry's extractions print names."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.upper()


def _ival_name(lycee):
    name = _ival_text(lycee.name)
    for label in ("LYCEE PROFESSIONNEL AGRICOLE ", "LYCEE PROFESSIONNEL ", "LYCEE POLYVALENT "):
        if name.startswith(label) and lycee.kind.ival_prefix:
            return f"{lycee.kind.ival_prefix} {name[len(label) :]}"
    return name


def ival_records(lycee):
    """A lycée's IVAL rows, one per session it is in (none below the publication threshold)."""
    if lycee.ival_from is None:
        return []
    departement = BY_CODE[lycee.departement]
    code_commune, _ = _commune(lycee.departement, lycee.commune)
    rng = Random(f"ival/{lycee.uai}")
    size = rng.randint(12, 140 if lycee.kind is LP else 70)
    base_rate, expected = rng.uniform(70, 94), rng.uniform(76, 90)
    production = lycee.kind.agricultural or rng.random() < 0.5
    rows = []
    for session in SESSIONS:
        if session < lycee.ival_from:
            continue
        presents = max(0, round(size * rng.uniform(0.85, 1.15)))
        rate = min(100, round(base_rate + rng.uniform(-6, 6)))
        if presents < IVAL_THRESHOLD:
            continue
        hidden = lycee.departement in NO_VALUE_ADDED or rng.random() < MISSING_VA_RATE
        admitted = round(presents * rate / 100)
        mentions = round(admitted * rng.uniform(0.3, 0.65))
        very_good = round(mentions * rng.uniform(0.05, 0.2))
        good = round((mentions - very_good) * rng.uniform(0.3, 0.5))
        access = round(rng.uniform(45, 85))
        rows.append(
            {
                "annee": f"{session}-01-01T00:00:00+00:00",
                "uai": lycee.uai,
                "libelle_uai": _ival_name(lycee),
                "secteur": "public" if lycee.public else "privé",
                "code_commune": code_commune,
                "libelle_commune": _ival_text(lycee.commune),
                "code_departement": lycee.departement.zfill(3),
                "libelle_departement": departement.name,
                "libelle_region": departement.region.name,
                "presents_total": presents,
                "taux_reu_total": rate,
                "va_reu_total": None if hidden else round(rate - expected),
                "taux_acces_2nde": access,
                "va_acces_2nde": None if hidden else round(rng.uniform(-10, 10)),
                "taux_men_total": round(100 * mentions / max(admitted, 1)),
                "va_men_total": None if hidden else round(rng.uniform(-12, 12)),
                "eff_2nde": round(presents * rng.uniform(1.1, 1.4)),
                "eff_1ere": round(presents * rng.uniform(1.0, 1.2)),
                "eff_term": presents + rng.randint(0, 4),
                "nb_mentions_tb_sansf_p": very_good,
                "nb_mentions_b_p": good,
                "nb_mentions_ab_p": mentions - very_good - good,
                "taux_reu_production": rate if production else None,
                "taux_reu_services": None if production else rate,
            }
        )
    return rows


@cache
def annuaire():
    """Every record of the stand-in's annuaire, by UAI."""
    records = [annuaire_record(lycee) for d in DEPARTEMENTS for lycee in lycees(d.code)]
    return tuple(sorted(records, key=lambda r: r["identifiant_de_l_etablissement"]))


@cache
def lycees_pro():
    """Every record of the stand-in's IVAL file, by session then UAI."""
    records = [row for d in DEPARTEMENTS for lycee in lycees(d.code) for row in ival_records(lycee)]
    return tuple(sorted(records, key=lambda r: (r["annee"], r["uai"])))


DATASETS = {ANNUAIRE: annuaire, LYCEES_PRO: lycees_pro}
