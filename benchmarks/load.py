"""Benchmark: a results-day crowd of editors on the production web server, while inserts build.

Real processes, production settings (DEBUG off, WhiteNoise, no sandbox for the web pages): the
app under gunicorn, a Celery worker, on PostgreSQL when DATABASE_URL is set (the bench uses its
own database, DATABASE_URL's with the name `newsroom_bench`, dropped and created afresh) or a
fresh SQLite file otherwise; Redis when REDIS_URL is set, else the embedded broker.

Seed: TITLES titles, each following two small départements whose whole session has been
deliberated (the sandbox's session moved into the past), EDITORS_PER_TITLE editors each, and one
built insert per title (a second version for a few). The crowd: every editor polls the progress
of an insert of their title every 2 s (the htmx poll of the insert page), and now and then opens
the plan page and the insert page with its page thumbnails, as the browser does; meanwhile
builds of other inserts are enqueued and the worker renders them. A few editors log in through
the login form; the others have sessions made directly, as by a login earlier in the day (each
form login costs a full password hash, which would only measure PBKDF2).

Prints, as its last lines:
    load_rps: R        (requests answered per second, after the warm-up)
    load_p95_ms: P     (95th percentile of the response time, all pages)
    load_errors: E     (answers other than 2xx/3xx, plus exceptions)

Before them, where the CPU went during the measured window, per group of processes (gunicorn,
the Celery worker and its renders, the database's backends for the bench, Redis, this load
generator, and the rest of the machine), read from /proc: on a machine that answers slowly,
it says whether the pages, the renders, the database or something else took the cores.
"""

