"""Retention of personal data: the candidates' names are erased once the session is over.

The app holds names of minors and young adults. RESULTS_RETENTION_DAYS after the session's last
deliberation, the daily job (results.tasks) or `manage.py purge_personal_data` erases every name
the app holds: result rows, raw answers, insert files, names inside stored versions. What is not
a name stays: the session's counts (SessionTally, for next year's estimate) and each version's
counts, pages and columns.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Max, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from .. import audit
from ..models import (
    Addition,
    AuditEvent,
    CalendarRow,
    Fetch,
    HeldRow,
    Insert,
    Job,
    Purge,
    Removal,
    Result,
    Title,
)
from ..store.objections import expired
from ..store.rates import tally_session

log = logging.getLogger(__name__)

# Endpoints whose answers hold no candidate's name: the calendars (counts per section) and the
# referentials. Every other endpoint's raw answers are cleared, including endpoints added later.
NAMELESS_ENDPOINTS = ("calendriers", "departements", "diplomes", "sessions")
# What an error text that may have quoted a line of an answer becomes.
ERASED_MESSAGE = "Message effacé (données personnelles)."
# What the admin's history shows instead of a result's str(), which is the candidate's name.
ERASED_NAME = "[nom effacé]"
# Files younger than this in the inserts' folders may belong to a build still saving its
# version: the orphan sweep leaves them to the next day's run.
ORPHAN_MIN_AGE = timedelta(hours=1)


def session_last_day():
    """The session's last deliberation: the latest day of the calendars held (they are all the
    current session's)."""
    return CalendarRow.objects.aggregate(last=Max("date_delib"))["last"]


def purge_date():
    """The day the names go: RESULTS_RETENTION_DAYS after the session's last deliberation;
    None while no calendar is held."""
    return _after_retention(session_last_day())


def _after_retention(last_day):
    return last_day + timedelta(days=settings.RESULTS_RETENTION_DAYS) if last_day else None


@dataclass(frozen=True)
class Retention:
    """What the editors are told: the day the names will go, or the day they went."""

    purge_date: date | None
    days: int
    purged_on: date | None

    @property
    def overdue(self):
        """The date has passed and the nightly purge has not run since."""
        return self.purge_date is not None and self.purge_date < timezone.localdate()


def retention_status():
    last_day = session_last_day()
    purge = Purge.objects.filter(session_last_day=last_day).first() if last_day else None
    return _retention(last_day, purge.ran_at if purge else None)


def _retention(last_day, purged_at):
    return Retention(
        purge_date=_after_retention(last_day),
        days=settings.RESULTS_RETENTION_DAYS,
        purged_on=timezone.localdate(purged_at) if purged_at else None,
    )


def last_deliberation():
    """session_last_day() as a one-value queryset (a subquery for a page's query)."""
    return CalendarRow.objects.order_by("-date_delib").values("date_delib")[:1]


def last_purge():
    """When the current session's names were purged, as a one-value queryset (none if not)."""
    purges = Purge.objects.filter(session_last_day=Subquery(last_deliberation()))
    return purges.order_by("-ran_at").values("ran_at")[:1]


def retention_of(row):
    """retention_status() from a row that carried last_deliberation() and last_purge() as
    `retention_last_day` and `retention_purged_at`."""
    return _retention(row.retention_last_day, row.retention_purged_at)


def counted_phrase(number, singular, plural):
    """ "1 nom effacé", "1 234 noms effacés": French plural from 2, grouped thousands."""
    digits = f"{number:,}".replace(",", "\u00a0")
    return f"{digits} {plural if abs(number) > 1 else singular}"


# --- what holds names ------------------------------------------------------------------------
# Each function erases (or, in a dry run, only counts) and returns how many rows or files.


def delete_rows(queryset, dry_run):
    if dry_run:
        return queryset.count()
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


