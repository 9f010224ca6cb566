"""Headless Chromium: log in, pick a département, see its calendar, its insert's pages, mark
it final, download."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from results.models import Membership, Result, Title
from results.sources.arpent import ArpentClient
from results.store.sync import sync_referentials
from tests.pdfs import pdf_text
from tests.processes import celery_processes, child_env

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_editor_builds_and_downloads_an_insert(
    live_server, settings, tmp_path, monkeypatch, browser_page
):
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.ARPENT_BASE_URL = f"{live_server.url}/arpent-resultats-api"
    with ArpentClient.from_settings() as client:
        sync_referentials(client)
    title = Title.objects.create(name="La Gazette du Midi", slug="gazette")
    user = get_user_model().objects.create_user("redac", password="mot-de-passe")
    # The title's admin: the walk goes through pages that change the whole title's print.
    title.members.add(user, through_defaults={"role": Membership.Role.ADMIN})
    page = browser_page

    with celery_processes(child_env(live_server.url, tmp_path), tmp_path):
        page.goto(f"{live_server.url}/")
        expect(page).to_have_url(f"{live_server.url}/connexion/?next=/")
        page.fill("#id_username", "redac")
        page.fill("#id_password", "mot-de-passe")
        page.click("button.primary")
        expect(page.locator("h1")).to_have_text("La Gazette du Midi")

        page.click("text=Choisir les départements")
        page.check("label:has-text('Lozère') input")
        page.click("text=Enregistrer")
        expect(page.locator("text=Départements enregistrés.")).to_be_visible()

        page.click("a:has-text('Lozère')")
        # The worker fetches the calendar of a newly followed département: reload until it shows.
        for _ in range(40):
            if page.locator("table.plan").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(page.locator("table.plan")).to_be_visible()
        expect(page.locator("tr.day").first).to_contain_text("2026")
        expect(page.locator("table.plan")).to_contain_text("colonne")

        page.click("text=Récupérer les résultats")
        # htmx refreshes the activity panel: the fetch finishes, then the builds it starts.
        expect(page.locator("a.download").first).to_be_visible(timeout=90_000)

        page.locator("ul.inserts li a").first.click()
        expect(page.locator("h1")).to_contain_text("Encart Lozère")
        thumbnail = page.locator("ol.thumbnails img").first
        expect(thumbnail).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
        )
        expect(page.locator(".diff")).to_contain_text("Première version")

        page.click("text=Reconstruire maintenant")
        # The status panel polls, then the page reloads itself once the job is over.
        expect(page.locator("#insert-status")).to_contain_text("Contenu inchangé", timeout=60_000)
        page.click("text=Marquer « bon à tirer »")
        expect(page.locator(".version-head .badge.done")).to_have_text("bon à tirer")
        expect(page.locator("text=Marquer « bon à tirer »")).to_have_count(0)

        with page.expect_download() as download_info:
            page.click("text=Télécharger le PDF")
        pdf = tmp_path / "encart.pdf"
        download_info.value.save_as(pdf)

    assert re.match(r"encart-gazette-48-\d{8}-v1\.pdf", download_info.value.suggested_filename)
    text = pdf_text(pdf)
    assert "Lozère" in text
    nom, prenoms = Result.objects.filter(departement="48").values_list("nom", "prenoms").first()
    assert nom.upper() in text
