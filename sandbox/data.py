"""Deterministic data of one exam session: sections, cohorts, the E1 calendar and E2 results.

Pure: no ORM, no settings. Everything is drawn from random.Random seeded by stable strings
(never hash(), which is salted per process), and nothing depends on the session's start date
except the dates themselves, so moving the session (see clock.rehearse) keeps every name.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from math import sqrt
from random import Random
from zoneinfo import ZoneInfo

from .credentials import locate
from .departements import BY_CODE, DEPARTEMENTS
from .diplomas import ADMITTED, CGEA, FAILED, OPTIONS, SECOND_GROUP, SPECIALITE_PREFIX, STAV
from .names import given_names, mixed_case, surname

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_SESSION_START = date(2026, 6, 16)
LARGEST = max(d.population for d in DEPARTEMENTS)
# Deliberations fall within this many days after the session starts (mid-June to mid-July).
SESSION_DAYS = 26
FIRST_MINUTE, LAST_MINUTE = 9 * 60, 18 * 60
# About one candidate in 120 has the exact name of an earlier one of the same section.
HOMONYM_RATE = 0.008
# A few rows come in mixed case: ARPENT says not to rely on upper case.
MIXED_CASE_RATE = 0.02


@dataclass(frozen=True, slots=True)
class Planned:
    """One (filière, option) section of a département, before it is placed in a session."""

    option_index: int
    nb_candidats: int
    day: int
    minute: int
    # Spécialité labels as this département publishes them (with or without the prefix).
    specialites: tuple[str, ...]
    # What rows carry when the option has no spécialité: ARPENT sends "" or null.
    no_specialite: str | None


@dataclass(frozen=True, slots=True)
class Section:
    departement: str
    option_index: int
    filiere: str
    option: str
    nb_candidats: int
    date: date
    # When the jury deliberates (Paris time): E2 lists the section from then on.
    moment: datetime


@dataclass(frozen=True, slots=True)
class Candidate:
    index: int
    nom: str
    prenoms: str
    specialite: str | None
    resultat: str
    consent: bool

    @property
    def listed(self):
        """ARPENT publishes only passes and second groups, and only with consent."""
        return self.consent and self.resultat != FAILED


@cache
def plan(code):
    """The sections of a département, with day offsets instead of dates."""
    departement = BY_CODE.get(code)
    if departement is None:
        return ()
    rng = Random(f"plan/{code}")
    weight = sqrt(departement.population / LARGEST)
    others = [o for o in OPTIONS if o not in (CGEA, STAV)]
    chosen = [CGEA, STAV] + rng.sample(others, 8 + round(12 * weight) - 2)
    chosen.sort(key=lambda o: o.index)

    total = round(250 + 1750 * weight)
    shares = [o.filiere.size * rng.uniform(0.6, 1.4) for o in chosen]
    sizes = [max(8, round(total * share / sum(shares))) for share in shares]

    days = sorted(rng.sample(range(SESSION_DAYS), rng.randint(3, 6)))
    # Every chosen day gets at least one section; the others fall on any of them.
    order = list(range(len(chosen)))
    rng.shuffle(order)
    section_days = [0] * len(chosen)
    for rank, i in enumerate(order):
        section_days[i] = days[rank] if rank < len(days) else rng.choice(days)

    published = tuple(
        (SPECIALITE_PREFIX + label) if rng.random() < 0.6 else label for label in CGEA.specialites
    )
    return tuple(
        Planned(
            option_index=option.index,
            nb_candidats=size,
            day=day,
            minute=rng.randrange(FIRST_MINUTE, LAST_MINUTE + 1, 5),
            specialites=published if option.specialites else (),
            no_specialite=rng.choice((None, "")),
        )
        for option, size, day in zip(chosen, sizes, section_days, strict=True)
    )


def sections(code, session_start):
    """The sections of a département in a session, in deliberation order."""
    placed = []
    for planned in plan(code):
        option = OPTIONS[planned.option_index]
        day = session_start + timedelta(days=planned.day)
        moment = datetime.combine(day, time(*divmod(planned.minute, 60)), tzinfo=PARIS)
        placed.append(
            Section(
                departement=code,
                option_index=option.index,
                filiere=option.filiere.label,
                option=option.label,
                nb_candidats=planned.nb_candidats,
                date=day,
                moment=moment,
            )
        )
    placed.sort(key=lambda s: (s.moment, s.option_index))
    return placed


@lru_cache(maxsize=2048)
def cohort(code, option_index):
    """Every candidate of a section, listed or not, in candidate-number order."""
    planned = next((p for p in plan(code) if p.option_index == option_index), None)
    if planned is None:
        return ()
    filiere = OPTIONS[option_index].filiere
    region_id = BY_CODE[code].region.id
    rng = Random(f"cohort/{code}/{option_index}")
    candidates = []
    for index in range(planned.nb_candidats):
        if planned.specialites:
            specialite = rng.choice(planned.specialites)
        else:
            specialite = planned.no_specialite
        if candidates and rng.random() < HOMONYM_RATE:
            twin = rng.choice(candidates)
            nom, prenoms, specialite = twin.nom, twin.prenoms, twin.specialite
        else:
            nom, prenoms = surname(rng, region_id), given_names(rng)
            if rng.random() < MIXED_CASE_RATE:
                nom = mixed_case(nom)
        draw = rng.random()
        if draw < filiere.pass_rate:
            resultat = ADMITTED
        elif draw < filiere.pass_rate + filiere.second_group_rate:
            resultat = SECOND_GROUP
        else:
            resultat = FAILED
        consent = rng.random() < filiere.consent_rate
        candidates.append(Candidate(index, nom, prenoms, specialite, resultat, consent))
    return tuple(candidates)


def calendar(code, session_start):
    """E1 rows: one per section, with its deliberation date but not its hour."""
    return [
        {
            "filiere": s.filiere,
            "option": s.option,
            "departement": s.departement,
            "nbCandidats": s.nb_candidats,
            "dateDelib": s.date.isoformat(),
        }
        for s in sections(code, session_start)
    ]


def results(code, session_start, now):
    """E2 rows of the sections that have deliberated by `now`, as an upstream lists them."""
    rows = []
    for s in sections(code, session_start):
        if s.moment > now:
            continue
        rows.extend(
            {
                "filiere": s.filiere,
                "option": s.option,
                "specialite": c.specialite,
                "departement": s.departement,
                "nom": c.nom,
                "prenoms": c.prenoms,
                "resultat": c.resultat,
            }
            for c in cohort(code, s.option_index)
            if c.listed
        )
    return rows


def find_candidate(ina, num_gestion, session_start):
    """The (section, candidate) these E3 credentials belong to, or None; no scan."""
    located = locate(ina, num_gestion)
    if located is None:
        return None
    code, option_index, index = located
    section = next(
        (s for s in sections(code, session_start) if s.option_index == option_index), None
    )
    if section is None or index >= section.nb_candidats:
        return None
    return section, cohort(code, option_index)[index]
