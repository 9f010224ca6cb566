"""Background jobs the editors follow: claiming, progress, and the work each kind does."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .arpent import ArpentClient
from .audit import Action, record
from .models import Job, Title

log = logging.getLogger(__name__)

# A job still "running" after this long lost its worker (killed mid-task): the redelivered
# message may take it over.
STALE_AFTER = timedelta(minutes=35)


def claim(job_id, resuming=False):
    """Take a job for this worker; None if another worker has it or it is finished.

    `resuming`: the task's retry after the database went away mid-run; the job could not be
    put back in the queue, so it is still "running" in its row, and it is this task's own.
    """
    now = timezone.now()
    claimable = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED) | Job.objects.filter(
        pk=job_id, status=Job.Status.RUNNING, started_at__lt=now - STALE_AFTER
    )
    if resuming:
        claimable |= Job.objects.filter(pk=job_id, status=Job.Status.RUNNING)
    if claimable.update(status=Job.Status.RUNNING, started_at=now, progress=5) != 1:
        return None
    return Job.objects.select_related("departement", "title").get(pk=job_id)


def progress(job, percent, message=""):
    job.progress, job.message = percent, message
    Job.objects.filter(pk=job.pk).update(progress=percent, message=message)


def finish(job, message, insert=None):
    job.status, job.progress, job.message = Job.Status.DONE, 100, message
    job.finished_at, job.insert = timezone.now(), insert
    job.save(update_fields=["status", "progress", "message", "finished_at", "insert"])


def fail(job, message):
    from .polling import poll_failed

    job.status, job.message, job.finished_at = Job.Status.FAILED, message, timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    if job.kind == Job.Kind.FETCH_RESULTS and job.slot:
        poll_failed(job)


def abandon(job_id, message):
    """Fail a job by its id, whatever its state, unless it is already finished."""
    Job.objects.filter(pk=job_id).exclude(status__in=[Job.Status.DONE, Job.Status.FAILED]).update(
        status=Job.Status.FAILED, message=message, finished_at=timezone.now()
    )


def requeue(job, message):
    """Put a job back in the queue after a transient failure; the task retries it later."""
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.QUEUED, message=message, attempts=job.attempts + 1
    )


def enqueue_fetch(departement, *, title=None, user=None, slot=None):
    """Create a fetch job and send it to a worker once the transaction commits."""
    from .tasks import fetch_results

    job = Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS,
        departement=departement,
        title=title,
        requested_by=user,
        slot=slot,
    )
    fetch_results.delay_on_commit(job.pk)
    return job


def enqueue_build(title, departement, day, *, user=None):
    """A build job for the insert of `day`: one département's, or (None) all the title's."""
    from .tasks import build_insert

    job = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT,
        departement=departement,
        day=day,
        title=title,
        requested_by=user,
    )
    build_insert.delay_on_commit(job.pk)
    return job


def run_fetch(job):
    """Fetch a département's results; when they changed, rebuild the inserts that print them."""
    from .inserts import days_of_sections, held_back_today
    from .polling import poll_succeeded
    from .sync import sync_results

    progress(job, 20, "Interrogation d'ARPENT…")
    with ArpentClient.from_settings() as client:
        report = sync_results(client, job.departement_id)
    days = days_of_sections(job.departement_id, report.sections) if report.changed else []
    with transaction.atomic():
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
                enqueue_build(title, scope, day, user=user)
            record_fetch(job, title, user, report, builds=len(title_days))
    finish(job, f"Résultats du {job.departement} : {report}")
    if job.slot:
        poll_succeeded(job)
    log.info("fetch job %s departement=%s: %s", job.pk, job.departement_id, report)
    return report


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
    from .inserts import build_insert

    if job.requested_by:
        reason = f"Demandée par {job.requested_by.get_username()}"
    else:
        reason = "Nouveaux résultats publiés"
    insert, created = build_insert(
        job.title,
        job.departement,
        job.day,
        reason=reason,
        user=job.requested_by,
        on_progress=lambda pct, msg: progress(job, pct, msg),
    )
    if insert is None:
        finish(job, "Aucun résultat publié pour ce jour : pas d'encart à générer.")
    elif created:
        # Its audit event was recorded with the version, in the same transaction.
        finish(job, f"Encart version {insert.number} prêt : {insert.size_text}.", insert)
    else:
        message = f"Contenu inchangé : la version {insert.number} reste à jour."
        with transaction.atomic():
            finish(job, message, insert)
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
