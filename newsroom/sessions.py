"""Sessions kept in the database and read from Redis, still readable while Redis is away."""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

log = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    """Django's cached_db sessions (every page reads its session from Redis, not from a query),
    with two changes for a Redis that restarts or fails over.

    Reading: Django's store falls back to the database when the cache cannot be read, then fails
    while putting the session back in the cache; here the page is served from the database.

    Logging out: Django deletes the database row first and then the cached copy, so a failing
    cache left the session valid for whoever reads the cache later. Here the cached copy goes
    first, and a failure stops the logout before anything is changed (the editor sees an error,
    not a logout that did not happen); it is deleted again after the row, in case a request
    read the row in between and put it back.
    """

    def load(self):
        try:
            return super().load()
        except Exception as error:  # the cache client's own errors, whatever the cache
            log.warning("session cache unavailable, read from the database: %r", error)
            return DatabaseStore.load(self)

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key is None:
            return
        self._cache.delete(self.cache_key_prefix + session_key)
        DatabaseStore.delete(self, session_key)
        self._cache.delete(self.cache_key_prefix + session_key)
