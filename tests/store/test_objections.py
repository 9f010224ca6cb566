"""Objections: a confirmed removal keeps the name out after the purge, a new fetch, next session."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx2
import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from results import tasks
from results.day.removal_csv import import_requests, parse
from results.day.removals import matching_results
from results.deliberation import jobs, runs
from results.deliberation.corrections import confirm_removal
from results.deliberation.retention import purge
from results.editions.builds import build_version
from results.models import (
    AuditEvent,
    CalendarRow,
    Fetch,
    Job,
    Objection,
    Removal,
    Result,
    Title,
)
from results.store.objections import identity
from results.store.sync import sync_results
from tests import world
from tests.conftest import fixture_bytes
from tests.pdfs import pdf_text
from tests.world import BTSA, CGEA

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 7, 1)
NEXT_SESSION_DAY = date(2027, 7, 1)
# The candidate who objects, as resultats_30.json lists them; no other name there shares a word.
OBJECTOR = ("GRANGER", "Hermione Célia Julie Laure")
WORDS = ["granger", "hermione"]


@pytest.fixture
def gard_calendar(gard):
    world.calendar(gard, CGEA, BTSA, day=DAY, candidates=20)


@pytest.fixture
def fetch(upstream, client_for, gard):
    """A fetch of the Gard's results through the normal path; the ministry always serves the
    same list, the objector included."""
    body = fixture_bytes("resultats_30.json")
    upstream.answer("/resultats", httpx2.Response(200, content=body))
    return lambda: sync_results(client_for(upstream), "30")


def tables_holding_the_name():
    """Every table where a word of the objector's name is readable, read with plain SQL."""
    needles = {form for word in WORDS for form in (word, json.dumps(word)[1:-1])}
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            text = "\n".join(str(value) for row in cursor.fetchall() for value in row).lower()
            if any(needle in text for needle in needles):
                found.add(table)
    return found


def exports(client, version):
    csv = client.get(reverse("export_csv", args=["gazette", version.pk]))
    tagged = client.get(reverse("export_tagged_text", args=["gazette", version.pk]))
    return csv.content.decode("utf-8-sig"), tagged.content.decode("utf-16")


def confirm_by_the_editor(client, gard):
    """The editor records the request (limited to the diploma asked for) and confirms it with
    the line the page shows."""
    client.post(
        reverse("removals", args=["gazette"]),
        {
            "nom": "granger",
            "prenoms": "Hermione Célia Julie Laure",
            "departement": "30",
            "diploma": f"{CGEA[0]}\x1f{CGEA[1]}",
            "received_on": "2026-07-02",
            "channel": "courrier",
        },
    )
    removal = Removal.objects.get()
    lines = [line.pk for line in matching_results(removal)]
    assert len(lines) == 1
    client.post(reverse("removal", args=["gazette", removal.pk]), {"lines": lines})
    removal.refresh_from_db()
    assert removal.is_confirmed
    return removal


@pytest.fixture
def purged(client, title, gard, editor, fetch, django_capture_on_commit_callbacks):
    """A session where the objector was printed, then objected, and the names were purged."""
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        fetch()
        first, _ = build_version(title, gard, DAY)
        assert "GRANGER Hermione" in pdf_text(first.pdf.path)
        confirm_by_the_editor(client, gard)
        purge(force=True)
    return first


def test_after_the_purge_and_a_new_fetch_the_rebuild_and_its_exports_leave_the_name_out(
    gard_calendar, client, title, gard, purged, fetch, django_capture_on_commit_callbacks
):
    # The purge took every readable trace of the name: the request and the results included.
    assert tables_holding_the_name() == set()
    assert not Removal.objects.exists() and Objection.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        report = fetch()
        version, created = build_version(title, gard, DAY)
    assert created
    # The only title following the Gard objects: the row is not stored, and the fetch says so
    # with a count.
    assert report.left_out == 1 and "1 ligne écartée (opposition)" in str(report)
    text = pdf_text(version.pdf.path)
    assert "GRANGER" not in text and "MARTIN Léa" in text
    csv, tagged = exports(client, version)
    assert "MARTIN" in csv and "GRANGER" not in csv
    assert "MARTIN" in tagged and "GRANGER" not in tagged
    listing = client.get(reverse("results_list", args=["gazette", "30"])).content.decode()
    assert "MARTIN" in listing and "GRANGER" not in listing
    # Not even the ministry's own list, fetched again: no result, payload, version, objection,
    # request, job or audit event holds the name.
    assert tables_holding_the_name() == set()


