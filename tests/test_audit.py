"""The audit trail: append-only everywhere, one event per thing done, read by the title's admins."""

import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from results import jobs
from results.audit import record
from results.inserts import build_insert
from results.models import (
    AppendOnlyError,
    AuditEvent,
    CalendarRow,
    Departement,
    Fetch,
    Job,
    Membership,
    PrintProfile,
    Result,
    Title,
)
from results.sync import SyncReport

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 7, 3)
FORET = ("Baccalauréat Professionnel", "Forêt")
# The candidates of these tests: none of these words may reach the trail.
CANDIDATES = [("DUPONT", "Marie-Ève"), ("ZOLA", "Émile")]
CANDIDATE_WORDS = ["DUPONT", "Marie", "ZOLA", "Émile"]


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
def gard():
    gard = Departement.objects.create(code="30", name="Gard", region="Occitanie")
    CalendarRow.objects.create(
        departement=gard, filiere=FORET[0], option=FORET[1], date_delib=DAY, nb_candidats=40
    )
    for nom, prenoms in CANDIDATES:
        Result.objects.create(
            departement=gard,
            filiere=FORET[0],
            option=FORET[1],
            nom=nom,
            prenoms=prenoms,
            resultat="Admission",
        )
    return gard


@pytest.fixture
def title(gard):
    title = Title.objects.create(name="La Gazette du Midi", slug="gazette")
    title.departements.add(gard)
    return title


@pytest.fixture
def admin_user(title):
    user = get_user_model().objects.create_user("cheffe", password="pw")
    Membership.objects.create(user=user, title=title, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def editor(title):
    user = get_user_model().objects.create_user("redac", password="pw")
    Membership.objects.create(user=user, title=title, role=Membership.Role.EDITOR)
    return user


@pytest.fixture
def event(title, editor):
    return record(Action.DOWNLOAD, title=title, user=editor, summary="PDF de la version 1")


# --- append-only: the model ----------------------------------------------------------------


def test_an_event_cannot_be_saved_again(event):
    event.summary = "autre chose"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["summary"])
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_a_new_event_with_an_existing_key_does_not_overwrite_it(event, title):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent(pk=event.pk, title=title, action=Action.EXPORT, summary="réécrit").save()
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.count() == 1


def test_the_manager_refuses_bulk_updates_and_deletes(event):
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


def test_events_outlive_the_title_and_the_user_they_name(event, title, editor):
    editor.delete()
    title.delete()
    event = AuditEvent.objects.get()
    assert (event.title_name, event.username) == ("La Gazette du Midi", "redac")


def test_an_anonymous_or_missing_user_is_the_scheduler(title):
    from django.contrib.auth.models import AnonymousUser

    for user in (None, AnonymousUser()):
        event = record(Action.FETCH, title=title, user=user)
        assert (event.user, event.username) == (None, "")


# --- append-only: the database -------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the trigger exists on PostgreSQL only; SQLite relies on the model and the admin",
)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE results_auditevent SET summary = 'réécrit'",
        "DELETE FROM results_auditevent",
    ],
)
def test_postgresql_refuses_raw_updates_and_deletes(event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().summary == "PDF de la version 1"


@pytest.mark.django_db(transaction=True)
def test_the_trail_can_still_be_emptied_between_tests(title):
    # A transactional test: the test runner empties every table afterwards (TRUNCATE on
    # PostgreSQL), which the trigger must let through.
    record(Action.FETCH, title=title)
    assert AuditEvent.objects.count() == 1


# --- append-only: the admin ----------------------------------------------------------------


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", password="pw")


def test_the_admin_lists_and_shows_events_but_adds_none(client, superuser, event):
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


def test_the_admin_cannot_change_or_delete_an_event(client, superuser, event):
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
def other_title(gard):
    """Another newspaper following the same département."""
    other = Title.objects.create(name="L'Autre Journal", slug="autre")
    other.departements.add(gard)
    return other


@pytest.fixture
def outsider(other_title):
    user = get_user_model().objects.create_user("autre", password="pw")
    Membership.objects.create(user=user, title=other_title, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def no_worker(monkeypatch):
    sent = []
    monkeypatch.setattr("results.tasks.fetch_results.delay", sent.append)
    monkeypatch.setattr("results.tasks.build_insert.delay", sent.append)
    monkeypatch.setattr("results.views.refresh_calendar.delay", sent.append)
    return sent


def changed_report(*args):
    return SyncReport(Fetch.Outcome.CHANGED, rows=2, created=2, sections=[FORET])


def test_a_manual_fetch_is_recorded_when_asked_for(client, editor, title, no_worker):
    client.force_login(editor)
    client.post(reverse("fetch_results", args=["gazette", "30"]))
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
    title, other_title, gard, monkeypatch, no_worker, django_capture_on_commit_callbacks
):
    Title.objects.create(name="Sans le Gard", slug="ailleurs")
    monkeypatch.setattr("results.sync.sync_results", changed_report)
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, slot="poll-1")
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_fetch(jobs.claim(job.pk))
    for followed in (title, other_title):
        event = only_event(title=followed)
        assert (event.action, event.user, event.username) == (Action.FETCH, None, "")
        assert event.summary.startswith("Résultats récupérés (automatique) : 2 lignes : 2 ajoutées")
        assert event.details["created"] == 2 and event.details["builds"] == 1
    assert AuditEvent.objects.count() == 2


