"""The outlook notes an insert prints: what becomes of each diploma's leavers, or why none."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format

from ..models import CalendarRow, DiplomaCode, EmploymentFigure
from ..store.opendata import EMPLOYMENT, last_failure

OUTLOOK_TITLE = "Que deviennent les diplômés ?"
NBSP = "\u00a0"
# InserJeunes' "filiere": which leavers the figures count.
TRACKS = {"apprentissage": ", apprentis", "pro": ", voie scolaire", "agricole": ", voie scolaire"}


def mapping_for(filiere, option, mappings=None):
    """The codes of a (filière, option): its own mapping, else its filière's."""
    if mappings is None:
        mappings = {(m.filiere, m.option): m for m in DiplomaCode.objects.all()}
    return mappings.get((filiere, option)) or mappings.get((filiere, ""))


def percent(value):
    return f"{round(value)}{NBSP}%"


def vintage(millesime):
    """ "2023_2024" → "2023-2024"; "2024" stays."""
    return millesime.replace("_", "-")


def outlook_lines(figure):
    """The note's lines from a cached figure, or None when there is nothing right to print."""
    if figure.withheld or (figure.employment_6m is None and figure.further_study is None):
        return None
    facts = []
    if figure.employment_6m is not None:
        facts.append(
            f"En emploi 6{NBSP}mois après la sortie{NBSP}: {percent(figure.employment_6m)}."
        )
    if figure.further_study is not None:
        facts.append(f"En poursuite d'études{NBSP}: {percent(figure.further_study)}.")
    where = figure.region_name or "France entière"
    track = TRACKS.get(figure.track, "")
    source = (
        f"Source{NBSP}: InserJeunes (DEPP, Dares), {where}, sortants {vintage(figure.millesime)}"
        f"{track}. Licence Ouverte 2.0."
    )
    return (OUTLOOK_TITLE, " ".join(facts), source)


@dataclass
class Outlooks:
    """The notes of one département's sections, and why some have none."""

    notes: dict = field(default_factory=dict)
    unmapped: list = field(default_factory=list)
    missing: list = field(default_factory=list)


def departement_outlooks(departement, sections=None):
    """Notes for a département's (filière, option) sections: the regional figure when the
    source has one, else the national one; nothing rather than a wrong figure."""
    if sections is None:
        sections = set(
            CalendarRow.objects.filter(departement=departement).values_list("filiere", "option")
        )
    mappings = {(m.filiere, m.option): m for m in DiplomaCode.objects.all()}
    figures = {(f.code, f.region_code): f for f in EmploymentFigure.objects.all()}
    outlooks = Outlooks()
    for filiere, option in sorted(sections):
        mapping = mapping_for(filiere, option, mappings)
        if mapping is None:
            outlooks.unmapped.append((filiere, option))
            continue
        lines = None
        for code in mapping.codes:
            figure = figures.get((code, departement.region_code)) or figures.get((code, ""))
            if figure is not None and (lines := outlook_lines(figure)):
                break
        if lines:
            outlooks.notes[(filiere, option)] = lines
        else:
            outlooks.missing.append((filiere, option))
    return outlooks


def outlook_note(outlooks, sections):
    """What the insert page says of the notes this version lacks; "" when none is missing."""
    unmapped = [s for s in outlooks.unmapped if s in sections]
    missing = [s for s in outlooks.missing if s in sections]
    parts = []
    if missing:
        failure = last_failure(EMPLOYMENT)
        if failure is not None:
            when = date_format(timezone.localtime(failure.started_at), "j F à H:i")
            parts.append(
                f"Encadrés absents pour {len(missing)} diplôme(s) : InserJeunes était "
                f"injoignable à la dernière mise à jour ({when}) ; ils seront dans la prochaine "
                "version après son retour."
            )
        else:
            parts.append(
                f"Encadrés absents pour {len(missing)} diplôme(s) : la source ne publie pas de "
                "taux pour eux (moins de 20 sortants, ou pas de données)."
            )
    if unmapped:
        parts.append(f"{len(unmapped)} diplôme(s) sans codes : voir la page Diplômes.")
    return " ".join(parts)[:500]


def title_outlooks(title):
    """Every followed département's notes, for the plan: {(code, filière, option): lines}."""
    if not title.outlook_notes:
        return {}
    return {
        (departement.code, *section): lines
        for departement in title.departements.all()
        for section, lines in departement_outlooks(departement).notes.items()
    }
