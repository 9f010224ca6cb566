"""Headless Chromium, real worker, sandbox: a removal request and a verified addition reach the
next version of an insert and its exports."""

import os
import shutil

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from layouts.compose import printed_name
from results.day.content import section_days
from results.models import Insert, Result, Title
from results.sources.arpent import ArpentClient
from results.store.sync import sync_calendar, sync_referentials
from sandbox import clock, data
from sandbox.credentials import credentials
from sandbox.diplomas import ADMITTED
from tests.pdfs import pdf_text
from tests.processes import celery_processes, child_env

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODE = "48"


def non_consenting_admitted():
    """A Lozère candidate admitted but absent from the published list (no consent given)."""
    for section in data.sections(CODE, clock.session_start()):
        for candidate in data.cohort(CODE, section.option_index):
            if candidate.resultat == ADMITTED and not candidate.consent:
                return candidate, credentials(CODE, section.option_index, candidate.index)
    raise AssertionError("the sandbox has no such candidate")


def screenshot(page, tmp_path, name):
    page.screenshot(path=str(tmp_path / name), full_page=True)
    # SCREENSHOTS_DIR=docs/… keeps them for a look (README screenshots).
    if os.environ.get("SCREENSHOTS_DIR"):
        shutil.copy(tmp_path / name, os.environ["SCREENSHOTS_DIR"])


def test_a_removal_and_a_verified_addition_reach_the_next_version(
    live_server, settings, tmp_path, monkeypatch, browser_page
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.ARPENT_BASE_URL = f"{live_server.url}/arpent-resultats-api"
    settings.ARPENT_CONTRACT_KEYS = {"*": settings.SANDBOX_CONTRACT_KEY}
    with ArpentClient.from_settings() as client:
        sync_referentials(client)
        sync_calendar(client, CODE)
    title = Title.objects.create(name="La Gazette du Midi", slug="gazette")
    title.departements.add(CODE)
    user = get_user_model().objects.create_user("redac", password="mot-de-passe")
    title.members.add(user)
    added, (ina, num_gestion) = non_consenting_admitted()
    page = browser_page

    with celery_processes(child_env(live_server.url, tmp_path), tmp_path):
        page.goto(f"{live_server.url}/connexion/")
        page.fill("#id_username", "redac")
        page.fill("#id_password", "mot-de-passe")
        page.click("button.primary")
        page.goto(f"{live_server.url}/journal/gazette/departements/{CODE}/")
        page.click("text=Récupérer les résultats")
        expect(page.locator("a.download").first).to_be_visible(timeout=90_000)

        removed = Result.objects.filter(departement=CODE).order_by("pk").first()
        removed_day = section_days([CODE])[(CODE, removed.filiere, removed.option)]
        removed_name = printed_name(removed.nom, removed.prenoms)
        # The fetch builds one insert per day: wait for the removed candidate's.
        for _ in range(120):
            if Insert.objects.filter(day=removed_day).exists():
                break
            page.wait_for_timeout(500)
        assert Insert.objects.filter(day=removed_day).exists()
        page.goto(f"{live_server.url}/journal/gazette/retraits/")
        page.fill("#id_nom", removed.nom.lower())
        page.fill("#id_prenoms", f"  {removed.prenoms.upper()} ")
        page.select_option("#id_channel", "courrier")
        page.click("text=Enregistrer puis vérifier les lignes")
        expect(page.locator("form.card")).to_contain_text("correspond")
        screenshot(page, tmp_path, "retrait.png")
        page.click("text=Confirmer le retrait")
        expect(page.locator(".messages")).to_contain_text("Retrait confirmé")

        page.goto(f"{live_server.url}/journal/gazette/ajouts/")
        page.fill("#id_ina", ina)
        page.fill("#id_num_gestion", num_gestion)
        page.click("text=Vérifier et ajouter")
        expect(page.locator(".messages")).to_contain_text("ajouté à l'additif")
        screenshot(page, tmp_path, "ajouts.png")
        assert ina not in page.content() and num_gestion not in page.content()

        addition_day = title.additions.get().day
        page.goto(f"{live_server.url}/journal/gazette/encarts/{CODE}/{addition_day}/")
        # The worker rebuilds: the page follows the jobs and reloads itself when they end.
        expect(page.locator(".diff")).to_contain_text("Additif", timeout=90_000)
        screenshot(page, tmp_path, "encart-additif.png")
        with page.expect_download() as download:
            page.click("text=Télécharger le PDF")
        pdf = tmp_path / "additif.pdf"
        download.value.save_as(pdf)
        text = pdf_text(pdf)
        assert "Additif" in text and printed_name(added.nom, added.prenoms) in text

        # The removed candidate's day: a new version without the name, the old one withdrawn.
        page.goto(f"{live_server.url}/journal/gazette/encarts/{CODE}/{removed_day}/")
        expect(page.locator("table.versions")).to_contain_text("retirée", timeout=90_000)
        with page.expect_download() as download:
            page.click("text=Télécharger le PDF")
        download.value.save_as(tmp_path / "sans.pdf")
        assert removed_name not in pdf_text(tmp_path / "sans.pdf")
        with page.expect_download() as download:
            page.click("a.button:text-is('CSV')")
        download.value.save_as(tmp_path / "sans.csv")
        assert removed_name not in (tmp_path / "sans.csv").read_text("utf-8-sig")
