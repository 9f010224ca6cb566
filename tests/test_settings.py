"""Settings: production values pass Django's deployment checks; local defaults need no server."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="False",
        SECRET_KEY="x7Gq2v9Lr4Zp8Wk1Nt6Ys3Bd5Hf0Jm2Qc7Vx9Ra4Te8Uy1Io3Pa6Sd5Fg0Hj2Kl",
        ALLOWED_HOSTS="resultats.example.fr",
        DATABASE_URL="postgres://user:secret@db.example.fr:5432/newsroom",
        REDIS_URL="redis://redis.example.fr:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_default_secret_key_fails_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="False")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_local_defaults_use_sqlite_and_an_on_disk_broker(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL,"
        " settings.SANDBOX_ENABLED)"
    )
    result = manage("shell", "--no-imports", "-c", code, VAR_DIR=str(tmp_path))
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "True"]


def test_database_and_redis_urls_switch_to_postgresql_and_redis(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/newsroom",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/0",
    ]
