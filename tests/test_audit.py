"""The audit trail: append-only everywhere, one event per thing done, read by the title's admins."""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from results.audit import record
from results.models import AppendOnlyError, AuditEvent, Departement, Membership, Title

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


@pytest.fixture
def gard():
    return Departement.objects.create(code="30", name="Gard", region="Occitanie")


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
