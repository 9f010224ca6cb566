"""Failures of the services the app depends on, survived: the database, the file storage and
the upstream (ARPENT)."""

from datetime import date

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse

from results.models import CalendarRow, Departement, Result

pytestmark = [pytest.mark.django_db, pytest.mark.faults]

DAY = date(2026, 7, 3)
FORET = ("Baccalauréat Professionnel", "Forêt")


@pytest.fixture
def gard():
    gard = Departement.objects.create(code="30", name="Gard")
    CalendarRow.objects.create(
        departement=gard, filiere=FORET[0], option=FORET[1], date_delib=DAY, nb_candidats=20
    )
    Result.objects.create(
        departement=gard,
        filiere=FORET[0],
        option=FORET[1],
        nom="DUPONTEL",
        prenoms="Camille",
        resultat="Admission",
    )
    return gard


def refused(*args, **kwargs):
    raise OperationalError("connection to server at 'db' failed: Connection refused")


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_a_view_that_cannot_reach_the_database_answers_503(editor, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    monkeypatch.setattr("results.views._title", refused)
    assert_unavailable_page(client.get(reverse("title", args=["gazette"])))


def test_a_page_answers_503_when_even_the_session_cannot_be_read(editor, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    # Every query fails: the login check's session lookup, before any view runs.
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refused)
    assert_unavailable_page(client.get(reverse("home")))


def test_other_errors_still_get_the_500_page(editor, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    monkeypatch.setattr("results.views._title", lambda *args: 1 / 0)
    response = client.get(reverse("title", args=["gazette"]))
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


def test_a_fetch_retries_when_the_database_goes_away_then_finishes(gard, monkeypatch, countdowns):
    from results.models import Fetch, Job
    from results.sync import SyncReport
    from results.tasks import fetch_results

    sync = failing_then(SyncReport(Fetch.Outcome.UNCHANGED, rows=1))
    monkeypatch.setattr("results.sync.sync_results", sync)
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    fetch_results.apply(args=[job.pk])
    job.refresh_from_db()
    assert len(sync.calls) == 2
    assert job.status == Job.Status.DONE
    assert len(countdowns) == 1 and 4 <= countdowns[0] <= 6


def test_a_build_retries_when_the_database_goes_away_then_finishes(
    title, gard, monkeypatch, countdowns
):
    from results import jobs
    from results.models import Insert, Job
    from results.tasks import build_insert

    build = failing_then((None, False), failures=2)
    monkeypatch.setattr("results.inserts.build_insert", build)
    job = Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, day=DAY, title=title)
    build_insert.apply(args=[job.pk])
    job.refresh_from_db()
    assert len(build.calls) == 2 + 1
    assert job.status == Job.Status.DONE
    assert len(countdowns) == 2 and countdowns[0] < countdowns[1]
    assert not Insert.objects.exists()
    assert jobs.claim(job.pk, resuming=True) is None  # a finished job is never resumed


def test_the_database_retries_are_bounded(gard, monkeypatch, countdowns):
    from results.models import Job
    from results.tasks import MAX_DATABASE_RETRIES, fetch_results

    sync = failing_then(None, failures=100)
    monkeypatch.setattr("results.sync.sync_results", sync)
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    result = fetch_results.apply(args=[job.pk])
    assert isinstance(result.result, OperationalError)
    assert len(sync.calls) == MAX_DATABASE_RETRIES + 1
    assert max(countdowns) <= 300 * 1.2
