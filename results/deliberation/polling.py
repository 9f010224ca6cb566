"""Which départements to poll now: followed ones deliberating today, on the day's schedule."""

import logging
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from ..day.embargo import is_released, release_moment
from ..editions.notices import announce_upstream_back, announce_upstream_down
from ..models import CalendarRow, Departement, Fetch, Job, Result
from . import budget
from .jobs import queue_fetch
from .schedule import DAY_S, Schedule, parse_window, place_window, window_length

log = logging.getLogger(__name__)

# After failed polls a département waits 2, 4, 8 then 16 intervals, so that a struggling
# upstream is not hammered by every newsroom; the first success resets it.
MAX_BACKOFF_DOUBLINGS = 4
# The window is learned from the changes of the last sessions' deliberation days.
HISTORY_DAYS = 400
HISTORY_LIMIT = 5000
# Without history, the dense window is centred here (Paris): the middle of the juries' day
# (9:00-18:00 in the ministry's past calendars and in the sandbox).
DEFAULT_CENTRE_S = 13 * 3600 + 30 * 60
# The endpoint name results fetches are recorded under (results.store.sync).
RESULTS_ENDPOINT = "resultats"


def day_schedule(day):
    """The poll schedule of `day`: its dense window forced by RESULTS_POLL_WINDOW, or learned
    from the times results changed on earlier days."""
    interval = settings.RESULTS_POLL_INTERVAL_S
    sparse = settings.RESULTS_POLL_SPARSE_INTERVAL_S
    from_s = settings.RESULTS_POLL_FROM_HOUR * 3600
    if settings.RESULTS_POLL_WINDOW:
        window = parse_window(settings.RESULTS_POLL_WINDOW)
    else:
        length = window_length(settings.RESULTS_POLL_BUDGET, interval, sparse, from_s)
        window = place_window(change_history(day), length, DEFAULT_CENTRE_S)
    return Schedule(window, interval, sparse, from_s)


def change_history(day):
    """Seconds of the Paris day at which results fetches found changes, on days before `day`."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    changes = (
        Fetch.objects.filter(
            endpoint=RESULTS_ENDPOINT,
            outcome=Fetch.Outcome.CHANGED,
            started_at__lt=start,
            started_at__gte=start - timedelta(days=HISTORY_DAYS),
        )
        .order_by("-started_at")
        .values_list("started_at", flat=True)[:HISTORY_LIMIT]
    )
    return [_second_of_day(moment) for moment in changes]


def _second_of_day(moment):
    local = timezone.localtime(moment)
    return local.hour * 3600 + local.minute * 60 + local.second


def requests_per_departement_day(schedule):
    """The most requests the schedule sends for one département on one day: a poll at every
    moment, all sections still missing until midnight."""
    return len(schedule.moments())


def departements_to_poll(now):
    """Followed départements due a poll now: those with a deliberation today whose results are
    not all in yet, at a moment of the day's schedule, and those whose lists all came before
    today's embargo moment, once, when it has lifted."""
    return sorted(due_departements(now))


def due_departements(now):
    """{code: slot} of the départements due a poll now; the slot names the poll, so that every
    scheduler and every title share one fetch per département and slot."""
    local = timezone.localtime(now)
    expected = _todays_sections(local.date())
    if not expected:
        return {}
    arrived = set(
        Result.objects.filter(departement_id__in=expected)
        .values_list("departement_id", "filiere", "option")
        .distinct()
    )
    waiting = {
        code
        for code, sections in expected.items()
        if any((code, *section) not in arrived for section in sections)
    }
    due = {}
    if waiting:
        second = _second_of_day(now)
        moment = day_schedule(local.date()).slot_at(second)
        if moment is not None:
            due = dict.fromkeys(sorted(waiting), f"poll-{local.date()}-{moment}")
    for code in released_since_fetched(expected.keys() - waiting, local.date(), now):
        due[code] = f"embargo-{local.date()}"
    taken = Job.objects.filter(
        kind=Job.Kind.FETCH_RESULTS, departement_id__in=due, slot__in=set(due.values())
    ).values_list("departement_id", "slot")
    for code, slot in taken:
        if due.get(code) == slot:
            del due[code]
    return due


def _todays_sections(day):
    rows = CalendarRow.objects.filter(
        date_delib=day, departement__followers__isnull=False
    ).values_list("departement_id", "filiere", "option")
    expected = {}
    for code, filiere, option in rows:
        expected.setdefault(code, set()).add((filiere, option))
    return expected


