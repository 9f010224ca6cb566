"""Is the service up: the database, the broker, and the scheduler's heartbeat."""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from newsroom.celery import app

from ..models import Heartbeat

BEAT = "beat"
# Long enough for Redis on another machine, short enough for a load balancer's probe.
BROKER_TIMEOUT_S = 3


def stamp_heartbeat(now=None):
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"at": now or timezone.now()})


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure is the answer, not a crash of the probe
        return _failure(error)
    return {"ok": True}


def check_broker():
    try:
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT_S) as broker:
            # One try, no sleeping between retries: the probe answers within the timeout.
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_S)
    except Exception as error:
        return _failure(error)
    return {"ok": True}


def check_scheduler(now=None):
    """Ok while the last heartbeat is younger than three intervals (two may be missed)."""
    now = now or timezone.now()
    at = Heartbeat.objects.filter(name=BEAT).values_list("at", flat=True).first()
    age = (now - at).total_seconds() if at else None
    return {
        "ok": age is not None and age < 3 * settings.HEARTBEAT_INTERVAL_S,
        "last_heartbeat": at.isoformat() if at else None,
        "age_s": round(age, 1) if age is not None else None,
    }


REPORT_CACHE_KEY = "health-report"


def cached_report():
    """The report of the last HEALTH_CACHE_S seconds, or a fresh one.

    The probe needs no login: without this, every anonymous hit would open a broker connection
    and query the database, so a flood of hits would load both. The default cache is per
    process, so each web process checks at most once per period.
    """
    checks = cache.get(REPORT_CACHE_KEY)
    if checks is None:
        checks = report()
        cache.set(REPORT_CACHE_KEY, checks, settings.HEALTH_CACHE_S)
    return checks


def status_only(checks):
    """What anyone may read: ok or not per component, no host, user or error text."""
    return {name: check if name == "ok" else {"ok": check["ok"]} for name, check in checks.items()}


def report():
    checks = {"database": check_database(), "broker": check_broker()}
    # Without a database there is no heartbeat to read.
    if checks["database"]["ok"]:
        checks["scheduler"] = check_scheduler()
    else:
        checks["scheduler"] = {"ok": False, "last_heartbeat": None, "age_s": None}
    return {**checks, "ok": all(check["ok"] for check in checks.values())}


def _failure(error):
    """The error's class and a short message, with any password of ours blanked out.

    The answer is public (a probe needs no login): a driver's message may quote a connection
    URL, and the broker's or the database's password must never appear in it.
    """
    message = str(error)
    for secret in _secrets():
        message = message.replace(secret, "***")
    return {"ok": False, "error": f"{type(error).__name__}: {message[:200]}"}


def _secrets():
    passwords = [urlsplit(settings.CELERY_BROKER_URL).password]
    passwords += [db.get("PASSWORD") for db in settings.DATABASES.values()]
    return [form for p in passwords if p for form in {p, unquote(p)}]
