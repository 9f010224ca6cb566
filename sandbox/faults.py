"""Faults on demand: which one applies to a request, and what it does to the answer."""

from time import sleep

from django.conf import settings
from django.db.models import F, Q
from django.http import HttpResponse, StreamingHttpResponse

from .models import Fault
from .responses import JSON_TYPE, dumps, json_response, spring_error

Kind = Fault.Kind
DEFAULT_LATENCY_MS = 2000
DEFAULT_RETRY_AFTER_S = 5
# Fields dropped by missing_field when none is named: the first one the rows have.
DEFAULT_MISSING_FIELDS = ("nom", "dateDelib", "option", "resultat")
# What the huge fault serves, as an upstream once did: the client must stop reading long before.
HUGE_ANSWER_BYTES = 300 * 1024 * 1024
HUGE_CHUNK_BYTES = 64 * 1024
# What a reverse proxy in front of a dead Java service answers.
BAD_GATEWAY_HTML = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


def claim(endpoint, departement=None):
    """The first active fault matching the request, one of its uses taken, or None."""
    matching = (
        Fault.objects.filter(endpoint__in=(endpoint, Fault.Endpoint.ANY))
        .filter(Q(departement="") | Q(departement=departement or ""))
        .filter(Q(remaining__isnull=True) | Q(remaining__gt=0))
    )
    for fault in matching:
        if fault.remaining is None:
            return fault
        # A conditional UPDATE takes one use; 0 rows means a concurrent request took the last.
        taken = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        if taken == 1:
            return fault
    return None


def serve(request, endpoint, departement, build, *, error=spring_error):
    """Answer with build()'s (status, payload), unless a fault says otherwise; `error(request,
    status, message)` is the upstream's error body, for the faults that answer one."""
    fault = claim(endpoint, departement)
    if fault is not None:
        return _faulty(fault, request, endpoint, build, error)
    status, payload = build()
    return json_response(payload, status)


def timeout_ms(endpoint=None):
    # Longer than the client of that upstream waits, so that it gives up first.
    if endpoint == Fault.Endpoint.INSERJEUNES:
        return int((getattr(settings, "INSERJEUNES_TIMEOUT_S", 10) + 5) * 1000)
    if endpoint == Fault.Endpoint.EDUCATION:
        return int((getattr(settings, "EDUCATION_TIMEOUT_S", 10) + 5) * 1000)
    return int((getattr(settings, "ARPENT_TIMEOUT_S", 20) + 5) * 1000)


def apply(fault, request, build, *, endpoint=None, error=spring_error):
    """The answer `fault` makes of build()'s (status, payload), for a stand-in that claims its
    faults itself."""
    return _faulty(fault, request, endpoint, build, error)


def _faulty(fault, request, endpoint, build, error):
    kind = fault.kind
    if kind == Kind.LATENCY:
        sleep((fault.delay_ms or DEFAULT_LATENCY_MS) / 1000)
    elif kind == Kind.TIMEOUT:
        sleep((fault.delay_ms or timeout_ms(endpoint)) / 1000)
    elif kind == Kind.HTTP_ERROR:
        status = fault.status or 503
        return json_response(error(request, status, "Erreur du service"), status)
    elif kind == Kind.HTML_ERROR:
        return HttpResponse(BAD_GATEWAY_HTML, status=fault.status or 502, content_type="text/html")
    elif kind == Kind.RATE_LIMIT:
        response = json_response(error(request, 429, "API rate limit exceeded"), 429)
        response["Retry-After"] = str(fault.retry_after or DEFAULT_RETRY_AFTER_S)
        return response
    elif kind == Kind.NON_JSON:
        return HttpResponse(
            "Service momentanément indisponible\nERR-ORA-03113\n",
            content_type="text/plain;charset=UTF-8",
        )

    status, payload = build()
    if status != 200:
        return json_response(payload, status)
    if kind == Kind.TRUNCATED:
        body = dumps(payload)
        return HttpResponse(body[: len(body) // 2], content_type=JSON_TYPE)
    if kind == Kind.HUGE:
        return StreamingHttpResponse(huge_list(payload), content_type=JSON_TYPE)
    if kind == Kind.EMPTY:
        payload = [] if isinstance(payload, list) else {}
    elif kind == Kind.MISSING_FIELD:
        payload = _without_field(payload, fault.field)
    elif kind == Kind.DUPLICATE_ROWS and isinstance(payload, list):
        # Every tenth row twice, next to itself, as a bad join would return it.
        payload = [row for i, row in enumerate(payload) for _ in range(2 if i % 10 == 0 else 1)]
    return json_response(payload)


def huge_list(payload, size=HUGE_ANSWER_BYTES):
    """A JSON list of about `size` bytes, the payload's rows over and over, made as it is sent:
    the sandbox's memory holds one chunk, not the answer."""
    rows = payload if isinstance(payload, list) and payload else [{"ligne": "x" * 100}]
    text = ",".join(dumps(row) for row in rows).encode()
    chunk = (text + b",") * max(1, HUGE_CHUNK_BYTES // (len(text) + 1))
    yield b"["
    for _ in range(max(1, size // len(chunk))):
        yield chunk
    yield text + b"]"


def _without_field(payload, field):
    """The payload with one row (the middle one) missing `field`."""
    rows = payload if isinstance(payload, list) else [payload]
    if not rows or not rows[len(rows) // 2]:
        return payload
    row = dict(rows[len(rows) // 2])
    name = field or next((f for f in DEFAULT_MISSING_FIELDS if f in row), next(iter(row)))
    row.pop(name, None)
    if not isinstance(payload, list):
        return row
    return rows[: len(rows) // 2] + [row] + rows[len(rows) // 2 + 1 :]
