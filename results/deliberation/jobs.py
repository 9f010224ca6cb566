"""Background jobs the editors follow: their rows' states, from queued to claimed to finished."""

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from ..models import Job

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


def complete(job, message, insert=None):
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
    """Mark the run failed; False if the job was taken over meanwhile (nothing recorded)."""
    job.status, job.message, job.finished_at = Job.Status.FAILED, message, timezone.now()
    return _write(job, status=job.status, message=message, finished_at=job.finished_at)


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
    mid-run stops stamping, and the reconciler (reconcile.py) puts the job back in the
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


def queue_fetch(departement, *, title=None, user=None, slot=None):
    """A queued fetch job; the caller sends it to a worker (results.tasks.dispatch)."""
    job = Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS,
        departement=departement,
        title=title,
        requested_by=user,
        slot=slot,
    )
    return job


def queue_build(title, departement, day, *, user=None):
    """A queued build job for the insert of `day`: one département's, or (None) all the title's;
    the caller sends it to a worker (results.tasks.dispatch)."""
    job = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT,
        departement=departement,
        day=day,
        title=title,
        requested_by=user,
    )
    return job
