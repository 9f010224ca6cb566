"""Benchmark: how many requests a second the production web tier answers, page by page.

Closed loop, as wrk measures it: 16 connections each send their next request as soon as the
previous answer is in, for DURATION_S per page after WARMUP_S unmeasured, against the
Procfile's gunicorn (3 sync workers) with production settings (DEBUG off, WhiteNoise), on
PostgreSQL when DATABASE_URL is set (its server, with this bench's own database
`newsroom_capacity`, dropped and created afresh) or a fresh SQLite file otherwise; sessions in
Redis when REDIS_URL is set.

Seed: one title following DEPARTEMENTS départements of the sandbox's session, deliberated and
stored, with a season of scheduled fetches behind them, one built insert, and a build of a
second insert under way (the progress panel the editors poll every 2 s). The poll is sent as
htmx sends it: with its header, to the URL the panel names, carrying the version it shows.

The login page is measured first, and again after each page: it costs the framework and no
query, so it is the floor each page is read against on a machine whose load varies.

Prints, as its last lines:
    capacity_login_rps: R         (the framework's floor)
    capacity_poll_rps: R          (the insert's progress panel, htmx poll, nothing changed)
    capacity_insert_rps: R        (the insert page)
    capacity_departement_rps: R   (the département page)
    capacity_plan_rps: R          (the plan page)
    capacity_p99_ms: P            (the worst 99th percentile of the four pages)
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.load import (
    bench_database,
    free_port,
    production_env,
    session_cookie,
    set_up,
    wait_until_up,
)

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_WORKERS = 3  # the Procfile's
CONNECTIONS = 16
DURATION_S = 10
WARMUP_S = 3
FLOOR_S = 5
DEPARTEMENTS = 4
BENCH_DATABASE = "newsroom_capacity"


def main():
    if shutil.which("wrk") is None:
        raise SystemExit("bench-capacity needs wrk: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="bench-capacity-"))
    port = free_port()
    database_url, database = bench_database(folder, BENCH_DATABASE)
    queue = os.environ.get("CELERY_QUEUE", "bench-capacity")
    env = production_env(folder, database_url, queue)
    set_up(env)
    started = time.monotonic()
    pages, names = seed()
    seconds = time.monotonic() - started
    print(f"seed: {names} names in {DEPARTEMENTS} départements, in {seconds:.0f} s")

    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "newsroom.wsgi",
        f"--workers={GUNICORN_WORKERS}",
        f"--bind=127.0.0.1:{port}",
    ]
    log = open(folder / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        figures = measure(base, pages)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    report(figures, database)


def seed():
    """A title, its editor's session, its built insert and one being built; returns the pages
    to measure, as {name: (path, headers)}, and the number of names stored."""
    import httpx2
    from django.contrib.auth import get_user_model
    from django.core.wsgi import get_wsgi_application
    from django.utils import timezone

    from benchmarks.load import fetch_history
    from results.day.content import section_days
    from results.editions.builds import build_version
    from results.models import Departement, Job, Membership, Result, Title
    from results.sources.arpent import ArpentClient
    from results.store.sync import sync_calendar, sync_referentials, sync_results
    from sandbox import clock, data

    today = timezone.localdate()
    clock.set_clock(timezone.now(), start=today - timedelta(days=26))
    sizes = sorted(data.BY_CODE, key=lambda code: sum(p.nb_candidats for p in data.plan(code)))
    # Middle-sized départements, as a regional title follows.
    middle = len(sizes) // 2
    codes = sizes[middle : middle + DEPARTEMENTS]
    transport = httpx2.WSGITransport(app=get_wsgi_application())
    with ArpentClient("http://127.0.0.1/arpent-resultats-api", transport=transport) as client:
        sync_referentials(client)
        for code in codes:
            sync_calendar(client, code)
            sync_results(client, code)
    fetch_history(codes)

    title = Title.objects.create(name="Le Quotidien", slug="quotidien")
    followed = [Departement.objects.get(code=code) for code in codes]
    title.departements.add(*followed)
    dept = followed[0]
    days = sorted(d for (code, *_), d in section_days([dept.code]).items() if code == dept.code)
    built, building = days[0], days[-1]
    build_version(title, dept, built, reason="bench")
    user = get_user_model().objects.create_user("bench-capacity", password=secrets.token_hex())
    Membership.objects.create(user=user, title=title, role=Membership.Role.EDITOR)
    Job.objects.create(
        kind=Job.Kind.BUILD_INSERT,
        title=title,
        departement=dept,
        day=building,
        requested_by=user,
        status=Job.Status.RUNNING,
        progress=40,
        started_at=timezone.now(),
        message="Mise en page",
    )
    cookie = f"Cookie: sessionid={session_cookie(user)}"
    insert = f"/journal/{title.slug}/encarts/{dept.code}/"
    pages = {
        "login": ("/connexion/", []),
        "poll": (f"{insert}{building.isoformat()}/etat/", [cookie, "HX-Request: true"]),
        "insert": (f"{insert}{built.isoformat()}/", [cookie]),
        "departement": (f"/journal/{title.slug}/departements/{dept.code}/", [cookie]),
        "plan": (f"/journal/{title.slug}/plan/", [cookie]),
    }
    return pages, Result.objects.filter(departement__in=codes).count()


def measure(base, pages):
    """{page: (requests/s, p99 ms, statuses seen)} with wrk, one page after the other."""
    import httpx2

    figures = {}
    login = pages["login"][0]
    for name, (path, headers) in pages.items():
        first = httpx2.get(base + path, headers=dict(h.split(": ", 1) for h in headers))
        if first.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {first.status_code}")
        if name == "poll" and (poll := re.search(r'hx-get="([^"]+)"', first.text)):
            # What htmx asks next: the panel's own URL, carrying the version it shows.
            path = poll.group(1)
            again = httpx2.get(base + path, headers=dict(h.split(": ", 1) for h in headers))
            print(f"{name}: {path} answers {again.status_code} while nothing changes")
        # Every worker imports, compiles the templates and fills its caches first: unmeasured.
        wrk(base + path, headers, WARMUP_S)
        figures[name] = wrk(base + path, headers, DURATION_S)
        if name != "login":
            # The floor again, just before the page's figure is read against it: on a shared
            # machine the load of the others moves within a run.
            figures[name] += (wrk(base + login, [], FLOOR_S)[0],)
    return figures


def wrk(url, headers, seconds):
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout=10s"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = milliseconds(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return rps, p99, int(bad.group(1)) if bad else 0, errors.group(1) if errors else ""


def milliseconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def report(figures, database):
    print(
        f"gunicorn: {GUNICORN_WORKERS} sync workers; wrk: {CONNECTIONS} connections, "
        f"{DURATION_S} s per page; database: {database}; "
        f"sessions: {'Redis' if os.getenv('REDIS_URL') else 'database'}"
    )
    for name, (rps, p99, bad, errors, *floor) in figures.items():
        extra = f"  non-2xx/3xx {bad}" if bad else ""
        extra += f"  socket errors: {errors}" if errors else ""
        if floor:
            extra += f"  login floor after it {floor[0]:.0f}/s, ratio {rps / floor[0]:.2f}"
        print(f"  {name:<12} {rps:8.1f} requests/s  p99 {p99:6.1f} ms{extra}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    pages = ("poll", "insert", "departement", "plan")
    for name in ("login", *pages):
        print(f"capacity_{name}_rps: {figures[name][0]:.0f}")
    print(f"capacity_p99_ms: {max(figures[name][1] for name in pages):.0f}")


if __name__ == "__main__":
    main()
