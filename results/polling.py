"""Which départements to poll now: followed ones deliberating today, until all sections arrive."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .jobs import enqueue_fetch
from .models import CalendarRow, Departement, Job, Result

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
    recent = Job.objects.filter(
        kind=Job.Kind.FETCH_RESULTS, departement_id=code, slot__isnull=False
    ).order_by("-created_at")[: MAX_BACKOFF_DOUBLINGS + 1]
    failures = 0
    for job in recent:
        if job.status != Job.Status.FAILED:
            break
        failures += 1
    if not failures:
        return False
    last = recent[0].finished_at or recent[0].created_at
    wait = settings.RESULTS_POLL_INTERVAL_S * 2**failures
    return (now - last).total_seconds() < wait - settings.RESULTS_POLL_INTERVAL_S / 2


def poll_slot(now):
    """The polling period `now` falls in; one fetch per département and slot, whoever asks."""
    period = settings.RESULTS_POLL_INTERVAL_S
    return f"poll-{int(now.timestamp()) // period}"


def schedule_polls(now=None):
    """Create and enqueue this slot's fetch jobs; a duplicate scheduler's send creates none."""
    now = now or timezone.now()
    slot = poll_slot(now)
    jobs = []
    for code in departements_to_poll(now):
        if backing_off(code, now):
            continue
        try:
            with transaction.atomic():
                jobs.append(enqueue_fetch(Departement.objects.get(pk=code), slot=slot))
        except IntegrityError:
            continue  # another scheduler already claimed this slot for this département
    return jobs
