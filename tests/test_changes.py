"""The change stamps of the départements' jobs (results.changes): every way a job is written
moves its département's stamp, a heartbeat does not, and without a shared cache there are none."""

import pytest
from django.db import transaction
from django.utils import timezone

from results import changes
from results.models import Job

pytestmark = pytest.mark.django_db

GARD = changes.departement_jobs("30")


@pytest.fixture
def shared(with_shared_cache):
    return with_shared_cache


def fetch(gard, **fields):
    return Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, **fields)


def moves(shared, write):
    """Whether `write()` moved the Gard's stamp."""
    before = changes.current(GARD)
    write()
    return shared.get(GARD) != before


WRITES = {
    "create": lambda gard, job: fetch(gard),
    "save": lambda gard, job: (setattr(job, "progress", 50), job.save()),
    "save of some fields": lambda gard, job: (
        setattr(job, "message", "Relance"),
        job.save(update_fields=["message"]),
    ),
    "update": lambda gard, job: Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE),
    "delete": lambda gard, job: job.delete(),
    "queryset delete": lambda gard, job: Job.objects.filter(departement=gard).delete(),
    "bulk create": lambda gard, job: Job.objects.bulk_create(
        [Job(kind=Job.Kind.FETCH_RESULTS, departement=gard)]
    ),
    "bulk update": lambda gard, job: Job.objects.bulk_update(
        [Job(pk=job.pk, kind=job.kind, departement=gard, progress=90)], ["progress"]
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_to_a_job_moves_its_departements_stamp(shared, gard, write):
    job = fetch(gard)
    assert moves(shared, lambda: write(gard, job))


def test_a_write_moves_only_its_own_departements_stamp(shared, gard, lozere):
    job = fetch(lozere)
    before = changes.current(GARD)
    Job.objects.filter(pk=job.pk).update(progress=40)
    assert shared.get(GARD) == before


def test_a_heartbeat_or_a_message_sent_again_moves_nothing(shared, gard):
    job = fetch(gard, status=Job.Status.RUNNING)
    heartbeat = Job.objects.filter(pk=job.pk)
    assert not moves(shared, lambda: heartbeat.update(heartbeat_at=timezone.now()))
    assert not moves(shared, lambda: heartbeat.update(due_at=timezone.now()))


def test_a_write_inside_a_transaction_moves_the_stamp_now_and_again_once_it_commits(
    shared, gard, django_capture_on_commit_callbacks
):
    job = fetch(gard)
    before = changes.current(GARD)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        Job.objects.filter(pk=job.pk).update(progress=60)
        during = shared.get(GARD)
    assert during != before and len(callbacks) == 1
    # A reader that read `during`, then the rows before the commit, trusts nothing after it.
    callbacks[0]()
    assert shared.get(GARD) not in (before, during)


def test_a_missing_stamp_is_given_one_which_then_stands(shared):
    assert shared.get(GARD) is None
    first = changes.current(GARD)
    assert first and changes.current(GARD) == first


def test_without_a_shared_cache_there_are_no_stamps(without_shared_cache, gard):
    fetch(gard)
    assert changes.shared_cache() is None and changes.current(GARD) is None


def test_a_stamp_that_cannot_be_moved_is_logged_and_the_write_stands(
    shared, gard, monkeypatch, caplog
):
    def away(*args, **kwargs):
        raise ConnectionError("Redis away")

    monkeypatch.setattr(shared, "set_many", away)
    job = fetch(gard)
    assert Job.objects.get(pk=job.pk)
    assert "change stamps not moved (jobs:departement:30)" in caplog.text
