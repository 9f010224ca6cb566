"""Change stamps in the cache every process shares: a value that moves whenever a département's
jobs change, so that a panel polled every 2 s can tell "nothing changed" without a query.

Writers move a stamp after each change to a job (results.models.JobQuerySet does it for every
write path); readers keep what they computed beside the stamp they read before computing it,
and trust it while the stamp has not moved. A stamp is random, not a counter: a lost or evicted
stamp is simply new, and a reader that finds none gives it one and computes.

Only a cache that every web and worker process reads can carry them: with Redis (REDIS_URL) the
`shared` cache, which also holds the sessions. Without it there are no stamps, and readers
always compute (a cache per process could not be told of a worker's writes).
"""

import logging
import secrets

from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction

log = logging.getLogger(__name__)

SHARED = "shared"
# A stamp nobody moved for a day is dropped; its readers then compute once and give it another.
STAMP_TIMEOUT_S = 24 * 3600


def shared_cache():
    """The cache every process reads, or None when there is none (no Redis)."""
    return caches[SHARED] if SHARED in settings.CACHES else None


def departement_jobs(code):
    """The key of the stamp of département `code`'s jobs: its fetches and its inserts' builds."""
    return f"jobs:departement:{code}"


def move(keys, using="default"):
    """Moves the stamps `keys` now and, inside a transaction, again once it commits.

    Now: a reader within the same transaction, or one that reads the stamp after the commit
    but before the callback runs, must not trust an older computation. Again after the commit:
    a reader that read the moved stamp and then the database before the commit computed from
    the old rows, and must not be trusted either.
    """
    keys = sorted(set(keys))
    if not keys or shared_cache() is None:
        return
    _new_stamps(keys)
    if connections[using].in_atomic_block:
        transaction.on_commit(lambda: _new_stamps(keys), using=using)


def _new_stamps(keys):
    try:
        shared_cache().set_many({key: secrets.token_hex(8) for key in keys}, STAMP_TIMEOUT_S)
    except Exception as error:  # the cache client's own errors, whatever the cache
        # Readers then trust what they computed until its own timeout (see its callers).
        log.warning("change stamps not moved (%s): %r", ", ".join(keys), error)


def current(key):
    """The stamp `key` holds, given one first if it has none; None when the shared cache is
    missing or unreadable (the caller computes and keeps nothing)."""
    cache = shared_cache()
    if cache is None:
        return None
    try:
        stamp = cache.get(key)
        if stamp is None:
            cache.add(key, secrets.token_hex(8), STAMP_TIMEOUT_S)  # unless a writer just did
            stamp = cache.get(key)
        return stamp
    except Exception as error:  # the cache client's own errors, whatever the cache
        log.warning("change stamp %s unreadable: %r", key, error)
        return None
