"""A simulated deliberation day for the end-to-end tests: the sandbox's clock, titles, faults."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db.models import Count, Q, Sum
from django.utils import timezone

from results.models import Fetch, Insert, Job, Result, Title
from results.sources.arpent import ArpentClient
from results.store.sync import sync_calendar, sync_referentials, sync_results
from sandbox import clock, data
from sandbox.models import Fault

LOZERE = "48"
PYRENEES_ORIENTALES = "66"
ICC = "/usr/share/color/icc/ghostscript/default_cmyk.icc"


@dataclass
class DeliberationDay:
    today: date
    codes: tuple
    start: time
    speed: float
    # One title prints an insert per département (PDF/X, with a printer's profile), the other
    # one insert for both.
    separate: Title
    combined: Title
    # The sections each département deliberates today.
    sections: dict

    def versions(self, title, code):
        """The versions of `title`'s insert of today for `code` (None: combined), in order."""
        return list(
            Insert.objects.filter(title=title, departement=code, day=self.today).order_by("number")
        )

    def begin(self):
        """Let the sandbox's clock run from the day's start, e.g. once the workers are up, so
        that how long they take to start does not eat into the day."""
        clock.set_clock(datetime.combine(self.today, self.start), speed=self.speed)

    def latest(self, title, code):
        return Insert.objects.filter(title=title, departement=code, day=self.today).first()

    def results(self, code):
        """The stored results of the sections `code` deliberates today.

        The sandbox's clock runs on after the last jury: the next days' sections may be
        published and fetched too, and are none of today's inserts' business.
        """
        today = Q()
        for section in self.sections[code]:
            today |= Q(filiere=section.filiere, option=section.option)
        return Result.objects.filter(today, departement=code)

    def is_printed(self):
        """Every section published, every job finished, each département's insert up to date."""
        for code in self.codes:
            options = self.results(code).values("filiere", "option").distinct()
            if options.count() < len(self.sections[code]):
                return False
        if Job.objects.exclude(status__in=[Job.Status.DONE, Job.Status.FAILED]).exists():
            return False
        return all(
            (insert := self.latest(self.separate, code))
            and insert.names_count == self.results(code).count()
            for code in self.codes
        )


def deliberation_day(
    live_server, settings, codes=(LOZERE, PYRENEES_ORIENTALES), start=time(9, 30), speed=1200
):
    """Today is a deliberation day of `codes`; the sandbox's clock shows `start`, stopped until
    `begin()` lets it run ×`speed`.

    Lozère's first deliberation day, on which Pyrénées-Orientales deliberates too: juries publish
    from 09:35 to 17:45. The upstream fails now and then: three 503s for Lozère, two truncated
    bodies for Pyrénées-Orientales.
    """
    settings.ARPENT_BASE_URL = f"{live_server.url}/arpent-resultats-api"
    rehearsal = clock.rehearse(LOZERE)
    today, session_start = rehearsal["date"], rehearsal["session_start"]
    clock.set_clock(datetime.combine(today, start), speed=0, start=session_start)
    with ArpentClient.from_settings() as client:
        sync_referentials(client)
        for code in codes:
            sync_calendar(client, code)
    separate = Title.objects.create(name="L'Indépendant", slug="independant")
    with open(ICC, "rb") as profile:
        separate.icc_profile.save("imprimeur.icc", ContentFile(profile.read()))
    combined = Title.objects.create(name="Midi Libre", slug="midi-libre", combine_departements=True)
    for title in (separate, combined):
        title.departements.add(*codes)
    faults = {
        LOZERE: {"kind": "http_error", "status": 503, "remaining": 3},
        PYRENEES_ORIENTALES: {"kind": "truncated", "remaining": 2},
    }
    for code in codes:
        Fault.objects.create(endpoint="resultats", departement=code, **faults[code])
    sections = {
        code: [s for s in data.sections(code, session_start) if s.date == today] for code in codes
    }
    return DeliberationDay(today, tuple(codes), start, speed, separate, combined, sections)


# The line a job's run logs at its end (not "already taken or finished").
JOB_RUN = re.compile(r"\b(?:fetch|build) job (\d+) (?:departement|title)=")


def jobs_run(log_path):
    """How many times each job ran to its end in the process that wrote this log."""
    return Counter(int(job_id) for job_id in JOB_RUN.findall(log_path.read_text()))


def assert_one_fetch_per_departement_and_slot():
    fetches = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS)
    assert fetches.exists()
    assert not fetches.filter(slot=None).exists()  # the scheduler's, no one clicked
    doubled = fetches.values("departement", "slot").annotate(n=Count("pk")).filter(n__gt=1)
    assert not doubled.exists()


def assert_one_upstream_call_per_run(codes):
    """Each run of a fetch job called the upstream once: no fetch ran twice, none ran unrecorded.

    A run ends as a Fetch row, even when it fails; a job put back after a transient failure runs
    once more per attempt.
    """
    for code in codes:
        jobs = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS, departement=code)
        runs = jobs.count() + (jobs.aggregate(n=Sum("attempts"))["n"] or 0)
        assert Fetch.objects.filter(endpoint="resultats", departement_code=code).count() == runs


def assert_one_version_per_new_content(day):
    for title, code in [(day.separate, c) for c in day.codes] + [(day.combined, None)]:
        versions = day.versions(title, code)
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        assert len({v.content_hash for v in versions}) == len(versions), (title, code)
        assert all(v.diff["totals"]["names_added"] > 0 for v in versions), (title, code)


# The sandbox's busiest day (the session's sixth) in its six busiest départements: 1,933
# admitted names in one combined insert, a render of a few seconds on one process.
BUSY_DAY = 5
BUSY_DEPARTEMENTS = ("59", "84", "34", "29", "37", "78")


def busy_combined_insert(live_server, settings):
    """A title printing one combined insert of the busy day (yesterday), its results stored:
    a build long enough to be caught in the middle. Returns (title, day)."""
    settings.ARPENT_BASE_URL = f"{live_server.url}/arpent-resultats-api"
    start = timezone.localdate() - timedelta(days=BUSY_DAY + 1)
    clock.set_clock(timezone.now(), speed=0, start=start)
    with ArpentClient.from_settings() as client:
        sync_referentials(client)
        for code in BUSY_DEPARTEMENTS:
            sync_calendar(client, code)
            sync_results(client, code)
    title = Title.objects.create(name="Le Grand Quotidien", slug="grand", combine_departements=True)
    title.departements.add(*BUSY_DEPARTEMENTS)
    return title, start + timedelta(days=BUSY_DAY)
