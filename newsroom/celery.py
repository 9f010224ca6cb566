"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app."""

import logging.config
import os

from celery import Celery, signals

from .startup import load_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# Workers and beat read the settings lazily, deep inside their start-up: read them now, so that
# refused settings stop them with one line too.
load_settings()

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def keep_django_logging(**kwargs):
    """Workers and beat log with Django's LOGGING (title, département and job on every line).

    With a receiver on this signal Celery leaves the root logger alone instead of replacing its
    handlers with its own format.
    """
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
