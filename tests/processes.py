"""Real Celery worker and beat processes for the end-to-end and browser tests."""

import os
import secrets
import signal
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


def production_environment(**extra):
    """What a process needs in its environment to start with DEBUG off: every secret it refuses
    to start without is here, in one place, so that a new one is added once for every test."""
    return {
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # The test process's own: objections it records must match in a production child.
        "OBJECTION_HASH_KEY": settings.OBJECTION_HASH_KEY,
        **extra,
    }


def child_env(live_server_url, tmp_path, **extra):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(),
        ARPENT_BASE_URL=f"{live_server_url}/arpent-resultats-api",
        # The open-data stand-ins too, for the refreshes a followed département starts.
        EDUCATION_BASE_URL=live_server_url,
        INSERJEUNES_BASE_URL=live_server_url,
        CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
        # The test process's key: objections it records must match in the workers' builds, and
        # a child started with DEBUG off refuses to start without one.
        OBJECTION_HASH_KEY=settings.OBJECTION_HASH_KEY,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        VAR_DIR=os.environ.get("VAR_DIR", str(settings.VAR_DIR)),
        # Tests poll at any hour, at the interval they set (results.deliberation.schedule);
        # those that set none are not polled in their few minutes (beat's first tick: 300 s).
        RESULTS_POLL_WINDOW="00:00-24:00",
        RESULTS_POLL_INTERVAL_S="300",
        RESULTS_POLL_TICK_S="300",
        PYTHONUNBUFFERED="1",
    )
    # What the caller gives wins, a production environment's secrets included.
    env.update({key: str(value) for key, value in extra.items()})
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


class CeleryProcesses:
    """Workers and beats as child processes, each logging to its own file in `folder`
    (worker-1.log, beat-1.log…), each in a session of its own so that `kill` takes its pool
    and render processes down with it, as a machine losing the process would."""

    def __init__(self, env, folder, commands):
        self.env, self.folder, self.commands = env, folder, commands
        self.procs, self.logs, self.offsets = {}, {}, {}

    def start(self, name):
        """Start (or start again, appending to its log) the process `name`."""
        log = self.logs.get(name) or open(self.folder / f"{name}.log", "a+")  # noqa: SIM115
        self.logs[name] = log
        self.offsets[name] = log.seek(0, os.SEEK_END)
        self.procs[name] = subprocess.Popen(
            self.commands[name],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def started(self, name):
        """Whether a worker is ready to take tasks, or a beat is sending them."""
        proc = self.procs[name]
        if proc.poll() is not None:
            raise AssertionError(f"{name} exited with status {proc.returncode} on start-up")
        line = " ready." if name.startswith("worker") else "beat: Starting..."
        with open(self.folder / f"{name}.log") as log:
            log.seek(self.offsets[name])
            return line in log.read()

    def wait_started(self, *names):
        wait_for(
            lambda: all(self.started(name) for name in names),
            timeout=60,
            message=f"{', '.join(names)} to start",
        )

    def kill(self, name):
        """SIGKILL the process and its children: no shutdown, no acknowledgement, nothing."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log in self.logs.values():
            log.seek(0)
            print(f"----- {log.name} -----\n{log.read()[-6000:]}")
            log.close()


@contextmanager
def celery_processes(env, tmp_path, workers=1, beats=0):
    """Start workers (and beats); stop them on exit, printing their logs if a test failed.

    A test may read a process's log to tell which worker ran which job. More than one beat is
    the mistake the scheduler must survive; each then has its own schedule file, as on two
    machines. It returns once they all are up, so that their start-up does not count in a
    test's timeouts; it yields the CeleryProcesses, for a test that kills or restarts one.
    """
    commands = {f"worker-{n}": worker_command(n) for n in range(1, workers + 1)}
    for n in range(1, beats + 1):
        commands[f"beat-{n}"] = beat_command(tmp_path / f"celerybeat-schedule-{n}")
    processes = CeleryProcesses(env, tmp_path, commands)
    try:
        purge_queue()
        for name in commands:
            processes.start(name)
        processes.wait_started(*commands)
        yield processes
    finally:
        processes.stop()


def wait_for(condition, timeout, interval=0.5, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")