def released_since_fetched(codes, day, now):
    """Those of `codes` whose lists of `day` all came before its embargo moment, now lifted,
    with no fetch since: nothing new will come, so one poll after the moment builds the insert
    (results.deliberation.runs.held_back_today)."""
    if not codes or not is_released(day, now):
        return []
    moment = release_moment(day)
    fetched_since = set(
        Job.objects.filter(
            kind=Job.Kind.FETCH_RESULTS, departement_id__in=codes, created_at__gte=moment
        ).values_list("departement_id", flat=True)
    )
    sections = CalendarRow.objects.filter(departement_id__in=codes, date_delib=day)
    early = Q()
    for code, filiere, option in sections.values_list("departement_id", "filiere", "option"):
        early |= Q(departement_id=code, filiere=filiere, option=option)
    held = set(
        Result.objects.filter(early, fetched_at__lt=moment).values_list("departement_id", flat=True)
    )
    return sorted(held - fetched_since)


def budget_key(code, day):
    """The budget of one département's requests on one day, at the upstream's host."""
    host = urlsplit(settings.ARPENT_BASE_URL).netloc or "arpent"
    return f"{host}/{code}/{day}"


def backing_off(code, now):
    """True while a département's recent scheduled polls failed and its wait is not over."""
    return code in departements_backing_off([code], now)


def departements_backing_off(codes, now):
    """Those of `codes` still waiting after failed scheduled polls, in one query for all."""
    recent = (
        Job.objects.filter(kind=Job.Kind.FETCH_RESULTS, departement_id__in=codes)
        .exclude(slot=None)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("departement_id"),
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=MAX_BACKOFF_DOUBLINGS + 1)
        .order_by("departement_id", "rank")
        .values_list("departement_id", "status", "finished_at", "created_at")
    )
    by_code = {}
    for code, *job in recent:
        by_code.setdefault(code, []).append(job)
    return {code for code, jobs in by_code.items() if _waiting(jobs, now)}


def _waiting(recent, now):
    """`recent`: (status, finished_at, created_at) of the latest scheduled polls, newest first."""
    failures = 0
    for status, _finished, _created in recent:
        if status != Job.Status.FAILED:
            break
        failures += 1
    if not failures:
        return False
    _status, finished_at, created_at = recent[0]
    last = finished_at or created_at
    wait = settings.RESULTS_POLL_INTERVAL_S * 2**failures
    return (now - last).total_seconds() < wait - settings.RESULTS_POLL_INTERVAL_S / 2


def schedule_polls(now=None):
    """Create this slot's fetch jobs, for the caller to send; a duplicate scheduler's run creates
    none, and a département whose day's request budget is spent is skipped, not failed."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    due = due_departements(now)
    waiting = departements_backing_off(list(due), now)
    jobs = []
    for code, slot in due.items():
        if code in waiting:
            continue
        if not budget.take(budget_key(code, day), settings.RESULTS_POLL_BUDGET, 2 * DAY_S, now):
            log.info("poll of %s in %s skipped: the day's request budget is spent", code, slot)
            continue
        try:
            with transaction.atomic():
                jobs.append(queue_fetch(Departement.objects.get(pk=code), slot=slot))
        except IntegrityError:
            # Another send ran in this slot and created the fetch: a second scheduler's, or one
            # run late behind busy workers (the slot is the time a poll runs, not when it was sent).
            log.info("poll of %s in %s: its fetch exists already", code, slot)
            continue
    return jobs


def failed_in_a_row(code, limit, before=None):
    """Creation times of the département's latest finished scheduled polls that failed in a
    row, newest first, at most `limit`; those older than job `before` only, if given."""
    finished = (
        Job.objects.filter(
            kind=Job.Kind.FETCH_RESULTS,
            departement_id=code,
            status__in=[Job.Status.DONE, Job.Status.FAILED],
        )
        .exclude(slot=None)
        .order_by("-created_at", "-pk")
    )
    if before is not None:
        finished = finished.exclude(pk=before.pk).filter(created_at__lte=before.created_at)
    streak = []
    for status, created_at in finished.values_list("status", "created_at")[:limit]:
        if status != Job.Status.FAILED:
            break
        streak.append(created_at)
    return streak


def poll_failed(job):
    """A scheduled poll failed: the titles hear of it once the failures reach the threshold.

    Exactly at the threshold, not beyond it: one notice per outage, however long it lasts, and
    nothing to store, since the polls' own rows say how many failed in a row.
    """
    threshold = settings.UPSTREAM_DOWN_NOTICE_AFTER
    streak = failed_in_a_row(job.departement_id, threshold + 1)
    if len(streak) == threshold:
        announce_upstream_down(job.departement, since=streak[-1], attempts=threshold)


def poll_succeeded(job):
    """A scheduled poll succeeded: if the titles were told of an outage, tell them it is over."""
    threshold = settings.UPSTREAM_DOWN_NOTICE_AFTER
    if len(failed_in_a_row(job.departement_id, threshold, before=job)) == threshold:
        announce_upstream_back(job.departement)
