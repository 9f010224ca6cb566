"""Context from the other public sources, cached: the agricultural establishments and lycée
results of a département (data.education.gouv.fr), and what becomes of each diploma's leavers
(InserJeunes) for the inserts' outlook notes.

The figures change a few times a year: a weekly job refreshes them, and nothing on a
deliberation day waits for these sources. A failed refresh keeps the last good figures.
"""

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from ..models import (
    CalendarRow,
    Departement,
    DiplomaCode,
    EmploymentFigure,
    Establishment,
    Fetch,
    LyceeResult,
)
from ..sources import education, inserjeunes
from .sync import save_fetch

log = logging.getLogger(__name__)

OUTLOOK_TITLE = "Que deviennent les diplômés ?"
# Fetch records of these sources, for freshness and for the notes' "unreachable since".
ESTABLISHMENTS, LYCEE_RESULTS, EMPLOYMENT = "annuaire", "ival", "inserjeunes"
NBSP = "\u00a0"
# InserJeunes' "filiere": which leavers the figures count.
TRACKS = {"apprentissage": ", apprentis", "pro": ", voie scolaire", "agricole": ", voie scolaire"}


@dataclass
class RefreshReport:
    refreshed: list = field(default_factory=list)
    failed: list = field(default_factory=list)

    def __str__(self):
        done = f"{len(self.refreshed)} mise(s) à jour"
        return done + (
            f", {len(self.failed)} échec(s) : " + " ; ".join(self.failed) if self.failed else ""
        )


def _record(endpoint, code, started, *, rows=None, error=None):
    save_fetch(
        Fetch(
            endpoint=endpoint,
            departement_id=code or None,
            departement_code=code or "",
            started_at=started,
            duration_ms=int((timezone.now() - started).total_seconds() * 1000),
            http_status=getattr(error, "status", None) or (None if error else 200),
            row_count=rows,
            outcome=Fetch.Outcome.FAILED if error else Fetch.Outcome.CHANGED,
            summary=str(error) if error else f"{rows} ligne(s)",
        )
    )


# --- the département: establishments and lycée results ---------------------------------------


def refresh_departement(code, client=None):
    """Refresh a département's establishments and lycée results; each source apart, so one
    down leaves the other's fresh figures, and a failure keeps the cached ones."""
    report = RefreshReport()
    # A client passed in is the caller's to close; one made here is closed here.
    with nullcontext(client) if client else education.EducationClient.from_settings() as client:
        for endpoint, fetch, store in (
            (ESTABLISHMENTS, client.agricultural_establishments, _store_establishments),
            (LYCEE_RESULTS, client.lycee_pro_results, _store_lycee_results),
        ):
            started = timezone.now()
            try:
                records = fetch(code)
            except (education.OpenDataError, ValueError) as error:
                _record(endpoint, code, started, error=error)
                report.failed.append(f"{endpoint} {code} : {error}")
                log.warning("open data %s of %s not refreshed: %s", endpoint, code, error)
                continue
            with transaction.atomic():
                store(code, records)
                _record(endpoint, code, started, rows=len(records))
            report.refreshed.append(f"{endpoint} {code}")
    return report


def _store_establishments(code, records):
    Establishment.objects.filter(departement=code).delete()
    Establishment.objects.bulk_create(
        Establishment(
            departement_id=code,
            uai=r.uai,
            name=r.name,
            kind=r.kind,
            nature=r.nature,
            commune=r.commune,
            public=r.public,
        )
        for r in records
    )


def _store_lycee_results(code, records):
    LyceeResult.objects.filter(departement=code).delete()
    LyceeResult.objects.bulk_create(
        LyceeResult(
            departement_id=code,
            uai=r.uai,
            name=r.name,
            commune=r.commune,
            public=r.public,
            session=r.session,
            candidates=r.candidates,
            success_rate=r.success_rate,
            value_added=r.value_added,
        )
        for r in records
    )


# --- diplomas: the mapping and the employment figures ---------------------------------------


def mapping_for(filiere, option, mappings=None):
    """The codes of a (filière, option): its own mapping, else its filière's."""
    if mappings is None:
        mappings = {(m.filiere, m.option): m for m in DiplomaCode.objects.all()}
    return mappings.get((filiere, option)) or mappings.get((filiere, ""))


def followed_regions():
    """INSEE codes of the regions of the départements titles follow."""
    codes = Departement.objects.filter(followers__isnull=False).values_list(
        "region_code", flat=True
    )
    return sorted({code for code in codes if code})


def refresh_employment(client=None):
    """Refresh the figures of every mapped code: national, and for each followed region."""
    report = RefreshReport()
    regions = followed_regions()
    started = timezone.now()
    count = 0
    try:
        # A client passed in is the caller's to close; one made here is closed here.
        with nullcontext(client) if client else inserjeunes.InserJeunesClient.from_settings() as ij:
            for code in sorted({c for m in DiplomaCode.objects.all() for c in m.codes}):
                for region in ["", *regions]:
                    if region:
                        rates = ij.regional(region, code)
                    else:
                        rates = ij.national(code)
                    if rates is not None:
                        _store_figure(code, region, rates)
                        count += 1
    except (inserjeunes.InserJeunesError, ValueError) as error:
        _record(EMPLOYMENT, "", started, error=error)
        report.failed.append(f"InserJeunes : {error}")
        log.warning("employment figures not refreshed: %s", error)
    else:
        _record(EMPLOYMENT, "", started, rows=count)
        report.refreshed.append(f"InserJeunes : {count} chiffre(s)")
    return report


def _store_figure(code, region, rates):
    EmploymentFigure.objects.update_or_create(
        code=code,
        region_code=region,
        defaults={
            "region_name": rates.region_name,
            "millesime": rates.millesime,
            "label": rates.label,
            "leavers": rates.leavers,
            "employment_6m": rates.employment_6m,
            "further_study": rates.further_study,
            "withheld": rates.withheld,
            "track": rates.filiere,
            "fetched_at": timezone.now(),
        },
    )


def refresh_all():
    """The weekly refresh: every followed département, then the employment figures."""
    report = RefreshReport()
    codes = Departement.objects.filter(followers__isnull=False).values_list("code", flat=True)
    for code in sorted(set(codes)):
        part = refresh_departement(code)
        report.refreshed += part.refreshed
        report.failed += part.failed
    part = refresh_employment()
    report.refreshed += part.refreshed
    report.failed += part.failed
    return report


# --- the outlook notes of an insert ----------------------------------------------------------


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


def last_failure(endpoint):
    """The latest fetch of a source if it failed (the source is down as far as we know)."""
    latest = Fetch.objects.filter(endpoint=endpoint).order_by("-started_at").first()
    return latest if latest is not None and latest.outcome == Fetch.Outcome.FAILED else None


def last_success(endpoint, code=""):
    fetches = Fetch.objects.filter(endpoint=endpoint, outcome=Fetch.Outcome.CHANGED)
    if code:
        fetches = fetches.filter(departement_code=code)
    return fetches.order_by("-started_at").first()


def title_outlooks(title):
    """Every followed département's notes, for the plan: {(code, filière, option): lines}."""
    if not title.outlook_notes:
        return {}
    return {
        (departement.code, *section): lines
        for departement in title.departements.all()
        for section, lines in departement_outlooks(departement).notes.items()
    }
