"""The scheduler's polling, job claims and insert versions, without a worker."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from results import tasks
from results.deliberation import jobs
from results.deliberation.polling import departements_to_poll, schedule_polls
from results.editions.builds import build_version
from results.models import Fetch, Insert, Job, Result, Title
from results.store.sync import SyncReport
from tests import world

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DELIB_DAY = date(2026, 7, 3)
SECTION = ("Baccalauréat Professionnel", "Forêt")


@pytest.fixture
def gard_calendar(gard):
    world.calendar(gard, SECTION, day=DELIB_DAY, candidates=40)


def at(hour, minute=0, day=DELIB_DAY):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def publish(gard, nom="DUPONT", prenoms="Marie"):
    Result.objects.create(
        departement=gard,
        filiere=SECTION[0],
        option=SECTION[1],
        nom=nom,
        prenoms=prenoms,
        resultat="Admission",
    )


def test_a_followed_departement_is_polled_on_its_deliberation_day(gard_calendar, title):
    assert departements_to_poll(at(14)) == ["30"]


def test_it_is_not_polled_on_other_days_or_before_the_polling_hour(gard_calendar, title, settings):
    settings.RESULTS_POLL_FROM_HOUR = 8
    assert departements_to_poll(at(14, day=date(2026, 7, 2))) == []
    assert departements_to_poll(at(7, 59)) == []


def test_a_departement_nobody_follows_is_not_polled(gard_calendar, gard):
    assert departements_to_poll(at(14)) == []


def test_polling_stops_once_every_expected_section_has_arrived(gard_calendar, title, gard):
    publish(gard)
    assert departements_to_poll(at(14)) == []


def test_two_schedulers_sending_the_same_poll_create_one_job(gard_calendar, title, monkeypatch):
    sent = []
    monkeypatch.setattr("results.tasks.fetch_results.delay", sent.append)
    first = schedule_polls(at(14, 0))
    second = schedule_polls(at(14, 0))
    assert len(first) == 1 and second == []
    assert Job.objects.count() == 1
    assert len(schedule_polls(at(14, 10))) == 1  # the next slot polls again


def test_a_job_is_claimed_by_one_worker_only(gard_calendar, gard):
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    assert jobs.claim(job.pk) is not None
    assert jobs.claim(job.pk) is None
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


def test_a_finished_job_is_never_run_again(gard_calendar, gard):
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, status=Job.Status.DONE)
    assert jobs.claim(job.pk) is None


def test_an_insert_is_built_once_per_printed_content(gard_calendar, title, gard):
    publish(gard, "N'DIAYE", "Marie-Ève")
    first, created = build_version(title, gard, DELIB_DAY)
    assert created and first.number == 1
    assert first.pages == 1 and first.names_count == 1
    again, created = build_version(title, gard, DELIB_DAY)
    assert (again.pk, created) == (first.pk, False)
    publish(gard, "ZOLA", "Émile")
    second, created = build_version(title, gard, DELIB_DAY)
    assert created and second.number == 2
    assert Insert.objects.filter(title=title).count() == 2
    assert first.pdf.name != second.pdf.name


def test_nothing_is_built_before_any_result_is_published(gard_calendar, title, gard):
    assert build_version(title, gard, DELIB_DAY) == (None, False)


def test_a_failed_build_is_reported_on_its_job(gard_calendar, title, gard, monkeypatch):
    publish(gard)
    job = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT, departement=gard, day=DELIB_DAY, title=title
    )

    def broken(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr("results.editions.builds.render_pdf", broken)
    from results.tasks import build_insert as task

    with pytest.raises(OSError):
        task(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "disque plein" in job.message
    assert not Insert.objects.exists()


def test_a_fetch_that_changes_results_starts_a_build_for_each_follower(
    gard_calendar, title, gard, monkeypatch, django_capture_on_commit_callbacks
):
    other = Title.objects.create(name="L'Autre", slug="autre")
    other.departements.add(gard)
    sent = []
    monkeypatch.setattr("results.tasks.build_insert.delay", sent.append)

    changed = SyncReport(Fetch.Outcome.CHANGED, rows=1, created=1, sections=[SECTION])
    monkeypatch.setattr("results.deliberation.runs.sync_results", lambda client, code: changed)
    job = Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS,
        departement=gard,
        requested_by=get_user_model().objects.create_user("x"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.fetch_results(job.pk)
    builds = Job.objects.filter(kind=Job.Kind.BUILD_INSERT)
    assert set(builds.values_list("title__slug", flat=True)) == {"gazette", "autre"}
    assert set(builds.values_list("day", flat=True)) == {DELIB_DAY}
    assert sorted(sent) == sorted(builds.values_list("pk", flat=True))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE


def test_an_unexpected_fetch_failure_is_reported_on_its_job(gard_calendar, gard, monkeypatch):
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)

    def broken(client, code):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr("results.deliberation.runs.sync_results", broken)
    from results.tasks import fetch_results

    with pytest.raises(RuntimeError):
        fetch_results(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "base indisponible" in job.message


def test_an_unavailable_upstream_is_retried_then_given_up(gard_calendar, gard, monkeypatch):
    from results.sources.arpent import ArpentUnavailable
    from results.tasks import MAX_FETCH_ATTEMPTS, fetch_results

    calls = []

    def unavailable(client, code):
        calls.append(code)
        raise ArpentUnavailable("ARPENT indisponible (HTTP 503)", status=503, retry_after=1)

    monkeypatch.setattr("results.deliberation.runs.sync_results", unavailable)
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    # Eager apply runs each retry at once, in this process.
    fetch_results.apply(args=[job.pk])
    job.refresh_from_db()
    assert len(calls) == MAX_FETCH_ATTEMPTS
    assert job.status == Job.Status.FAILED
    assert "Abandon après 6 tentatives" in job.message


def test_a_departement_whose_polls_fail_is_polled_less_and_less_often(
    gard_calendar, title, gard, settings
):
    settings.RESULTS_POLL_INTERVAL_S = 300

    def failed_poll(when):
        job = Job.objects.create(
            kind=Job.Kind.FETCH_RESULTS,
            departement=gard,
            slot=f"poll-{int(when.timestamp())}",
            created_at=when,
            status=Job.Status.FAILED,
            finished_at=when,
        )
        return job

    failed_poll(at(14))
    # One failure: the next slot is skipped, the one after is polled.
    assert schedule_polls(at(14, 5)) == []
    assert [job.departement_id for job in schedule_polls(at(14, 10))] == ["30"]
    Job.objects.filter(created_at__gte=at(14, 6)).delete()
    failed_poll(at(14, 10))
    # Two failures in a row: four intervals.
    assert schedule_polls(at(14, 25)) == []
    assert len(schedule_polls(at(14, 30))) == 1


def test_a_success_ends_the_backoff(gard_calendar, title, gard):
    Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS,
        departement=gard,
        slot="poll-1",
        created_at=at(14),
        status=Job.Status.FAILED,
        finished_at=at(14),
    )
    Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS,
        departement=gard,
        slot="poll-2",
        created_at=at(14, 1),
        status=Job.Status.DONE,
        finished_at=at(14, 1),
    )
    assert len(schedule_polls(at(14, 5))) == 1
