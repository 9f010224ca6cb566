"""An httpx2 transport answered by this project's own views (the sandbox's stand-ins), through
Django's test client: the real upstream clients run against them inside the test's transaction."""

import httpx2
from django.test import Client


class DjangoTransport(httpx2.BaseTransport):
    def handle_request(self, request):
        response = Client().generic(
            request.method,
            request.url.raw_path.decode(),
            data=request.read(),
            content_type=request.headers.get("content-type", ""),
            headers={k: v for k, v in request.headers.items() if k.lower() != "content-type"},
        )
        # A streamed answer stays streamed (the sandbox's huge fault): read as the client reads.
        content = response.streaming_content if response.streaming else response.content
        return httpx2.Response(
            response.status_code, headers=dict(response.items()), content=content
        )
