"""The fetch and build runs of a claimed job, what each kind of job does and how it ends; and
the calendars' refresh, which tells the followers what it set aside as a fetch does."""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import logcontext
from ..audit import Action, record
from ..day.content import days_of_sections
from ..day.embargo import is_released, release_moment
from ..editions.builds import build_version, latest_version
from ..models import CalendarRow, Departement, Result, Title
from ..sources.arpent import ArpentClient, ArpentError
from ..store.sync import sync_calendar, sync_referentials, sync_results
from .holds import announce_calendar_holds, announce_holds
from .jobs import complete, fail, progress, queue_build
from .polling import poll_failed, poll_succeeded

log = logging.getLogger(__name__)


def run_fetch(job):
    """Fetch a département's results; when they changed, queue the builds of the inserts that
    print them. Returns the sync's report and those build jobs, for the caller to send once
    they are committed."""
    builds = []
    progress(job, 20, "Interrogation d'ARPENT…")
    with ArpentClient.from_settings() as client:
        report = sync_results(client, job.departement_id)
    days = days_of_sections(job.departement_id, report.sections) if report.changed else []
    with transaction.atomic():
        announce_holds(job.departement, report)
        for title in Title.objects.filter(departements=job.departement_id):
            # The editor who asked acts for their own title only: another title following the
            # same département sees its builds and its trail as the automatic work they are
            # for it, without the name of a user it does not know.
            user = job.requested_by if title.pk == job.title_id else None
            scope = None if title.combine_departements else job.departement
            title_days = set(days)
            if held_back_today(title, scope, job.departement_id):
                title_days.add(timezone.localdate())
            for day in sorted(title_days):
                builds.append(queue_build(title, scope, day, user=user))
            record_fetch(job, title, user, report, builds=len(title_days))
    complete(job, f"Résultats du {job.departement} : {report}")
    if job.slot:
        poll_succeeded(job)
    log.info("fetch job %s departement=%s: %s", job.pk, job.departement_id, report)
    return report, builds


def run_calendar(client, code):
    """Store a département's calendar as ARPENT answers it and tell its followers how many rows
    were set aside, when that changed. Returns the sync's report; upstream errors propagate."""
    report = sync_calendar(client, code)
    announce_calendar_holds(Departement.objects.get(pk=code), report)
    return report


def run_calendars():
    """The daily refresh: the referentials, then the calendar of every followed département.
    A département the upstream fails for is logged, and the others are still refreshed."""
    with ArpentClient.from_settings() as client:
        sync_referentials(client)
        codes = Title.departements.through.objects.values_list("departement_id", flat=True)
        for code in sorted(set(codes)):
            with logcontext.bind(departement_code=code):
                try:
                    run_calendar(client, code)
                except ArpentError as error:
                    log.warning("calendar of %s not refreshed: %s", code, error)


def fail_fetch(job, message):
    """A fetch run failed: a scheduled poll's failure counts towards the upstream-down notice."""
    if fail(job, message) and job.slot:
        poll_failed(job)


def record_fetch(job, title, user, report, builds):
    """The fetch in `title`'s audit trail: counts and the sections' labels, never a name."""
    if job.title_id is not None and title.pk != job.title_id:
        who = "à la demande d'un autre titre"
    elif job.slot:
        who = "automatique"
    else:
        who = "à la demande"
    record(
        Action.FETCH,
        title=title,
        user=user,
        departement=job.departement,
        summary=f"Résultats récupérés ({who}) : {report}",
        details={
            "job": job.pk,
            "outcome": report.outcome,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "deleted": report.deleted,
            "sections_changed": len(report.sections),
            "builds": builds,
        },
    )


def run_build(job):
    """Build a title's insert of a day; a new version only if its content changed."""
    if job.requested_by:
        reason = f"Demandée par {job.requested_by.get_username()}"
    else:
        reason = "Nouveaux résultats publiés"
    insert, created = build_version(
        job.title,
        job.departement,
        job.day,
        reason=reason,
        user=job.requested_by,
        on_progress=lambda pct, msg: progress(job, pct, msg),
    )
    if insert is None:
        complete(job, "Aucun résultat publié pour ce jour : pas d'encart à générer.")
    elif created:
        # Its audit event was recorded with the version, in the same transaction.
        complete(job, f"Encart version {insert.number} prêt : {insert.size_text}.", insert)
    else:
        message = f"Contenu inchangé : la version {insert.number} reste à jour."
        with transaction.atomic():
            complete(job, message, insert)
            record(
                Action.BUILD,
                title=job.title,
                user=job.requested_by,
                departement=job.departement,
                day=job.day,
                summary=message,
                details={"job": job.pk, "version": insert.number, "created": False},
            )
    log.info(
        "build job %s title=%s departement=%s day=%s",
        job.pk,
        job.title_id,
        job.departement_id,
        job.day,
    )


def held_back_today(title, scope, code):
    """Whether today's insert must be built now that today's embargo has lifted: the upstream
    showed some of today's lists before the moment, so no fetch will bring them as new."""
    today = timezone.localdate()
    if not is_released(today):
        return False
    moment = release_moment(today)
    latest = latest_version(title, scope, today)
    if latest is not None and latest.created_at >= moment:
        return False
    sections = CalendarRow.objects.filter(departement=code, date_delib=today).values_list(
        "filiere", "option"
    )
    early = Q()
    for filiere, option in sections:
        early |= Q(filiere=filiere, option=option)
    return bool(early) and (
        Result.objects.filter(early, departement=code, fetched_at__lt=moment).exists()
    )
