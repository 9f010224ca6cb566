"""Settings: production is the default and passes Django's deployment checks; development mode,
switched on by DEBUG=True, needs no server."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import production_environment

ROOT = Path(__file__).resolve().parents[2]


# Settings this file's tests give explicitly; a developer's own values must not leak in.
OWN_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "OBJECTION_HASH_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_TLS_PROXY",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "SANDBOX_ENABLED",
    "SANDBOX_IN_PRODUCTION",
    "ARPENT_BASE_URL",
    "EDUCATION_BASE_URL",
    "INSERJEUNES_BASE_URL",
    "ARPENT_CONTRACT_KEYS",
)
PRODUCTION = production_environment(ALLOWED_HOSTS="news.example.fr")
DEVELOPMENT = {"DEBUG": "True"}


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy_with_no_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in output
    assert "security.W" not in output


def test_hsts_preload_is_an_opt_in_and_then_nothing_is_silenced():
    code = "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD)"
    assert manage("shell", "--no-imports", "-c", code, **PRODUCTION).stdout.strip() == "False"

    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", SECURE_HSTS_PRELOAD="1", **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_security_settings():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_HTTPONLY,"
        " s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY)"
    )
    result = manage("shell", "--no-imports", "-c", code, **PRODUCTION)
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "True",
        "True",
        "DENY",
        "same-origin",
    ]


def test_behind_a_tls_proxy_the_redirect_can_be_left_to_the_proxy():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, *s.SECURE_PROXY_SSL_HEADER, s.AXES_IPWARE_PROXY_ORDER)"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        BEHIND_TLS_PROXY="1",
        SECURE_SSL_REDIRECT="0",
        **PRODUCTION,
    )
    assert result.stdout.split() == ["False", "HTTP_X_FORWARDED_PROTO", "https", "right-most"]


@pytest.mark.parametrize(
    "secret_key",
    [
        None,
        "",
        "django-insecure-local-development-key-change-me",
        "too-short-for-a-secret",
        "ab" * 30,
    ],
)
def test_with_debug_off_a_missing_or_insecure_secret_key_stops_the_start(secret_key):
    env = {**PRODUCTION, "SECRET_KEY": secret_key}
    if secret_key is None:
        del env["SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert result.stderr.startswith(
        "ImproperlyConfigured: SECRET_KEY must be set in the environment"
    )
    assert len(result.stderr.splitlines()) == 1


def test_with_debug_off_a_missing_objection_hash_key_stops_the_start():
    env = {key: value for key, value in PRODUCTION.items() if key != "OBJECTION_HASH_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert result.stderr.startswith("ImproperlyConfigured: OBJECTION_HASH_KEY")
    assert len(result.stderr.splitlines()) == 1


def test_with_debug_on_a_development_objection_key_is_built_in():
    code = "from django.conf import settings; print(bool(settings.OBJECTION_HASH_KEY))"
    assert manage("shell", "--no-imports", "-c", code, **DEVELOPMENT).stdout.strip() == "True"


def test_with_debug_on_the_local_key_is_used():
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = manage("shell", "--no-imports", "-c", code, **DEVELOPMENT)
    assert result.stdout.strip().startswith("django-insecure-")


def test_local_defaults_use_sqlite_and_an_on_disk_broker(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL,"
        " settings.SANDBOX_ENABLED)"
    )
    result = manage("shell", "--no-imports", "-c", code, VAR_DIR=str(tmp_path), **DEVELOPMENT)
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
        **DEVELOPMENT,
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/0",
    ]


STORAGE = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"


def test_files_are_on_local_disk_by_default(tmp_path):
    result = manage("shell", "--no-imports", "-c", STORAGE, VAR_DIR=str(tmp_path), **DEVELOPMENT)
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"


def test_a_bucket_name_switches_files_to_a_private_s3_bucket(tmp_path):
    # The storage is built, not used: nothing reaches the network.
    code = (
        "from django.core.files.storage import default_storage as s; s._setup();"
        "w = s._wrapped;"
        "print(type(w).__module__ + '.' + type(w).__name__, w.bucket_name, w.endpoint_url,"
        " w.region_name, w.access_key, w.secret_key, w.default_acl, w.querystring_auth,"
        " w.file_overwrite)"
    )
    env = {
        "VAR_DIR": str(tmp_path),
        "AWS_STORAGE_BUCKET_NAME": "encarts",
        "AWS_S3_ENDPOINT_URL": "https://s3.fr-par.example.test",
        "AWS_S3_REGION_NAME": "fr-par",
        "AWS_ACCESS_KEY_ID": "key-id",
        "AWS_SECRET_ACCESS_KEY": "secret",
        **DEVELOPMENT,
    }
    assert manage("shell", "--no-imports", "-c", STORAGE, **env).stdout.strip() == (
        "storages.backends.s3.S3Storage"
    )
    result = manage("shell", "--no-imports", "-c", code, **env)
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "encarts",
        "https://s3.fr-par.example.test",
        "fr-par",
        "key-id",
        "secret",
        "None",
        "True",
        "False",
    ], result.stderr


def test_production_settings_with_a_bucket_pass_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        AWS_STORAGE_BUCKET_NAME="encarts",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- Safe with no environment at all ----------------------------------------------------------


def bare(**env):
    """No environment but what any shell gives a process."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}


