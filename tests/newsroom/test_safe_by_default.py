"""Safe by default, in process: upstream addresses that production must be given, the sandbox's
banner, and error pages and logs that show no secret and no candidate's credential."""

import logging

import httpx2
import pytest
from django.test import Client
from django.urls import reverse

from results.day.additions import NotVerified, verify_and_add
from results.sources.arpent import ArpentClient, ArpentError, ArpentUnavailable
from results.sources.education import EducationClient, OpenDataError, OpenDataUnavailable
from results.sources.inserjeunes import InserJeunesClient, InserJeunesError, InserJeunesUnavailable

pytestmark = pytest.mark.django_db

BANNER = "Bac à sable : données fictives"
INA, NUM_GESTION = "7654321q", "0009876543z"
REDIS_PASSWORD = "redis-pw-Zq81"
DATABASE_PASSWORD = "db-pw-Kx27"
CONTRACT_KEY = "contract-key-Wm55"


UNCONFIGURED = [
    ("ARPENT_BASE_URL", ArpentClient, lambda c: c.results("30"), ArpentError, ArpentUnavailable),
    (
        "EDUCATION_BASE_URL",
        EducationClient,
        lambda c: c.agricultural_establishments("30"),
        OpenDataError,
        OpenDataUnavailable,
    ),
    (
        "INSERJEUNES_BASE_URL",
        InserJeunesClient,
        lambda c: c.national("40025214"),
        InserJeunesError,
        InserJeunesUnavailable,
    ),
]


@pytest.mark.parametrize(
    "setting, client_class, call, error, transient", UNCONFIGURED, ids=[u[0] for u in UNCONFIGURED]
)
def test_a_call_to_an_upstream_whose_address_is_not_set_fails_in_french_naming_the_setting(
    settings, setting, client_class, call, error, transient
):
    setattr(settings, setting, "")
    with client_class.from_settings(max_attempts=1) as client, pytest.raises(error) as raised:
        call(client)
    assert "n'est pas configurée" in str(raised.value)
    assert f"la variable d'environnement {setting}" in str(raised.value)
    # Not a transient failure: no task retries it.
    assert not isinstance(raised.value, transient)


def test_an_addition_without_the_ministrys_address_tells_the_editor_which_setting(
    settings, title, editor
):
    settings.ARPENT_BASE_URL = ""
    settings.ARPENT_CONTRACT_KEYS = {"*": CONTRACT_KEY}
    with pytest.raises(NotVerified, match="ARPENT_BASE_URL"):
        verify_and_add(title, INA.upper(), NUM_GESTION.upper(), editor)


@pytest.mark.parametrize("sandbox", [True, False])
def test_every_page_shows_the_sandbox_banner_while_the_sandbox_is_on(
    client, admin_client, settings, title, editor, sandbox
):
    settings.SANDBOX_ENABLED = sandbox
    pages = [client.get(reverse("login")), client.get(reverse("admin:login"))]
    pages.append(admin_client.get(reverse("admin:index")))
    client.force_login(editor)
    pages += [client.get(reverse("home"), follow=True), client.get("/nulle-part/")]
    assert [page.status_code for page in pages] == [200, 200, 200, 200, 404]
    shown = [BANNER in page.content.decode() for page in pages]
    assert shown == [sandbox] * 5


@pytest.fixture
def secrets_in_settings(settings):
    """Settings as a production-like installation holds them, passwords and keys included."""
    redis_url = f"redis://:{REDIS_PASSWORD}@127.0.0.1:6379/1"
    database_url = f"postgres://newsroom:{DATABASE_PASSWORD}@127.0.0.1:5432/newsroom"
    settings.DEBUG = True
    settings.REDIS_URL = redis_url
    settings.CELERY_BROKER_URL = redis_url
    settings.DATABASE_URL = database_url
    settings.ARPENT_CONTRACT_KEYS = {"*": CONTRACT_KEY}
    settings.ARPENT_MAX_ATTEMPTS = 1
    # What the development server copies into request.META from its environment.
    return {"REDIS_URL": redis_url, "DATABASE_URL": database_url}


def test_the_debug_error_page_and_the_log_show_no_password_no_key_and_no_credential(
    secrets_in_settings, settings, title, editor, monkeypatch, caplog
):
    def broken_transport(request):
        raise RuntimeError("a bug inside the transport")

    def client(**overrides):
        transport = httpx2.MockTransport(broken_transport)
        return ArpentClient("http://arpent.test", transport=transport, max_attempts=1)

    monkeypatch.setattr(ArpentClient, "from_settings", staticmethod(client))
    browser = Client(raise_request_exception=False)
    browser.force_login(editor)
    with caplog.at_level(logging.ERROR):
        response = browser.post(
            reverse("additions", args=[title.slug]),
            {"ina": INA, "num_gestion": NUM_GESTION},
            **secrets_in_settings,
        )

    page = response.content.decode()
    assert response.status_code == 500
    # The technical page it is, with its settings, request and local variables.
    assert "a bug inside the transport" in page and "CELERY_BROKER_URL" in page
    assert "num_gestion" in page
    for shown in (page, caplog.text):
        for secret in (REDIS_PASSWORD, DATABASE_PASSWORD, CONTRACT_KEY):
            assert secret not in shown
        for credential in (INA, NUM_GESTION):
            assert credential.casefold() not in shown.casefold()
