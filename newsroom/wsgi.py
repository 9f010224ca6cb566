"""WSGI entry point, for gunicorn in production and the test servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

from newsroom.startup import load_settings  # noqa: E402 (needs the settings module named)

load_settings()
application = get_wsgi_application()
