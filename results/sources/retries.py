"""Sending a request to an upstream with retries: backoff with jitter, the server's asked wait
honoured, transient failures told from refusals.

The three upstream clients (ARPENT, data.education.gouv.fr, InserJeunes) share this loop; each
keeps its own exceptions, its own reading of the rate-limit headers and its own messages. The
loop also reads every answer within settings.UPSTREAM_MAX_BYTES, for all three.
"""

import random
import time
from email.utils import parsedate_to_datetime

import httpx2
from django.conf import settings

# Headers that described the body as it travelled; the body handed on is whole and decoded.
TRANSFER_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def send(
    http,
    method,
    path,
    *,
    label,
    max_attempts,
    max_wait,
    sleep,
    refused,
    unavailable,
    too_large,
    asked_wait=None,
    accept=None,
    **kwargs,
):
    """The response of `http.request(method, path, **kwargs)`, once `accept(status)` holds.

    A timeout, a network error, a 429 or a 5xx is retried after the wait the server asked
    (`asked_wait(response)`, by default its Retry-After) or else a backoff; any other refused
    status raises `refused(response)` at once, since asking again would get the same answer.
    When the attempts run out, or the wait asked is longer than `max_wait` (the caller would
    rather be told when to come back than be blocked), it raises `unavailable(message,
    status=…, body=…, retry_after=…)`, the message naming the upstream by `label`. An answer
    larger than settings.UPSTREAM_MAX_BYTES raises `too_large(message, status=…)` (the
    client's "bad payload" kind: not retried, and it keeps what is stored) as soon as it is
    known, from its Content-Length or while it is read.
    """
    asked_wait = asked_wait or retry_after
    accept = accept or below_400
    for attempt in range(1, max_attempts + 1):
        asked = None
        try:
            response = read_within_cap(
                http, http.build_request(method, path, **kwargs), label, too_large
            )
        except httpx2.TimeoutException:
            problem, status, body = "délai d'attente dépassé", None, b""
        except httpx2.TransportError as error:
            problem, status, body = f"connexion impossible ({error})", None, b""
        else:
            status, body = response.status_code, response.content
            if accept(status):
                return response
            if status != 429 and status < 500:
                raise refused(response)
            problem = f"HTTP {status}"
            asked = asked_wait(response)
        wait = asked if asked is not None else backoff(attempt)
        if attempt == max_attempts or wait > max_wait:
            raise unavailable(
                f"{label} : indisponible ({problem}) après {attempt} essai(s)",
                status=status,
                body=body,
                retry_after=asked,
            )
        sleep(wait)
    raise AssertionError("unreachable")


def read_within_cap(http, request, label, too_large):
    """The response to `request`, its body read as it streams and never past the cap.

    Read whole first, an answer of 300 MB took 4.6 GB of memory and stored a million rows;
    refused here, memory holds the cap at most and nothing reaches the database.
    """
    cap = settings.UPSTREAM_MAX_BYTES
    response = http.send(request, stream=True)
    try:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise too_large(oversized(label, cap), status=response.status_code)
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise too_large(oversized(label, cap), status=response.status_code)
            chunks.append(chunk)
    finally:
        response.close()
    headers = [
        (k, v) for k, v in response.headers.multi_items() if k.lower() not in TRANSFER_HEADERS
    ]
    return httpx2.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=request
    )


def oversized(label, cap):
    size = f"{cap / 1024**2:g} Mo" if cap >= 1024**2 else f"{cap} octets"
    return f"{label} : réponse trop volumineuse (plus de {size}), refusée ; rien n'est enregistré"


def below_400(status):
    return status < 400


def backoff(attempt):
    """Exponential backoff with jitter: about 0.5 s, 1 s, 2 s, 4 s…"""
    return 0.5 * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)


def retry_after(response):
    """Seconds the Retry-After header asks for, or None."""
    return retry_after_seconds(response.headers.get("Retry-After"))


def retry_after_seconds(value):
    """A Retry-After value (seconds or an HTTP date) in seconds from now, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    return seconds_until_http_date(value)


def seconds_until_http_date(value):
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # A date without a zone ("-0000") says nothing certain about when to come back.
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - time.time())
