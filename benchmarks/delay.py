"""Benchmark: the delay from the sandbox releasing a section's results to its downloadable PDF.

Real processes with default settings: the sandbox served by `runserver`, a Celery worker and
beat on the default embedded broker, a fresh SQLite database. The polling is the product's own
(results.deliberation.polling): every RESULTS_POLL_INTERVAL_S in the window juries publish in,
learned from the past fetch records. The run rehearses the sandbox's busiest deliberation day
today, for the départements that hold most of its sections, followed by one title, and a desk
whose juries published around this hour on the earlier days: those days' fetch records are
written before the processes start, so that the learned window falls now (the product runs on
real time, and the benchmark may run at any hour).

Once a first poll has come back and the work it started is done (every process is up, the
earlier days' inserts are built), the sandbox's clock runs today's juries (09:00 to 18:00) in
RELEASE_WINDOW_S real seconds: each section is released at its jury's moment, the moments
falling wherever they fall against the polls. The delay of a section runs from its release to
the end of the first build of its day's insert that started after its results were stored.
The whole run stops after TIMEOUT_S: it then says what it was still waiting for and exits
non-zero.

Prints, as its last lines:
    delay_sections: N                  (sections released today)
    delay_polls: P                     (scheduled fetches of the run, all départements)
    delay_p50_s: D50                   (median release → downloadable PDF)
    delay_p95_s: D95
    requests_per_departement_day: R    (what the day's schedule sends at most for one
                                        département, computed from the schedule itself)
"""

import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

# The project's modules are imported inside the functions: Django may load them only once the
# run's environment (its own database, broker and sandbox address) is set and django.setup() ran.
ROOT = Path(__file__).resolve().parent.parent
# Today's juries (09:00 to 18:00 in the sandbox) are run in this many real seconds.
RELEASE_WINDOW_S = 300
# The sandbox's busiest day is rehearsed for its départements holding most sections.
DEPARTEMENTS = 5
# Earlier days whose fetch records say results changed around this hour.
HISTORY_DAYS = 10
# Setting up takes one to three minutes (more when others' tests load the machine), the
# releases RELEASE_WINDOW_S, the last build a minute more: past twenty minutes the run hangs.
TIMEOUT_S = 1200
# Today's releases and their last builds must end before midnight, Paris time.
MIDNIGHT_MARGIN_S = RELEASE_WINDOW_S + 600
# After this long with nothing to do once the first poll came back, the processes are up.
SETTLED_S = 3


class TimedOut(Exception):
    """The run went past TIMEOUT_S."""


class TooLate(Exception):
    """The run would cross midnight (Paris): its deliberation day would end under it."""


@dataclass
class Release:
    """Today's sections, the real instant each is released, and the run's T0."""

    sections: list
    released_at: dict = field(default_factory=dict)


@dataclass
class Run:
    """Where the run stands, so that a timeout can say what it was waiting for."""

    phase: str = "setting up"
    release: Release | None = None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    run = Run()
    previous = signal.signal(signal.SIGALRM, time_out)
    signal.alarm(TIMEOUT_S)
    try:
        figures = measure(run)
    except TooLate as error:
        print(f"bench-delay: {error}", file=sys.stderr)
        sys.exit(2)
    except TimedOut:
        print(f"bench-delay: not done after {TIMEOUT_S} s, while {run.phase}", file=sys.stderr)
        for line in waiting_for(run):
            print(f"  {line}", file=sys.stderr)
        sys.exit(1)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    for name, value in figures.items():
        print(f"{name}: {value}")


def time_out(signum, frame):
    raise TimedOut


