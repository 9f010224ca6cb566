"""Reconciling the jobs' rows with the broker: what a lost message or a lost worker left to do.

The broker is not the record of the work; the Job rows are. A job whose message was lost (a
Redis restarted without its data, a send while it was down) stays queued long after its due
time; a job whose worker was killed mid-run stays running with a heartbeat that stopped. Both
go back to a worker. Every change is a conditional UPDATE on what was read, so two schedulers'
runs, or a run and a worker finishing the job meanwhile, never send it twice; a duplicate
message would do nothing anyway (jobs.claim). The caller sends what the report lists.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ..models import Job

log = logging.getLogger(__name__)

# A job that took its worker down this many times (a PDF too big for its memory, say) fails,
# rather than take down every worker in turn.
MAX_RECOVERIES = 3


@dataclass
class Reconciliation:
    resent: int = 0  # queued jobs whose message was lost, sent again
    recovered: int = 0  # running jobs whose worker was lost, put back in the queue
    abandoned: int = 0  # running jobs that lost their worker once too often, failed
    # The jobs to hand to a worker again: the caller sends them (results.tasks.dispatch).
    to_send: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.resent or self.recovered or self.abandoned)

    def __str__(self):
        return (
            f"{self.resent} sent again, {self.recovered} taken over from a lost worker, "
            f"{self.abandoned} abandoned"
        )


def recover_lost_jobs(now=None):
    """The queued jobs whose message is lost, and the running ones whose worker is lost (taken
    over: queued again), JOB_LOST_AFTER_S past their due time or last heartbeat, in the report's
    `to_send` for the caller to send again."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_LOST_AFTER_S)
    report = Reconciliation()
    lost_workers = Job.objects.filter(status=Job.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None, started_at__lt=cutoff)
    )
    for job in lost_workers:
        if job.recoveries >= MAX_RECOVERIES:
            report.abandoned += fail_lost(job, now)
        elif take_over(job, now):
            report.recovered += 1
            report.to_send.append(job)
    for job in Job.objects.filter(status=Job.Status.QUEUED, due_at__lt=cutoff):
        # Stamped anew, so that it is sent again at most once per JOB_LOST_AFTER_S.
        if as_read(job).update(due_at=now):
            log.warning(
                "job %s still queued %s after its due time: sent again", job.pk, now - job.due_at
            )
            report.to_send.append(job)
            report.resent += 1
    return report


def as_read(job):
    """The job's row if it has not changed since it was read."""
    return Job.objects.filter(
        pk=job.pk,
        status=job.status,
        started_at=job.started_at,
        heartbeat_at=job.heartbeat_at,
        due_at=job.due_at,
    )


def take_over(job, now):
    taken = as_read(job).update(
        status=Job.Status.QUEUED,
        due_at=now,
        recoveries=F("recoveries") + 1,
        progress=0,
        message="Reprise : le processus qui exécutait cette tâche s'est arrêté.",
    )
    if taken:
        log.warning(
            "job %s lost its worker (last heartbeat %s): queued again", job.pk, job.heartbeat_at
        )
    return taken


def fail_lost(job, now):
    message = (
        f"Abandon : le processus qui exécutait cette tâche s'est arrêté {job.recoveries + 1} fois."
    )
    failed = as_read(job).update(status=Job.Status.FAILED, message=message, finished_at=now)
    if failed:
        # Not counted as a failed poll: ARPENT is not the one that failed.
        log.error("job %s abandoned: it lost its worker %s times", job.pk, job.recoveries + 1)
    return failed
