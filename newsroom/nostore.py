"""Responses to logged-in users are never kept by a browser's, a proxy's or a CDN's cache."""


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on every response to a logged-in user.

    Their pages and downloads (PDFs, CSV, Tagged Text, page images) carry candidates' names,
    many of them minors': a shared proxy must not serve them to someone else, and a browser
    must not leave them on the disk of a shared newsroom computer after the session ends. The
    header replaces whatever a view set, which never asked for more caching than this. Static
    files never get here: WhiteNoise, above, answers them first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response
