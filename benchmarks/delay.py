"""Benchmark: the delay from the sandbox releasing a département's results to downloadable PDFs.

Real processes, default settings but the polling interval: the sandbox served by `runserver`,
a Celery worker and beat on the default embedded broker and a fresh SQLite database. Nord (59),
the sandbox's largest département, is made to hold its last deliberation today, its earlier
ones on past dates, and the sandbox's clock waits before its first jury; once a first poll has
come back (empty: every process is up), the clock jumps past its last jury: every section of
the session is released at one instant (T0). Today being
the last day, the embargo (RESULTS_EMBARGO_TIME) has lifted on every day by T0, so each day's
insert is built; a day the embargo still holds back at T0 (a late RESULTS_EMBARGO_TIME) is named
and not waited for. Beat polls every 5 s (POLL_S) so that the run is short; with the default
interval the poll itself waits up to RESULTS_POLL_INTERVAL_S more, which is added to give the
default-settings figures. The whole run stops after TIMEOUT_S: it then says what it was still
waiting for and exits non-zero.

Prints, as its last lines:
    delay_names: N                 (names released at T0)
    delay_inserts: K               (one insert per deliberation day)
    delay_poll_to_pdf_s: P         (the poll that sees them → every insert downloadable)
    delay_release_to_pdf_s: D      (T0 → every insert downloadable, polling every POLL_S)
    delay_default_worst_s: W       (P + the default interval: the release just after a poll)
    delay_default_mean_s: M        (P + half the default interval)
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

# The project's modules are imported inside the functions: Django may load them only once the
# run's environment (its own database, broker and sandbox address) is set and django.setup() ran.
ROOT = Path(__file__).resolve().parent.parent
CODE = "59"
POLL_S = 5
DEFAULT_INTERVAL_S = 300
# Setting up takes half a minute on an idle 2-core machine, two minutes when others' tests load
# it (load average 10), and the work 15 s: past ten minutes the run hangs.
TIMEOUT_S = 600
# The sandbox's clock stands this long before the session's first jury until T0.
LEAD_S = 3600


class TimedOut(Exception):
    """The run went past TIMEOUT_S."""


@dataclass
class Expected:
    """What T0 releases: the names, and the days whose inserts are waited for."""

    names: int
    days: list
    # Days the embargo still holds back at T0, with the moment it lifts: not waited for.
    held_back: dict = field(default_factory=dict)


@dataclass
class Run:
    """Where the run stands, so that a timeout can say what it was waiting for."""

    phase: str = "setting up"
    expected: Expected | None = None


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
        RESULTS_POLL_INTERVAL_S=str(POLL_S),
        RESULTS_POLL_FROM_HOUR="0",
        CELERY_QUEUE="bench-delay",
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)  # the default, embedded broker
    os.environ.update(env)
    manage = [sys.executable, "manage.py"]
    run.phase = "migrating"
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    django.setup()

    run.phase = "preparing the sandbox"
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
        run.phase = f"waiting for a first poll (log: {folder / 'processes.log'})"
        wait_for_first_poll()
        released_at = time.monotonic()
        run.expected = expect(sections, release(sections))
        for day, moment in run.expected.held_back.items():
            print(f"bench-delay: the embargo holds back {day} until {moment}; not waited for")
        run.phase = f"building the inserts (log: {folder / 'processes.log'})"
        wait_until_built(run.expected)
        done_at = time.monotonic()
    finally:
        # Stopping is bounded on its own: a timeout must not cut it and leave processes behind.
        signal.alarm(0)
        stop(processes)
        log.close()

    run.phase = "measuring"
    poll_to_pdf = poll_to_pdf_s(run.expected)
    return {
        "delay_names": run.expected.names,
        "delay_inserts": len(run.expected.days),
        "delay_poll_to_pdf_s": f"{poll_to_pdf:.1f}",
        "delay_release_to_pdf_s": f"{done_at - released_at:.1f}",
        "delay_default_worst_s": f"{poll_to_pdf + DEFAULT_INTERVAL_S:.1f}",
        "delay_default_mean_s": f"{poll_to_pdf + DEFAULT_INTERVAL_S / 2:.1f}",
    }


def prepare(transport=None):
    """A title following Nord, its calendar; today Nord's last deliberation day, the sandbox's
    clock before its first jury. Returns Nord's sections. The sandbox answers in-process
    (`transport`: the WSGI app by default)."""
    import httpx2
    from django.core.wsgi import get_wsgi_application

    from results.models import Title
    from results.sources.arpent import ArpentClient
    from results.store.sync import sync_calendar, sync_referentials
    from sandbox import clock, data

    start = session_ending_today(CODE)
    sections = data.sections(CODE, start)
    clock.set_clock(sections[0].moment - timedelta(seconds=LEAD_S), start=start)
    transport = transport or httpx2.WSGITransport(app=get_wsgi_application())
    with ArpentClient("http://127.0.0.1/arpent-resultats-api", transport=transport) as client:
        sync_referentials(client)
        sync_calendar(client, CODE)
    title = Title.objects.create(name="Bench", slug="bench")
    title.departements.add(CODE)
    return sections


def session_ending_today(code):
    """The session's start that puts `code`'s last deliberation today (Paris): its earlier days
    are past, so the embargo has lifted on each of them, and today's deliberation makes the
    product poll."""
    from django.utils import timezone

    from sandbox import data

    today = timezone.now().astimezone(data.PARIS).date()
    return today - timedelta(days=max(p.day for p in data.plan(code)))


def release(sections):
    """T0: the sandbox's clock jumps past the département's last jury. Returns the instant."""
    from django.utils import timezone

    from sandbox import clock

    clock.set_clock(max(s.moment for s in sections))
    return timezone.now()


def expect(sections, now):
    """What the sandbox releases at T0, and which inserts the embargo lets be built."""
    from results.day.embargo import is_released, release_moment
    from sandbox import clock, data

    names = len(data.results(CODE, clock.session_start(), max(s.moment for s in sections)))
    days = sorted({s.date for s in sections})
    return Expected(
        names=names,
        days=[day for day in days if is_released(day, now)],
        held_back={day: release_moment(day) for day in days if not is_released(day, now)},
    )


def wait_for_first_poll():
    """Until a poll has come back, empty: the server, the worker and beat are up, so that T0
    starts the measure and not the processes' start (a minute on a loaded machine)."""
    from results.models import Job

    polled = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS, status=Job.Status.DONE)
    while not polled.exists():
        time.sleep(0.2)


