"""Celery tasks: thin interfaces that take ids, load what they need and call plain functions."""

import logging
import random
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.utils import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerUnreachable

from . import logcontext
from .deliberation import health, jobs, polling, reconcile, retention, runs
from .editions.builds import InsertNotSaved
from .models import Job
from .sources.arpent import ArpentClient, ArpentError, ArpentUnavailable
from .store import opendata

log = logging.getLogger(__name__)

MAX_FETCH_ATTEMPTS = 6
# A database down (restart, failover) is waited for about half an hour: 5 s, 10 s, 20 s… then
# every 5 min. The job's row cannot be marked meanwhile: it stays as it was, and the retry
# takes it up again with its run's token (jobs.claim(…, resuming=token)), unless the
# reconciler has given it to another run by then.
DATABASE_DOWN = (OperationalError, InterfaceError)
MAX_DATABASE_RETRIES = 10


def retry_database(task, job_id, error, resuming):
    """Retry the task later, bounded, when the database could not be reached.

    `resuming`: the token of the run the database interrupted, if it had claimed the job.
    """
    retries = task.request.retries
    if retries >= MAX_DATABASE_RETRIES:
        log.error("job %s abandoned: database unreachable after %s retries", job_id, retries)
        _give_up(job_id, retries)
        raise error
    delay = min(300, 5 * 2**retries) * random.uniform(0.8, 1.2)
    log.warning("job %s: database unreachable (%s), retry in %d s", job_id, error, delay)
    return task.retry(
        args=[job_id],
        kwargs={"resuming": resuming},
        countdown=delay,
        max_retries=None,
        exc=error,
    )


def _give_up(job_id, retries):
    """Mark the job failed if the database answers by now, so that no page shows it running for
    ever; if it still does not, the job stays as it was."""
    message = f"Base de données injoignable : abandon après {retries} nouvel(s) essai(s)."
    try:
        jobs.abandon(job_id, message)
    except DATABASE_DOWN as error:
        log.error("job %s could not be marked failed: %s", job_id, error)


def run_job(task, job_id, resuming, label, work):
    """The shape of the long tasks: claim the job, stamp its heartbeat while `work(job)` runs,
    and retry later, bounded, when the database could not be reached (see `claim`'s token)."""
    with logcontext.bind(job_id=job_id):
        job = None
        try:
            job = jobs.claim(job_id, resuming=resuming)
            if job is None:
                log.info("%s job %s already taken or finished", label, job_id)
                return
            with logcontext.bind_job(job), jobs.keeping_alive(job):
                work(job)
        except DATABASE_DOWN as error:
            resume = jobs.token(job) if job else resuming
            raise retry_database(task, job_id, error, resume) from None


def dispatch(job):
    """Hand the job to a worker once the transaction commits.

    A broker that cannot be reached (Redis restarting) must neither fail the request or task
    that made the job nor lose it: the job stays queued in its row, and the reconciler sends
    it again.
    """
    task = {Job.Kind.FETCH_RESULTS: fetch_results, Job.Kind.BUILD_INSERT: build_insert}[job.kind]

    def deliver():
        try:
            task.delay(job.pk)
        except BrokerUnreachable as error:
            log.warning("job %s not sent (%s): the reconciler will send it", job.pk, error)

    transaction.on_commit(deliver)


def enqueue_fetch(departement, *, title=None, user=None, slot=None):
    """Create a fetch job and send it to a worker once the transaction commits."""
    job = jobs.queue_fetch(departement, title=title, user=user, slot=slot)
    dispatch(job)
    return job


def enqueue_build(title, departement, day, *, user=None):
    """Create a build job for the insert of `day` and send it once the transaction commits."""
    job = jobs.queue_build(title, departement, day, user=user)
    dispatch(job)
    return job


@shared_task
def refresh_calendars():
    """Daily: refresh the referentials, then the calendars of every followed département.

    Calendars move (dates, counts) in the weeks before the session; the planning page and the
    polling both read them.
    """
    runs.run_calendars()


@shared_task
def refresh_calendar(code):
    """Refresh one département's calendar, e.g. right after an editor starts following it."""
    with logcontext.bind(departement_code=code), ArpentClient.from_settings() as client:
        runs.run_calendar(client, code)