def clear_payloads(dry_run):
    """Raw answers of every endpoint that may list candidates, and the error texts of their
    failed calls (a payload error quotes the field it could not read, e.g. a list of first
    names). Successful calls' summaries hold counts and section labels only: they stay."""
    fetches = Fetch.objects.exclude(endpoint__in=NAMELESS_ENDPOINTS).filter(
        ~Q(payload="") | (Q(outcome=Fetch.Outcome.FAILED) & ~Q(summary__in=("", ERASED_MESSAGE)))
    )
    count = fetches.count()
    if not dry_run:
        fetches.exclude(payload="").update(payload="")
        fetches.filter(outcome=Fetch.Outcome.FAILED).exclude(summary="").update(
            summary=ERASED_MESSAGE
        )
    return count


def scrub_content(content):
    """A version's snapshot without names: each section keeps its heading and its count."""
    return [
        dict(section, names=[], names_count=section.get("names_count", len(section["names"])))
        for section in content
    ]


def scrub_diff(changes):
    """A version's diff without names: sections changed keep how many names came and went."""
    if not changes:
        return changes
    changed = [
        dict(
            section,
            names_added=[],
            names_removed=[],
            names_added_count=section.get("names_added_count", len(section["names_added"])),
            names_removed_count=section.get("names_removed_count", len(section["names_removed"])),
        )
        for section in changes.get("sections_changed", [])
    ]
    return dict(changes, sections_changed=changed)


def scrub_inserts(now, dry_run):
    """Every version not yet purged loses the names of its content and diff and is marked
    purged; its counts, pages and columns stay. Returns the versions per title id."""
    versions = Insert.objects.filter(purged_at__isnull=True)
    if dry_run:
        return Counter(versions.values_list("title_id", flat=True))
    scrubbed = Counter()
    pks = list(versions.values_list("pk", flat=True))
    # In batches: a session's versions hold tens of thousands of names.
    for start in range(0, len(pks), 200):
        batch = Insert.objects.filter(pk__in=pks[start : start + 200]).only(
            "title_id", "content", "diff"
        )
        for insert in batch:
            # A conditional update: a second purge running at the same time counts it once.
            scrubbed[insert.title_id] += Insert.objects.filter(
                pk=insert.pk, purged_at__isnull=True
            ).update(
                content=scrub_content(insert.content), diff=scrub_diff(insert.diff), purged_at=now
            )
    return scrubbed


def insert_files(now):
    """(title id or None, storage name) of every insert file still stored: PDFs and page images
    print names. Purged versions keep their files' names, so a file whose deletion failed is
    found again by the next run; files no version refers to (a deleted title's) are swept."""
    storage = Insert._meta.get_field("pdf").storage
    found, known = [], set()
    for title_id, pdf, thumbnails in Insert.objects.values_list("title_id", "pdf", "thumbnails"):
        for name in [pdf, *thumbnails]:
            known.add(name)
            if name and storage.exists(name):
                found.append((title_id, name))
    for folder in ("inserts", "inserts/pages"):
        # Listed, not checked with exists(): a bucket has no folders, its exists() says False.
        try:
            names = storage.listdir(folder)[1]
        except FileNotFoundError:
            continue
        for name in names:
            path = f"{folder}/{name}"
            if path not in known and storage.get_modified_time(path) < now - ORPHAN_MIN_AGE:
                found.append((None, path))
    return found


def delete_stored(names):
    """Delete the stored files named (purged versions' and orphans'); one that fails stays for
    the next purge."""
    storage = Insert._meta.get_field("pdf").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError as error:
            log.error("retention: %s not deleted (%s); the next purge tries again", name, error)


def scrub_failed_fetch_jobs(dry_run):
    """A failed fetch job's message is the client's error, which may quote a line it could not
    read (as the failed Fetch's summary does)."""
    jobs = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS, status=Job.Status.FAILED).exclude(
        message__in=("", ERASED_MESSAGE)
    )
    return jobs.count() if dry_run else jobs.update(message=ERASED_MESSAGE)


