"""/sante/: the database, the broker and the scheduler's heartbeat, for a probe with no login."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from results.deliberation import health
from results.models import Heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def beating():
    health.stamp_heartbeat(timezone.now() - timedelta(seconds=10))


def test_it_answers_200_with_every_check_ok_to_an_anonymous_probe(client, beating):
    response = client.get("/sante/")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True}
    assert body["scheduler"]["ok"] is True
    assert 9 < body["scheduler"]["age_s"] < 60
    assert body["scheduler"]["last_heartbeat"] == Heartbeat.objects.get().at.isoformat()
    assert "no-cache" in response["Cache-Control"]


def test_its_json_has_the_documented_shape(client, beating):
    body = client.get("/sante/").json()

    assert set(body) == {"database", "broker", "scheduler", "ok"}
    assert set(body["scheduler"]) == {"ok", "last_heartbeat", "age_s"}


def test_a_database_failure_gives_503_with_its_class(client, beating):
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


def test_a_broker_failure_gives_503_without_its_password(client, beating, settings):
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


def test_a_stale_heartbeat_gives_503(client, settings):
    settings.HEARTBEAT_INTERVAL_S = 60
    health.stamp_heartbeat(timezone.now() - timedelta(seconds=181))

    response = client.get("/sante/")

    assert response.status_code == 503
    assert response.json()["scheduler"]["ok"] is False
    assert response.json()["scheduler"]["age_s"] >= 181


def test_no_heartbeat_yet_is_not_ok(client):
    body = client.get("/sante/").json()

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