@shared_task
def poll_results():
    """Periodic: on deliberation days, start a fetch for each followed département still waiting."""
    for job in polling.schedule_polls():
        dispatch(job)
        with logcontext.bind(departement_code=job.departement_id, job_id=job.pk):
            log.info("poll: fetch job %s for %s", job.pk, job.departement_id)


@shared_task(bind=True, max_retries=None)
def fetch_results(self, job_id, resuming=None):
    """Fetch a département's published results for a job an editor or the scheduler started."""
    run_job(self, job_id, resuming, "fetch", lambda job: _fetch(self, job))


def _fetch(task, job):
    """The fetch job's run: transient upstream failures retry with backoff, others fail it."""
    try:
        _, builds = runs.run_fetch(job)
        for build in builds:
            dispatch(build)
    except ArpentUnavailable as error:
        if job.attempts + 1 >= MAX_FETCH_ATTEMPTS:
            runs.fail_fetch(job, f"{error}. Abandon après {job.attempts + 1} tentatives.")
            return
        delay = error.retry_after or min(600, 15 * 2**job.attempts) * random.uniform(0.8, 1.2)
        jobs.requeue(job, f"{error}. Nouvel essai dans {int(delay)} s.", delay)
        raise task.retry(countdown=delay) from None
    except DATABASE_DOWN:
        raise  # the job cannot be marked failed: fetch_results retries it
    except ArpentError as error:
        runs.fail_fetch(job, str(error))
    except Exception as error:
        # The editor's page must say so rather than show the job "en cours" for ever; the
        # scheduler's next poll starts a new job. Re-raised for the worker's log.
        runs.fail_fetch(job, f"Échec de la récupération : {error}")
        raise


@shared_task(bind=True, max_retries=None)
def build_insert(self, job_id, resuming=None):
    """Build a title's PDF insert for a département."""
    run_job(self, job_id, resuming, "build", _build)


def _build(job):
    """The build job's run: any failure fails the job, so that no page shows it running for ever."""
    try:
        runs.run_build(job)
    except DATABASE_DOWN:
        raise  # the job cannot be marked failed: build_insert retries it
    except InsertNotSaved as error:
        # Named and explained on the job; the storage's own error is in the message.
        log.warning("build job %s: %s", job.pk, error)
        jobs.fail(job, str(error))
    except Exception as error:
        # Named errors are not enough here: any failure must reach the editor's page instead of
        # leaving the job "en cours" forever. It is re-raised for the worker's log.
        jobs.fail(job, f"Échec de la génération : {error}")
        raise


@shared_task
def purge_personal_data():
    """Daily: erase the candidates' names once the retention period after the session is over.

    Many candidates are minors: their names must not be kept longer than the desk needs them.
    It runs every day rather than once, so that names fetched again after a purge go too; a day
    with nothing to erase records nothing.
    """
    retention.purge()


@shared_task
def clear_expired_sessions():
    """Daily: delete the sessions past their end (SESSION_COOKIE_AGE), as `clearsessions` does.

    Django refuses an expired session but never deletes it: without this the session table
    would keep every login, with its user, for ever.
    """
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task
def refresh_open_data():
    """Weekly: the establishments, lycée results and employment figures of the followed
    départements. They change a few times a year; the inserts only ever read the cache."""
    report = opendata.refresh_all()
    log.info("open data: %s", report)


@shared_task
def refresh_departement_context(code):
    """A newly followed département's establishments and lycée results, and the employment
    figures of its region."""
    with logcontext.bind(departement_code=code):
        log.info("open data of %s: %s", code, opendata.refresh_departement(code))
        log.info("employment figures: %s", opendata.refresh_employment())


@shared_task
def heartbeat():
    """Periodic: stamp the time, so that /sante/ knows the scheduler and a worker both run."""
    health.stamp_heartbeat()


@shared_task
def reconcile_jobs():
    """Periodic: the jobs whose message or worker was lost go back to a worker.

    Job state lives in the database, not in the broker: a Redis restarted without its data, a
    send that failed, a worker killed mid-build (its message would only come back after the
    broker's visibility timeout, hours later) leave a row that says what is still to do.
    """
    report = reconcile_and_send()
    if report:
        log.warning("reconciled jobs: %s", report)


def reconcile_and_send(now=None):
    """The reconciler's run, and the sends of the jobs it found lost."""
    report = reconcile.recover_lost_jobs(now)
    for job in report.to_send:
        dispatch(job)
    return report
