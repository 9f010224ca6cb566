"""/sante/: the database, the broker and the scheduler's heartbeat, for a probe with no login
(status only) and for staff (the details)."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from results.deliberation import health
from results.models import Heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_checks():
    """Each test sees its own checks, not those another test left in the per-process cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def beating():
    health.stamp_heartbeat(timezone.now() - timedelta(seconds=10))


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_it_answers_200_with_every_check_ok_to_an_anonymous_probe(client, beating):
    response = client.get("/sante/")

    assert response.status_code == 200
    assert response.json() == {
        "database": {"ok": True},
        "broker": {"ok": True},
        "scheduler": {"ok": True},
        "ok": True,
    }
    assert "no-cache" in response["Cache-Control"]


def test_staff_get_the_heartbeats_time_and_age(staff_client, beating):
    body = staff_client.get("/sante/").json()

    assert body["ok"] is True
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True}
    assert body["scheduler"]["ok"] is True
    assert 9 < body["scheduler"]["age_s"] < 60
    assert body["scheduler"]["last_heartbeat"] == Heartbeat.objects.get().at.isoformat()


def test_its_json_has_the_documented_shape(client, staff_client, beating):
    body = staff_client.get("/sante/").json()

    assert set(body) == {"database", "broker", "scheduler", "ok"}
    assert set(body["scheduler"]) == {"ok", "last_heartbeat", "age_s"}


def test_an_anonymous_probe_gets_the_status_without_the_errors_text(client, beating, settings):
    settings.CELERY_BROKER_URL = "redis://newsroom@redis.internal:6379/0"
    broker = mock.MagicMock()
    broker.__enter__.return_value.ensure_connection.side_effect = ConnectionRefusedError(
        "Error 111 connecting to redis.internal:6379 as newsroom. Connection refused."
    )
    with mock.patch.object(health.app, "connection_for_write", return_value=broker):
        response = client.get("/sante/")

    assert response.status_code == 503
    assert response.json() == {
        "database": {"ok": True},
        "broker": {"ok": False},
        "scheduler": {"ok": True},
        "ok": False,
    }
    for detail in ("redis.internal", "6379", "newsroom", "ConnectionRefused", "111"):
        assert detail not in response.content.decode()


def test_anonymous_hits_within_the_cache_period_neither_query_nor_connect(
    client, beating, settings, monkeypatch, django_assert_num_queries
):
    settings.HEALTH_CACHE_S = 5
    connect = health.app.connection_for_write
    attempts = []

    def counted(*args, **kwargs):
        attempts.append(1)
        return connect(*args, **kwargs)

    monkeypatch.setattr(health.app, "connection_for_write", counted)
    assert client.get("/sante/").status_code == 200
    with django_assert_num_queries(0):
        for _ in range(20):
            assert client.get("/sante/").status_code == 200

    assert len(attempts) == 1


def test_the_checks_run_again_once_the_cache_period_is_over(client, beating, settings):
    settings.HEALTH_CACHE_S = 5
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("could not connect to server")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert client.get("/sante/").status_code == 200
        with mock.patch.object(health, "connection", broken):
            traveller.shift(timedelta(seconds=4))
            assert client.get("/sante/").status_code == 200  # the cached answer
            traveller.shift(timedelta(seconds=2))
            assert client.get("/sante/").status_code == 503


def test_a_database_failure_gives_503_with_its_class(staff_client, beating):
    client = staff_client
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("could not connect to server")
    with mock.patch.object(health, "connection", broken):
        response = client.get("/sante/")

    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["database"] == {
        "ok": False,
        "error": "OperationalError: could not connect to server",
    }
    assert body["scheduler"]["ok"] is False


def test_a_broker_failure_gives_503_without_its_password(staff_client, beating, settings):
    client = staff_client
    settings.CELERY_BROKER_URL = "redis://:s3cret@redis.internal:6379/0"
    broker = mock.MagicMock()
    broker.__enter__.return_value.ensure_connection.side_effect = ConnectionRefusedError(
        "cannot reach redis://:s3cret@redis.internal:6379/0"
    )
    with mock.patch.object(health.app, "connection_for_write", return_value=broker):
        response = client.get("/sante/")

    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False
    assert body["broker"]["error"].startswith("ConnectionRefusedError: ")
    assert "s3cret" not in response.content.decode()
    assert body["database"]["ok"] is True


def test_a_stale_heartbeat_gives_503(staff_client, settings):
    client = staff_client
    settings.HEARTBEAT_INTERVAL_S = 60
    health.stamp_heartbeat(timezone.now() - timedelta(seconds=181))

    response = client.get("/sante/")

    assert response.status_code == 503
    assert response.json()["scheduler"]["ok"] is False
    assert response.json()["scheduler"]["age_s"] >= 181


def test_no_heartbeat_yet_is_not_ok(staff_client):
    body = staff_client.get("/sante/").json()

    assert body["scheduler"] == {"ok": False, "last_heartbeat": None, "age_s": None}


def test_the_heartbeat_task_updates_one_row():
    from results.tasks import heartbeat

    heartbeat()
    heartbeat()

    assert Heartbeat.objects.filter(name="beat").count() == 1
    assert timezone.now() - Heartbeat.objects.get().at < timedelta(seconds=5)


def test_the_scheduler_sends_the_heartbeat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]

    assert entry["task"] == "results.tasks.heartbeat"
    assert entry["schedule"] == settings.HEARTBEAT_INTERVAL_S
