"""Headless Chromium under the Content Security Policy: the main pages, htmx's polling, the
profile preview and the admin run with no violation reported."""

import json
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from layouts.profile import BERLINER
from results.models import (
    CalendarRow,
    Departement,
    Insert,
    Job,
    Membership,
    PrintProfile,
    Result,
    Title,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = date(2026, 7, 3)
# Installed before any page script runs, in every document; CDP-injected, so the policy does
# not apply to it. Violations are reported to Python at once, so a navigation loses none.
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${location.pathname}`
  );
});
"""


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def newsroom():
    gard = Departement.objects.create(code="30", name="Gard", region="Occitanie")
    title = Title.objects.create(name="La Gazette du Midi", slug="gazette")
    title.departements.add(gard)
    option = "Conduite et gestion de l'exploitation agricole"
    CalendarRow.objects.create(
        departement=gard,
        filiere="Baccalauréat Professionnel",
        option=option,
        date_delib=DAY,
        nb_candidats=120,
    )
    Result.objects.create(
        departement=gard,
        filiere="Baccalauréat Professionnel",
        option=option,
        nom="N'DIAYE",
        prenoms="Marie-Ève",
        resultat="Admission",
    )
    insert = Insert(
        title=title,
        departement=gard,
        day=DAY,
        number=1,
        names_count=1,
        pages=1,
        columns=1,
        lines=5,
        content_hash="x",
    )
    insert.pdf.save("encart.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    insert.save()
    user = get_user_model().objects.create_user("redac", password="mot-de-passe")
    # The title's admin: the walk goes through pages that change the whole title's print.
    title.members.add(user, through_defaults={"role": Membership.Role.ADMIN})
    get_user_model().objects.create_superuser("chef", password="mot-de-passe-admin")
    return title, gard


@pytest.fixture
def violations(browser_page):
    """What the browser refused, from the page's events and from its console."""
    found = []
    browser_page.expose_function("reportViolation", lambda text: found.append(text))
    browser_page.add_init_script(LISTEN)
    browser_page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and found.append(message.text),
    )
    browser_page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    return found


def log_in(page, url, username, password):
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("input[type=submit], button.primary").first.click()


def test_the_main_pages_run_under_the_csp_with_no_violation(
    live_server, newsroom, browser_page, violations
):
    title, gard = newsroom
    page = browser_page
    base = live_server.url

    response = page.goto(f"{base}/")
    header = response.request.redirected_from.response().headers["content-security-policy"]
    policy = dict(directive.strip().split(" ", 1) for directive in header.split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["style-src"] == "'self'"
    expect(page.locator("h1")).to_have_text("Connexion")
    log_in(page, f"{base}/connexion/", "redac", "mot-de-passe")
    expect(page.locator("h1")).to_have_text("La Gazette du Midi")

    page.goto(f"{base}/journal/gazette/departements/30/")
    expect(page.locator("table.plan")).to_be_visible()
    page.goto(f"{base}/journal/gazette/plan/")
    expect(page.locator("h1")).to_be_visible()
    page.goto(f"{base}/journal/gazette/reglages/")
    expect(page.locator("h1")).to_have_text("Réglages d'impression")

    # The insert page polls its status panel while a build runs, then reloads once it ends.
    job = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT, title=title, departement=gard, day=DAY, status="running"
    )
    status_url = re.compile(r"/encarts/30/2026-07-03/etat/\?version=\w+$")
    with page.expect_response(status_url) as first_poll:
        page.goto(f"{base}/journal/gazette/encarts/30/{DAY}/")
    # Nothing changed since the page was drawn: 204, htmx keeps the panel and polls on.
    assert first_poll.value.status == 204
    status = page.locator("#insert-status")
    expect(status).to_have_attribute("hx-get", re.compile("etat"))
    Job.objects.filter(pk=job.pk).update(status="done")
    expect(status).not_to_have_attribute("hx-get", re.compile(".*"), timeout=10_000)

    # The profile preview: style attributes, swapped in by htmx as values are typed.
    profile = PrintProfile.create_from(title, BERLINER)
    page.goto(f"{base}/journal/gazette/gabarits/{profile.pk}/")
    expect(page.locator(".mini-page")).to_be_visible()
    with page.expect_response(re.compile("/apercu/$")):
        page.fill("#id_columns", "4")
    expect(page.locator(".sample-column")).to_be_visible()
    assert page.locator(".sample-column").evaluate("e => e.style.width") != ""

    page.click("text=Se déconnecter")
    expect(page.locator("h1")).to_have_text("Connexion")

    log_in(page, f"{base}/admin/login/", "chef", "mot-de-passe-admin")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{base}/admin/results/title/{title.pk}/change/")
    # SelectFilter, the admin's own script, turned the département list into two boxes.
    expect(page.locator("#id_departements_from")).to_be_visible()

    page.goto(f"{base}/arpent-resultats-api/api/arpent-resultats/departements")
    assert json.loads(page.locator("body").inner_text())

    assert violations == []


def test_a_violation_would_be_seen(live_server, browser_page, violations):
    browser_page.goto(f"{live_server.url}/connexion/")
    browser_page.evaluate(
        "() => { const s = document.createElement('style');"
        " s.textContent = 'body { color: red }'; document.head.append(s); }"
    )
    browser_page.wait_for_timeout(200)
    assert any("style-src" in found for found in violations)
