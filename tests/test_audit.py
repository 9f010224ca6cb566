"""The audit trail: append-only everywhere, one event per thing done, read by the title's admins."""

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse

from results.audit import record
from results.deliberation import jobs, runs
from results.editions.builds import build_version
from results.models import (
    AppendOnlyError,
    AuditEvent,
    Departement,
    Fetch,
    Job,
    Membership,
    PrintProfile,
    Result,
    Title,
)
from results.store.sync import SyncReport
from tests import world
from tests.world import FORET

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 7, 3)
# The candidates of these tests: none of these words may reach the trail.
CANDIDATES = [("DUPONT", "Marie-Ève"), ("ZOLA", "Émile")]
CANDIDATE_WORDS = ["DUPONT", "Marie", "ZOLA", "Émile"]
ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


def assert_no_candidate_name(event):
    text = event.summary + json.dumps(event.details, ensure_ascii=False)
    assert not [word for word in CANDIDATE_WORDS if word.lower() in text.lower()], text


def only_event(**lookups):
    """The one event these lookups find, checked free of candidates' names."""
    events = list(AuditEvent.objects.filter(**lookups))
    assert len(events) == 1, events
    assert_no_candidate_name(events[0])
    return events[0]


@pytest.fixture
def gard_calendar(gard):
    """The forest section's day in the Gard, with its admitted candidates."""
    world.calendar(gard, FORET, day=DAY, candidates=40)
    world.admitted(gard, FORET, *CANDIDATES)


