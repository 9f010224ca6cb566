"""The upstreams' answers as the tests' fake transports give them."""

import json

import httpx2


def json_response(body, status=200, **headers):
    """A JSON answer: `body` as bytes is sent as it is (a fixture file, a truncated or broken
    body), anything else is encoded as JSON first."""
    if not isinstance(body, bytes):
        body = json.dumps(body, ensure_ascii=False).encode()
    return httpx2.Response(
        status, content=body, headers={"Content-Type": "application/json", **headers}
    )
