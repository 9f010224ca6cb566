"""Failures of the services the app depends on, survived: the database, the file storage and
the upstream (ARPENT)."""

import logging
from datetime import date, timedelta

import pytest
from django.core.files.storage import InMemoryStorage
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse

from results.models import Result
from tests import world
from tests.outage import assert_unavailable_page
from tests.world import FORET

pytestmark = [pytest.mark.django_db, pytest.mark.faults]

DAY = date(2026, 7, 3)


@pytest.fixture
def gard_calendar(gard):
    """One section of the Gard and its one admitted candidate."""
    world.calendar(gard, FORET, day=DAY, candidates=20)
    world.admitted(gard, FORET, ("DUPONTEL", "Camille"))


def refused(*args, **kwargs):
    raise OperationalError("connection to server at 'db' failed: Connection refused")


def test_a_view_that_cannot_reach_the_database_answers_503(gard_calendar, editor, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    page = reverse("title", args=["gazette"])
    # Not _title itself: other view modules import it by name.
    monkeypatch.setattr("results.views.access.get_object_or_404", refused)
    assert_unavailable_page(client.get(page))


def test_a_page_answers_503_when_even_the_session_cannot_be_read(
    gard_calendar, editor, monkeypatch
):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    # Every query fails: the login check's session lookup, before any view runs.
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refused)
    assert_unavailable_page(client.get(reverse("home")))


def test_a_page_answered_503_logs_one_line_not_a_traceback(
    gard_calendar, editor, monkeypatch, caplog
):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refused)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        client.get(reverse("home"))
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None and record.exc_text is None
    assert record.getMessage() == (
        "Service Unavailable: / (database unreachable: "
        "connection to server at 'db' failed: Connection refused)"
    )


def test_other_errors_still_get_the_500_page(gard_calendar, editor, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    page = reverse("title", args=["gazette"])
    monkeypatch.setattr("results.views.access.get_object_or_404", lambda *args, **kwargs: 1 / 0)
    response = client.get(page)
    assert response.status_code == 500
    assert "Erreur du serveur" in response.content.decode()


def failing_then(result, failures=1):
    """A stand-in that raises the database's error `failures` times, then returns `result`."""
    calls = []

    def fake(*args, **kwargs):
        calls.append(args)
        if len(calls) <= failures:
            raise OperationalError("server closed the connection unexpectedly")
        return result

    fake.calls = calls
    return fake


@pytest.fixture
def countdowns(monkeypatch):
    """The waits asked of Celery's retry (eager apply runs the retry at once)."""
    from celery.app.task import Task

    asked = []
    retry = Task.retry

    def recording(self, *args, **kwargs):
        asked.append(kwargs.get("countdown"))
        return retry(self, *args, **kwargs)

    monkeypatch.setattr(Task, "retry", recording)
    return asked


def test_a_fetch_retries_when_the_database_goes_away_then_finishes(
    gard_calendar, gard, monkeypatch, countdowns
):
    from results.models import Fetch, Job
    from results.store.sync import SyncReport
    from results.tasks import fetch_results

    sync = failing_then(SyncReport(Fetch.Outcome.UNCHANGED, rows=1))
    monkeypatch.setattr("results.deliberation.runs.sync_results", sync)
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    fetch_results.apply(args=[job.pk])
    job.refresh_from_db()
    assert len(sync.calls) == 2
    assert job.status == Job.Status.DONE
    assert len(countdowns) == 1 and 4 <= countdowns[0] <= 6


def test_a_build_retries_when_the_database_goes_away_then_finishes(
    gard_calendar, title, gard, monkeypatch, countdowns
):
    from results.deliberation import jobs
    from results.models import Insert, Job
    from results.tasks import build_insert

    build = failing_then((None, False), failures=2)
    monkeypatch.setattr("results.deliberation.runs.build_version", build)
    job = Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, day=DAY, title=title)
    build_insert.apply(args=[job.pk])
    job.refresh_from_db()
    assert len(build.calls) == 2 + 1
    assert job.status == Job.Status.DONE
    assert len(countdowns) == 2 and countdowns[0] < countdowns[1]
    assert not Insert.objects.exists()
    # A finished job is never resumed, not even by its own run's retry.
    assert jobs.claim(job.pk, resuming=jobs.token(job)) is None


def test_the_database_retries_are_bounded(gard_calendar, gard, monkeypatch, countdowns):
    from results.models import Job
    from results.tasks import MAX_DATABASE_RETRIES, fetch_results

    sync = failing_then(None, failures=100)
    monkeypatch.setattr("results.deliberation.runs.sync_results", sync)
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    result = fetch_results.apply(args=[job.pk])
    assert isinstance(result.result, OperationalError)
    assert len(sync.calls) == MAX_DATABASE_RETRIES + 1
    assert max(countdowns) <= 300 * 1.2
    job.refresh_from_db()  # the database answers again by the last try: the job says it gave up
    assert job.status == Job.Status.FAILED
    assert job.message.startswith("Base de données injoignable : abandon")