import asyncio
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
TITLES = 20
EDITORS_PER_TITLE = 10
FORM_LOGINS = 4
# The Procfile's web server: gunicorn's sync workers, each taking the next waiting connection
# when it is free. Threaded workers with keep-alive (4 x 2 were measured) pin each editor's
# connection to one process, whose requests then queue behind its busy threads while another
# process idles: p95 279 ms against 91 ms here, for the same crowd.
GUNICORN_WORKERS = 3
WORKER_CONCURRENCY = 2  # as in the Procfile
# The worker and its render processes give way to the web on the shared cores: a page waits
# for a render otherwise (p95 above 2 s); the renders, a few seconds each, hardly notice.
WORKER_NICE = 10
POLL_S = 2.0
# An editor opens the plan, or the insert page, about once a minute each.
OPEN_EVERY_S = 60.0
WARMUP_S = 10
RUN_S = 40
BUILDS_DURING_RUN = 8
PASSWORD = "bench-load-password-2026"
BENCH_DATABASE = "newsroom_bench"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_database(folder, name=BENCH_DATABASE):
    """The bench's own database: DATABASE_URL's server with a fresh `name`, or SQLite."""
    url = os.getenv("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{folder / 'db.sqlite3'}", "SQLite (fresh file)"
    import psycopg

    parts = urlparse(url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
        version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    return urlunparse(parts._replace(path=f"/{name}")), f"PostgreSQL {version}"


def production_env(folder, database_url, queue, **extra):
    """What the bench's gunicorn (and worker) need to run with production settings on the
    loopback, their files in `folder`."""
    env = dict(os.environ)
    env.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        OBJECTION_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",  # no TLS on the loopback
        DATABASE_URL=database_url,
        VAR_DIR=str(folder),
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        CELERY_QUEUE=queue,
        # Persistent connections, as production should set: a connection per request costs
        # PostgreSQL a new backend process, SQLite its setup and a checkpoint.
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def set_up(env):
    """Migrate and collect the static files under `env`, then set Django up in this process,
    which seeds through the sandbox in-process: production settings leave it off and refuse it
    unless forced."""
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([*manage, *command, "-v", "0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env, SANDBOX_ENABLED="True", SANDBOX_IN_PRODUCTION="True")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def main():
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    port = free_port()
    database_url, database = bench_database(folder)
    env = production_env(folder, database_url, "bench-load", PORT=str(port))
    broker = "Redis" if env.get("REDIS_URL") else "embedded (filesystem)"
    set_up(env)
    started = time.monotonic()
    editors, pending, history = seed()
    print(
        f"seed: {TITLES} titles, {len(editors)} editors, {history} past fetch jobs, "
        f"in {time.monotonic() - started:.0f} s"
    )

    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "newsroom.wsgi",
        f"--workers={GUNICORN_WORKERS}",
        f"--bind=127.0.0.1:{port}",
    ]
    celery = [
        "nice",
        f"-n{WORKER_NICE}",
        sys.executable,
        "-m",
        "celery",
        "-A",
        "newsroom",
        "worker",
        f"--concurrency={WORKER_CONCURRENCY}",
        "--without-mingle",
        "--without-gossip",
    ]
    log = open(folder / "processes.log", "w")  # noqa: SIM115
    processes = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        for c in (gunicorn, celery)
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        roots = {"web (gunicorn)": processes[0].pid, "worker (celery, renders)": processes[1].pid}
        records, builds, cpu = asyncio.run(crowd(base, editors, pending, roots))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        log.close()
    report(records, builds, cpu, database, broker, folder)


def wait_until_up(base):
    import httpx2

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}/connexion/", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not show the login page within 60 s")


def seed():
    """Titles, editors, stored results, one built insert per title, past jobs.

    Returns (editors, pending, history): `pending` are inserts not built yet, for the worker
    to build during the run; `history` the number of past fetch jobs.
    """
    import httpx2
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.wsgi import get_wsgi_application
    from django.utils import timezone

    from results.day.content import section_days
    from results.editions.builds import build_version
    from results.models import Departement, Membership, Title
    from results.sources.arpent import ArpentClient
    from results.store.sync import sync_calendar, sync_referentials, sync_results
    from sandbox import clock, data

    # The whole session deliberated: it ended yesterday, so every list is stored and released.
    today = timezone.localdate()
    clock.set_clock(timezone.now(), start=today - timedelta(days=26))
    sizes = sorted(data.BY_CODE, key=lambda code: sum(p.nb_candidats for p in data.plan(code)))
    codes = sizes[: 2 * TITLES]
    transport = httpx2.WSGITransport(app=get_wsgi_application())
    with ArpentClient("http://127.0.0.1/arpent-resultats-api", transport=transport) as client:
        sync_referentials(client)
        for code in codes:
            sync_calendar(client, code)
            sync_results(client, code)

    password = make_password(PASSWORD)  # hashed once: every editor has the same password
    User = get_user_model()
    editors, pending = [], []
    for t in range(TITLES):
        title = Title.objects.create(
            name=f"Le Quotidien {t + 1:02d}", slug=f"quotidien-{t + 1:02d}"
        )
        pair = [Departement.objects.get(code=code) for code in codes[2 * t : 2 * t + 2]]
        title.departements.add(*pair)
        days = section_days([d.code for d in pair])
        inserts = [
            (dept, min(d for (code, *_), d in days.items() if code == dept.code)) for dept in pair
        ]
        built, later = inserts
        build_version(title, *built, reason="bench")
        if t < 3:  # a second version: the printer asked for crop marks
            title.crop_marks = True
            title.save()
            build_version(title, *built, reason="bench")
        pending.append((title, *later))
        for e in range(EDITORS_PER_TITLE):
            user = User.objects.create(username=f"q{t + 1:02d}-{e + 1:02d}", password=password)
            role = Membership.Role.ADMIN if e == 0 else Membership.Role.EDITOR
            Membership.objects.create(user=user, title=title, role=role)
            # Half the editors watch the built insert, half the one the worker will build.
            dept, day = inserts[e % 2]
            editors.append((user, title.slug, dept.code, day.isoformat()))
    history = fetch_history(codes)
    return editors, pending, history


def fetch_history(codes):
    """The fetch jobs the scheduler leaves: one every 5 minutes from 08:00 per followed
    département, on each of its deliberation days, and yesterday and today up to now."""
    from datetime import datetime, time

    from django.utils import timezone

    from results.models import CalendarRow, Job

    now, today = timezone.now(), timezone.localdate()
    jobs = []
    for code in codes:
        days = set(
            CalendarRow.objects.filter(departement=code).values_list("date_delib", flat=True)
        )
        for day in sorted(days | {today - timedelta(days=1), today}):
            moment = timezone.make_aware(datetime.combine(day, time(8)))
            while moment < min(now, moment.replace(hour=20)):
                slot = f"{moment:%Y-%m-%dT%H:%M}"
                jobs.append(
                    Job(
                        kind=Job.Kind.FETCH_RESULTS,
                        departement_id=code,
                        slot=slot,
                        status=Job.Status.DONE,
                        progress=100,
                        message=f"Résultats du {code} : inchangés",
                        created_at=moment,
                        started_at=moment,
                        finished_at=moment + timedelta(seconds=1),
                    )
                )
                moment += timedelta(minutes=5)
    Job.objects.bulk_create(jobs, batch_size=2000)
    return len(jobs)


def session_cookie(user):
    """A session as a login makes it, without hashing the password again."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


async def form_login(client, username):
    """Log in through the login form; the cookies are Secure (DEBUG off), so they are copied
    by hand onto this plain-HTTP client."""
    page = await client.get("/connexion/")
    token = page.cookies.get("csrftoken")
    answer = await client.post(
        "/connexion/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Cookie": f"csrftoken={token}"},
    )
    session = answer.cookies.get("sessionid")
    if answer.status_code != 302 or not session:
        raise SystemExit(f"form login of {username} failed: {answer.status_code}")
    return session


class Browser:
    """One editor's connection, speaking just enough HTTP/1.1 for these pages.

    A connection the server closes after its answer (sync workers do) is opened again for the
    next request. httpx costs a few milliseconds of CPU per request, on the same two cores as
    the server; this costs about 0.6 ms, so that the figures are the server's.
    """

    def __init__(self, port, session):
        self.port, self.session = port, session
        self.reader = self.writer = None

    async def get(self, path, headers=()):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"Cookie: sessionid={self.session}", *headers, "", ""]
        try:
            self.writer.write("\r\n".join(lines).encode())
            head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            status = int(head.split(" ", 2)[1])
            fields = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
            if "content-length" in fields:
                body = await self.reader.readexactly(int(fields["content-length"]))
            else:
                body = await self.chunks()
        except Exception:
            await self.close()
            raise
        if fields.get("connection") == "close":
            await self.close()
        return status, body

    async def chunks(self):
        body = b""
        while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
            body += await self.reader.readexactly(size + 2)
        await self.reader.readuntil(b"\r\n")
        return body

    async def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def crowd(base, editors, pending, roots):
    import httpx2
    from asgiref.sync import sync_to_async

    from results.tasks import enqueue_build

    port = int(base.rsplit(":", 1)[1])
    records, browsers, cpu_window = [], [], {}
    async with httpx2.AsyncClient(base_url=base, timeout=30) as client:
        for i, (user, *_rest) in enumerate(editors):
            if i < FORM_LOGINS:
                session = await form_login(client, user.username)
            else:
                session = await sync_to_async(session_cookie)(user)
            browsers.append(Browser(port, session))

    start, cpu = time.monotonic(), time.process_time()
    measure_from, end = start + WARMUP_S, start + WARMUP_S + RUN_S

    async def get(browser, page, url, *headers):
        sent = time.monotonic()
        try:
            status, body = await asyncio.wait_for(browser.get(url, headers), timeout=30)
        except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as error:
            status, body = type(error).__name__, b""
        if measure_from <= sent < end:
            records.append((page, time.monotonic() - sent, status))
        return body

    async def editor(browser, slug, scope, day):
        insert = f"/journal/{slug}/encarts/{scope}/{day}/"
        await asyncio.sleep(random.uniform(0, POLL_S))
        while time.monotonic() < end:
            tick = time.monotonic()
            await get(browser, "status", insert + "etat/", "HX-Request: true")
            if random.random() < POLL_S / OPEN_EVERY_S:
                await get(browser, "plan", f"/journal/{slug}/plan/")
            if random.random() < POLL_S / OPEN_EVERY_S:
                page = await get(browser, "insert", insert)
                for src in re.findall(rb'src="([^"]+\.png)"', page):
                    await get(browser, "thumbnail", src.decode())
            await asyncio.sleep(max(0.0, POLL_S - (time.monotonic() - tick)))
        await browser.close()

    async def sample_cpu():
        await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
        cpu_window["from"] = cpu_by_group(roots)
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        cpu_window["to"] = cpu_by_group(roots)

    async def builds():
        done = []
        for title, dept, day in pending[:BUILDS_DURING_RUN]:
            # Spread over the warm-up and the run's first three quarters, so that they finish.
            await asyncio.sleep((WARMUP_S + RUN_S * 0.75) / BUILDS_DURING_RUN)
            done.append(await sync_to_async(enqueue_build)(title, dept, day))
        return done

    tasks = [
        editor(b, slug, scope, day)
        for b, (_, slug, scope, day) in zip(browsers, editors, strict=True)
    ]
    *_, jobs, _ = await asyncio.gather(*tasks, builds(), sample_cpu())
    print(
        f"load generator: {time.process_time() - cpu:.1f} s of CPU "
        f"over {time.monotonic() - start:.0f} s"
    )
    return records, jobs, cpu_spent(cpu_window["from"], cpu_window["to"])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """(parent pid, command name, CPU seconds of the process and of its reaped children)."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    name_end = stat.rindex(")")
    fields = stat[name_end + 2 :].split()
    # Fields 4, 14 to 17 of proc(5): ppid, utime, stime, cutime, cstime.
    ticks = sum(int(n) for n in fields[11:15])
    return int(fields[1]), stat[stat.index("(") + 1 : name_end], ticks / CLOCK_TICKS


