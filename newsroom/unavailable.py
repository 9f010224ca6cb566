"""Pages while the database cannot be reached: a plain 503 asking to come back, no traceback."""

import logging
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

log = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
# Long enough for a database restart or a failover; browsers and proxies may honour it.
RETRY_AFTER_S = 30


def unavailable_response():
    # Rendered without the request: no context processor, no session, nothing that queries.
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 instead of a server error.

    Errors raised in another middleware (the session or the user loaded for
    LoginRequiredMiddleware) never reach process_exception: `server_error` below, the project's
    handler500, answers those.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            log.error("database unreachable: %s", exception)
            return unavailable_response()
        return None


def server_error(request, template_name="500.html"):
    """handler500: the 503 page when the uncaught error is the database's, else Django's 500."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return unavailable_response()
    return defaults.server_error(request, template_name=template_name)


class DatabaseDownLogFilter(logging.Filter):
    """One line per page answered 503 while the database is away, not a traceback each.

    Django logs the error that reached handler500 with its traceback (120 lines when the session
    read failed); with every editor's page polling every 2 s, an outage of a minute would write
    tens of thousands of lines of the same cause. Set on the `django.request` logger.
    """

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DATABASE_DOWN):
            record.msg = f"{record.getMessage()} (database unreachable: {error})"
            record.args = ()
            record.exc_info = record.exc_text = None
        return True
