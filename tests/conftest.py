"""Fixtures shared by the test suite."""

import json
from pathlib import Path

import httpx
import pytest

from results.sources.arpent import ArpentClient

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


@pytest.fixture
def title(gard):
    """The usual title, following the `gard` of the test module (each sets its own calendar)."""
    from results.models import Title

    title = Title.objects.create(name="La Gazette du Midi", slug="gazette")
    title.departements.add(gard)
    return title


@pytest.fixture
def editor(title):
    """An editor of `title` (role editor), with an address for the notices' e-mails."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("redac", email="redac@gazette.test", password="pw")
    title.members.add(user)
    return user


@pytest.fixture
def title_admin(title):
    """An admin of `title`: what changes the whole title's print (print settings, départements,
    profiles) is theirs alone."""
    from django.contrib.auth import get_user_model

    from results.models import Membership

    user = get_user_model().objects.create_user("chef", password="pw")
    Membership.objects.create(user=user, title=title, role=Membership.Role.ADMIN)
    return user


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
        return httpx.Response(404, json={"status": 404, "error": "Not Found"})


@pytest.fixture
def upstream():
    return FakeUpstream()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client_for(sleeps):
    def make(upstream, **options):
        return ArpentClient(
            "http://arpent.test/arpent-resultats-api",
            transport=httpx.MockTransport(upstream),
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
