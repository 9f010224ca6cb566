"""The sandbox's clock: real time by default, or set, sped up, or rehearsed for a demo."""

from datetime import timedelta

from django.utils import timezone

from . import data
from .models import SandboxClock


def now():
    clock = SandboxClock.objects.filter(pk=1).first()
    if clock is None:
        return timezone.now()
    return clock.virtual_anchor + (timezone.now() - clock.real_anchor) * clock.speed


def session_start():
    clock = SandboxClock.objects.filter(pk=1).first()
    return data.DEFAULT_SESSION_START if clock is None else clock.session_start


def set_clock(virtual_now, speed=1.0, start=None):
    """Make the sandbox's time `virtual_now` from this instant on; naive means Paris time.

    `start` moves the session (its first day); by default it stays where it is.
    """
    if timezone.is_naive(virtual_now):
        virtual_now = virtual_now.replace(tzinfo=data.PARIS)
    SandboxClock.objects.update_or_create(
        pk=1,
        defaults={
            "virtual_anchor": virtual_now,
            "real_anchor": timezone.now(),
            "speed": speed,
            "session_start": start or session_start(),
        },
    )


def reset():
    """Back to real time and the default session."""
    SandboxClock.objects.all().delete()


def rehearse(code, lead_seconds=5, speed=1.0):
    """Make today (Paris) the first deliberation day of `code`, its first release near.

    The product runs on real time: moving the session so that today is a deliberation date
    makes it poll, and the sandbox's clock, set on today's date just before the first jury,
    lets the results arrive in a few seconds rather than at 14:35.
    """
    planned = data.plan(code)
    if not planned:
        raise ValueError(f"unknown département: {code!r}")
    today = timezone.now().astimezone(data.PARIS).date()
    start = today - timedelta(days=min(p.day for p in planned))
    first = min(s.moment for s in data.sections(code, start) if s.date == today)
    virtual_now = first - timedelta(seconds=lead_seconds)
    set_clock(virtual_now, speed=speed, start=start)
    return {
        "departement": code,
        "session_start": start,
        "date": today,
        "first_moment": first,
        "virtual_now": virtual_now,
        "speed": speed,
    }


def describe():
    """The clock as plain data, for the command and the tests."""
    clock = SandboxClock.objects.filter(pk=1).first()
    return {
        "now": now().astimezone(data.PARIS),
        "speed": 1.0 if clock is None else clock.speed,
        "session_start": session_start(),
        "real": clock is None,
    }
