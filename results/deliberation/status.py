"""The staff's status page: per followed département, its polls, failures and pending jobs."""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Max, Q
from django.utils import timezone

from ..models import Fetch, Job, Title
from .polling import RESULTS_ENDPOINT, departements_backing_off


@dataclass
class DepartementStatus:
    code: str
    name: str
    titles: list = field(default_factory=list)
    last_success: object = None  # datetime of the latest good results poll, or None
    failures_since: int = 0
    backing_off: bool = False
    pending: dict = field(default_factory=dict)  # {(kind label, status label): count}


def departements(now=None):
    """Rows for every département some title follows, in a fixed number of queries."""
    now = now or timezone.now()
    rows = {}
    follows = Title.departements.through.objects.select_related("departement", "title")
    for follow in follows.order_by("departement_id", "title__name"):
        row = rows.setdefault(
            follow.departement_id,
            DepartementStatus(follow.departement_id, follow.departement.name),
        )
        row.titles.append(follow.title.name)
    if not rows:
        return []
    results = Fetch.objects.filter(endpoint=RESULTS_ENDPOINT, departement_code__in=rows)
    good = (
        results.filter(outcome__in=[Fetch.Outcome.CHANGED, Fetch.Outcome.UNCHANGED])
        .values("departement_code")
        .annotate(last=Max("started_at"))
    )
    for item in good:
        rows[item["departement_code"]].last_success = item["last"]
    # Failures after each département's own last success, counted in one query.
    since_success = reduce(
        or_,
        (
            Q(departement_code=code, started_at__gt=row.last_success)
            if row.last_success
            else Q(departement_code=code)
            for code, row in rows.items()
        ),
    )
    failures = (
        results.filter(since_success, outcome=Fetch.Outcome.FAILED)
        .values("departement_code")
        .annotate(n=Count("pk"))
    )
    for item in failures:
        rows[item["departement_code"]].failures_since = item["n"]
    for code in departements_backing_off(list(rows), now):
        rows[code].backing_off = True
    for item in pending_jobs().filter(departement_id__in=rows):
        rows[item["departement_id"]].pending[_labels(item)] = item["n"]
    return list(rows.values())


def pending_jobs():
    """Queued and running jobs, counted by département, kind and status."""
    return (
        Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        .values("departement_id", "kind", "status")
        .annotate(n=Count("pk"))
        .order_by("departement_id", "kind", "status")
    )


def pending_totals():
    """All queued and running jobs by kind and status, combined inserts included."""
    totals = {}
    for item in pending_jobs():
        key = _labels(item)
        totals[key] = totals.get(key, 0) + item["n"]
    return totals


def _labels(item):
    return (str(Job.Kind(item["kind"]).label), str(Job.Status(item["status"]).label))