def scrub_admin_log(model, dry_run):
    """The admin's history names each object it changed by its str(): for a result, the
    candidate's name. Who did what and when stays."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model)
    ).exclude(object_repr=ERASED_NAME, change_message="")
    if dry_run:
        return entries.count()
    return entries.update(object_repr=ERASED_NAME, change_message="")


@dataclass(frozen=True)
class PersonalData:
    """Names held outside results, raw answers and insert versions: `purge(dry_run)` erases
    them (or only counts them) and returns how many rows it took."""

    key: str
    # The French phrase of the command's output, singular and plural: "3 demandes de retrait
    # supprimées".
    phrases: tuple[str, str]
    purge: Callable[[bool], int]


# Every other place that holds names; a new model holding names is one more line here (with a
# scrub_admin_log line if the admin edits it and its str() is a name). Removal requests go
# too: they were about this session's lists, which are gone.
PERSONAL_DATA = [
    PersonalData(
        "removals",
        ("demande de retrait supprimée", "demandes de retrait supprimées"),
        lambda dry_run: delete_rows(Removal.objects.all(), dry_run),
    ),
    PersonalData(
        "additions",
        ("ajout vérifié supprimé", "ajouts vérifiés supprimés"),
        lambda dry_run: delete_rows(Addition.objects.all(), dry_run),
    ),
    PersonalData(
        "held_rows",
        ("ligne mise de côté supprimée", "lignes mises de côté supprimées"),
        lambda dry_run: delete_rows(HeldRow.objects.all(), dry_run),
    ),
    PersonalData(
        "failed_fetch_jobs",
        ("message d'échec effacé", "messages d'échec effacés"),
        scrub_failed_fetch_jobs,
    ),
    PersonalData(
        "result_admin_log",
        ("entrée du journal de l'admin expurgée", "entrées du journal de l'admin expurgées"),
        lambda dry_run: scrub_admin_log(Result, dry_run),
    ),
]


def purge_expired_objections(now, dry_run, by=None):
    """Objections kept OBJECTION_RETENTION_DAYS since their confirmation go: the name may be
    printed again, as the documented period says. Audited by their count."""
    objections = expired(now)
    if dry_run:
        return objections.count()
    count = delete_rows(objections, dry_run)
    if count:
        audit.record(
            AuditEvent.Action.PURGE,
            title=None,
            user=by,
            summary=(
                f"{counted_phrase(count, 'opposition supprimée', 'oppositions supprimées')} "
                f"au terme de leur conservation ({settings.OBJECTION_RETENTION_DAYS} jours "
                "après confirmation)."
            ),
            details={"objections_expired": count},
        )
        log.info("retention purge: %d expired objection(s) deleted", count)
    return count


# --- the purge -------------------------------------------------------------------------------


# The command's French phrases for the report's counts, singular and plural.
PHRASES = {
    "results_deleted": ("nom effacé", "noms effacés"),
    "payloads_cleared": ("réponse brute vidée", "réponses brutes vidées"),
    "inserts_scrubbed": ("version d'encart expurgée", "versions d'encart expurgées"),
    "files_deleted": ("fichier supprimé", "fichiers supprimés"),
}


@dataclass
class PurgeReport:
    """What a purge erased, or in a dry run would erase; `purge` is its record, if any."""

    purge_date: date | None
    dry_run: bool = False
    due: bool = False
    results_deleted: int = 0
    payloads_cleared: int = 0
    inserts_scrubbed: int = 0
    files_deleted: int = 0
    # Counts of PERSONAL_DATA, by key.
    others: dict = field(default_factory=dict)
    # Objections past OBJECTION_RETENTION_DAYS, purged whether or not the session's date came.
    objections_expired: int = 0
    purge: Purge | None = None

    @property
    def total(self):
        return (
            self.results_deleted
            + self.payloads_cleared
            + self.inserts_scrubbed
            + self.files_deleted
            + sum(self.others.values())
        )

    def __str__(self):
        """ "1 234 noms effacés, 3 réponses brutes vidées, 2 versions d'encart expurgées,
        12 fichiers supprimés" (and the other places that held names, when they did)."""
        parts = [counted_phrase(getattr(self, key), *phrases) for key, phrases in PHRASES.items()]
        for data in PERSONAL_DATA:
            if self.others.get(data.key):
                parts.append(counted_phrase(self.others[data.key], *data.phrases))
        return ", ".join(parts)


