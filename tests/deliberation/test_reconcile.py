"""The jobs' rows squared with the broker: lost messages sent again, lost workers' jobs taken
over, a run taken over writes nothing more, a broker that cannot be reached loses no job."""

import logging
import time
from datetime import date, timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from results import tasks
from results.deliberation import jobs
from results.deliberation.reconcile import MAX_RECOVERIES, take_over
from results.models import Departement, Job

pytestmark = [pytest.mark.django_db, pytest.mark.faults]

DAY = date(2026, 7, 3)


@pytest.fixture
def sent(monkeypatch):
    """The job ids handed to the broker, by task name (sent at once: no transaction here)."""
    sent = []
    for name in ("fetch_results", "build_insert"):
        monkeypatch.setattr(
            f"results.tasks.{name}.delay", lambda pk, name=name: sent.append((name, pk))
        )
    return sent


@pytest.fixture(autouse=True)
def lost_after(settings):
    settings.JOB_LOST_AFTER_S = 120


@pytest.fixture
def reconcile(django_capture_on_commit_callbacks):
    """The reconciler's run and its sends, with the sends it leaves for the commit done at once
    (as outside a test's transaction)."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.reconcile_and_send()

    return run


def ago(seconds):
    return timezone.now() - timedelta(seconds=seconds)


def running(departement, heartbeat, **fields):
    started = heartbeat - timedelta(seconds=30)
    return Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS,
        departement=departement,
        status=Job.Status.RUNNING,
        started_at=started,
        heartbeat_at=heartbeat,
        **fields,
    )


def test_a_job_whose_worker_stopped_stamping_is_queued_again_and_sent(gard, sent, reconcile):
    job = running(gard, heartbeat=ago(121), progress=40)
    report = reconcile()
    assert (report.recovered, report.resent, report.abandoned) == (1, 0, 0)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert job.recoveries == 1 and job.progress == 0
    assert job.message == "Reprise : le processus qui exécutait cette tâche s'est arrêté."
    assert sent == [("fetch_results", job.pk)]
    assert jobs.claim(job.pk) is not None  # the message sent again takes it


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(gard, sent, reconcile):
    job = running(gard, heartbeat=ago(100))
    assert not reconcile()
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and sent == []


def test_a_job_claimed_before_heartbeats_existed_is_judged_by_its_start(gard, sent, reconcile):
    job = running(gard, heartbeat=ago(200))
    Job.objects.filter(pk=job.pk).update(heartbeat_at=None)
    assert reconcile().recovered == 1


def test_a_job_that_lost_its_worker_too_often_fails_instead(gard, sent, reconcile):
    job = running(gard, heartbeat=ago(300), recoveries=MAX_RECOVERIES, slot="poll-1")
    report = reconcile()
    assert (report.recovered, report.abandoned) == (0, 1)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "Abandon : le processus qui exécutait cette tâche s'est arrêté 4 fois."
    assert sent == []


def test_a_queued_job_long_past_its_due_time_is_sent_again_once_per_period(gard, sent, reconcile):
    lost = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT, departement=gard, day=DAY, due_at=ago(130)
    )
    waiting = Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, day=DAY)
    retry_later = Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS, departement=gard, due_at=timezone.now() + timedelta(minutes=9)
    )
    assert reconcile().resent == 1
    assert sent == [("build_insert", lost.pk)]
    assert not reconcile()  # stamped anew: not sent again before another period
    for job in (waiting, retry_later):
        job.refresh_from_db()
        assert job.status == Job.Status.QUEUED


def test_a_second_reconciler_that_read_the_same_rows_sends_nothing(gard):
    """Two schedulers started by mistake each run the reconciler: the conditional UPDATEs let
    one of them act on each row, and a reconciler lists to send only what it took over."""
    job = running(gard, heartbeat=ago(121))
    read_by_both = Job.objects.get(pk=job.pk)
    assert take_over(read_by_both, timezone.now()) == 1
    assert take_over(read_by_both, timezone.now()) == 0


def test_a_run_taken_over_records_nothing_more(gard, sent, caplog, reconcile):
    job = Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, day=DAY)
    first = jobs.claim(job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=ago(121))
    reconcile()
    second = jobs.claim(job.pk)
    assert second is not None and second.started_at != first.started_at

    with caplog.at_level(logging.WARNING, logger="results.deliberation.jobs"):
        jobs.progress(first, 85, "Vignettes des pages…")
        jobs.complete(first, "Encart version 1 prêt")
    job.refresh_from_db()
    assert (job.status, job.progress) == (Job.Status.RUNNING, 5)  # the second run's
    assert "was taken over" in caplog.text
    jobs.complete(second, "Contenu inchangé : la version 1 reste à jour.")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.message == "Contenu inchangé : la version 1 reste à jour."


def test_a_retry_resumes_its_own_run_but_not_one_taken_over(gard, sent, reconcile):
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    run = jobs.claim(job.pk)
    assert jobs.claim(job.pk) is None  # another message for it
    resumed = jobs.claim(job.pk, resuming=jobs.token(run))
    assert resumed is not None  # the database came back: the retry takes its run up again
    Job.objects.filter(pk=job.pk).update(heartbeat_at=ago(121))
    reconcile()
    assert jobs.claim(job.pk) is not None  # the message the reconciler sent
    assert jobs.claim(job.pk, resuming=jobs.token(resumed)) is None  # the old run's retry


def test_a_job_made_while_the_broker_is_unreachable_stays_queued_for_the_reconciler(
    gard, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def unreachable(pk):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("results.tasks.fetch_results.delay", unreachable)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        job = tasks.enqueue_fetch(gard)  # no error reaches the editor's request
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert f"job {job.pk} not sent" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_running_job_stamps_its_heartbeat_from_its_own_thread(settings):
    settings.JOB_HEARTBEAT_S = 0.05
    gard = Departement.objects.create(code="30", name="Gard")
    job = jobs.claim(Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard).pk)
    claimed = job.heartbeat_at
    with jobs.keeping_alive(job):
        time.sleep(0.3)  # the run's work, which stamps nothing itself
        job.refresh_from_db()
        assert job.heartbeat_at > claimed
    stopped = Job.objects.get(pk=job.pk).heartbeat_at
    time.sleep(0.2)
    assert Job.objects.get(pk=job.pk).heartbeat_at == stopped  # no stamp after the run
