"""Benchmark: the delay from the sandbox releasing a département's results to downloadable PDFs.

Real processes, default settings but the polling interval: the sandbox served by `runserver`,
a Celery worker and beat on the default embedded broker and a fresh SQLite database. Nord (59),
the sandbox's largest département, is made to deliberate today, and its clock is set past its
last jury: every section of the session is released at one instant (T0). Beat polls every 5 s
(POLL_S) so that the run is short; with the default interval the poll itself waits up to
RESULTS_POLL_INTERVAL_S more, which is added to give the default-settings figures.

Prints, as its last lines:
    delay_names: N                 (names released at T0)
    delay_inserts: K               (one insert per deliberation day)
    delay_poll_to_pdf_s: P         (the poll that sees them → every insert downloadable)
    delay_release_to_pdf_s: D      (T0 → every insert downloadable, polling every POLL_S)
    delay_default_worst_s: W       (P + the default interval: the release just after a poll)
    delay_default_mean_s: M        (P + half the default interval)
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = "59"
POLL_S = 5
DEFAULT_INTERVAL_S = 300


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
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
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    django.setup()
    from results.models import Insert, Job, Result

    names, days = prepare()
    celery = [sys.executable, "-m", "celery", "-A", "newsroom"]
    commands = [
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        [*celery, "worker", "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
        [*celery, "beat", "--loglevel=WARNING", "-s", str(folder / "beat-schedule")],
    ]
    log = open(folder / "processes.log", "w")  # noqa: SIM115
    processes = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        for c in commands
    ]
    try:
        time.sleep(3)  # the server up before the sandbox's clock releases everything
        release()
        released_at = time.monotonic()
        deadline = released_at + 600
        while time.monotonic() < deadline:
            built = Insert.objects.filter(departement=CODE).values("day").distinct().count()
            busy = Job.objects.exclude(status__in=[Job.Status.DONE, Job.Status.FAILED]).exists()
            stored = Result.objects.filter(departement=CODE).count()
            if built == days and stored == names and not busy:
                break
            time.sleep(0.2)
        else:
            raise SystemExit(f"not built within 10 minutes; see {folder / 'processes.log'}")
        done_at = time.monotonic()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        log.close()

    first_poll = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS).order_by("created_at").first()
    last_pdf = Insert.objects.order_by("-created_at").first()
    poll_to_pdf = (last_pdf.created_at - first_poll.created_at).total_seconds()
    release_to_pdf = done_at - released_at
    print(f"delay_names: {names}")
    print(f"delay_inserts: {days}")
    print(f"delay_poll_to_pdf_s: {poll_to_pdf:.1f}")
    print(f"delay_release_to_pdf_s: {release_to_pdf:.1f}")
    print(f"delay_default_worst_s: {poll_to_pdf + DEFAULT_INTERVAL_S:.1f}")
    print(f"delay_default_mean_s: {poll_to_pdf + DEFAULT_INTERVAL_S / 2:.1f}")


def prepare():
    """A title following Nord, its calendar; today one of Nord's deliberation days."""
    import httpx
    from django.core.wsgi import get_wsgi_application

    from results.models import Title
    from results.sources.arpent import ArpentClient
    from results.store.sync import sync_calendar, sync_referentials
    from sandbox import clock, data

    rehearsal = clock.rehearse(CODE, lead_seconds=3600)
    transport = httpx.WSGITransport(app=get_wsgi_application())
    with ArpentClient("http://127.0.0.1/arpent-resultats-api", transport=transport) as client:
        sync_referentials(client)
        sync_calendar(client, CODE)
    title = Title.objects.create(name="Bench", slug="bench")
    title.departements.add(CODE)
    sections = data.sections(CODE, rehearsal["session_start"])
    last = max(s.moment for s in sections)
    names = len(data.results(CODE, rehearsal["session_start"], last))
    return names, len({s.date for s in sections})


def release():
    """T0: the sandbox's clock jumps past the département's last jury."""
    from sandbox import clock, data

    start = clock.session_start()
    last = max(s.moment for s in data.sections(CODE, start))
    clock.set_clock(last, speed=1.0, start=start)


if __name__ == "__main__":
    main()
