"""Responses to logged-in users are never kept by a browser's, a proxy's or a CDN's cache."""

from django.conf import settings


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response to a request with a session.

    Logged-in users' pages and downloads (PDFs, CSV, Tagged Text, page images) carry
    candidates' names, many of them minors': a shared proxy must not serve them to someone
    else, and a browser must not leave them on the disk of a shared newsroom computer after the
    session ends. The header replaces whatever a view set, which never asked for more caching
    than this. Static files never get here: WhiteNoise, above, answers them first.

    The session cookie is the test, not `request.user`: every logged-in request carries it, and
    reading it needs no query, so a response made while the database is away (the 503 page) is
    not turned into a second error here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            response["Cache-Control"] = "private, no-store"
        return response