@pytest.fixture
def admin_user(title):
    user = get_user_model().objects.create_user("cheffe", password="pw")
    Membership.objects.create(user=user, title=title, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def event(title, editor):
    return record(Action.DOWNLOAD, title=title, user=editor, summary="PDF de la version 1")


# --- append-only: the model ----------------------------------------------------------------


def test_an_event_cannot_be_saved_again(gard_calendar, event):
    event.summary = "autre chose"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["summary"])
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_a_new_event_with_an_existing_key_does_not_overwrite_it(gard_calendar, event, title):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent(pk=event.pk, title=title, action=Action.EXPORT, summary="réécrit").save()
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_an_event_cannot_be_deleted(gard_calendar, event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.count() == 1


def test_the_manager_refuses_bulk_updates_and_deletes(gard_calendar, event):
    attempts = [
        lambda: AuditEvent.objects.filter(pk=event.pk).update(summary="réécrit"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["summary"]),
        lambda: AuditEvent.objects.update_or_create(pk=event.pk, defaults={"summary": "réécrit"}),
        lambda: AuditEvent._base_manager.all().delete(),
    ]
    for attempt in attempts:
        # Each in its own transaction: some of Django's bulk calls open one the error spoils.
        with pytest.raises(AppendOnlyError), transaction.atomic():
            attempt()
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_events_outlive_the_title_and_the_user_they_name(gard_calendar, event, title, editor):
    editor.delete()
    title.delete()
    event = AuditEvent.objects.get()
    assert (event.title_name, event.username) == ("La Gazette du Midi", "redac")


def test_an_anonymous_or_missing_user_is_the_scheduler(gard_calendar, title):
    from django.contrib.auth.models import AnonymousUser

    for user in (None, AnonymousUser()):
        event = record(Action.FETCH, title=title, user=user)
        assert (event.user, event.username) == (None, "")


# --- append-only: the database -------------------------------------------------------------


@pytest.fixture
def locked(event):
    """The trail as a production database holds it: without the test database's table that
    lets the runner empty it (dropped for this test only: the test's transaction restores it)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE results_auditevent_resettable")
    return event


def refused(attempt):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        attempt()


def run_sql(sql, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


UPSERT = (
    "INSERT INTO results_auditevent (id, at, title_name, username, action, departement_code,"
    " summary, details) VALUES (%s, %s, '', '', 'export', '', 'réécrit', '{}')"
    " ON CONFLICT (id) DO UPDATE SET summary = excluded.summary"
)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE results_auditevent SET summary = 'réécrit'",
        "DELETE FROM results_auditevent",
        "DELETE FROM results_auditevent WHERE id IN (SELECT MAX(id) FROM results_auditevent)",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes_append_only(gard_calendar, locked, sql):
    refused(lambda: run_sql(sql))
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_the_database_refuses_an_upsert_over_an_event_append_only(gard_calendar, locked):
    refused(lambda: run_sql(UPSERT, locked.pk, locked.at))
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_the_database_refuses_the_orms_bulk_paths_past_the_manager_append_only(
    gard_calendar, locked
):
    # A plain QuerySet, as code that bypasses the model's guard would use: the database still
    # refuses, upserts, bulk updates and deletes alike.
    plain = models.QuerySet(AuditEvent)
    rewritten = AuditEvent(pk=locked.pk, at=locked.at, action=Action.EXPORT, summary="réécrit")
    attempts = [
        lambda: plain.bulk_create(
            [rewritten], update_conflicts=True, unique_fields=["id"], update_fields=["summary"]
        ),
        lambda: plain.bulk_update([rewritten], ["summary"]),
        lambda: plain.filter(pk=locked.pk).update(summary="réécrit"),
        lambda: plain.filter(pk=locked.pk)._raw_delete(connection.alias),
    ]
    for attempt in attempts:
        refused(attempt)
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_the_manager_refuses_an_upsert_append_only(gard_calendar, event, title):
    rewritten = AuditEvent(pk=event.pk, at=event.at, action=Action.EXPORT, summary="réécrit")
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_create(
            [rewritten], update_conflicts=True, unique_fields=["id"], update_fields=["summary"]
        )
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_emptying_the_whole_trail_is_refused_append_only(gard_calendar, locked):
    # TRUNCATE on PostgreSQL; SQLite has none, its DELETE without WHERE is the same shortcut.
    empty = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
    refused(lambda: run_sql(f"{empty} results_auditevent"))
    assert AuditEvent.objects.count() == 1


def test_adding_events_still_works_with_the_triggers_append_only(gard_calendar, locked, title):
    record(Action.FETCH, title=title)
    AuditEvent.objects.bulk_create([AuditEvent(action=Action.EXPORT, summary="ajout")])
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_trail_can_still_be_emptied_between_tests(gard_calendar, title):
    # A transactional test: the test runner empties every table afterwards (TRUNCATE on
    # PostgreSQL), which the trigger must let through.
    record(Action.FETCH, title=title)
    assert AuditEvent.objects.count() == 1


# --- append-only: the admin ----------------------------------------------------------------


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", password="pw")


def test_the_admin_lists_and_shows_events_but_adds_none(gard_calendar, client, superuser, event):
    client.force_login(superuser)
    changelist = client.get(reverse("admin:results_auditevent_changelist"))
    assert changelist.status_code == 200
    assert "PDF de la version 1" in changelist.content.decode()
    assert not changelist.context["has_add_permission"]
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(
        changelist.wsgi_request
    )
    filtered = client.get(
        reverse("admin:results_auditevent_changelist"),
        {"action__exact": "download", "title__id__exact": event.title_id, "q": "redac"},
    )
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == 1
    change = client.get(reverse("admin:results_auditevent_change", args=[event.pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert 'name="summary"' not in change.content.decode()  # read-only: no input
    assert client.get(reverse("admin:results_auditevent_add")).status_code == 403


def test_the_admin_cannot_change_or_delete_an_event(gard_calendar, client, superuser, event):
    client.force_login(superuser)
    change = client.post(
        reverse("admin:results_auditevent_change", args=[event.pk]),
        {"summary": "réécrit", "action": "download"},
    )
    assert change.status_code == 403
    delete = client.post(
        reverse("admin:results_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    bulk = client.post(
        reverse("admin:results_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


# --- what is recorded ----------------------------------------------------------------------


@pytest.fixture
def no_worker(monkeypatch):
    sent = []
    monkeypatch.setattr("results.tasks.fetch_results.delay", sent.append)
    monkeypatch.setattr("results.tasks.build_insert.delay", sent.append)
    monkeypatch.setattr("results.views.titles.refresh_calendar.delay", sent.append)
    context_refreshes = []
    monkeypatch.setattr(
        "results.views.titles.refresh_departement_context.delay", context_refreshes.append
    )
    return sent


def changed_report(*args):
    return SyncReport(Fetch.Outcome.CHANGED, rows=2, created=2, sections=[FORET])


def test_a_manual_fetch_is_recorded_when_asked_for(gard_calendar, client, editor, title, no_worker):
    client.force_login(editor)
    client.post(reverse("request_fetch", args=["gazette", "30"]))
    event = only_event()
    assert (event.action, event.user, event.title, event.departement_code) == (
        Action.FETCH,
        editor,
        title,
        "30",
    )
    assert event.summary == "Récupération des résultats demandée (Gard)"
    assert event.details["job"] == Job.objects.get().pk


def test_a_scheduled_fetch_leaves_one_automatic_event_per_following_title(
    gard_calendar,
    title,
    other_title,
    gard,
    monkeypatch,
    no_worker,
    django_capture_on_commit_callbacks,
):
    Title.objects.create(name="Sans le Gard", slug="ailleurs")
    monkeypatch.setattr("results.deliberation.runs.sync_results", changed_report)
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, slot="poll-1")
    with django_capture_on_commit_callbacks(execute=True):
        runs.run_fetch(jobs.claim(job.pk))
    for followed in (title, other_title):
        event = only_event(title=followed)
        assert (event.action, event.user, event.username) == (Action.FETCH, None, "")
        assert event.summary.startswith("Résultats récupérés (automatique) : 2 lignes : 2 ajoutées")
        assert event.details["created"] == 2 and event.details["builds"] == 1
    assert AuditEvent.objects.count() == 2


def test_a_manual_fetch_names_its_editor_in_their_titles_trail_only(
    gard_calendar,
    title,
    other_title,
    gard,
    editor,
    monkeypatch,
    no_worker,
    django_capture_on_commit_callbacks,
):
    monkeypatch.setattr("results.deliberation.runs.sync_results", changed_report)
    job = Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS, departement=gard, title=title, requested_by=editor
    )
    with django_capture_on_commit_callbacks(execute=True):
        runs.run_fetch(jobs.claim(job.pk))
    mine, theirs = only_event(title=title), only_event(title=other_title)
    assert mine.user == editor and "(à la demande)" in mine.summary
    assert theirs.user is None and "à la demande d'un autre titre" in theirs.summary
    # The builds a fetch starts for another title are that title's automatic work too.
    builds = Job.objects.filter(kind=Job.Kind.BUILD_INSERT)
    assert dict(builds.values_list("title__slug", "requested_by")) == {
        "gazette": editor.pk,
        "autre": None,
    }


def test_a_new_version_is_recorded_with_its_counts(gard_calendar, title, gard, editor):
    insert, created = build_version(title, gard, DAY, user=editor)
    assert created
    event = only_event()
    assert (event.action, event.user, event.title) == (Action.BUILD, editor, title)
    assert (event.departement_code, event.day) == ("30", DAY)
    assert event.summary == "Version 1 générée (2 noms, 1 page)"
    assert event.details["version"] == 1 and event.details["insert"] == insert.pk


def test_thousands_are_grouped_in_the_summary(gard_calendar, title, gard):
    Result.objects.bulk_create(
        Result(
            departement=gard,
            filiere=FORET[0],
            option=FORET[1],
            nom=f"NOM{i:04d}",
            prenoms="Prénom",
            resultat="Admission",
        )
        for i in range(1243)
    )
    build_version(title, gard, DAY)
    assert AuditEvent.objects.get().summary == "Version 1 générée (1\u00a0245 noms, 2 pages)"


def test_an_unchanged_rebuild_is_recorded_once_by_its_job(gard_calendar, title, gard, editor):
    build_version(title, gard, DAY)
    job = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT, title=title, departement=gard, day=DAY, requested_by=editor
    )
    runs.run_build(jobs.claim(job.pk))
    event = only_event(user=editor)
    assert event.action == Action.BUILD
    assert event.summary == "Contenu inchangé : la version 1 reste à jour."
    assert event.details == {"job": job.pk, "version": 1, "created": False}
    assert AuditEvent.objects.count() == 2  # the first version's, automatic


@pytest.fixture
def version(title, gard):
    insert, _ = build_version(title, gard, DAY)
    return insert


@pytest.mark.parametrize(
    ("url_name", "action", "summary", "details"),
    [
        ("download", Action.DOWNLOAD, "Version 1 téléchargée en PDF", {}),
        ("export_csv", Action.EXPORT, "Version 1 exportée en CSV", {"format": "csv"}),
        (
            "export_tagged_text",
            Action.EXPORT,
            "Version 1 exportée pour InDesign (texte balisé)",
            {"format": "indesign"},
        ),
    ],
)
def test_downloads_and_exports_are_recorded(
    gard_calendar, client, editor, title, version, url_name, action, summary, details
):
    client.force_login(editor)
    response = client.get(reverse(url_name, args=["gazette", version.pk]))
    assert response.status_code == 200
    event = only_event(user=editor)
    assert (event.action, event.title, event.departement_code, event.day) == (
        action,
        title,
        "30",
        DAY,
    )
    assert event.summary == summary
    assert event.details == {"version": 1, "insert": version.pk, **details}


def test_marking_final_is_recorded_once(gard_calendar, client, editor, version):
    client.force_login(editor)
    url = reverse("mark_final", args=["gazette", version.pk])
    client.post(url)
    client.post(url)  # already final: nothing changes, nothing is recorded
    event = only_event(user=editor)
    assert event.action == Action.MARK_FINAL
    assert event.summary == "Version 1 marquée « bon à tirer »"


def test_print_settings_changes_are_recorded_with_before_and_after(
    gard_calendar, client, admin_user, title
):
    client.force_login(admin_user)
    url = reverse("print_settings", args=["gazette"])
    client.post(url, {"bleed_mm": "3", "crop_marks": "on"})
    event = only_event(user=admin_user)
    assert event.action == Action.SETTINGS
    assert event.summary == (
        "Réglages d'impression : fond perdu (mm) : 0 → 3 ; traits de coupe : non → oui"
    )
    assert event.details["changes"] == {"bleed_mm": ["0", "3"], "crop_marks": ["non", "oui"]}
    client.post(url, {"bleed_mm": "3.0", "crop_marks": "on"})  # nothing changes
    assert AuditEvent.objects.count() == 1


def test_an_uploaded_icc_profile_is_recorded_by_its_file_name(
    gard_calendar, client, admin_user, title
):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("imprimeur.icc", ICC.read_bytes())
    client.post(
        reverse("print_settings", args=["gazette"]), {"icc_profile": upload, "bleed_mm": "0"}
    )
    event = only_event(user=admin_user)
    assert event.details["changes"]["icc_profile"][0] == "aucun"
    assert event.details["changes"]["icc_profile"][1].startswith("icc/imprimeur")


def test_chosen_departements_are_recorded(gard_calendar, client, admin_user, title, no_worker):
    Departement.objects.create(code="48", name="Lozère")
    client.force_login(admin_user)
    client.post(reverse("choose", args=["gazette"]), {"departements": ["48"]})
    event = only_event(user=admin_user)
    assert event.action == Action.SETTINGS
    assert event.summary == "Départements suivis : + Lozère (48), \u2212 Gard (30)"
    assert event.details == {"settings": "departements", "added": ["48"], "removed": ["30"]}
    client.post(reverse("choose", args=["gazette"]), {"departements": ["48"]})  # unchanged
    assert AuditEvent.objects.count() == 1


def test_print_profiles_created_edited_and_made_default_are_recorded(
    gard_calendar, client, admin_user, title
):
    client.force_login(admin_user)
    client.post(reverse("new_profile", args=["gazette"]), {"preset": "berliner"})
    client.post(reverse("new_profile", args=["gazette"]), {"preset": "tabloid"})
    tabloid = PrintProfile.objects.get(name="Tabloïd")
    form = {
        field: value
        for field, value in vars(tabloid).items()
        if not field.startswith("_") and field not in ("id", "title_id", "is_default")
    }
    edit = {**form, "name": "Tabloïd maison", "columns": 4, "font_size_pt": "7.0"}
    client.post(reverse("profile", args=["gazette", tabloid.pk]), edit)
    client.post(reverse("default_profile", args=["gazette", tabloid.pk]))
    summaries = list(
        AuditEvent.objects.filter(action=Action.SETTINGS, user=admin_user)
        .order_by("pk")
        .values_list("summary", flat=True)
    )
    assert summaries == [
        "Gabarit « Berliner » créé (modèle Berliner), gabarit par défaut",
        "Gabarit « Tabloïd » créé (modèle Tabloïd)",
        "Gabarit « Tabloïd » modifié : nom du gabarit : Tabloïd → Tabloïd maison ; "
        "colonnes par page : 5 → 4",
        "« Tabloïd maison » devient le gabarit par défaut",
    ]


# --- the audit page and its export ---------------------------------------------------------


def paris(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def old_event(title, at, action=Action.DOWNLOAD, user=None, summary="Version 1 téléchargée"):
    """An event recorded at a given time (record() stamps it now)."""
    return AuditEvent.objects.create(
        title=title,
        title_name=title.name,
        user=user,
        username=user.get_username() if user else "",
        action=action,
        departement_code="30",
        day=DAY,
        summary=summary,
        at=at,
    )


@pytest.fixture
def trail(title, editor, other_title):
    return [
        old_event(
            title, paris(DAY, 9, 5), Action.FETCH, summary="Résultats récupérés (automatique)"
        ),
        old_event(title, paris(DAY, 14, 30), Action.BUILD, summary="Version 1 générée"),
        old_event(title, paris(date(2026, 7, 4), 8), Action.DOWNLOAD, user=editor),
        old_event(other_title, paris(DAY, 10), Action.EXPORT, summary="Secret de l'autre titre"),
    ]


def test_the_titles_admin_reads_its_trail_newest_first_in_paris_time(
    gard_calendar, client, admin_user, trail
):
    client.force_login(admin_user)
    response = client.get(reverse("audit", args=["gazette"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert [e.pk for e in response.context["page"].object_list] == [
        trail[2].pk,
        trail[1].pk,
        trail[0].pk,
    ]
    assert "03/07/2026 14:30:00" in page  # 12:30 UTC
    assert "automatique" in page and "redac" in page
    assert "Génération d&#x27;encart" in page and "Gard (30)" in page
    assert "Secret de l" not in page


def test_the_title_page_links_to_the_trail_for_admins_only(
    gard_calendar, client, admin_user, editor
):
    client.force_login(admin_user)
    audit_url = reverse("audit", args=["gazette"])
    assert audit_url in client.get(reverse("title", args=["gazette"])).content.decode()
    client.force_login(editor)
    assert audit_url not in client.get(reverse("title", args=["gazette"])).content.decode()


@pytest.mark.parametrize("url_name", ["audit", "audit_csv"])
def test_an_editor_is_told_the_trail_is_for_admins(gard_calendar, client, editor, trail, url_name):
    client.force_login(editor)
    response = client.get(reverse(url_name, args=["gazette"]))
    assert response.status_code == 403
    assert "réservée aux administrateurs du titre" in response.content.decode()


@pytest.mark.parametrize("url_name", ["audit", "audit_csv"])
def test_another_titles_admin_gets_404(gard_calendar, client, outsider, trail, url_name):
    client.force_login(outsider)
    assert client.get(reverse(url_name, args=["gazette"])).status_code == 404


@pytest.mark.parametrize("url_name", ["audit", "audit_csv"])
def test_anonymous_visitors_are_sent_to_the_login(gard_calendar, client, trail, url_name):
    response = client.get(reverse(url_name, args=["gazette"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def listed(client, **params):
    response = client.get(reverse("audit", args=["gazette"]), params)
    assert response.status_code == 200
    page = response.context["page"]
    return response, [event.pk for event in page.object_list] if page else None


def test_the_trail_is_filtered_by_action_and_paris_days(gard_calendar, client, admin_user, trail):
    client.force_login(admin_user)
    assert listed(client, action="build")[1] == [trail[1].pk]
    assert listed(client, start="2026-07-04")[1] == [trail[2].pk]
    assert listed(client, end="03/07/2026")[1] == [trail[1].pk, trail[0].pk]
    assert listed(client, start="2026-07-03", end="2026-07-03", action="fetch")[1] == [trail[0].pk]
    # 23:30 in Paris on 3 July is 4 July in UTC: the day is Paris's.
    late = old_event(trail[0].title, paris(DAY, 23, 30))
    assert late.pk in listed(client, end="2026-07-03")[1]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"action": "effacer"}, "Action inconnue : effacer."),
        ({"start": "2026-02-30"}, "Date de début invalide"),
        ({"end": "hier"}, "Date de fin invalide"),
        (
            {"start": "2026-07-05", "end": "2026-07-01"},
            "La date de début est après la date de fin.",
        ),
    ],
)
def test_invalid_filters_are_explained_in_french(
    gard_calendar, client, admin_user, trail, params, message
):
    client.force_login(admin_user)
    response, events = listed(client, **params)
    assert message in response.content.decode()
    assert events is None
    csv_response = client.get(reverse("audit_csv", args=["gazette"]), params)
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_the_trail_is_paginated_and_any_page_number_answers(
    gard_calendar, client, admin_user, title
):
    AuditEvent.objects.bulk_create(
        AuditEvent(title=title, title_name=title.name, action=Action.FETCH, summary=f"n° {i}")
        for i in range(105)
    )
    client.force_login(admin_user)
    assert len(listed(client)[1]) == 100
    assert len(listed(client, page="2")[1]) == 5
    assert len(listed(client, page="abc")[1]) == 100  # the first page
    assert len(listed(client, page="999")[1]) == 5  # the last page
    response, _ = listed(client, action="fetch")
    assert "?action=fetch&amp;page=2" in response.content.decode()


def csv_text(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="journal-gazette-')
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return body.decode("utf-8-sig")


def test_the_csv_export_holds_the_filtered_trail_for_spreadsheets(
    gard_calendar, client, admin_user, trail
):
    old_event(trail[0].title, paris(DAY, 15), summary='=HYPERLINK("http://x")')
    client.force_login(admin_user)
    text = csv_text(client.get(reverse("audit_csv", args=["gazette"]), {"end": "2026-07-03"}))
    lines = text.split("\r\n")
    assert lines[0] == (
        "date_heure;utilisateur;action;code_action;titre;departement;jour;resume;details"
    )
    assert lines[1].startswith("2026-07-03 15:00:00;automatique;")
    assert ';"\'=HYPERLINK(""http://x"")";' in lines[1]  # a spreadsheet shows it, never runs it
    assert lines[3] == (
        "2026-07-03 09:05:00;automatique;récupération des résultats;fetch;La Gazette du Midi;"
        "30;2026-07-03;Résultats récupérés (automatique);"
    )
    assert len(lines) == 5 and lines[4] == ""
    assert "Secret" not in text and "redac" not in text


def test_exporting_the_trail_is_recorded_and_left_out_of_its_own_file(
    gard_calendar, client, admin_user, title, trail
):
    client.force_login(admin_user)
    text = csv_text(client.get(reverse("audit_csv", args=["gazette"]), {"action": "build"}))
    assert len(text.split("\r\n")) == 3  # header, one event, final line end
    event = only_event(user=admin_user)
    assert (event.action, event.title) == (Action.EXPORT, title)
    assert event.summary == "Journal d'audit exporté en CSV (1 événement)"
    assert event.details == {"format": "csv", "content": "audit", "filters": {"action": "build"}}
