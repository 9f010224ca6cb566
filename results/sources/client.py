"""What the upstream clients share: their error base, HTTP session, settings and closing."""

import time

import httpx2
from django.conf import settings


class UpstreamError(Exception):
    """Anything that went wrong talking to an upstream; `status` and `body` when it answered,
    `retry_after` when it said when to call again. Each client's own error subclasses it."""

    def __init__(self, message, *, status=None, body=b"", retry_after=None):
        super().__init__(message)
        self.status = status
        self.body = body
        self.retry_after = retry_after


class UpstreamClient:
    """One upstream's HTTP client, a context manager that closes its connections.

    A subclass names its settings (`settings_prefix` + each suffix of `settings_names`: e.g.
    ARPENT_BASE_URL, ARPENT_TIMEOUT_S) and its defaults. Results will also come from files: a
    file reader is a source beside these clients, not one of them.
    """

    settings_prefix = ""
    # Constructor option → the suffix of its setting.
    settings_names = {"timeout": "TIMEOUT_S", "max_attempts": "MAX_ATTEMPTS"}
    default_timeout = 10.0
    default_max_attempts = 3
    default_max_wait = 30.0

    def __init__(
        self,
        base_url,
        *,
        headers=None,
        timeout=None,
        max_attempts=None,
        max_wait=None,
        transport=None,
        sleep=time.sleep,
    ):
        headers = {
            "Accept": "application/json",
            "User-Agent": "newsroom-exam-results",
            **(headers or {}),
        }
        self.http = httpx2.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=self.default_timeout if timeout is None else timeout,
            transport=transport,
        )
        self.max_attempts = self.default_max_attempts if max_attempts is None else max_attempts
        self.max_wait = self.default_max_wait if max_wait is None else max_wait
        self.sleep = sleep

    @classmethod
    def from_settings(cls, **overrides):
        options = {
            option: getattr(settings, f"{cls.settings_prefix}_{suffix}")
            for option, suffix in cls.settings_names.items()
        } | overrides
        return cls(getattr(settings, f"{cls.settings_prefix}_BASE_URL"), **options)

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