def secrets_only():
    """The production secrets, and not even DEBUG."""
    return {k: v for k, v in production_environment().items() if k != "DEBUG"}


def run(command, env):
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


STARTS = {
    "manage.py": [sys.executable, "manage.py", "check"],
    "wsgi": [sys.executable, "-c", "import newsroom.wsgi"],
    "celery": [sys.executable, "-m", "celery", "-A", "newsroom", "report"],
}


@pytest.mark.parametrize("command", STARTS.values(), ids=STARTS.keys())
def test_with_no_environment_at_all_a_process_refuses_to_start_in_one_line_naming_secret_key(
    command,
):
    result = run(command, bare())
    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "SECRET_KEY" in result.stderr


def test_with_no_environment_at_all_gunicorn_stops_instead_of_restarting_its_worker():
    command = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind=127.0.0.1:0"]
    result = run([*command, "--no-control-socket"], bare())
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_its_secrets_only_debug_the_sandbox_and_the_stand_ins_are_off():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SANDBOX_ENABLED, repr(s.ARPENT_BASE_URL), repr(s.EDUCATION_BASE_URL),"
        " repr(s.INSERJEUNES_BASE_URL), s.ARPENT_CONTRACT_KEYS, s.SECURE_SSL_REDIRECT)"
    )
    result = run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code], bare(**secrets_only())
    )
    assert result.stdout.split() == ["False", "False", "''", "''", "''", "{}", "True"], (
        result.stderr
    )


def test_with_its_secrets_and_its_host_only_check_deploy_is_clean():
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = run(command, bare(**secrets_only(), ALLOWED_HOSTS="news.example.fr"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_in_production_the_sandbox_is_refused_unless_forced():
    refused = manage("check", SANDBOX_ENABLED="1", **PRODUCTION)
    assert refused.returncode != 0
    assert len(refused.stderr.splitlines()) == 1, refused.stderr
    assert "SANDBOX_IN_PRODUCTION=1" in refused.stderr

    forced = manage("check", SANDBOX_ENABLED="1", SANDBOX_IN_PRODUCTION="1", **PRODUCTION)
    assert forced.returncode == 0, forced.stderr


def test_in_development_mode_the_sandbox_its_contract_key_and_the_stand_ins_are_on():
    code = (
        "from django.conf import settings as s;"
        "print(s.SANDBOX_ENABLED, s.ARPENT_CONTRACT_KEYS, s.ARPENT_BASE_URL, s.EDUCATION_BASE_URL)"
    )
    result = manage("shell", "--no-imports", "-c", code, PORT="8123", **DEVELOPMENT)
    assert result.stdout.split() == [
        "True",
        "{'*':",
        "'sandbox-contract-key'}",
        "http://127.0.0.1:8123/arpent-resultats-api",
        "http://127.0.0.1:8123",
    ], result.stderr