def measure(run):
    """Run the processes, release, wait; the figures by name."""
    folder = Path(tempfile.mkdtemp(prefix="bench-delay-"))
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        VAR_DIR=str(folder),
        MEDIA_ROOT=str(folder / "media"),
        PORT=str(port),
        ARPENT_BASE_URL=f"http://127.0.0.1:{port}/arpent-resultats-api",
        CELERY_QUEUE="bench-delay",
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)  # the default, embedded broker
    for name in [n for n in env if n.startswith("RESULTS_POLL_")]:
        env.pop(name)  # the default schedule, whatever the shell says
        os.environ.pop(name, None)
    os.environ.update(env)
    manage = [sys.executable, "manage.py"]
    run.phase = "migrating"
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    django.setup()

    run.phase = "preparing the sandbox"
    too_late = before_midnight()
    if too_late:
        raise TooLate(too_late)
    sections = prepare()
    celery = [sys.executable, "-m", "celery", "-A", "newsroom"]
    commands = [
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        [*celery, "worker", "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
        [*celery, "beat", "--loglevel=WARNING", "-s", str(folder / "beat-schedule")],
    ]
    log = open(folder / "processes.log", "w")  # noqa: SIM115
    run.phase = f"starting the processes (log: {folder / 'processes.log'})"
    processes = []
    try:
        for command in commands:
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
        run.phase = f"waiting for a first poll and its work (log: {folder / 'processes.log'})"
        wait_for_first_poll()
        run.release = release(sections)
        run.phase = f"releasing and building (log: {folder / 'processes.log'})"
        wait_until_built(run.release)
    finally:
        # Stopping is bounded on its own: a timeout must not cut it and leave processes behind.
        signal.alarm(0)
        stop(processes)
        log.close()

    run.phase = "measuring"
    return figures(run.release)


def before_midnight(now=None):
    """Why the run cannot start now, or "": today's releases and their builds need
    MIDNIGHT_MARGIN_S before midnight, Paris time (the product polls for today's lists only)."""
    from django.utils import timezone

    local = timezone.localtime(now)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
    left = (timezone.make_aware(midnight) - local).total_seconds()
    if left >= MIDNIGHT_MARGIN_S:
        return ""
    return (
        f"midnight (Paris) in {int(left // 60)} min: the day would end under the run; run it after."
    )


def figures(release):
    """The figures by name, from the records of the run."""
    from django.utils import timezone

    from results.deliberation.polling import day_schedule, requests_per_departement_day
    from results.models import Job

    delays = sorted(delays_s(release).values())
    polls = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS).exclude(slot=None)
    schedule = day_schedule(timezone.localdate())
    return {
        "delay_sections": len(delays),
        "delay_polls": polls.filter(created_at__gte=min(release.released_at.values())).count(),
        "delay_p50_s": f"{percentile(delays, 50):.1f}",
        "delay_p95_s": f"{percentile(delays, 95):.1f}",
        "requests_per_departement_day": requests_per_departement_day(schedule),
    }


def percentile(values, rank):
    """Nearest-rank percentile of sorted `values`."""
    return values[max(0, math.ceil(rank / 100 * len(values)) - 1)]


def busiest(count=DEPARTEMENTS):
    """The sandbox session's day (an offset from its start) with most sections, and the `count`
    départements holding most of them."""
    from sandbox import data

    by_day = {}
    for departement in data.DEPARTEMENTS:
        for planned in data.plan(departement.code):
            by_day.setdefault(planned.day, Counter())[departement.code] += 1

    def held(day):
        return sum(n for _, n in by_day[day].most_common(count))

    day = max(sorted(by_day), key=held)
    return day, sorted(code for code, _ in by_day[day].most_common(count))


def prepare(transport=None):
    """A title following the busiest day's départements, their calendars, that day made today,
    the sandbox's clock before its first jury, and the earlier days' fetch records. Returns
    today's sections. The sandbox answers in-process (`transport`: the WSGI app by default)."""
    import httpx2
    from django.core.wsgi import get_wsgi_application
    from django.utils import timezone

    from results.models import Title
    from results.sources.arpent import ArpentClient
    from results.store.sync import sync_calendar, sync_referentials
    from sandbox import clock, data

    day, codes = busiest()
    today = timezone.now().astimezone(data.PARIS).date()
    start = today - timedelta(days=day)
    sections = [s for code in codes for s in data.sections(code, start) if s.date == today]
    sections.sort(key=lambda s: s.moment)
    clock.set_clock(first_jury(today), start=start)
    transport = transport or httpx2.WSGITransport(app=get_wsgi_application())
    with ArpentClient("http://127.0.0.1/arpent-resultats-api", transport=transport) as client:
        sync_referentials(client)
        for code in codes:
            sync_calendar(client, code)
    title = Title.objects.create(name="Bench", slug="bench")
    title.departements.add(*codes)
    record_history(codes, timezone.now())
    return sections


