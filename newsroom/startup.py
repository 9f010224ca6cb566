"""The start of every process (manage.py, gunicorn, Celery): refused settings end it in one line."""

import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# gunicorn's "worker failed to boot": its master then stops, where any other status would have
# it start the worker again and again. Any other caller only needs a status that is not 0.
REFUSED = 3


def load_settings():
    """Read the settings before anything else does.

    When they refuse to start (no SECRET_KEY outside development, the sandbox in production…),
    the operator gets the reason as one line on stderr, not at the bottom of a traceback, and
    the process stops with a non-zero status.
    """
    try:
        settings.INSTALLED_APPS  # noqa: B018 (reading one setting loads them all)
    except ImproperlyConfigured as refused:
        print(f"ImproperlyConfigured: {refused}", file=sys.stderr)
        sys.exit(REFUSED)
