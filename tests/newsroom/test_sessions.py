"""Sessions read from Redis when there is one (newsroom.sessions): a logout still ends them
everywhere, and a Redis that has gone away does not take the pages with it. A login lasts one
working day, and the scheduler deletes expired sessions."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from results.tasks import clear_expired_sessions
from tests.processes import production_environment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cached_sessions(with_shared_cache):
    """Sessions in a cache every process would share, as Redis is; a per-process one is never
    used for sessions."""
    return with_shared_cache


def cached_key(session_key):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX

    return KEY_PREFIX + session_key


def test_a_page_reads_its_session_from_the_cache_not_the_database(client, editor, cached_sessions):
    client.force_login(editor)
    home = reverse("title", args=["gazette"])
    assert client.get(home).status_code == 200
    key = client.cookies["sessionid"].value
    assert cached_sessions.get(cached_key(key)) is not None

    Session.objects.filter(session_key=key).update(session_data="not read")
    assert client.get(home).status_code == 200


def test_a_logout_ends_the_session_in_the_cache_and_the_database(client, editor, cached_sessions):
    client.force_login(editor)
    home = reverse("title", args=["gazette"])
    client.get(home)
    key = client.cookies["sessionid"].value

    client.post(reverse("logout"))

    assert cached_sessions.get(cached_key(key)) is None
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key  # the old cookie, replayed
    assert client.get(home).status_code == 302


def test_pages_are_served_from_the_database_while_the_cache_is_away(
    client, editor, cached_sessions, monkeypatch
):
    client.force_login(editor)

    def away(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(cached_sessions, "get", away)
    monkeypatch.setattr(cached_sessions, "set", away)
    assert client.get(reverse("title", args=["gazette"])).status_code == 200


def test_a_logout_the_cache_cannot_record_changes_nothing(
    client, editor, cached_sessions, monkeypatch
):
    client.force_login(editor)
    home = reverse("title", args=["gazette"])
    client.get(home)
    key = client.cookies["sessionid"].value

    def away(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(cached_sessions, "delete", away)
    client.raise_request_exception = False
    assert client.post(reverse("logout")).status_code == 500
    # Still logged in, as the error says, rather than out here and in for whoever reads Redis.
    assert Session.objects.filter(session_key=key).exists()
    assert cached_sessions.get(cached_key(key)) is not None


def test_a_login_lasts_one_working_day(client, editor):
    home = reverse("title", args=["gazette"])
    start = datetime(2026, 7, 3, 7, 30, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(editor)
        traveller.shift(timedelta(hours=9, minutes=59))
        assert client.get(home).status_code == 200
        traveller.shift(timedelta(minutes=2))
        response = client.get(home)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_session_length_is_set_in_hours_from_the_environment():
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    production = production_environment(ALLOWED_HOSTS="news.example.fr")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={**env, **production, "SESSION_AGE_HOURS": "8"},
        capture_output=True,
        text=True,
    )

    assert result.stdout.strip() == str(8 * 3600), result.stderr


@pytest.mark.parametrize("engine", ["newsroom.sessions", "django.contrib.sessions.backends.db"])
def test_the_scheduler_deletes_expired_sessions_and_keeps_the_others(
    client, editor, settings, engine
):
    settings.SESSION_ENGINE = engine
    start = datetime(2026, 7, 3, 7, 30, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(editor)
        yesterdays = client.cookies["sessionid"].value
        traveller.shift(timedelta(hours=11))
        client.force_login(editor)
        todays = client.cookies["sessionid"].value
        clear_expired_sessions()

    assert not Session.objects.filter(session_key=yesterdays).exists()
    assert Session.objects.filter(session_key=todays).exists()


def test_the_scheduler_clears_expired_sessions_nightly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]

    assert entry["task"] == "results.tasks.clear_expired_sessions"
    assert entry["schedule"].hour == {settings.RETENTION_PURGE_HOUR}
