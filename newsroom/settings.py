"""Settings for the newsroom exam-results desk: one file, driven by environment variables."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything the app writes locally (SQLite file, broker queue, media, beat schedule) lives here,
# so a fresh checkout runs without any server and `rm -rf var/` resets it.
VAR_DIR = Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


def envbool(name, default):
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.getenv(name, default))


def envlist(name, default):
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


# Off unless asked for: a process started with no environment at all is a production one, and
# refuses to start without its secrets rather than run on a key anyone can read here. DEBUG=True
# is the one switch of development mode (sandbox, local key, the stand-ins' addresses); make run,
# make test, the benchmarks and the root conftest.py set it.
DEBUG = envbool("DEBUG", "False")


def insecure_secret_key(key):
    # Django's own rule (security.W009), applied at start-up: a production server must not
    # run, not merely be warned about, with a key anyone can read in this repository.
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


# Secrets come only from the environment. The local key exists in development mode only; with
# DEBUG off a missing or weak key stops the start (one line: newsroom.startup).
SECRET_KEY = os.getenv("SECRET_KEY") or (
    "django-insecure-local-development-key-change-me" if DEBUG else ""
)
if not DEBUG and insecure_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment when DEBUG is off: 50 or more random "
        "characters, not starting with 'django-insecure-'. Make one with: python -c "
        '"from django.core.management.utils import get_random_secret_key as k; print(k())"'
    )
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "results",
    "layouts",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A view's database error becomes the 503 page; handler500 (newsroom.urls) does the same
    # for errors raised by the middleware below it, e.g. the session loaded for the login check.
    "newsroom.unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files need no policy, pages do.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Login is required everywhere except the login page (and the sandbox, which stands in
    # for a public API). Django's, asking the view before it loads the user.
    "newsroom.logins.LoginRequiredMiddleware",
    # Logged-in users' pages and downloads carry names: no cache keeps them (newsroom.nostore).
    "newsroom.nostore.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sandbox.context_processors.sandbox",
            ],
        },
    },
]

# Default database engine is SQLite, so one can check out the code and run it with no server.
# DATABASE_URL=postgres://… switches to PostgreSQL, which CI and production use.
DATABASE_URL = os.getenv("DATABASE_URL", f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=envint("CONN_MAX_AGE", "0"),
        # With CONN_MAX_AGE, a connection PostgreSQL dropped while it sat idle (a restart, a
        # failover) is only found dead by the next query, and that page answers 503 though the
        # database is back. With the check, Django pings a reused connection before a request's
        # first query and replaces it if it is dead (tests/faults/test_database_outage.py). Without
        # CONN_MAX_AGE every request connects afresh and nothing is pinged.
        conn_health_checks=envbool("CONN_HEALTH_CHECKS", "True"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates the file, not its folder
    DATABASES["default"]["OPTIONS"] = {
        # Web, worker and scheduler write to the same file: WAL lets readers go on while one
        # writes, IMMEDIATE takes the write lock up front instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so that a real worker process started by the tests sees the data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    # A database that stops answering (a network partition, not a refused connection) would
    # otherwise hold a page or a job in connect() for ever (libpq waits without limit): after
    # this many seconds it fails, the page answers 503 and the job retries.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint(
        "DATABASE_CONNECT_TIMEOUT_S", "10"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's four validators, with 12 characters at least (issue 14, point 8): the accounts open
# candidates' names, many of them minors', and throttling alone still allows slow guessing.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The axes backend comes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The interface speaks French; strings go through Django's translation machinery.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
# Deliberations happen on French dates: a 07:00 schedule means 07:00 in Paris, summer time too.
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", VAR_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", VAR_DIR / "media"))
# Generated files (insert PDFs, page images, printers' ICC profiles) go through Django's storage
# API only, never a local path. By default they live on local disk in MEDIA_ROOT, which is all a
# single machine needs. With web and workers on several machines, AWS_STORAGE_BUCKET_NAME switches
# them to an S3-compatible bucket (AWS, Scaleway, OVH, MinIO…) via django-storages. The files
# print candidates' names: the bucket stays private (no ACL, so the bucket's own policy applies)
# and any URL it gives is signed and expires; the editors get files from our views, which stream
# them after checking the title, never from a bucket URL. Keys come from the environment only.
AWS_STORAGE_BUCKET_NAME = os.getenv("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = os.getenv("AWS_S3_ENDPOINT_URL") or None  # None: AWS itself
    AWS_S3_REGION_NAME = os.getenv("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = os.getenv("AWS_ACCESS_KEY_ID") or None  # None: boto3's own lookup
    AWS_SECRET_ACCESS_KEY = os.getenv("AWS_SECRET_ACCESS_KEY") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    # As on disk, a second file of the same name gets a new name: two titles' "imprimeur.icc"
    # must not overwrite each other (django-storages' default would).
    AWS_S3_FILE_OVERWRITE = False
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# The app's address as the editors reach it, for the links in e-mails sent by workers.
SITE_URL = os.getenv("SITE_URL", "http://localhost:8000").rstrip("/")
EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "resultats@localhost")

# --- Security ---------------------------------------------------------------------------------
# HTTPS everywhere as soon as DEBUG is off; `manage.py check --deploy` passes with no warning.
# Behind a proxy that terminates TLS, BEHIND_TLS_PROXY=True makes Django trust the proxy's
# X-Forwarded-Proto (only safe if the proxy sets it on every request), so that it knows a
# request came in over HTTPS and the redirect does not loop. SECURE_SSL_REDIRECT=False is for a
# proxy that already redirects plain HTTP itself (check --deploy then reports W008, as it should).
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", "False")
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(not DEBUG))
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True  # Django's default, stated: no script of ours reads the session
# Session length (issue 14, point 5).
# A login lasts one working day, not Django's two weeks: a newsroom computer left logged in
# overnight does not open the candidates' names to the next person. Counted from the login
# (sessions are not saved on every request); the scheduler deletes expired sessions nightly.
SESSION_COOKIE_AGE = envint("SESSION_AGE_HOURS", "10") * 3600
# One year, subdomains included: the browser stops trying plain HTTP at all.
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True")
# Preloading is opt-in: once browsers ship the domain in their preload list, every subdomain
# of the registered domain (the whole newspaper's, not only this app's) is HTTPS-only for
# months, and leaving the list is slow. That is the domain owner's decision, so check --deploy's
# reminder (W021) is silenced until SECURE_HSTS_PRELOAD=True says it was taken.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
# The app is never framed (the CSP's frame-ancestors says the same to newer browsers).
X_FRAME_OPTIONS = "DENY"
# Error pages (DEBUG's technical page included) and error e-mails show no password, key or
# address with a password in it, and no INA or numGestion typed to check an addition.
DEFAULT_EXCEPTION_REPORTER_FILTER = "newsroom.error_reports.SecretsHiddenFilter"

# Content Security Policy (django-csp), in development too so that a violation shows up before
# production. Scripts are the app's own files only (htmx and django-htmx's, served from
# static/): no inline script, no eval, no event-handler attribute. htmx's config (base.html)
# turns off its injected indicator <style> and its eval. Style attributes are allowed, not
# <style> elements: the profile preview draws the page and the column from computed sizes
# (results/preview.py, numbers only) and must work without JavaScript; an attribute styles only
# its own element, whereas a <style> element could read the page with selectors.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Login throttling (django-axes), on the editors' login and the admin's alike: after
# AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused
# for AXES_COOLOFF_MINUTES. Counting the pair, not the address alone, means a newsroom behind
# one NAT address is not locked out by one colleague.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Limit per username (issue 14, point 8): a guesser rotating addresses never reaches the limit
# of any one pair, so a username is also refused, from every address, after this many failures
# from all addresses together (newsroom.logins). Higher than the pair's, so that one person's
# typos lock only their own address out; an administrator unlocks early with axes_reset_username.
AXES_USERNAME_FAILURE_LIMIT = envint("AXES_USERNAME_FAILURE_LIMIT", "10")
AXES_HANDLER = "newsroom.logins.LoginThrottle"
AXES_RESET_ON_SUCCESS = True
# Tries during a lockout do not extend it, so the page's "15 minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Throttling needs the failures only, not a journal of every successful login and its address.
AXES_DISABLE_ACCESS_LOG = True
if BEHIND_TLS_PROXY:
    # Behind the proxy every request comes from its address: the client's is the last one the
    # proxy appended to X-Forwarded-For (entries further left are whatever the client sent).
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "right-most"

# Request sizes. The largest upload is a printer's ICC profile, which PrintSettingsForm refuses
# above 8 MB with a message; the coming CSV import (1 MB) is meant as a file upload too.
# Form fields other than files: the largest form (the départements' checkboxes) posts a few
# kilobytes, so 1 MB is generous; above it Django answers 400 (templates/400.html).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# The départements' page has about 100 checkboxes, an admin changelist 100 rows per page.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
# Every form of the app takes one file.
DATA_UPLOAD_MAX_NUMBER_FILES = 5
# Django caps fields, not files: a multipart body over this is refused before it is read (400)
# by newsroom.uploads, so that nobody can fill the disk with one huge upload. 8 MB of profile
# plus the form, with room for the form's own message on a profile just over 8 MB.
UPLOAD_MAX_BODY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "newsroom.uploads.BodySizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Django's default, stated: a newspaper profile (0.5 to 2 MB) stays in memory, a larger upload
# goes to a temporary file. The ICC check reads the whole file anyway.
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)

# --- Upstream: ARPENT(résultats) -------------------------------------------------------------
# The ministry's base URL, e.g. https://ensagri.api.agriculture.gouv.fr/arpent-resultats-api.
# In development mode the default is the sandbox this app serves itself, so a fresh checkout
# works offline. In production there is no default: a server must not fetch "results" from
# itself, so a call made before the address is set fails, naming the setting (the clients).
PORT = envint("PORT", "8000")
_stand_ins = f"http://127.0.0.1:{PORT}" if DEBUG else ""
ARPENT_BASE_URL = os.getenv(
    "ARPENT_BASE_URL", f"{_stand_ins}/arpent-resultats-api" if _stand_ins else ""
).rstrip("/")
# The ministry's API gateway may want a key; its header name is a guess, hence a setting.
ARPENT_API_KEY = os.getenv("ARPENT_API_KEY", "")
ARPENT_API_KEY_HEADER = os.getenv("ARPENT_API_KEY_HEADER", "X-Api-Key")
ARPENT_TIMEOUT_S = float(os.getenv("ARPENT_TIMEOUT_S", "20"))
ARPENT_MAX_ATTEMPTS = envint("ARPENT_MAX_ATTEMPTS", "4")
# Longest wait the client accepts inside one call (backoff or Retry-After); beyond it the
# caller (a Celery task) is told to come back later instead of holding a worker.
ARPENT_MAX_WAIT_S = float(os.getenv("ARPENT_MAX_WAIT_S", "30"))

# Largest answer any upstream client reads (ARPENT, InserJeunes, data.education), in bytes: a
# département's full results are a few MB; beyond this the answer is refused while it is read.
UPSTREAM_MAX_BYTES = envint("UPSTREAM_MAX_BYTES", str(50 * 1024 * 1024))

# --- Upstream: InserJeunes (what becomes of vocational graduates) ----------------------------
# The Exposition API, https://exposition.inserjeunes.beta.gouv.fr. Its team handed it over to the
# DNE at the end of 2025 and warned that the address and keys may change. As for ARPENT, the
# default is the stand-in this app serves itself in development mode, none in production.
INSERJEUNES_BASE_URL = os.getenv("INSERJEUNES_BASE_URL", _stand_ins).rstrip("/")
# The routes the app uses are public; the key, sent as x-api-key, is for an owner who asks for one.
INSERJEUNES_API_KEY = os.getenv("INSERJEUNES_API_KEY", "")
# Context for a box, not the results: give up sooner than for ARPENT rather than hold a build.
INSERJEUNES_TIMEOUT_S = float(os.getenv("INSERJEUNES_TIMEOUT_S", "10"))
INSERJEUNES_MAX_ATTEMPTS = envint("INSERJEUNES_MAX_ATTEMPTS", "3")
# --- Upstream: data.education.gouv.fr (Opendatasoft Explore API v2.1) ---------------------------
# The portal's root, https://data.education.gouv.fr in production; the client appends
# /api/explore/v2.1/…. In development mode the default is again this app's own sandbox, which
# serves a stand-in for the two datasets the app reads (the annuaire and the lycées pro results)
# under the same paths; in production there is none.
EDUCATION_BASE_URL = os.getenv("EDUCATION_BASE_URL", _stand_ins).rstrip("/")
# Context for an insert, never on its critical path: a short timeout and few attempts, so a slow
# portal costs a build seconds, not minutes.
EDUCATION_TIMEOUT_S = float(os.getenv("EDUCATION_TIMEOUT_S", "10"))
EDUCATION_MAX_ATTEMPTS = envint("EDUCATION_MAX_ATTEMPTS", "3")

# The stand-in for the ministry's API, served by this app under the same paths. Off in
# production: the real API is reached through ARPENT_BASE_URL. Every page says when it is on
# (templates/base.html), since what the desk then shows is made up.
SANDBOX_ENABLED = envbool("SANDBOX_ENABLED", str(DEBUG))
# A production server with made-up results one variable away from print is refused, unless the
# operator says it is meant (a training or demonstration install): SANDBOX_IN_PRODUCTION=1.
SANDBOX_IN_PRODUCTION = envbool("SANDBOX_IN_PRODUCTION", "False")
if SANDBOX_ENABLED and not DEBUG and not SANDBOX_IN_PRODUCTION:
    raise ImproperlyConfigured(
        "SANDBOX_ENABLED is on while DEBUG is off: the desk would serve made-up results in "
        "production. Turn SANDBOX_ENABLED off, or set SANDBOX_IN_PRODUCTION=1 if that is meant."
    )
# The contract key the sandbox's E3 (transcripts) expects in ARPENT_API_KEY_HEADER: the stand-in's
# own key, guarding made-up data, not a secret (the sandbox is off in production).
SANDBOX_CONTRACT_KEY = os.getenv("SANDBOX_CONTRACT_KEY", "sandbox-contract-key")


def contract_keys(value):
    """ "gazette=KEY1,autre=KEY2" → {slug: key}; "*" stands for every other title."""
    pairs = (item.partition("=") for item in value.split(",") if item.strip())
    return {slug.strip(): key.strip() for slug, _, key in pairs if slug.strip() and key.strip()}


# Each title's contract key for E3 (candidates' transcripts), by title slug: a secret, so it
# lives in the environment only, never in the database. In development mode with the sandbox on
# and nothing set, every title uses the sandbox's key; in production, only the keys given here.
ARPENT_CONTRACT_KEYS = contract_keys(
    os.getenv(
        "ARPENT_CONTRACT_KEYS", f"*={SANDBOX_CONTRACT_KEY}" if DEBUG and SANDBOX_ENABLED else ""
    )
)
# Failed transcript checks an editor may make in ADDITION_FAILURE_WINDOW_MIN minutes: enough
# for typing slips, too few to guess anyone's credentials.
ADDITION_FAILURE_LIMIT = envint("ADDITION_FAILURE_LIMIT", "5")
ADDITION_FAILURE_WINDOW_MIN = envint("ADDITION_FAILURE_WINDOW_MIN", "60")

# --- Background jobs (Celery) ----------------------------------------------------------------
# With REDIS_URL unset, the broker is a folder on disk: a real worker and scheduler still run as
# their own processes, with no server to install. Production and CI use Redis.
REDIS_URL = os.getenv("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Above the longest task and ETA, or Redis hands the message to a second worker.
        "visibility_timeout": 3 * 3600,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
# One queue per installation sharing a broker. The test suite starts workers of its own: its
# messages use another queue, so that a demo running on the same machine never takes them.
CELERY_TASK_DEFAULT_QUEUE = os.getenv(
    "CELERY_QUEUE", "newsroom-tests" if "pytest" in sys.modules else "newsroom"
)
# With Redis there, it is the `shared` cache every web and worker process reads:
# - Sessions are read from it (newsroom.sessions): the session query was one of the few queries
#   of the progress panel every open insert page polls every 2 s. They are still written to the
#   database, so a Redis restart logs nobody out, and a logout deletes both, so it ends the
#   session for every web process at once.
# - The change stamps of the départements' jobs (results.changes): the poll of an unchanged
#   progress panel is answered from them without a query.
# Without Redis, sessions stay in the database alone and there are no stamps: a cache per
# process could not be told about a logout, or a worker's progress, in another.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Installations sharing a Redis (see CELERY_QUEUE) keep their keys apart.
            "KEY_PREFIX": CELERY_TASK_DEFAULT_QUEUE,
        },
    }
    SESSION_ENGINE = "newsroom.sessions"
    SESSION_CACHE_ALIAS = "shared"
# Job state lives in the database (results.models.Job), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint keeps its memory until the process exits: recycle worker children.
CELERY_WORKER_MAX_TASKS_PER_CHILD = envint("CELERY_WORKER_MAX_TASKS_PER_CHILD", "20")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Polling on deliberation days (results.deliberation.polling, docs/deliberation-day.md): every
# RESULTS_POLL_INTERVAL_S in the window juries publish in, every RESULTS_POLL_SPARSE_INTERVAL_S
# from RESULTS_POLL_FROM_HOUR (Paris) outside it, at most RESULTS_POLL_BUDGET requests per
# followed département and day (a budget shared by every worker). The window is learned from
# past days' changes, as long as the budget allows (2 h 50 with these defaults); or forced by
# RESULTS_POLL_WINDOW, "HH:MM-HH:MM", whatever the budget (for demos and tests). Beat asks
# every RESULTS_POLL_TICK_S which départements are due: a poll starts at most that late.
RESULTS_POLL_INTERVAL_S = envint("RESULTS_POLL_INTERVAL_S", "40")
RESULTS_POLL_SPARSE_INTERVAL_S = envint("RESULTS_POLL_SPARSE_INTERVAL_S", "1800")
RESULTS_POLL_FROM_HOUR = envint("RESULTS_POLL_FROM_HOUR", "8")
RESULTS_POLL_BUDGET = envint("RESULTS_POLL_BUDGET", "288")
RESULTS_POLL_WINDOW = os.getenv("RESULTS_POLL_WINDOW", "")
RESULTS_POLL_TICK_S = min(envint("RESULTS_POLL_TICK_S", "5"), RESULTS_POLL_INTERVAL_S)
# After this many scheduled polls of a département failed in a row, its titles get one notice
# (and e-mail) that ARPENT is down for it, and one more when a poll succeeds again.
UPSTREAM_DOWN_NOTICE_AFTER = envint("UPSTREAM_DOWN_NOTICE_AFTER", "3")
# Embargo: nothing of a section is built before its deliberation moment, taken as this time
# (Paris) on the calendar's date of the jury, even if the upstream shows the list earlier. The
# calendar gives no hour, so the default holds lists back until their day; a desk that prints
# only after an official hour sets it, e.g. "14:00".
RESULTS_EMBARGO_TIME = os.getenv("RESULTS_EMBARGO_TIME", "00:00")
# Inserts are rendered in parts by this many processes (WeasyPrint uses one core per render).
INSERT_RENDER_PROCESSES = envint("INSERT_RENDER_PROCESSES", str(os.cpu_count() or 1))

# Daily refresh of referentials and deliberation calendars, Paris time.
CALENDAR_REFRESH_HOUR = envint("CALENDAR_REFRESH_HOUR", "6")

# Retention of personal data: the candidates' names (many of them minors) are erased this many
# days after the session's last deliberation, which leaves time for corrections and late
# reprints; the counts are kept (results.deliberation.retention). The daily purge runs at the
# given hour, Paris time, when no one is polling or building.
RESULTS_RETENTION_DAYS = envint("RESULTS_RETENTION_DAYS", "30")
RETENTION_PURGE_HOUR = envint("RETENTION_PURGE_HOUR", "3")

# Objections (results.objections): a confirmed removal outlives the purge as a keyed hash of the
# candidate's normalised name and the scope asked for, so the name stays out of every later
# build, this session and the next ones. The key must never change (every objection on file
# would stop matching) and never be shared; with DEBUG off a missing key is refused like a
# missing SECRET_KEY. Objections are kept OBJECTION_RETENTION_DAYS after their confirmation.
OBJECTION_HASH_KEY = os.getenv("OBJECTION_HASH_KEY") or (
    "objection-hash-key-for-local-development-only" if DEBUG else ""
)
if not OBJECTION_HASH_KEY:
    raise ImproperlyConfigured(
        "OBJECTION_HASH_KEY must be set in the environment when DEBUG is off: 32 or more "
        "random characters, kept for good (changing it forgets every objection on file)."
    )
OBJECTION_RETENTION_DAYS = envint("OBJECTION_RETENTION_DAYS", str(3 * 365))

# Every line says which title, département and job it is about ("-" outside a job's run): the
# Celery tasks set them (results.logcontext), and the filter sits on the handler, not on a
# logger, so that records propagated from any module's logger get them too. Workers and beat
# keep this configuration (newsroom/celery.py) instead of Celery's own.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "results.logcontext.ContextFilter"},
        "database_down": {"()": "newsroom.unavailable.DatabaseDownLogFilter"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[title=%(title)s dept=%(departement)s job=%(job)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    # httpx2 logs every request at INFO and WeasyPrint every rendering step: too chatty.
    "loggers": {
        "httpx2": {"level": "WARNING"},
        # Its DEBUG trace follows every request of E3 too: never at LOG_LEVEL=DEBUG.
        "httpcore2": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        # A page answered 503 while the database is away: one line, not a traceback each.
        "django.request": {"filters": ["database_down"]},
    },
}

# Weekly refresh of the other public sources (establishments, lycée results, employment after
# each diploma): Monday at this hour, Paris time.
OPEN_DATA_REFRESH_HOUR = envint("OPEN_DATA_REFRESH_HOUR", "5")

# The scheduler's heartbeat: beat sends it, a worker stamps the time in the database, so a
# recent stamp proves both run; /sante/ reports the scheduler down after 3 missed beats.
HEARTBEAT_INTERVAL_S = envint("HEARTBEAT_INTERVAL_S", "60")
# /sante/ needs no login: its checks are kept this many seconds (per web process, in the default
# cache), so that anonymous hits cannot open a broker connection and a query each.
HEALTH_CACHE_S = envint("HEALTH_CACHE_S", "5")

# Jobs' state lives in the database (results.models.Job); results.deliberation.reconcile squares
# it with the broker every JOB_RECONCILE_INTERVAL_S. A running job stamps its heartbeat every
# JOB_HEARTBEAT_S; one silent for JOB_LOST_AFTER_S lost its worker (killed mid-build) and is
# queued again, and a queued job not started JOB_LOST_AFTER_S after its due time lost its
# message (Redis restarted) and is sent again. Long enough for a loaded machine's missed
# stamps and a busy queue; a duplicate message would do nothing (jobs.claim).
JOB_HEARTBEAT_S = envint("JOB_HEARTBEAT_S", "10")
JOB_LOST_AFTER_S = envint("JOB_LOST_AFTER_S", "120")
JOB_RECONCILE_INTERVAL_S = envint("JOB_RECONCILE_INTERVAL_S", "60")

CELERY_BEAT_SCHEDULE = {
    "reconcile-jobs": {
        "task": "results.tasks.reconcile_jobs",
        "schedule": float(JOB_RECONCILE_INTERVAL_S),
        "options": {"expires": JOB_RECONCILE_INTERVAL_S},
    },
    "heartbeat": {
        "task": "results.tasks.heartbeat",
        "schedule": float(HEARTBEAT_INTERVAL_S),
        # A stamp delivered late says nothing about now: drop it, the next beat comes soon.
        "options": {"expires": HEARTBEAT_INTERVAL_S},
    },
    "refresh-open-data": {
        "task": "results.tasks.refresh_open_data",
        "schedule": crontab(day_of_week=1, hour=OPEN_DATA_REFRESH_HOUR, minute=30),
    },
    "refresh-calendars": {
        "task": "results.tasks.refresh_calendars",
        "schedule": crontab(hour=CALENDAR_REFRESH_HOUR, minute=0),
    },
    "poll-results": {
        "task": "results.tasks.poll_results",
        "schedule": float(RESULTS_POLL_TICK_S),
        # A tick delivered late is replaced by the next one; the slot's job says what was sent.
        "options": {"expires": RESULTS_POLL_TICK_S},
    },
    # A fixed hour, not an interval: an interval would also run at every beat start-up.
    "purge-personal-data": {
        "task": "results.tasks.purge_personal_data",
        "schedule": crontab(hour=RETENTION_PURGE_HOUR, minute=0),
    },
    # Expired sessions are refused by Django but kept; this deletes them (results.tasks).
    "clear-expired-sessions": {
        "task": "results.tasks.clear_expired_sessions",
        "schedule": crontab(hour=RETENTION_PURGE_HOUR, minute=30),
    },
}
