"""Background jobs the editors follow: claiming, progress, and the work each kind does."""

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from ..audit import Action, record
from ..models import Job, Title
from ..sources.arpent import ArpentClient

log = logging.getLogger(__name__)


def claim(job_id, resuming=None):
    """Take a job for this worker; None if another worker has it or it is finished.

    `resuming`: the token (`started_at`, ISO) of this task's own run, when the task retries
    after the database went away mid-run: the job could not be put back in the queue then, so
    it is still "running" in its row, and it is this run's own unless the reconciler took it
    over meanwhile.
    """
    now = timezone.now()
    claimable = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED)
    if resuming:
        token = datetime.fromisoformat(resuming)
        claimable |= Job.objects.filter(pk=job_id, status=Job.Status.RUNNING, started_at=token)
    taken = claimable.update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, progress=5
    )
    if taken != 1:
        return None
    return Job.objects.select_related("departement", "title").get(pk=job_id)


def token(job):
    """The run's token, for a retry that resumes it (see `claim`)."""
    return job.started_at.isoformat()


def _owned(job):
    """The job's row while this run still holds it: not finished, not taken over."""
    return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, started_at=job.started_at)


def _write(job, **fields):
    if not _owned(job).update(**fields):
        # The reconciler gave the job to another run, which records its own outcome.
        log.warning("job %s was taken over: this run's %s is not recorded", job.pk, sorted(fields))
        return False
    return True


def progress(job, percent, message=""):
    job.progress, job.message = percent, message
    _write(job, progress=percent, message=message, heartbeat_at=timezone.now())


def finish(job, message, insert=None):
    job.status, job.progress, job.message = Job.Status.DONE, 100, message
    job.finished_at, job.insert = timezone.now(), insert
    _write(
        job,
        status=job.status,
        progress=100,
        message=message,
        finished_at=job.finished_at,
        insert=insert,
    )


def fail(job, message):
    from .polling import poll_failed

    job.status, job.message, job.finished_at = Job.Status.FAILED, message, timezone.now()
    failed = _write(job, status=job.status, message=message, finished_at=job.finished_at)
    if failed and job.kind == Job.Kind.FETCH_RESULTS and job.slot:
        poll_failed(job)


def abandon(job_id, message):
    """Fail a job by its id, whatever its state, unless it is already finished."""
    Job.objects.filter(pk=job_id).exclude(status__in=[Job.Status.DONE, Job.Status.FAILED]).update(
        status=Job.Status.FAILED, message=message, finished_at=timezone.now()
    )


def requeue(job, message, delay):
    """Put a job back in the queue after a transient failure; the task retries it in `delay`
    seconds (and the reconciler, should that retry's message be lost)."""
    due = timezone.now() + timedelta(seconds=delay)
    _write(job, status=Job.Status.QUEUED, message=message, attempts=job.attempts + 1, due_at=due)


@contextmanager
def keeping_alive(job):
    """Stamp the job's heartbeat while its run lasts, from a thread of its own.

    A PDF render or a slow upstream gives no other sign of life for a while; a worker killed
    mid-run stops stamping, and the reconciler (results.reconcile) puts the job back in the
    queue for another worker. The thread has its own database connection, closed at its end.
    """
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_S):
                try:
                    if not _owned(job).update(heartbeat_at=timezone.now()):
                        return  # taken over, or finished: nothing more to stamp
                except DatabaseError as error:
                    # The database is away: the run fails on its own next query and retries.
                    log.warning("job %s: heartbeat not stamped (%s)", job.pk, error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        # Not for ever: a stamp stuck on an unreachable database must not hold the run's end
        # (the thread is a daemon, and stops at its next turn).
        thread.join(timeout=settings.JOB_HEARTBEAT_S)


def send(job):
    """Hand the job to a worker once the transaction commits.

    A broker that cannot be reached (Redis restarting) must neither fail the request or task
    that made the job nor lose it: the job stays queued in its row, and the reconciler sends
    it again.
    """
    from ..tasks import build_insert, fetch_results

    task = {Job.Kind.FETCH_RESULTS: fetch_results, Job.Kind.BUILD_INSERT: build_insert}[job.kind]

    def deliver():
        try:
            task.delay(job.pk)
        except BrokerUnreachable as error:
            log.warning("job %s not sent (%s): the reconciler will send it", job.pk, error)

    transaction.on_commit(deliver)


def enqueue_fetch(departement, *, title=None, user=None, slot=None):
    """Create a fetch job and send it to a worker once the transaction commits."""
    job = Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS,
        departement=departement,
        title=title,
        requested_by=user,
        slot=slot,
    )
    send(job)
    return job


def enqueue_build(title, departement, day, *, user=None):
    """A build job for the insert of `day`: one département's, or (None) all the title's."""
    job = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT,
        departement=departement,
        day=day,
        title=title,
        requested_by=user,
    )
    send(job)
    return job


def run_fetch(job):
    """Fetch a département's results; when they changed, rebuild the inserts that print them."""
    from ..day.content import days_of_sections
    from ..editions.builds import held_back_today
    from ..store.sync import sync_results
    from .polling import poll_succeeded

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
    from ..editions.builds import build_insert

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