def first_jury(day):
    """Today's juries run from 09:00 (sandbox.data.FIRST_MINUTE): the clock waits a minute
    before."""
    from sandbox import data

    return datetime.combine(day, datetime.min.time(), tzinfo=data.PARIS) + timedelta(
        minutes=data.FIRST_MINUTE - 1
    )


def record_history(codes, now, rng=None):
    """Fetch records of the earlier days: results changed in the RELEASE_WINDOW_S after this
    hour, as they will today (never past midnight, which would be another day's hour)."""
    from django.utils import timezone

    from results.models import Fetch

    rng = rng or random.Random(0)
    local = timezone.localtime(now)
    midnight = local.replace(hour=23, minute=59, second=59)
    span = max(0, min(RELEASE_WINDOW_S, int((midnight - local).total_seconds())))
    Fetch.objects.bulk_create(
        Fetch(
            endpoint="resultats",
            departement_code=code,
            started_at=now - timedelta(days=back) + timedelta(seconds=rng.uniform(0, span)),
            outcome=Fetch.Outcome.CHANGED,
        )
        for back in range(1, HISTORY_DAYS + 1)
        for code in codes
    )


def release(sections):
    """T0: the sandbox's clock runs today's juries in RELEASE_WINDOW_S real seconds. Returns
    when each section is released, in real time."""
    from django.utils import timezone

    from sandbox import clock, data

    today = sections[0].moment.date()
    begin = first_jury(today)
    end = datetime.combine(today, datetime.min.time(), tzinfo=data.PARIS) + timedelta(
        minutes=data.LAST_MINUTE
    )
    speed = (end - begin).total_seconds() / RELEASE_WINDOW_S
    clock.set_clock(begin, speed=speed)
    t0 = timezone.now()
    return Release(
        sections=sections,
        released_at={key(s): t0 + (s.moment - begin) / speed for s in sections},
    )


def key(section):
    return (section.departement, section.filiere, section.option)


def wait_for_first_poll():
    """Until a poll has come back and the work it started is done: the server, the worker and
    beat are up and idle, so that T0 starts the measure and not the processes' start."""
    from results.models import Job

    polled = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS, status=Job.Status.DONE)
    busy = Job.objects.exclude(status__in=[Job.Status.DONE, Job.Status.FAILED])
    idle_since = None
    while True:
        if polled.exists() and not busy.exists():
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= SETTLED_S:
                return
        else:
            idle_since = None
        time.sleep(0.2)


def wait_until_built(release):
    """Until every section released today is in a downloadable PDF."""
    while missing(release):
        time.sleep(0.5)


def missing(release):
    """What is not done yet, one line each ([] when done)."""
    done = delays_s(release)
    return [
        f"the PDF with {code} {filiere} / {option}"
        for code, filiere, option in release.released_at
        if (code, filiere, option) not in done
    ]


def delays_s(release):
    """{section: seconds from its release to the end of the first build of its day's insert
    that started once its results were stored}, for the sections done."""
    from django.db.models import Min

    from results.models import Job, Result

    today = release.sections[0].date
    first_stored = (
        Result.objects.values("departement_id", "filiere", "option")
        .annotate(at=Min("fetched_at"))
        .values_list("departement_id", "filiere", "option", "at")
    )
    stored = {(code, filiere, option): at for code, filiere, option, at in first_stored}
    builds = Job.objects.filter(
        kind=Job.Kind.BUILD_INSERT, day=today, status=Job.Status.DONE
    ).values_list("departement_id", "created_at", "finished_at")
    delays = {}
    for section, released_at in release.released_at.items():
        if section not in stored:
            continue
        done = [
            finished
            for code, created, finished in builds
            if code == section[0] and created >= stored[section]
        ]
        if done:
            delays[section] = (min(done) - released_at).total_seconds()
    return delays


def waiting_for(run):
    """After a timeout: what was still missing, and the jobs not finished."""
    if run.release is None:
        return []
    from results.models import Job

    lines = [f"still waiting for {line}" for line in missing(run.release)]
    busy = Job.objects.exclude(status__in=[Job.Status.DONE, Job.Status.FAILED])
    lines += [f"job {j.pk} ({j.kind} {j.day or ''}): {j.status}" for j in busy.order_by("pk")]
    return lines


def stop(processes, grace_s=15):
    for process in processes:
        process.terminate()
    until = time.monotonic() + grace_s
    for process in processes:
        try:
            process.wait(timeout=max(0.1, until - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
