"""Retention: names are erased after the session, the counts stay, and editors are told when."""

import json
import os
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from results import tasks
from results.deliberation import retention
from results.deliberation.retention import purge_date
from results.editions.builds import build_version
from results.models import (
    Addition,
    AuditEvent,
    Fetch,
    Insert,
    Job,
    Purge,
    Removal,
    Result,
    SessionTally,
)
from results.store.rates import tally_session
from tests import world
from tests.world import BTSA, FORET

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
FIRST_DAY, LAST_DAY = date(2026, 7, 1), date(2026, 7, 3)
# The session's last deliberation + RESULTS_RETENTION_DAYS (30).
PURGE_DAY = date(2026, 8, 2)
ON_PURGE_DAY = datetime(2026, 8, 2, 3, 0, tzinfo=PARIS)
THE_DAY_BEFORE = datetime(2026, 8, 1, 23, 59, tzinfo=PARIS)
AFTER_THE_LAST = "30 jours après la dernière délibération"
# Names nothing else in the database spells, with what real lists hold: apostrophes, accents,
# hyphens, particles.
CANDIDATES = [
    ("N'DIAYE", "Marie-Ève"),
    ("QUÉMÉNEUR", "Gwenaëlle"),
    ("ZWINGELSTEIN", "Théophane Louis"),
    ("de KERGUÉLEN", "Anne-Sophie"),
]
LATE = ("OYONO-MBIDA", "Jean-Aurèle")


def needles():
    """Every way a test name can be spelled in a table: as typed, or escaped in JSON."""
    words = [part for nom, prenoms in [*CANDIDATES, LATE] for part in (nom, prenoms)]
    return {form.lower() for word in words for form in (word, json.dumps(word)[1:-1])}


def names_in_database():
    """The test names found in any column of any table, read with plain SQL."""
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            # str() of each value, not repr(): repr would double the backslashes of JSON escapes.
            text = "\n".join(str(value) for row in cursor.fetchall() for value in row).lower()
            found |= {(table, needle) for needle in needles() if needle in text}
    return found


def media_files():
    root = settings.MEDIA_ROOT
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    )


@pytest.fixture
def gard_calendar(gard):
    """A first and a last day of deliberations: retention counts from the last."""
    world.calendar(gard, FORET, day=FIRST_DAY, candidates=6)
    world.calendar(gard, BTSA, day=LAST_DAY, candidates=4)


def publish(departement, section, nom, prenoms):
    return Result.objects.create(
        departement=departement,
        filiere=section[0],
        option=section[1],
        nom=nom,
        prenoms=prenoms,
        resultat="Admission",
    )


@pytest.fixture
def session(title, gard, editor):
    """A finished session as the app holds it: results, two versions of the first day's insert
    (the second's diff names who came), the last day's insert, raw answers, a failed fetch
    that quoted a line, and an admin's correction of a result."""
    for nom, prenoms in CANDIDATES[:3]:
        publish(gard, FORET, nom, prenoms)
    publish(gard, BTSA, *CANDIDATES[3])
    build_version(title, gard, FIRST_DAY)
    late = publish(gard, FORET, *LATE)
    build_version(title, gard, FIRST_DAY)
    build_version(title, gard, LAST_DAY)
    rows = [{"nom": nom, "prenoms": prenoms} for nom, prenoms in [*CANDIDATES, LATE]]
    Fetch.objects.create(
        endpoint="resultats",
        departement_code="30",
        payload=json.dumps(rows, ensure_ascii=False),
        outcome=Fetch.Outcome.CHANGED,
        summary="5 lignes : 5 ajoutées, 0 modifiées, 0 retirées",
    )
    quoted = "ARPENT résultats (département 30) : ligne 2 : champ « prenoms » : texte attendu, "
    quoted += "reçu ['Gwenaëlle', 'Théophane Louis']"
    Fetch.objects.create(
        endpoint="resultats",
        departement_code="30",
        payload=json.dumps(rows[:2]),
        outcome=Fetch.Outcome.FAILED,
        summary=quoted,
    )
    Fetch.objects.create(
        endpoint="calendriers",
        departement_code="30",
        payload='[{"filiere": "Baccalauréat Professionnel", "nbCandidats": 6}]',
        outcome=Fetch.Outcome.CHANGED,
    )
    Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS, departement=gard, status=Job.Status.FAILED, message=quoted
    )
    Removal.objects.create(
        title=title,
        departement=gard,
        nom=CANDIDATES[1][0],
        prenoms=CANDIDATES[1][1],
        received_on=FIRST_DAY,
        channel=Removal.Channel.EMAIL,
        lines=[{"nom": CANDIDATES[1][0], "prenoms": CANDIDATES[1][1]}],
    )
    Addition.objects.create(
        title=title,
        departement=gard,
        filiere=FORET[0],
        option=FORET[1],
        nom=CANDIDATES[2][0],
        prenoms=CANDIDATES[2][1],
        resultat="Admission",
        day=FIRST_DAY,
    )
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Result),
        object_id=str(late.pk),
        object_repr=str(late),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Prenoms"]}}]',
    )
    return title


