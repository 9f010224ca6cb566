"""The data.education.gouv.fr stand-in: /records and /exports/json of the two datasets the app
reads, under the portal's own paths; public like the portal, so no login, GET only.

Every answer carries the portal's quota headers. The stand-in reports its quota but never spends
it: a `rate_limit` fault on the `education` endpoint plays the exhausted quota (429, remaining 0,
reset at the next midnight UTC, or after the fault's retry_after if it has one). Other faults
(`http_error`, `timeout`, `truncated`, `non_json`, `empty`, `missing_field`…) work as on ARPENT's
endpoints, and a fault without a count keeps the stand-in down until it is cleared.
"""

import re
import time
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from . import faults, odsql
from .education import DATASETS
from .models import Fault
from .responses import dumps

ENDPOINT = Fault.Endpoint.EDUCATION
JSON_TYPE = "application/json; charset=utf-8"
# The stand-in's daily quota for anonymous calls (the portal's own figure is unverified).
QUOTA = 5000
DEPARTEMENT_IN_WHERE = re.compile(r"""code_departement\s*=\s*["']([0-9AB]{2,3})["']""")


@login_not_required
@require_GET
def records(request, dataset_id):
    return _serve(request, dataset_id, odsql.records)


@login_not_required
@require_GET
def export(request, dataset_id, format):
    if format != "json":
        # The portal exports csv, parquet and more; the app reads json only, so does this.
        return _with_quota(
            ods_response(
                400,
                "InvalidRESTParameterError",
                f"The sandbox exports json only, not {format}.",
            )
        )
    return _serve(request, dataset_id, odsql.export)


def _serve(request, dataset_id, answer):
    def build():
        dataset = DATASETS.get(dataset_id)
        if dataset is None:
            # As a public client's test double has it; not checked against the live portal.
            return 404, _error(
                "NotFoundResource", f"The requested dataset {dataset_id} does not exist."
            )
        rows = dataset()
        try:
            return 200, answer(rows, rows[0].keys(), request.GET)
        except odsql.QueryError as error:
            return 400, error.payload

    fault = faults.claim(ENDPOINT, departement_asked(request.GET.get("where", "")))
    if fault is None:
        status, payload = build()
        response = HttpResponse(dumps(payload), status=status, content_type=JSON_TYPE)
    elif fault.kind == Fault.Kind.RATE_LIMIT:
        return _quota_exhausted(fault)
    elif fault.kind == Fault.Kind.HTTP_ERROR:
        status = fault.status or 503
        phrase = HTTPStatus(status)
        response = ods_response(status, phrase.phrase.replace(" ", ""), phrase.description)
    else:
        response = faults.apply(fault, request, build)
    return _with_quota(response)


def departement_asked(where):
    """Our code of the département a where clause asks for ("030" → "30"), or None."""
    match = DEPARTEMENT_IN_WHERE.search(where)
    if match is None:
        return None
    code = match.group(1)
    return code[1:] if len(code) == 3 and code.startswith("0") else code


def _error(error_code, message):
    return {"error_code": error_code, "message": message}


def ods_response(status, error_code, message):
    return HttpResponse(dumps(_error(error_code, message)), status=status, content_type=JSON_TYPE)


def _with_quota(response, remaining=QUOTA, reset=None):
    response["X-RateLimit-Limit"] = str(QUOTA)
    response["X-RateLimit-Remaining"] = str(remaining)
    response["X-RateLimit-Reset"] = str(int((reset or _next_midnight()).timestamp()))
    return response


def _next_midnight():
    """The quota resets at midnight UTC (real time: the client compares it with its clock)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def _quota_exhausted(fault):
    """429 as Opendatasoft documents it, body included; Retry-After only for a short wait."""
    if fault.retry_after:
        reset = datetime.fromtimestamp(time.time() + fault.retry_after, UTC)
    else:
        reset = _next_midnight()
    body = {
        "errorcode": 10005,
        "reset_time": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "limit_time_unit": "day",
        "call_limit": QUOTA,
        "error": "You have exceeded the requests limit for anonymous users.",
    }
    response = HttpResponse(dumps(body), status=429, content_type=JSON_TYPE)
    if fault.retry_after:
        response["Retry-After"] = str(fault.retry_after)
    return _with_quota(response, remaining=0, reset=reset)
