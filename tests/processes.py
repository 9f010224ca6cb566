"""Real Celery worker and beat processes for the end-to-end and browser tests."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from newsroom.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def database_url():
    """The URL of the test database this process uses, for the child processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def child_env(live_server_url, tmp_path, **extra):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        ARPENT_BASE_URL=f"{live_server_url}/arpent-resultats-api",
        CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        VAR_DIR=os.environ.get("VAR_DIR", str(settings.VAR_DIR)),
        PYTHONUNBUFFERED="1",
        **{key: str(value) for key, value in extra.items()},
    )
    return env


def purge_queue():
    """Drop messages a previous, interrupted run may have left for this queue."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)


@contextmanager
def celery_processes(env, tmp_path, beat=False):
    """Start a worker (and beat); stop them on exit, printing their logs if a test failed."""
    logs, procs = [], []
    commands = [
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "newsroom",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"test-{os.getpid()}@%h",
        ]
    ]
    if beat:
        commands.append(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "newsroom",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(tmp_path / "celerybeat-schedule"),
            ]
        )
    try:
        purge_queue()
        for i, command in enumerate(commands):
            log = open(tmp_path / f"celery-{i}.log", "w+")  # noqa: SIM115
            logs.append(log)
            procs.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.seek(0)
            print(f"----- {log.name} -----\n{log.read()[-6000:]}")
            log.close()


def wait_for(condition, timeout, interval=0.5, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