class FailingStorage(InMemoryStorage):
    """An in-memory storage whose writes fail once `FailingStorage.writes_left` are spent."""

    writes_left = None

    def _save(self, name, content):
        if FailingStorage.writes_left is not None:
            if FailingStorage.writes_left <= 0:
                raise OSError(28, "No space left on device")
            FailingStorage.writes_left -= 1
        return super()._save(name, content)


@pytest.fixture
def failing_storage(settings):
    FailingStorage.writes_left = None
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FailingStorage"},
    }
    yield FailingStorage
    FailingStorage.writes_left = None


def stored_files(storage, folder="inserts"):
    folders, files = storage.listdir(folder)
    names = [f"{folder}/{name}" for name in files]
    for sub in folders:
        names += stored_files(storage, f"{folder}/{sub}")
    return names


def test_a_storage_failing_mid_build_keeps_the_previous_version(
    gard_calendar, client, editor, title, gard, failing_storage
):
    from django.core.files.storage import default_storage

    from results.editions.builds import build_version
    from results.models import Insert, Job
    from results.tasks import build_insert as build_task

    first, _ = build_version(title, gard, DAY)
    kept = set(stored_files(default_storage))
    Result.objects.create(
        departement=gard,
        filiere=FORET[0],
        option=FORET[1],
        nom="ZIDANE",
        prenoms="Yazid",
        resultat="Admission",
    )
    failing_storage.writes_left = 1  # the PDF is written, its first thumbnail is not
    job = Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, day=DAY, title=title)
    build_task(job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message.startswith("Échec de l'enregistrement du PDF : ")
    assert "No space left on device" in job.message
    assert job.message.endswith("; la version précédente reste disponible.")
    assert Insert.objects.count() == 1
    assert set(stored_files(default_storage)) == kept  # nothing of version 2 is left
    client.force_login(editor)
    pdf = client.get(reverse("download", args=["gazette", first.pk]))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_titles_hear_once_that_arpent_is_down_and_once_that_it_is_back(
    gard_calendar,
    title,
    editor,
    gard,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from results.models import Fetch, Job, Notice, Title
    from results.sources.arpent import ArpentError
    from results.store.sync import SyncReport
    from results.tasks import fetch_results

    settings.UPSTREAM_DOWN_NOTICE_AFTER = 3
    other = Title.objects.create(name="L'Autre", slug="autre")
    other.departements.add(gard)
    monkeypatch.setattr("results.tasks.build_insert.delay", lambda pk: None)
    start = datetime(2026, 7, 3, 10, 5, tzinfo=ZoneInfo("Europe/Paris"))

    def scheduled_poll(number, outcome):
        monkeypatch.setattr("results.deliberation.runs.sync_results", outcome)
        job = Job.objects.create(
            kind=Job.Kind.FETCH_RESULTS,
            departement=gard,
            slot=f"poll-{number}",
            created_at=start + timedelta(minutes=5 * number),
        )
        with django_capture_on_commit_callbacks(execute=True):
            fetch_results(job.pk)

    def down(client, code):
        raise ArpentError("ARPENT : réponse illisible")

    def back(client, code):
        return SyncReport(Fetch.Outcome.UNCHANGED, rows=1)

    def notices():
        return list(Notice.objects.filter(insert=None).order_by("created_at", "pk"))

    scheduled_poll(0, down)
    scheduled_poll(1, down)
    assert notices() == []
    scheduled_poll(2, down)
    assert sorted(notice.title.slug for notice in notices()) == ["autre", "gazette"]
    assert notices()[0].text == (
        "Gard (30) — ARPENT ne répond plus depuis 10:05 (3 essais) : les résultats seront "
        "récupérés dès son retour ; les dernières données restent en place."
    )
    assert [mail.to for mail in mailoutbox] == [["redac@gazette.test"]]
    scheduled_poll(3, down)
    assert len(notices()) == 2  # no more while the outage lasts
    assert Result.objects.filter(departement=gard).count() == 1  # the last good data stay

    scheduled_poll(4, back)
    back_notices = notices()[2:]
    assert sorted(notice.title.slug for notice in back_notices) == ["autre", "gazette"]
    assert back_notices[0].text == "Gard (30) — ARPENT répond de nouveau : récupération reprise."
    assert len(mailoutbox) == 2
    scheduled_poll(5, back)
    assert len(notices()) == 4  # nothing more once it is back


def test_a_short_outage_leaves_no_notice(gard_calendar, title, gard, monkeypatch, settings):
    from results.models import Job, Notice
    from results.sources.arpent import ArpentError
    from results.tasks import fetch_results

    settings.UPSTREAM_DOWN_NOTICE_AFTER = 3

    def down(client, code):
        raise ArpentError("ARPENT : réponse illisible")

    monkeypatch.setattr("results.deliberation.runs.sync_results", down)
    for number in range(2):
        job = Job.objects.create(
            kind=Job.Kind.FETCH_RESULTS, departement=gard, slot=f"poll-{number}"
        )
        fetch_results(job.pk)
    # An editor's own fetch is not a poll: it neither counts nor ends the outage.
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    fetch_results(job.pk)
    assert not Notice.objects.exists()