def purge(django_capture_on_commit_callbacks, **options):
    # The files go once the purge commits: run what waits for the commit, as production does.
    with django_capture_on_commit_callbacks(execute=True):
        return retention.purge(**options)


# The purge date


def test_the_names_go_the_retention_period_after_the_sessions_last_deliberation(
    gard_calendar, gard, settings
):
    assert purge_date() == PURGE_DAY
    settings.RESULTS_RETENTION_DAYS = 10
    assert purge_date() == date(2026, 7, 13)


def test_without_a_calendar_there_is_no_purge_date_and_nothing_is_purged(db):
    assert purge_date() is None
    report = retention.purge(force=True)
    assert not report.due and report.total == 0 and not Purge.objects.exists()


def test_nothing_is_purged_before_the_purge_date(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    before, files = names_in_database(), media_files()
    report = purge(django_capture_on_commit_callbacks, now=THE_DAY_BEFORE)
    assert not report.due and report.total == 0
    assert names_in_database() == before and media_files() == files
    assert not Purge.objects.exists() and not Insert.objects.filter(purged_at__isnull=False)


# What the purge erases, and what it keeps


def test_a_purge_leaves_no_name_in_the_database_nor_in_the_media_files(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    held = names_in_database()
    tables = {table for table, _ in held}
    assert {"results_result", "results_insert", "results_fetch", "results_job"} <= tables
    assert {"results_removal", "results_addition"} <= tables
    assert "django_admin_log" in tables
    # Inserts' JSON holds names as typed (PostgreSQL's jsonb) or escaped (SQLite's text): the
    # search sees both.
    assert {("results_insert", "marie-ève"), ("results_insert", "marie-\\u00c8ve")} & held
    assert any(name.endswith(".pdf") for name in media_files())
    assert any(name.endswith(".png") for name in media_files())

    report = purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)

    assert report.due and report.results_deleted == 5
    assert names_in_database() == set()
    assert media_files() == []


def test_a_purge_keeps_the_session_counts_and_the_versions_counts(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    versions = {
        v.pk: (v.names_count, v.pages, v.columns, v.lines, v.diff["totals"])
        for v in Insert.objects.all()
    }
    purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)

    tallies = SessionTally.objects.values_list("year", "option", "nb_candidats", "printed")
    assert set(tallies) == {(2026, FORET[1], 6, 4), (2026, BTSA[1], 4, 1)}
    for version in Insert.objects.all():
        assert (
            version.names_count,
            version.pages,
            version.columns,
            version.lines,
            version.diff["totals"],
        ) == versions[version.pk]
        assert version.purged_at == ON_PURGE_DAY
        assert sum(s["names_count"] for s in version.content) == version.names_count
        assert all(s["names"] == [] for s in version.content)
    second = Insert.objects.get(day=FIRST_DAY, number=2)
    (changed,) = second.diff["sections_changed"]
    assert changed["names_added"] == [] and changed["names_added_count"] == 1
    # The calendar's raw answer holds no name: it stays; the successful fetch keeps its counts.
    assert Fetch.objects.get(endpoint="calendriers").payload
    assert Fetch.objects.get(outcome=Fetch.Outcome.CHANGED, endpoint="resultats").summary


def test_the_purge_is_recorded_and_audited_per_title_with_counts(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    record = Purge.objects.get()
    assert (record.session_last_day, record.by) == (LAST_DAY, None)
    assert (record.results_deleted, record.payloads_cleared, record.inserts_scrubbed) == (5, 2, 3)
    # Three versions' PDFs, and their page images.
    pages = sum(len(v.thumbnails) for v in Insert.objects.all())
    assert record.files_deleted == 3 + pages
    assert record.details == {
        "removals": 1,
        "additions": 1,
        "held_rows": 0,
        "failed_fetch_jobs": 1,
        "result_admin_log": 1,
    }
    event = AuditEvent.objects.get(action=AuditEvent.Action.PURGE, title=session)
    assert event.username == "" and event.details["results_deleted"] == 5
    assert event.summary.startswith(
        "Données personnelles effacées 30 jours après la dernière délibération (3 juillet 2026) : "
        "5 noms effacés, 3 versions d'encart expurgées"
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PURGE, title=None).count() == 1


def test_a_dry_run_counts_what_would_go_and_changes_nothing(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    before, files = names_in_database(), media_files()
    tallies = SessionTally.objects.count()
    report = purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY, dry_run=True)
    assert (report.results_deleted, report.payloads_cleared, report.inserts_scrubbed) == (5, 2, 3)
    assert report.files_deleted == len(files)
    assert names_in_database() == before and media_files() == files
    assert SessionTally.objects.count() == tallies
    assert not Purge.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PURGE).exists()


def test_a_second_purge_finds_nothing_and_records_nothing(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    tallies = list(SessionTally.objects.values_list("option", "nb_candidats", "printed"))
    events = AuditEvent.objects.count()
    again = purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    assert again.due and again.total == 0 and again.purge is None
    assert Purge.objects.count() == 1 and AuditEvent.objects.count() == events
    assert list(SessionTally.objects.values_list("option", "nb_candidats", "printed")) == tallies


def test_a_tally_after_the_purge_keeps_the_counts_and_one_before_is_not_doubled(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    tally_session(2026)
    purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    tally_session(2026)
    call_command("tally_session", "--year", "2026", stdout=StringIO())
    tallies = {(t.option, t.printed) for t in SessionTally.objects.filter(year=2026)}
    assert tallies == {(FORET[1], 4), (BTSA[1], 1)}


def test_names_fetched_again_after_a_purge_go_at_the_next_run_and_the_counts_stay(
    gard_calendar, session, gard, django_capture_on_commit_callbacks
):
    purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    # An editor fetches the Gard's first-day lists again: the BTSA's names are not among them.
    for nom, prenoms in [*CANDIDATES[:3], LATE]:
        publish(gard, FORET, nom, prenoms)
    report = purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    assert report.results_deleted == 4 and Purge.objects.count() == 2
    assert names_in_database() == set()
    tallies = {(t.option, t.printed) for t in SessionTally.objects.filter(year=2026)}
    assert tallies == {(FORET[1], 4), (BTSA[1], 1)}


def test_files_go_only_once_the_purge_commits_and_a_failed_purge_keeps_everything(
    gard_calendar, session, django_capture_on_commit_callbacks, monkeypatch
):
    files = media_files()

    def broken(dry_run):
        raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "PERSONAL_DATA", [retention.PersonalData("x", ("", ""), broken)])
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        retention.purge(now=ON_PURGE_DAY)
    assert Result.objects.count() == 5 and not Insert.objects.filter(purged_at__isnull=False)
    assert media_files() == files and not Purge.objects.exists()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retention.purge(now=ON_PURGE_DAY)
    assert media_files() == files  # not committed yet
    for callback in callbacks:
        callback()
    assert media_files() == []


def test_a_file_no_version_refers_to_is_swept(
    gard_calendar, title, gard, django_capture_on_commit_callbacks
):
    publish(gard, FORET, *CANDIDATES[0])
    insert, _ = build_version(title, gard, FIRST_DAY)
    path = insert.pdf.path
    Insert.objects.all().delete()  # e.g. a deleted title's versions: their files stay behind
    old = ON_PURGE_DAY.timestamp() - 86400
    os.utime(path, (old, old))
    report = purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    assert not os.path.exists(path) and report.files_deleted >= 1


# The editors' pages


def test_purged_downloads_answer_gone_with_a_french_page(
    gard_calendar, client, session, editor, django_capture_on_commit_callbacks
):
    version = Insert.objects.get(day=FIRST_DAY, number=2)
    purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    client.force_login(editor)
    for name, args in (
        ("download", []),
        ("page_thumbnail", [1]),
        ("export_csv", []),
        ("export_tagged_text", []),
    ):
        response = client.get(reverse(name, args=["gazette", version.pk, *args]))
        assert response.status_code == 410, name
        page = response.content.decode()
        assert "Les noms de la version 2 de l'encart Gard, 1 juillet 2026 ont été effacés" in page
        assert "le 2 août 2026" in page and "30 jours après la dernière délibération" in page


def test_the_insert_page_shows_the_purged_state_instead_of_pages(
    gard_calendar, client, session, editor, django_capture_on_commit_callbacks
):
    version = Insert.objects.get(day=FIRST_DAY, number=2)
    url = reverse("insert", args=["gazette", "30", FIRST_DAY])
    client.force_login(editor)
    with time_machine.travel(THE_DAY_BEFORE, tick=False):
        page = client.get(url).content.decode()
    assert f"Les noms seront effacés le 2 août 2026 ({AFTER_THE_LAST})." in page
    purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    page = client.get(url).content.decode()
    assert "Noms effacés le 2 août 2026 ; les effectifs sont conservés." in page
    assert reverse("page_thumbnail", args=["gazette", version.pk, 1]) not in page
    assert reverse("download", args=["gazette", version.pk]) not in page
    assert "+1 nom" in page  # the diff keeps its counts


def test_the_title_page_says_when_the_names_go_and_when_they_went(
    gard_calendar, client, session, editor, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with time_machine.travel(THE_DAY_BEFORE, tick=False):
        page = client.get(reverse("title", args=["gazette"])).content.decode()
    assert f"Les noms seront effacés le 2 août 2026 ({AFTER_THE_LAST})." in page
    # Past the date, before the night's purge has run: the page says it is overdue.
    with time_machine.travel(datetime(2026, 8, 2, 1, 0, tzinfo=PARIS), tick=False):
        page = client.get(reverse("title", args=["gazette"])).content.decode()
    assert "Conservation échue depuis le 2 août 2026" not in page
    with time_machine.travel(datetime(2026, 8, 3, 1, 0, tzinfo=PARIS), tick=False):
        page = client.get(reverse("title", args=["gazette"])).content.decode()
    assert "Conservation échue depuis le 2 août 2026" in page
    purge(django_capture_on_commit_callbacks, now=ON_PURGE_DAY)
    page = client.get(reverse("title", args=["gazette"])).content.decode()
    assert "Noms effacés le 2 août 2026 ; les effectifs sont conservés." in page


# The command and the scheduled job


def test_the_command_prints_the_counts_in_french(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    out = StringIO()
    with time_machine.travel(ON_PURGE_DAY, tick=False):
        call_command("purge_personal_data", "--dry-run", stdout=out)
        assert Result.objects.count() == 5
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purge_personal_data", stdout=out)
        call_command("purge_personal_data", stdout=out)
    dry, done, again = out.getvalue().splitlines()
    assert dry.startswith("Simulation, rien n'est modifié. La purge donnerait : 5 noms effacés")
    assert done.startswith(
        "5 noms effacés, 2 réponses brutes vidées, 3 versions d'encart expurgées, "
    )
    assert (
        "fichiers supprimés, 1 demande de retrait supprimée, 1 ajout vérifié supprimé, "
        "1 message d'échec effacé" in done
    )
    assert again == "Rien à effacer : les données personnelles ont déjà été purgées."
    assert media_files() == []


def test_the_command_waits_for_the_purge_date_unless_forced(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    out = StringIO()
    with time_machine.travel(THE_DAY_BEFORE, tick=False):
        call_command("purge_personal_data", stdout=out)
        assert Result.objects.count() == 5
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purge_personal_data", "--force", stdout=out)
    waited, forced = out.getvalue().splitlines()
    assert waited.startswith(f"Purge prévue le 2 août 2026 ({AFTER_THE_LAST})")
    assert forced.startswith("5 noms effacés") and not Result.objects.exists()
    event = AuditEvent.objects.get(title=None)
    assert "effacées avant la date prévue (2 août 2026)" in event.summary


def test_the_daily_job_purges_at_a_fixed_hour(
    gard_calendar, session, django_capture_on_commit_callbacks
):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-personal-data"]
    assert entry["task"] == "results.tasks.purge_personal_data"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {0}
    with time_machine.travel(ON_PURGE_DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.purge_personal_data()
    assert not Result.objects.exists() and Purge.objects.count() == 1
