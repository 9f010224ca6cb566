"""Fixtures shared by the test suite."""

import json
from pathlib import Path

import httpx2
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches

from results.deliberation import budget
from results.models import Membership
from results.sources.arpent import ArpentClient
from tests import world

FIXTURES = Path(__file__).parent / "fixtures"

CHROMIUM = "/usr/bin/chromium"
# Flags the machine's closed network needs (background connections are refused otherwise).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, which the runner may empty between transactional tests: the audit
    trail's triggers let that through while this table exists (migration 0015)."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS results_auditevent_resettable (id integer)")


@pytest.fixture(autouse=True)
def _fresh_request_budgets():
    """With REDIS_URL set, request budgets live in Redis, across tests: each starts afresh."""
    budget.forget()
    yield
    budget.forget()


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    from django.core.cache import cache

    # Pages keep fragments in the per-process cache under stamps of their data; a rolled-back
    # test leaves ids that the next one reuses, so each test starts from an empty cache.
    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


@pytest.fixture
def with_shared_cache(settings):
    """A cache every process would share, as Redis is (the `shared` alias), holding the sessions
    and the change stamps of the départements' jobs; the test's own, whatever REDIS_URL says."""
    settings.CACHES = {"default": {"BACKEND": LOCMEM}, "shared": {"BACKEND": LOCMEM}}
    settings.SESSION_ENGINE = "newsroom.sessions"
    settings.SESSION_CACHE_ALIAS = "shared"
    yield caches["shared"]
    caches["shared"].clear()


@pytest.fixture
def without_shared_cache(settings):
    """No Redis: sessions in the database, no change stamps."""
    settings.CACHES = {"default": {"BACKEND": LOCMEM}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture
def gard(db):
    """The Gard, bare: a module adds the calendar and results its tests print (world.calendar)."""
    return world.departement("30")


@pytest.fixture
def lozere(db):
    return world.departement("48")


@pytest.fixture
def title(gard):
    """The usual title, following the Gard."""
    return world.newspaper("La Gazette du Midi", "gazette", gard)


@pytest.fixture
def other_title(gard):
    """Another newspaper following the same département."""
    return world.newspaper("L'Autre Journal", "autre", gard)


@pytest.fixture
def editor(title):
    """An editor of `title` (role editor), with an address for the notices' e-mails."""
    return world.member(title, "redac", email="redac@gazette.test")


@pytest.fixture
def title_admin(title):
    """An admin of `title`: what changes the whole title's print (print settings, départements,
    profiles) is theirs alone."""
    return world.member(title, "chef", Membership.Role.ADMIN)


@pytest.fixture
def outsider(other_title):
    """The other title's admin: they may do everything there and nothing at `title`."""
    return world.member(other_title, "autre", Membership.Role.ADMIN)


@pytest.fixture
def staff(db):
    """The installation's operator: the admin site and the status page, no title."""
    return get_user_model().objects.create_user("exploit", password="pw", is_staff=True)


def fixture_bytes(name):
    return (FIXTURES / "arpent" / name).read_bytes()


def fixture_json(name):
    return json.loads(fixture_bytes(name))


class FakeUpstream:
    """An ARPENT double for unit tests: answers queued per path, records the requests."""

    def __init__(self):
        self.answers = {}
        self.requests = []

    def answer(self, path_end, *responses):
        self.answers.setdefault(path_end, []).extend(responses)

    def __call__(self, request):
        self.requests.append(request)
        for path_end, queue in self.answers.items():
            if request.url.path.endswith(path_end) and queue:
                response = queue.pop(0) if len(queue) > 1 else queue[0]
                if isinstance(response, Exception):
                    raise response
                return response
        return httpx2.Response(404, json={"status": 404, "error": "Not Found"})


@pytest.fixture
def upstream():
    return FakeUpstream()


@pytest.fixture
def sleeps():
    """The delays a client under test would have slept, recorded instead."""
    return []


@pytest.fixture
def slept(monkeypatch):
    """The delays the sandbox's faults would have slept, recorded instead."""
    delays = []
    monkeypatch.setattr("sandbox.faults.sleep", delays.append)
    return delays


@pytest.fixture
def client_for(sleeps):
    def make(upstream, **options):
        return ArpentClient(
            "http://arpent.test/arpent-resultats-api",
            transport=httpx2.MockTransport(upstream),
            sleep=sleeps.append,
            **options,
        )

    return make


@pytest.fixture
def browser_page(tmp_path):
    """Headless Debian Chromium driven by Playwright; a screenshot of the last page is kept."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.set_default_timeout(20_000)
        yield page
        page.screenshot(path=str(tmp_path / "last-page.png"), full_page=True)
        browser.close()
        # Once Playwright has switched greenlets, the test's ORM calls run in another context,
        # so Django's per-context connection opened there is not the one pytest-django closes;
        # left open, it keeps the test database from being dropped at the end of the run.
        from django.db import connections

        connections.close_all()
