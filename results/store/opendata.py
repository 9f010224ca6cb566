"""Open data from the other public sources, stored: the agricultural establishments and lycée
results of a département (data.education.gouv.fr), and what becomes of each diploma's leavers
(InserJeunes), which day/outlooks.py turns into the inserts' notes.

The figures change a few times a year: a weekly job refreshes them, and nothing on a
deliberation day waits for these sources. A failed refresh keeps the last good figures.
"""

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ..models import (
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

# Fetch records of these sources, for freshness and for the notes' "unreachable since".
ESTABLISHMENTS, LYCEE_RESULTS, EMPLOYMENT = "annuaire", "ival", "inserjeunes"


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


def last_failure(endpoint):
    """The latest fetch of a source if it failed (the source is down as far as we know)."""
    latest = Fetch.objects.filter(endpoint=endpoint).order_by("-started_at").first()
    return latest if latest is not None and latest.outcome == Fetch.Outcome.FAILED else None


def last_success(endpoint, code=""):
    fetches = Fetch.objects.filter(endpoint=endpoint, outcome=Fetch.Outcome.CHANGED)
    if code:
        fetches = fetches.filter(departement_code=code)
    return fetches.order_by("-started_at").first()
