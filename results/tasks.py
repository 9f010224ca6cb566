"""Celery tasks: thin interfaces that take ids, load what they need and call plain functions."""

import logging
import random
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db.utils import InterfaceError, OperationalError

from . import context, health, jobs, logcontext, polling, reconcile, retention
from .arpent import ArpentClient, ArpentError, ArpentUnavailable
from .models import Title
from .sync import sync_calendar, sync_referentials

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
        abandon(job_id, retries)
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


def abandon(job_id, retries):
    """Mark the job failed if the database answers by now, so that no page shows it running for
    ever; if it still does not, the job stays as it was."""
    message = f"Base de données injoignable : abandon après {retries} nouvel(s) essai(s)."
    try:
        jobs.abandon(job_id, message)
    except DATABASE_DOWN as error:
        log.error("job %s could not be marked failed: %s", job_id, error)


@shared_task
def refresh_calendars():
    """Daily: refresh the referentials, then the calendars of every followed département.

    Calendars move (dates, counts) in the weeks before the session; the planning page and the
    polling both read them.
    """
    with ArpentClient.from_settings() as client:
        sync_referentials(client)
        codes = Title.departements.through.objects.values_list("departement_id", flat=True)
        for code in sorted(set(codes)):
            with logcontext.bind(departement_code=code):
                try:
                    sync_calendar(client, code)
                except ArpentError as error:
                    log.warning("calendar of %s not refreshed: %s", code, error)


@shared_task
def refresh_calendar(code):
    """Refresh one département's calendar, e.g. right after an editor starts following it."""
    with logcontext.bind(departement_code=code), ArpentClient.from_settings() as client:
        sync_calendar(client, code)


@shared_task
def poll_results():
    """Periodic: on deliberation days, start a fetch for each followed département still waiting."""
    for job in polling.schedule_polls():
        with logcontext.bind(departement_code=job.departement_id, job_id=job.pk):
            log.info("poll: fetch job %s for %s", job.pk, job.departement_id)


@shared_task(bind=True, max_retries=None)
def fetch_results(self, job_id, resuming=None):
    """Fetch a département's published results for a job an editor or the scheduler started."""
    with logcontext.bind(job_id=job_id):
        job = None
        try:
            job = jobs.claim(job_id, resuming=resuming)
            if job is None:
                log.info("fetch job %s already taken or finished", job_id)
                return
            with logcontext.bind_job(job), jobs.keeping_alive(job):
                _fetch(self, job)
        except DATABASE_DOWN as error:
            resume = jobs.token(job) if job else resuming
            raise retry_database(self, job_id, error, resume) from None


def _fetch(task, job):
    """The fetch job's run: transient upstream failures retry with backoff, others fail it."""
    try:
        jobs.run_fetch(job)
    except ArpentUnavailable as error:
        if job.attempts + 1 >= MAX_FETCH_ATTEMPTS:
            jobs.fail(job, f"{error}. Abandon après {job.attempts + 1} tentatives.")
            return
        delay = error.retry_after or min(600, 15 * 2**job.attempts) * random.uniform(0.8, 1.2)
        jobs.requeue(job, f"{error}. Nouvel essai dans {int(delay)} s.", delay)
        raise task.retry(countdown=delay) from None
    except DATABASE_DOWN:
        raise  # the job cannot be marked failed: fetch_results retries it
    except ArpentError as error:
        jobs.fail(job, str(error))
    except Exception as error:
        # The editor's page must say so rather than show the job "en cours" for ever; the
        # scheduler's next poll starts a new job. Re-raised for the worker's log.
        jobs.fail(job, f"Échec de la récupération : {error}")
        raise


@shared_task(bind=True, max_retries=None)
def build_insert(self, job_id, resuming=None):
    """Build a title's PDF insert for a département."""
    with logcontext.bind(job_id=job_id):
        job = None
        try:
            job = jobs.claim(job_id, resuming=resuming)
            if job is None:
                log.info("build job %s already taken or finished", job_id)
                return
            with logcontext.bind_job(job), jobs.keeping_alive(job):
                _build(job)
        except DATABASE_DOWN as error:
            resume = jobs.token(job) if job else resuming
            raise retry_database(self, job_id, error, resume) from None


def _build(job):
    """The build job's run: any failure fails the job, so that no page shows it running for ever."""
    from .inserts import InsertNotSaved  # here, as in jobs: the layouts load with the build

    try:
        jobs.run_build(job)
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
    retention.purge_personal_data()


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
    report = context.refresh_all()
    log.info("open data: %s", report)


@shared_task
def refresh_departement_context(code):
    """A newly followed département's establishments and lycée results, and the employment
    figures of its region."""
    with logcontext.bind(departement_code=code):
        log.info("open data of %s: %s", code, context.refresh_departement(code))
        log.info("employment figures: %s", context.refresh_employment())


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
    report = reconcile.reconcile_jobs()
    if report:
        log.warning("reconciled jobs: %s", report)