def purge(now=None, *, force=False, dry_run=False, by=None):
    """Erase every candidate's name once RESULTS_RETENTION_DAYS have passed since the session's
    last deliberation (at once with `force`); keep the counts. Returns a PurgeReport.

    The session's counts are tallied first, then the rows go in one transaction and the files
    once it commits: a rollback keeps both rows and files. A dry run changes nothing. A run that
    finds nothing left to erase records nothing, so the daily job can run every day; it also
    erases names fetched again after a purge.
    """
    now = now or timezone.now()
    last_day = session_last_day()
    report = PurgeReport(purge_date=_after_retention(last_day), dry_run=dry_run)
    # Objections have their own period, counted from each confirmation, not from the session.
    report.objections_expired = purge_expired_objections(now, dry_run, by)
    if last_day is None or (not force and timezone.localdate(now) < report.purge_date):
        return report
    report.due = True
    with transaction.atomic():
        names = names_per_title()
        files = insert_files(now)
        if not dry_run and Result.objects.exists():
            # Before any name goes: the counts next year's estimate learns its rates from.
            tally_session(last_day.year)
        report.results_deleted = delete_rows(Result.objects.all(), dry_run)
        report.payloads_cleared = clear_payloads(dry_run)
        versions = scrub_inserts(now, dry_run)
        report.inserts_scrubbed = sum(versions.values())
        report.files_deleted = len(files)
        for data in PERSONAL_DATA:
            report.others[data.key] = data.purge(dry_run)
        if dry_run or not report.total:
            return report
        files_per_title = Counter(title_id for title_id, _ in files if title_id)
        report.purge = record_purge(report, now, last_day, by, names, versions, files_per_title)
        # Files go only once the rows are gone for good; a deletion that fails is logged and
        # retried by the next run (the purged version still names its files).
        transaction.on_commit(lambda: delete_stored([name for _, name in files]))
    log.info("retention purge: %s", report)
    return report


def names_per_title():
    """Names held in each title's followed départements, by title id."""
    held = dict(Result.objects.values_list("departement").annotate(n=Count("id")))
    per_title = Counter()
    follows = Title.departements.through.objects.values_list("title_id", "departement_id")
    for title_id, code in follows:
        per_title[title_id] += held.get(code, 0)
    return per_title


def record_purge(report, now, last_day, by, names, versions, files):
    """The Purge row, and audit events: one per title concerned (what its admin sees), one for
    the whole installation. Counts only, never a name."""
    purge = Purge.objects.create(
        ran_at=now,
        session_last_day=last_day,
        results_deleted=report.results_deleted,
        payloads_cleared=report.payloads_cleared,
        inserts_scrubbed=report.inserts_scrubbed,
        files_deleted=report.files_deleted,
        details=report.others,
        by=by,
    )
    if timezone.localdate(now) < report.purge_date:
        when = f"avant la date prévue ({date_format(report.purge_date, 'j F Y')})"
    else:
        when = (
            f"{settings.RESULTS_RETENTION_DAYS} jours après la dernière délibération "
            f"({date_format(last_day, 'j F Y')})"
        )
    common = {"purge": purge.pk, "session_last_day": last_day.isoformat()}
    concerned = {pk for counts in (names, versions, files) for pk, n in counts.items() if n}
    for title in Title.objects.filter(pk__in=concerned):
        counts = {
            "results_deleted": names[title.pk],
            "inserts_scrubbed": versions[title.pk],
            "files_deleted": files[title.pk],
        }
        parts = [counted_phrase(counts[key], *PHRASES[key]) for key in counts]
        summary = f"Données personnelles effacées {when} : {', '.join(parts)}."
        audit.record(
            AuditEvent.Action.PURGE, title=title, user=by, summary=summary, details=common | counts
        )
    audit.record(
        AuditEvent.Action.PURGE,
        title=None,
        user=by,
        summary=f"Données personnelles effacées {when} : {report}.",
        details=common
        | {
            "results_deleted": report.results_deleted,
            "payloads_cleared": report.payloads_cleared,
            "inserts_scrubbed": report.inserts_scrubbed,
            "files_deleted": report.files_deleted,
            **report.others,
        },
    )
    return purge
