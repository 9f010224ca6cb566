"""Work the broker lost, found again from the jobs' rows: a worker killed with SIGKILL in the
middle of a PDF build, and Redis restarted (without its data) during a deliberation day."""

import shutil
import socket
import subprocess
import time
from collections import Counter

import pikepdf
import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from results.models import Insert, Job, Membership
from results.tasks import enqueue_build
from tests.deliberation_day import (
    PYRENEES_ORIENTALES,
    assert_one_fetch_per_departement_and_slot,
    assert_one_upstream_call_per_run,
    assert_one_version_per_new_content,
    busy_combined_insert,
    deliberation_day,
    jobs_run,
)
from tests.processes import celery_processes, child_env, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# Quick reconciliation, so that a lost job comes back in seconds rather than minutes.
RECONCILE_QUICKLY = {"JOB_HEARTBEAT_S": 1, "JOB_LOST_AFTER_S": 6, "JOB_RECONCILE_INTERVAL_S": 1}


def stored_files(folder="inserts"):
    folders, files = default_storage.listdir(folder)
    names = {f"{folder}/{name}" for name in files}
    for sub in folders:
        names |= stored_files(f"{folder}/{sub}")
    return names


def test_a_worker_killed_mid_build_leaves_one_whole_version(live_server, tmp_path, settings):
    title, day = busy_combined_insert(live_server, settings)
    # One render process, so that the render lasts long enough to be caught in the middle.
    env = child_env(live_server.url, tmp_path, INSERT_RENDER_PROCESSES=1, **RECONCILE_QUICKLY)

    with celery_processes(env, tmp_path, workers=1, beats=1) as processes:
        job = enqueue_build(title, None, day)
        wait_for(
            lambda: Job.objects.filter(pk=job.pk, progress=40).exists(),
            timeout=60,
            interval=0.05,
            message="the PDF render to start",
        )
        processes.kill("worker-1")
        killed = Job.objects.get(pk=job.pk)
        # Killed in the render: the run wrote nothing, and its row says it is still running.
        assert (killed.status, killed.progress) == (Job.Status.RUNNING, 40)
        assert not Insert.objects.filter(title=title).exists()

        processes.start("worker-1")  # the restarted worker
        processes.wait_started("worker-1")
        wait_for(
            lambda: Job.objects.get(pk=job.pk).finished, timeout=120, message="the build to end"
        )

    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.message
    assert job.recoveries >= 1
    version = Insert.objects.get(title=title)  # exactly one version
    assert version.number == 1 and job.insert == version
    assert version.names_count > 1900
    log = (tmp_path / "worker-1.log").read_text()
    assert f"job {job.pk} lost its worker" in log  # the reconciler, in the restarted worker
    assert jobs_run(tmp_path / "worker-1.log") == Counter({job.pk: 1})  # one run to the end
    # What is stored is the version's whole files, and nothing of the killed run.
    assert stored_files() == {version.pdf.name, *version.thumbnails}

    editor = get_user_model().objects.create(username="maquette")
    Membership.objects.create(user=editor, title=title)
    browser = Client()
    browser.force_login(editor)
    answer = browser.get(reverse("download", args=[title.slug, version.pk]))
    assert answer.status_code == 200
    assert answer["Content-Disposition"].endswith(f'filename="{version.file_stem}.pdf"')
    pdf = tmp_path / "served.pdf"
    pdf.write_bytes(b"".join(answer.streaming_content))
    with pikepdf.open(pdf) as document:  # a truncated file would not open
        assert len(document.pages) == version.pages


class RedisServer:
    """A Redis of the test's own on a free port, which it can kill and start again; like the
    machines' Redis, it keeps nothing on disk, so a restart loses every message."""

    def __init__(self, folder):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder, self.proc = folder, None

    def start(self):
        command = [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for(self.answers, timeout=10, interval=0.1, message="Redis to start")

    def answers(self):
        try:
            with redis.Redis(port=self.port, socket_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def kill(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


def test_a_redis_restart_during_a_deliberation_day_loses_and_doubles_nothing(
    live_server, tmp_path, settings, own_redis
):
    day = deliberation_day(live_server, settings, speed=1200)  # 09:30 to 17:45 in 25 s
    env = child_env(
        live_server.url,
        tmp_path,
        REDIS_URL=own_redis.url,
        RESULTS_POLL_INTERVAL_S=2,
        RESULTS_POLL_FROM_HOUR=0,
        **RECONCILE_QUICKLY,
    )
    with celery_processes(env, tmp_path, workers=1, beats=1):
        day.begin()
        wait_for(
            lambda: Insert.objects.filter(title=day.separate).exists(),
            timeout=60,
            message="the day's first version",
        )
        own_redis.kill()  # every message waiting in Redis is gone with it
        # Meanwhile an editor asks for a rebuild: the job's row is made, its message cannot be
        # sent (what tasks.dispatch leaves behind when the broker is unreachable).
        stranded = Job.objects.create(
            kind=Job.Kind.BUILD_INSERT,
            title=day.combined,
            departement=None,
            day=day.today,
        )
        time.sleep(4)  # the outage: the scheduler's sends fail, the worker reconnects in vain
        own_redis.start()
        back_at = timezone.now()
        wait_for(day.is_printed, timeout=150, interval=1, message="the whole day printed")
        wait_for(
            lambda: Job.objects.get(pk=stranded.pk).finished,
            timeout=30,
            message="the stranded rebuild",
        )

    stranded.refresh_from_db()
    assert stranded.status == Job.Status.DONE, stranded.message
    assert Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).count() == 0
    # Polling resumed after the restart.
    fetches = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS)
    assert fetches.filter(created_at__gt=back_at).exists()
    # Nothing done twice: each job ran once, one fetch per poll slot, one upstream call per run,
    # one version per new content; the only failures are the upstream's truncated bodies.
    assert max(jobs_run(tmp_path / "worker-1.log").values()) == 1
    assert_one_fetch_per_departement_and_slot()
    assert_one_upstream_call_per_run(day.codes)
    assert_one_version_per_new_content(day)
    failed = Job.objects.filter(status=Job.Status.FAILED)
    assert set(failed.values_list("kind", "departement")) <= {
        (Job.Kind.FETCH_RESULTS, PYRENEES_ORIENTALES)
    }
    assert "sent again" in (tmp_path / "worker-1.log").read_text()