def test_a_manual_fetch_names_its_editor_in_their_titles_trail_only(
    title, other_title, gard, editor, monkeypatch, no_worker, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("results.sync.sync_results", changed_report)
    job = Job.objects.create(
        kind=Job.Kind.FETCH_RESULTS, departement=gard, title=title, requested_by=editor
    )
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_fetch(jobs.claim(job.pk))
    mine, theirs = only_event(title=title), only_event(title=other_title)
    assert mine.user == editor and "(à la demande)" in mine.summary
    assert theirs.user is None and "à la demande d'un autre titre" in theirs.summary
    # The builds a fetch starts for another title are that title's automatic work too.
    builds = Job.objects.filter(kind=Job.Kind.BUILD_INSERT)
    assert dict(builds.values_list("title__slug", "requested_by")) == {
        "gazette": editor.pk,
        "autre": None,
    }


def test_a_new_version_is_recorded_with_its_counts(title, gard, editor):
    insert, created = build_insert(title, gard, DAY, user=editor)
    assert created
    event = only_event()
    assert (event.action, event.user, event.title) == (Action.BUILD, editor, title)
    assert (event.departement_code, event.day) == ("30", DAY)
    assert event.summary == "Version 1 générée (2 noms, 1 page)"
    assert event.details["version"] == 1 and event.details["insert"] == insert.pk


def test_thousands_are_grouped_in_the_summary(title, gard):
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
    build_insert(title, gard, DAY)
    assert AuditEvent.objects.get().summary == "Version 1 générée (1\u00a0245 noms, 2 pages)"


def test_an_unchanged_rebuild_is_recorded_once_by_its_job(title, gard, editor):
    build_insert(title, gard, DAY)
    job = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT, title=title, departement=gard, day=DAY, requested_by=editor
    )
    jobs.run_build(jobs.claim(job.pk))
    event = only_event(user=editor)
    assert event.action == Action.BUILD
    assert event.summary == "Contenu inchangé : la version 1 reste à jour."
    assert event.details == {"job": job.pk, "version": 1, "created": False}
    assert AuditEvent.objects.count() == 2  # the first version's, automatic


@pytest.fixture
def version(title, gard):
    insert, _ = build_insert(title, gard, DAY)
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
    client, editor, title, version, url_name, action, summary, details
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


def test_marking_final_is_recorded_once(client, editor, version):
    client.force_login(editor)
    url = reverse("mark_final", args=["gazette", version.pk])
    client.post(url)
    client.post(url)  # already final: nothing changes, nothing is recorded
    event = only_event(user=editor)
    assert event.action == Action.MARK_FINAL
    assert event.summary == "Version 1 marquée « bon à tirer »"


def test_print_settings_changes_are_recorded_with_before_and_after(client, editor, title):
    client.force_login(editor)
    url = reverse("print_settings", args=["gazette"])
    client.post(url, {"bleed_mm": "3", "crop_marks": "on"})
    event = only_event(user=editor)
    assert event.action == Action.SETTINGS
    assert event.summary == (
        "Réglages d'impression : fond perdu (mm) : 0 → 3 ; traits de coupe : non → oui"
    )
    assert event.details["changes"] == {"bleed_mm": ["0", "3"], "crop_marks": ["non", "oui"]}
    client.post(url, {"bleed_mm": "3.0", "crop_marks": "on"})  # nothing changes
    assert AuditEvent.objects.count() == 1


def test_an_uploaded_icc_profile_is_recorded_by_its_file_name(client, editor, title):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_inserts import ICC

    client.force_login(editor)
    upload = SimpleUploadedFile("imprimeur.icc", ICC.read_bytes())
    client.post(
        reverse("print_settings", args=["gazette"]), {"icc_profile": upload, "bleed_mm": "0"}
    )
    event = only_event(user=editor)
    assert event.details["changes"]["icc_profile"][0] == "aucun"
    assert event.details["changes"]["icc_profile"][1].startswith("icc/imprimeur")


def test_chosen_departements_are_recorded(client, editor, title, no_worker):
    Departement.objects.create(code="48", name="Lozère")
    client.force_login(editor)
    client.post(reverse("choose", args=["gazette"]), {"departements": ["48"]})
    event = only_event(user=editor)
    assert event.action == Action.SETTINGS
    assert event.summary == "Départements suivis : + Lozère (48), \u2212 Gard (30)"
    assert event.details == {"settings": "departements", "added": ["48"], "removed": ["30"]}
    client.post(reverse("choose", args=["gazette"]), {"departements": ["48"]})  # unchanged
    assert AuditEvent.objects.count() == 1


def test_print_profiles_created_edited_and_made_default_are_recorded(client, editor, title):
    client.force_login(editor)
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
        AuditEvent.objects.filter(action=Action.SETTINGS, user=editor)
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