def test_next_session_the_same_person_is_still_left_out(
    gard_calendar, client, title, gard, purged, fetch, django_capture_on_commit_callbacks
):
    CalendarRow.objects.all().delete()
    for filiere, option in (CGEA, BTSA):
        CalendarRow.objects.create(
            departement=gard,
            filiere=filiere,
            option=option,
            date_delib=NEXT_SESSION_DAY,
            nb_candidats=20,
        )
    with time_machine.travel(datetime(2027, 7, 2, 10, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            fetch()
            version, created = build_version(title, gard, NEXT_SESSION_DAY)
    assert created
    text = pdf_text(version.pdf.path)
    assert "GRANGER" not in text and "MARTIN Léa" in text


def test_the_objection_covers_only_the_diploma_asked_for_and_only_its_title(
    gard_calendar, title, gard, editor, fetch
):
    fetch()
    removal = Removal.objects.create(
        title=title,
        departement=gard,
        filiere=BTSA[0],
        nom=OBJECTOR[0],
        prenoms=OBJECTOR[1],
        received_on=DAY,
        channel=Removal.Channel.EMAIL,
    )
    confirm_removal(removal, [], editor)
    objection = Objection.objects.get()
    assert (objection.filiere, objection.option) == (BTSA[0], "")
    version, _ = build_version(title, gard, DAY)
    assert "GRANGER Hermione" in pdf_text(version.pdf.path)


def test_the_objection_holds_a_keyed_hash_of_the_name_and_nothing_readable(
    gard_calendar, title, gard, editor, fetch, settings
):
    fetch()
    removal = Removal.objects.create(
        title=title,
        departement=gard,
        nom="Granger",
        prenoms="laure julie  Célia-Hermione",
        received_on=DAY,
        channel=Removal.Channel.EMAIL,
    )
    confirm_removal(removal, [r.pk for r in matching_results(removal)], editor)
    objection = Objection.objects.get()
    # Every spelling and order of the given names meets the upstream's.
    assert objection.identity == identity(*OBJECTOR)
    assert len(objection.identity) == 64 and "granger" not in objection.identity.lower()
    settings.OBJECTION_HASH_KEY = "another key"
    assert identity(*OBJECTOR) != objection.identity


def test_a_request_imported_from_csv_leaves_an_objection_once_confirmed(
    gard_calendar, title, gard, editor
):
    data = (
        "nom;prenoms;departement;diplome;option;recue_le;canal;note\n"
        "GRANGER;Hermione Célia Julie Laure;30;;;02/07/2026;courriel;\n"
    ).encode()
    (removal,) = import_requests(title, parse(data, title, today=date(2026, 7, 3)), editor)
    assert not Objection.objects.exists()
    confirm_removal(removal, [], editor)
    assert Objection.objects.get().identity == identity(*OBJECTOR)


def test_an_objection_is_purged_once_its_period_is_over(gard_calendar, purged, settings):
    objection = Objection.objects.get()
    end = objection.confirmed_at + timedelta(days=settings.OBJECTION_RETENTION_DAYS)
    assert settings.OBJECTION_RETENTION_DAYS == 3 * 365
    with time_machine.travel(end - timedelta(hours=1), tick=False):
        tasks.purge_personal_data()
    assert Objection.objects.exists()
    with time_machine.travel(end + timedelta(hours=1), tick=False):
        tasks.purge_personal_data()
    assert not Objection.objects.exists()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.PURGE).first()
    assert event.summary.startswith("1 opposition supprimée au terme de leur conservation")


def test_after_the_purge_the_editor_sees_how_many_objections_are_on_file_not_who(
    gard_calendar, client, purged
):
    page = client.get(reverse("removals", args=["gazette"])).content.decode()
    assert "1 opposition en vigueur pour ce titre." in page
    assert "GRANGER" not in page.upper() and "Aucun retrait confirmé." in page


def test_a_list_first_fetched_after_the_objection_keeps_the_row_neither_as_result_nor_raw(
    gard_calendar, title, gard, fetch
):
    Objection.objects.create(title=title, departement=gard, identity=identity(*OBJECTOR))
    report = fetch()
    assert (report.created, report.left_out) == (6, 1)
    # The raw answer kept for diagnosis is the ministry's list minus that row.
    payload = json.loads(Fetch.objects.get().payload)
    assert len(payload) == 6 and {"MARTIN", "CŒUR"} <= {row["nom"] for row in payload}
    assert not Result.objects.filter(nom="GRANGER").exists()
    assert tables_holding_the_name() == set()


def test_a_row_another_following_title_prints_is_stored_until_every_title_objects(
    gard_calendar, client, title, gard, purged, fetch, django_capture_on_commit_callbacks
):
    other = Title.objects.create(name="L'Autre Journal", slug="autre")
    other.departements.add(gard)
    with django_capture_on_commit_callbacks(execute=True):
        report = fetch()
        mine, _ = build_version(title, gard, DAY)
        theirs, _ = build_version(other, gard, DAY)
    assert report.left_out == 0 and Result.objects.filter(nom="GRANGER").exists()
    assert "GRANGER" not in pdf_text(mine.pdf.path)
    assert "GRANGER Hermione" in pdf_text(theirs.pdf.path)

    # Once the other title objects too (to any diploma of the Gard), nobody prints the row: the
    # next fetch of the same list takes it out of the stored results.
    Objection.objects.create(title=other, departement=gard, identity=identity(*OBJECTOR))
    report = fetch()
    assert (report.outcome, report.deleted, report.left_out) == (Fetch.Outcome.CHANGED, 1, 1)
    # (The other title's printed version still holds it: withdrawing it is its own
    # confirmation's work, which this objection, made directly, skipped.)
    assert tables_holding_the_name() & {"results_result", "results_fetch"} == set()


def test_with_no_title_following_the_departement_nothing_is_left_out(
    gard_calendar, title, gard, fetch
):
    Objection.objects.create(title=title, departement=gard, identity=identity(*OBJECTOR))
    title.departements.remove(gard)
    report = fetch()
    assert report.left_out == 0 and Result.objects.filter(nom="GRANGER").exists()


def test_the_same_list_fetched_after_a_confirmation_drops_the_row_once_then_builds_nothing(
    gard_calendar, client, title, gard, editor, fetch, upstream, client_for, monkeypatch
):
    fetch()
    client.force_login(editor)
    confirm_by_the_editor(client, gard)
    monkeypatch.setattr(runs.ArpentClient, "from_settings", lambda: client_for(upstream))
    builds = Job.objects.filter(kind=Job.Kind.BUILD_INSERT)
    before = builds.count()

    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    first, _ = runs.run_fetch(jobs.claim(job.pk))
    assert (first.outcome, first.deleted, first.left_out) == (Fetch.Outcome.CHANGED, 1, 1)
    assert not Result.objects.filter(nom="GRANGER").exists()
    assert builds.count() == before + 1
    # Compared without the left-out row, the same list is nothing new: no rebuild loop.
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    second, _ = runs.run_fetch(jobs.claim(job.pk))
    assert second.outcome == Fetch.Outcome.UNCHANGED and builds.count() == before + 1
    job.refresh_from_db()
    assert job.message.endswith("rien de nouveau; 1 ligne écartée (opposition)")
