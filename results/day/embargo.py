"""The embargo: a section's list is printed only from its deliberation moment on."""

from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def embargo_time():
    try:
        return time.fromisoformat(settings.RESULTS_EMBARGO_TIME)
    except ValueError:
        raise ImproperlyConfigured(
            f"RESULTS_EMBARGO_TIME doit être une heure HH:MM, pas {settings.RESULTS_EMBARGO_TIME!r}"
        ) from None


def release_moment(day):
    """When the lists of juries sitting on `day` may be printed (Paris time)."""
    return timezone.make_aware(datetime.combine(day, embargo_time()))


def is_released(day, now=None):
    return (now or timezone.now()) >= release_moment(day)