def is_bench_database_backend(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f" {BENCH_DATABASE} ".encode() in f.read().replace(b"\0", b" ")
    except OSError:
        return False


def cpu_by_group(roots):
    """{group: {pid: CPU seconds}} now; `roots` names the process trees started here."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                table[int(entry.name)] = proc_stat(entry.name)
            except (OSError, ValueError):
                pass  # gone meanwhile
    groups = defaultdict(dict)

    def tree_of(pid):
        while pid > 1:
            for group, root in roots.items():
                if pid == root:
                    return group
            pid = table[pid][0] if pid in table else 0
        return None

    for pid, (_, name, seconds) in table.items():
        if group := tree_of(pid):
            groups[group][pid] = seconds
        elif pid == os.getpid():
            groups["load generator"][pid] = seconds
        elif name == "postgres" and is_bench_database_backend(pid):
            groups["database (bench's backends)"][pid] = seconds
        elif name == "redis-server":
            groups["redis"][pid] = seconds
    with open("/proc/stat") as f:
        # user nice system idle iowait irq softirq steal: everything but idle and iowait.
        ticks = [int(n) for n in f.readline().split()[1:9]]
    groups["machine"][0] = (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS
    return groups


def cpu_spent(before, after):
    """CPU seconds per group between two readings.

    A process tree's ended processes are counted in their parent's children's time, so the
    tree's sum is right across their end. A database backend that ended during the window is
    counted by nobody (its parent is the server's), so its time is left out, not subtracted.
    """
    spent = {}
    for group, now in after.items():
        then = before.get(group, {})
        total = sum(now.values()) - sum(then.get(pid, 0.0) for pid in now)
        if group != "database (bench's backends)":
            total -= sum(seconds for pid, seconds in then.items() if pid not in now)
        spent[group] = total
    return spent


def report(records, jobs, cpu, database, broker, folder):
    from results.models import Job

    finished = Job.objects.filter(pk__in=[j.pk for j in jobs], status=Job.Status.DONE).count()
    by_page = defaultdict(list)
    errors = Counter()
    for page, seconds, status in records:
        by_page[page].append(seconds * 1000)
        if not isinstance(status, int) or not 200 <= status < 400:
            errors[f"{page} {status}"] += 1
    print(
        f"gunicorn: {GUNICORN_WORKERS} sync workers, CONN_MAX_AGE {os.environ['CONN_MAX_AGE']} s; "
        f"celery worker: concurrency {WORKER_CONCURRENCY}, nice {WORKER_NICE}; "
        f"database: {database}; broker: {broker}"
    )
    print(
        f"crowd: {TITLES * EDITORS_PER_TITLE} editors on {TITLES} titles, polling every "
        f"{POLL_S:g} s, {RUN_S} s measured after {WARMUP_S} s of warm-up; "
        f"builds enqueued during the run: {len(jobs)}, finished by its end: {finished}"
    )
    for page, times in sorted(by_page.items()):
        print(
            f"  {page:<10} {len(times):>6} requests  p50 {percentile(times, 50):6.1f} ms  "
            f"p95 {percentile(times, 95):6.1f} ms  max {max(times):6.1f} ms"
        )
    machine = cpu.pop("machine")
    print(f"CPU over the {RUN_S} s measured ({os.cpu_count()} cores, {machine / RUN_S:.2f} busy):")
    for group, seconds in sorted(cpu.items(), key=lambda item: -item[1]):
        print(f"  {group:<28} {seconds:6.1f} s  ({seconds / RUN_S:.2f} core)")
    rest = max(0.0, machine - sum(cpu.values()))  # processes that exited meanwhile are missed
    print(f"  {'rest of the machine':<28} {rest:6.1f} s  ({rest / RUN_S:.2f} core)")
    web = cpu.get("web (gunicorn)", 0.0) + cpu.get("database (bench's backends)", 0.0)
    print(f"  web and database per request answered: {web * 1000 / max(len(records), 1):.1f} ms")
    if errors:
        print("errors: " + ", ".join(f"{kind} x{n}" for kind, n in errors.most_common()))
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"logs: {folder / 'processes.log'}")
    every = [ms for times in by_page.values() for ms in times]
    print(f"load_rps: {len(records) / RUN_S:.1f}")
    print(f"load_p95_ms: {percentile(every, 95):.0f}")
    print(f"load_errors: {sum(errors.values())}")


def percentile(values, p):
    return (
        statistics.quantiles(values, n=100, method="inclusive")[p - 1]
        if len(values) > 1
        else values[0]
    )


if __name__ == "__main__":
    main()
