"""Logins: throttling (django-axes' database handler, with a second limit per username alone),
and the login every page requires but a few."""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import middleware
from django.db.models import Sum


class LoginThrottle(AxesDatabaseHandler):
    """Axes counts failures per (username, address) and locks that pair out at
    AXES_FAILURE_LIMIT; here a username is also locked out, from every address, once it has
    AXES_USERNAME_FAILURE_LIMIT failures from all addresses together within the cool-off.

    Axes can lock on several parameters but with one limit for all of them; the limit per
    username is higher, so that one person's typos lock only their own address out, while a
    guesser rotating addresses is stopped all the same.
    """

    def get_failures(self, request, credentials=None):
        per_pair = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        per_username = (
            AccessAttempt.objects.filter(
                username=username, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(n=Sum("failures_since_start"))["n"]
            or 0
        )
        if per_username >= settings.AXES_USERNAME_FAILURE_LIMIT:
            # Axes compares one count with one limit: report the pair's limit as reached.
            return max(per_pair, get_failure_limit(request, credentials))
        return per_pair


class LoginRequiredMiddleware(middleware.LoginRequiredMiddleware):
    """Django's, asking the view first: a view that requires no login (the login page, the
    sandbox, the progress poll, which answers "unchanged" from the session alone and checks the
    login itself otherwise) does not load the user from the database. Django's loads the user
    before it looks at the view. The answer is the same either way."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
