"""A request budget shared by every worker: in Redis when REDIS_URL is set, else the database."""

from datetime import timedelta
from functools import cache

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import RequestBudget


def take(key, limit, period_s, now=None):
    """Spend one request of `key`'s budget: True if it was left, False once `limit` requests
    were spent in the `period_s` seconds since the first one. Never raises for a spent budget:
    the caller skips or defers its request."""
    if settings.REDIS_URL:
        return _take_redis(key, limit, period_s)
    return _take_database(key, limit, period_s, now or timezone.now())


def spent(key, now=None):
    """How many requests of `key`'s budget were spent in its current period."""
    if settings.REDIS_URL:
        return int(_redis(settings.REDIS_URL).get(_redis_key(key)) or 0)
    row = RequestBudget.objects.filter(key=key, resets_at__gt=now or timezone.now()).first()
    return row.used if row else 0


@cache
def _redis(url):
    return redis.Redis.from_url(url)


def _redis_key(key):
    # Installations sharing a Redis (see CELERY_QUEUE) keep their budgets apart.
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}:budget:{key}"


def _take_redis(key, limit, period_s):
    name = _redis_key(key)
    pipe = _redis(settings.REDIS_URL).pipeline()
    # The first request of a period starts its expiry; INCR is atomic for every worker.
    pipe.set(name, 0, ex=period_s, nx=True)
    pipe.incr(name)
    _, used = pipe.execute()
    return used <= limit


def _take_database(key, limit, period_s, now):
    rows = RequestBudget.objects.filter(key=key)
    if rows.filter(resets_at__gt=now, used__lt=limit).update(used=F("used") + 1):
        return True
    resets_at = now + timedelta(seconds=period_s)
    # A period over: the first worker to see it starts the next; the others then count in it.
    if rows.filter(resets_at__lte=now).update(used=1, resets_at=resets_at):
        return True
    if rows.exists():
        return False
    try:
        with transaction.atomic():
            RequestBudget.objects.create(key=key, used=1, resets_at=resets_at)
        return True
    except IntegrityError:
        # Another worker created it first: count in its row.
        return _take_database(key, limit, period_s, now)


def forget():
    """Drop this installation's budgets kept in Redis (the tests start each from nothing; the
    database's rows go with its transaction)."""
    if settings.REDIS_URL:
        client = _redis(settings.REDIS_URL)
        for name in client.scan_iter(match=_redis_key("*")):
            client.delete(name)
