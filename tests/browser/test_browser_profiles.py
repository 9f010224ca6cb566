"""Headless Chromium: an editor creates a tabloid profile, watches the preview follow the values
typed (nothing saved), is told why 4 pt cannot print, fixes it and saves."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.forms import model_to_dict
from playwright.sync_api import expect

from layouts.profile import TABLOID
from results.models import Membership, PrintProfile, Title

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/profile-editor.png")


def test_an_editor_tunes_a_tabloid_profile_with_the_live_preview(
    live_server, monkeypatch, browser_page
):
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    title = Title.objects.create(name="La Gazette du Midi", slug="gazette")
    user = get_user_model().objects.create_user("redac", password="mot-de-passe")
    # The title's admin: the walk goes through pages that change the whole title's print.
    title.members.add(user, through_defaults={"role": Membership.Role.ADMIN})
    page = browser_page

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "redac")
    page.fill("#id_password", "mot-de-passe")
    page.click("button.primary")
    page.click("a:has-text('Gabarits')")
    expect(page.locator("h1")).to_have_text("Gabarits")

    page.click("text=Nouveau gabarit tabloïd")
    expect(page.locator("h1")).to_contain_text("Tabloïd")
    profile = PrintProfile.objects.get(title=title)
    saved = model_to_dict(profile)
    width = page.locator("dd.column-width")
    lines = page.locator("dd.lines-per-column")
    expect(width).to_have_text("49,2 mm")
    expect(lines).to_have_text(str(TABLOID.lines_per_column))

    # Typing is enough: htmx asks for a new preview; nothing is saved.
    page.fill("#id_columns", "4")
    expect(width).to_have_text("62,5 mm")  # (262 − 3 × 4) / 4
    page.fill("#id_leading_pt", "9")
    expect(lines).to_have_text("118")  # 375 mm = 1063 pt, / 9
    expect(page.locator(".sample-column .diploma").first).to_have_text("Baccalauréat Professionnel")
    page.check("text=À la suite")
    expect(page.locator(".sample-column .justified").first).to_be_visible()
    assert model_to_dict(PrintProfile.objects.get(pk=profile.pk)) == saved

    page.fill("#id_font_size_pt", "4")
    error = page.locator(".preview-errors")
    expect(error).to_contain_text("Le corps du texte (4 pt) est trop petit")
    expect(page.locator(".sample-column")).to_have_count(0)

    page.fill("#id_font_size_pt", "7.5")
    expect(error).to_have_count(0)
    expect(page.locator(".sample-column")).to_be_visible()
    page.locator(".preview").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert model_to_dict(PrintProfile.objects.get(pk=profile.pk)) == saved

    page.fill("#id_name", "Tabloïd week-end")
    page.click("text=Enregistrer")
    expect(page.locator(".messages")).to_contain_text("Gabarit « Tabloïd week-end » enregistré.")
    stored = PrintProfile.objects.get(pk=profile.pk).to_layout()
    assert (stored.columns, stored.leading_pt, stored.font_size_pt) == (4, 9.0, 7.5)
    assert stored.list_style == "run_in"

    page.click("a:has-text('Gabarits')")
    row = page.locator("table.profiles tr", has_text="Tabloïd week-end")
    expect(row).to_contain_text("4 × 62,5 mm")
    expect(row).to_contain_text("7,5 / 9 pt")
    expect(row).to_contain_text("par défaut")
