"""What the upstream clients share: their error base, HTTP session, settings, sending with
retries, and closing."""

import json
import time

import httpx2
from django.conf import settings

from . import retries


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
    # How messages name the upstream ("ARPENT"), and the errors its calls raise: `error` for a
    # refusal, `unavailable` once retries are spent, `payload_error` for an answer that cannot
    # be read (too large), `not_configured` when no address was given.
    label = ""
    error = UpstreamError
    refused_error = None  # None: `error`
    unavailable = UpstreamError
    payload_error = UpstreamError
    not_configured = ""
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

    def send(self, method, path, name, *, refused_detail=None, **kwargs):
        """The response to a request, retrying transient failures with backoff and honouring
        the wait the server asks (results.sources.retries.send). `name` says which call in
        messages; `refused_detail(response)` adds the upstream's own reason to a refusal;
        other keyword arguments go to retries.send and the request."""
        if not self.http.base_url.host:
            raise self.error(self.not_configured)
        refused_error = self.refused_error or self.error

        def refused(response):
            detail = refused_detail(response) if refused_detail else ""
            return refused_error(
                f"{self.label} {name} : refusé (HTTP {response.status_code}{detail})",
                status=response.status_code,
                body=response.content,
            )

        return retries.send(
            self.http,
            method,
            path,
            label=f"{self.label} {name}",
            max_attempts=self.max_attempts,
            max_wait=self.max_wait,
            sleep=self.sleep,
            refused=refused,
            unavailable=self.unavailable,
            too_large=self.payload_error,
            **kwargs,
        )

    @classmethod
    def read_json(cls, response, name):
        """The answer's JSON; an answer that is not JSON is the client's bad payload."""
        try:
            return json.loads(response.content)
        except ValueError as error:
            raise cls.payload_error(
                f"{cls.label} {name} : la réponse n'est pas du JSON valide ({error})",
                status=response.status_code,
                body=response.content,
            ) from None

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
