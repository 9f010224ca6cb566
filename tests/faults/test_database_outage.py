"""PostgreSQL going away under the real services: gunicorn and a Celery worker reach it through
a proxy the test cuts; pages answer the French 503 page, jobs retry, and both recover by
themselves once it is back."""

import re
import socket
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, time
from urllib.parse import urlparse

import httpx2
import pytest
from django.db import connection
from django.test import Client

from results.models import Departement, Fetch, Insert, Job, Result, Title
from results.sources.arpent import ArpentClient
from results.store.sync import sync_calendar, sync_referentials
from results.tasks import enqueue_build, fetch_results
from sandbox import clock, data
from tests.deliberation_day import LOZERE, busy_combined_insert
from tests.outage import assert_unavailable_page
from tests.processes import (
    ROOT,
    celery_processes,
    child_env,
    database_url,
    production_environment,
    wait_for,
)
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# The lines results.deliberation.jobs logs at the end of a fetch job's run, and of a build job's.
FETCH_RUN = re.compile(r"\bfetch job (\d+) departement=")
BUILD_RUN = re.compile(r"\bbuild job (\d+) title=")


@pytest.fixture
def proxy():
    if connection.vendor != "postgresql":
        pytest.skip("a real database outage needs PostgreSQL (DATABASE_URL=postgres://…)")
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield proxy
    proxy.close()


@pytest.fixture
def production_env(live_server, tmp_path, settings, proxy):
    """The child processes' environment: production settings, the database through the proxy."""
    production = production_environment()
    # The sessions this process makes must be readable by the production server's.
    settings.SECRET_KEY = production["SECRET_KEY"]
    env = child_env(
        live_server.url,
        tmp_path,
        **production,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="False",  # no TLS on the loopback
        STATIC_ROOT=str(tmp_path / "static"),
        # Persistent connections, as production should set (benchmarks/load.py): a connection
        # the outage broke must be dropped and replaced, not kept.
        CONN_MAX_AGE="60",
    )
    url = urlparse(database_url())
    credentials = url.netloc.rpartition("@")[0]
    env["DATABASE_URL"] = url._replace(netloc=f"{credentials}@127.0.0.1:{proxy.port}").geturl()
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def web_server(env, tmp_path):
    """gunicorn with one sync worker, so that the process whose connection the outage broke is
    the one that answers the next page. Its log is printed at the end."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--workers=1"]
    # No control socket: its default path is per user, and another gunicorn may be running.
    command += [f"--bind=127.0.0.1:{port}", "--access-logfile=-", "--no-control-socket"]
    log = open(tmp_path / "web.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx2.Client(base_url=base, timeout=10) as client:

            def up():
                if proc.poll() is not None:
                    raise AssertionError(f"gunicorn exited with status {proc.returncode}")
                try:
                    return client.get("/connexion/").status_code == 200
                except httpx2.TransportError:
                    return False

            wait_for(up, timeout=30, interval=0.2, message="gunicorn to answer")
            yield client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        print(f"----- {log.name} -----\n{log.read()[-6000:]}")
        log.close()


@pytest.fixture
def editor_session(production_env):
    """An editor of a title following Gard, logged in: the session cookie the browser sends,
    signed with the web server's key."""
    from django.contrib.auth import get_user_model

    gard, _ = Departement.objects.get_or_create(code="30", defaults={"name": "Gard"})
    title = Title.objects.create(name="La Gazette du Midi", slug="gazette")
    title.departements.add(gard)
    user = get_user_model().objects.create_user("redac", password="pw")
    title.members.add(user)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def lozere_published(live_server, settings):
    """The départements, and Lozère's first deliberation day over: its results all published."""
    settings.ARPENT_BASE_URL = f"{live_server.url}/arpent-resultats-api"
    rehearsal = clock.rehearse(LOZERE)
    today, start = rehearsal["date"], rehearsal["session_start"]
    clock.set_clock(datetime.combine(today, time(18)), speed=0, start=start)
    with ArpentClient.from_settings() as client:
        sync_referentials(client)
        sync_calendar(client, LOZERE)
    return data.results(LOZERE, start, clock.now())


