"""How the sandbox answers: JSON as the upstreams send it, and their error bodies (Spring, Boom)."""

import json
from datetime import UTC
from http import HTTPStatus

from django.http import HttpResponse

from . import clock

JSON_TYPE = "application/json;charset=UTF-8"


def dumps(payload):
    return json.dumps(payload, ensure_ascii=False)


def json_response(payload, status=200):
    return HttpResponse(dumps(payload), status=status, content_type=JSON_TYPE)


def spring_error(request, status, message=""):
    """Spring Boot's default error body: {timestamp, status, error, message, path}."""
    stamp = clock.now().astimezone(UTC)
    return {
        "timestamp": f"{stamp:%Y-%m-%dT%H:%M:%S}.{stamp.microsecond // 1000:03d}+00:00",
        "status": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
        "path": request.path,
    }


def boom_error(request, status, message="", **extra):
    """Boom's error body, as InserJeunes (Node, Express) sends it: {statusCode, error, message},
    plus `data` or Joi's `details` when given."""
    return {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message, **extra}
