"""Which départements to poll now: followed ones deliberating today, until all sections arrive."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from ..editions.notices import announce_upstream_back, announce_upstream_down
from ..models import CalendarRow, Departement, Job, Result
from .jobs import queue_fetch

log = logging.getLogger(__name__)

# After failed polls a département waits 2, 4, 8 then 16 intervals, so that a struggling
# upstream is not hammered by every newsroom; the first success resets it.
MAX_BACKOFF_DOUBLINGS = 4


def departements_to_poll(now):
    """Followed départements with a deliberation today whose results are not all in yet."""
    local = timezone.localtime(now)
    if local.hour < settings.RESULTS_POLL_FROM_HOUR:
        return []
    today_rows = CalendarRow.objects.filter(
        date_delib=local.date(), departement__followers__isnull=False
    ).values_list("departement_id", "filiere", "option")
    expected = {}
    for code, filiere, option in today_rows:
        expected.setdefault(code, set()).add((filiere, option))
    arrived = set(
        Result.objects.filter(departement_id__in=expected)
        .values_list("departement_id", "filiere", "option")
        .distinct()
    )
    return sorted(
        code
        for code, sections in expected.items()
        if any((code, *section) not in arrived for section in sections)
    )


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


def poll_slot(now):
    """The polling period `now` falls in; one fetch per département and slot, whoever asks."""
    period = settings.RESULTS_POLL_INTERVAL_S
    return f"poll-{int(now.timestamp()) // period}"


def schedule_polls(now=None):
    """Create this slot's fetch jobs, for the caller to send; a duplicate scheduler's run creates
    none."""
    now = now or timezone.now()
    slot = poll_slot(now)
    jobs = []
    codes = departements_to_poll(now)
    waiting = departements_backing_off(codes, now)
    for code in codes:
        if code in waiting:
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