def test_pages_and_jobs_survive_a_real_database_outage(
    proxy, production_env, lozere_published, editor_session, tmp_path
):
    """The database goes down under a running web server and worker, for some seconds.

    Meanwhile pages answer the plain 503 page and a fetch job's task retries; once it is back,
    pages answer again and the job finishes, once, with nothing restarted.
    """
    page = "/journal/gazette/"
    worker_log = tmp_path / "worker-1.log"
    with (
        web_server(production_env, tmp_path) as web,
        celery_processes(production_env, tmp_path, workers=1),
    ):
        web.cookies.set("sessionid", editor_session)
        assert web.get(page).status_code == 200

        proxy.cut()
        assert_unavailable_page(web.get(page))  # the web's persistent connection broke
        assert_unavailable_page(web.get(page))  # a new one is refused
        # The test's own connection goes straight to PostgreSQL, not through the proxy.
        job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement_id=LOZERE)
        fetch_results.delay(job.pk)
        unreachable = f"job {job.pk}: database unreachable"

        def failed_twice():
            assert_unavailable_page(web.get(page))  # every page asked meanwhile
            return worker_log.read_text().count(unreachable) >= 2

        # The outage lasts until the first run and the retry 5 s later have both failed: the
        # worker keeps retrying rather than failing the job.
        wait_for(failed_twice, timeout=20, message="the fetch task to fail twice on the database")
        job.refresh_from_db()
        assert job.status == Job.Status.QUEUED  # its row could not be touched

        proxy.restore()
        assert web.get(page).status_code == 200  # at once, nothing restarted
        job = wait_for(
            lambda: Job.objects.filter(pk=job.pk, status=Job.Status.DONE).first(),
            timeout=30,
            message="the fetch job to finish once the database is back",
        )
        assert web.get(page).status_code == 200

    assert job.attempts == 0
    assert Result.objects.filter(departement=LOZERE).count() == len(lozere_published)
    # It ran to its end once, and called the upstream once.
    assert FETCH_RUN.findall(worker_log.read_text()) == [str(job.pk)]
    assert Fetch.objects.filter(endpoint="resultats", departement_code=LOZERE).count() == 1


def test_a_connection_broken_while_idle_is_replaced_before_the_next_page(
    proxy, production_env, editor_session, tmp_path
):
    """PostgreSQL restarted while no page was asked: the web server's persistent connection is
    dead, and the first page afterwards must not be the one to find out."""
    page = "/journal/gazette/"
    with web_server(production_env, tmp_path) as web:
        web.cookies.set("sessionid", editor_session)
        assert web.get(page).status_code == 200
        connections = proxy.connections
        proxy.cut()
        proxy.restore()
        assert web.get(page).status_code == 200
        assert proxy.connections == connections + 1  # a new connection, not the broken one


def test_a_build_cut_off_from_the_database_mid_run_resumes_its_run_and_makes_one_version(
    proxy, production_env, live_server, settings, tmp_path
):
    """The database goes away while a PDF renders: the run's next write fails, the task retries
    and, the database back, takes up its own run (its token), not a copy of it."""
    title, day = busy_combined_insert(live_server, settings)
    env = {**production_env, "INSERT_RENDER_PROCESSES": "1"}
    worker_log = tmp_path / "worker-1.log"
    with celery_processes(env, tmp_path, workers=1):  # no scheduler: no reconciler either
        job = enqueue_build(title, None, day)
        wait_for(
            lambda: Job.objects.filter(pk=job.pk, progress=40).exists(),
            timeout=60,
            interval=0.05,
            message="the PDF render to start",
        )
        proxy.cut()
        wait_for(
            lambda: f"job {job.pk}: database unreachable" in worker_log.read_text(),
            timeout=30,
            message="the build to find the database gone",
        )
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING  # untouched meanwhile
        proxy.restore()
        job = wait_for(
            lambda: Job.objects.filter(pk=job.pk, status=Job.Status.DONE).first(),
            timeout=60,
            message="the build to finish once the database is back",
        )

    assert job.recoveries == 0  # resumed by its own retry, not taken over
    version = Insert.objects.get(title=title)  # exactly one version
    assert version.number == 1 and job.insert == version
    assert BUILD_RUN.findall(worker_log.read_text()) == [str(job.pk)]  # one run to its end
