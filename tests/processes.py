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
        # The open-data stand-ins too, for the refreshes a followed département starts.
        EDUCATION_BASE_URL=live_server_url,
        INSERJEUNES_BASE_URL=live_server_url,
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


def worker_command(name):
    return [
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
        f"test-{os.getpid()}-{name}@%h",
    ]


def beat_command(schedule):
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "newsroom",
        "beat",
        "--loglevel=INFO",
        "-s",
        str(schedule),
    ]


def started(name, proc, tmp_path):
    """Whether a worker is ready to take tasks, or a beat is sending them."""
    if proc.poll() is not None:
        raise AssertionError(f"{name} exited with status {proc.returncode} on start-up")
    line = " ready." if name.startswith("worker") else "beat: Starting..."
    return line in (tmp_path / f"{name}.log").read_text()


@contextmanager
def celery_processes(env, tmp_path, workers=1, beats=0):
    """Start workers (and beats); stop them on exit, printing their logs if a test failed.

    Each process logs to its own file in `tmp_path`, worker-1.log, beat-1.log and so on, which a
    test may read to tell which worker ran which job. More than one beat is the mistake the
    scheduler must survive; each then has its own schedule file, as on two machines. It returns
    once they all are up, so that their start-up does not count in a test's timeouts.
    """
    logs, procs = [], {}
    commands = {f"worker-{n}": worker_command(n) for n in range(1, workers + 1)}
    for n in range(1, beats + 1):
        commands[f"beat-{n}"] = beat_command(tmp_path / f"celerybeat-schedule-{n}")
    try:
        purge_queue()
        for name, command in commands.items():
            log = open(tmp_path / f"{name}.log", "w+")  # noqa: SIM115
            logs.append(log)
            procs[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(
            lambda: all(started(name, proc, tmp_path) for name, proc in procs.items()),
            timeout=60,
            message="the Celery processes to start",
        )
        yield list(procs.values())
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
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