def wait_until_built(expected):
    """Until every awaited day has an insert, every name is stored and no job is left."""
    while missing(expected):
        time.sleep(0.2)


def missing(expected):
    """What is not done yet, one line each ([] when done)."""
    from results.day.embargo import is_released, release_moment
    from results.models import Job, Result

    lines = [
        f"the insert of {day}"
        + ("" if is_released(day) else f" (held back by the embargo until {release_moment(day)})")
        for day in days_not_built(expected)
    ]
    stored = Result.objects.filter(departement=CODE).count()
    if stored != expected.names:
        lines.append(f"names stored: {stored} of {expected.names}")
    busy = Job.objects.exclude(status__in=[Job.Status.DONE, Job.Status.FAILED])
    lines += [f"job {j.pk} ({j.kind} {j.day or ''}): {j.status}" for j in busy.order_by("pk")]
    return lines


def days_not_built(expected):
    from results.models import Insert

    built = set(Insert.objects.filter(departement=CODE).values_list("day", flat=True))
    return [day for day in expected.days if day not in built]


def waiting_for(run):
    """After a timeout: what was still missing, and what the missing days' builds said."""
    if run.expected is None:
        return []
    from results.models import Job

    lines = [f"still waiting for {line}" for line in missing(run.expected)]
    builds = Job.objects.filter(kind=Job.Kind.BUILD_INSERT, day__in=days_not_built(run.expected))
    lines += [f"build of {job.day}: {job.message}" for job in builds.order_by("pk")]
    return lines


def poll_to_pdf_s(expected):
    """From the poll that saw the release (the last fetch before the first build it enqueued)
    to the last insert."""
    from results.models import Insert, Job

    first_build = Job.objects.filter(kind=Job.Kind.BUILD_INSERT).earliest("created_at")
    poll = (
        Job.objects.filter(kind=Job.Kind.FETCH_RESULTS, created_at__lte=first_build.created_at)
        .order_by("-created_at")
        .first()
    )
    last_pdf = Insert.objects.filter(day__in=expected.days).latest("created_at")
    return (last_pdf.created_at - poll.created_at).total_seconds()


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
