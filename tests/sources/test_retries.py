"""The retry loop the upstream clients share, on its own."""

import httpx2
import pytest

from results.sources import retries


class Unavailable(Exception):
    def __init__(self, message, *, status=None, body=b"", retry_after=None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Refused(Exception):
    pass


class TooLarge(Exception):
    def __init__(self, message, *, status=None):
        super().__init__(message)
        self.status = status


def answers(*responses):
    """An HTTP client that gives these answers in turn and counts the calls."""
    queue = list(responses)
    calls = []

    def handler(request):
        calls.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    http = httpx2.Client(base_url="http://upstream.test", transport=httpx2.MockTransport(handler))
    return http, calls


@pytest.fixture
def send(sleeps):
    def send(http, **options):
        options = {
            "label": "Amont test",
            "max_attempts": 3,
            "max_wait": 30.0,
            "sleep": sleeps.append,
            "refused": lambda response: Refused(response.status_code),
            "unavailable": Unavailable,
            "too_large": TooLarge,
        } | options
        return retries.send(http, "GET", "/data", **options)

    return send


def test_the_backoff_grows_with_each_attempt():
    waits = [retries.backoff(attempt) for attempt in range(1, 5)]
    assert 0.4 <= waits[0] <= 0.6
    assert waits[0] < waits[1] < waits[2] < waits[3]
    assert 3.2 <= waits[3] <= 4.8


def test_a_transient_failure_then_a_success_returns_the_success(send, sleeps):
    http, calls = answers(httpx2.ConnectTimeout("slow"), httpx2.Response(503), httpx2.Response(200))
    assert send(http).status_code == 200
    assert len(calls) == 3
    assert len(sleeps) == 2


def test_it_waits_as_long_as_retry_after_says(send, sleeps):
    http, _ = answers(httpx2.Response(429, headers={"Retry-After": "7"}), httpx2.Response(200))
    assert send(http).status_code == 200
    assert sleeps == [7.0]


def test_a_retry_after_beyond_max_wait_gives_up_at_once(send, sleeps):
    http, calls = answers(httpx2.Response(429, headers={"Retry-After": "600"}))
    with pytest.raises(Unavailable) as caught:
        send(http)
    assert str(caught.value) == "Amont test : indisponible (HTTP 429) après 1 essai(s)"
    assert caught.value.retry_after == 600.0
    assert len(calls) == 1
    assert sleeps == []


def test_it_gives_up_when_the_attempts_run_out(send, sleeps):
    http, _ = answers(*[httpx2.Response(502)] * 3)
    with pytest.raises(Unavailable) as caught:
        send(http)
    assert str(caught.value) == "Amont test : indisponible (HTTP 502) après 3 essai(s)"
    assert caught.value.status == 502
    assert len(sleeps) == 2


def test_a_refusal_is_not_retried(send, sleeps):
    http, calls = answers(httpx2.Response(403))
    with pytest.raises(Refused):
        send(http)
    assert len(calls) == 1
    assert sleeps == []


def test_accept_lets_a_status_through_to_the_caller(send):
    http, _ = answers(httpx2.Response(404))
    response = send(http, accept=lambda status: status < 400 or status == 404)
    assert response.status_code == 404


def test_retry_after_reads_seconds_and_http_dates():
    assert retries.retry_after_seconds(" 12 ") == 12.0
    assert retries.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retries.retry_after_seconds("soon") is None
    assert retries.retry_after_seconds(None) is None


def test_an_answer_past_the_cap_is_refused_at_once_and_not_retried(send, sleeps, settings):
    settings.UPSTREAM_MAX_BYTES = 10
    http, calls = answers(httpx2.Response(200, content=b"[" + b"1," * 10 + b"1]"))
    with pytest.raises(TooLarge) as caught:
        send(http)
    assert str(caught.value) == (
        "Amont test : réponse trop volumineuse (plus de 10 octets), refusée ; rien n'est enregistré"
    )
    assert caught.value.status == 200
    assert len(calls) == 1 and sleeps == []
