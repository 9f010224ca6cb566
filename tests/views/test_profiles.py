"""Print profiles per title: created from the presets, edited with a live preview, impossible
values refused with nothing saved, one default per title, used by the inserts."""

import dataclasses
import re
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.forms import model_to_dict
from django.urls import reverse
from django.utils import timezone

from layouts.preview import preview
from layouts.profile import BERLINER, MM_TO_PT, TABLOID
from results.day.content import profile_for
from results.editions.builds import build_version
from results.models import PrintProfile, Result, Title

pytestmark = pytest.mark.django_db


@pytest.fixture
def chef(title_admin, client):
    """The title's admin, logged in: profiles change the whole title's print, so they are theirs."""
    client.force_login(title_admin)
    return title_admin


@pytest.fixture
def tabloid(title):
    return PrintProfile.create_from(title, TABLOID)


def stored(profile):
    profile.refresh_from_db()
    return model_to_dict(profile)


def form_data(profile, **changes):
    """The edit form as the browser sends it, with `changes` typed in."""
    data = {
        name: value
        for name, value in model_to_dict(profile).items()
        if name not in ("id", "title", "is_default")
    }
    return data | changes


def test_a_new_profile_starts_from_the_berliner_preset_and_becomes_the_default(client, chef, title):
    response = client.post(reverse("new_profile", args=["gazette"]), {"preset": "berliner"})
    profile = title.profiles.get()
    assert response["Location"] == reverse("profile", args=["gazette", profile.pk])
    assert profile.to_layout() == BERLINER
    assert profile.is_default


def test_a_new_tabloid_profile_starts_from_its_preset_and_is_named_apart(client, chef, title):
    client.post(reverse("new_profile", args=["gazette"]), {"preset": "berliner"})
    for _ in range(2):
        client.post(reverse("new_profile", args=["gazette"]), {"preset": "tabloid"})
    tabloids = title.profiles.filter(name__startswith="Tabloïd").order_by("pk")
    assert [p.name for p in tabloids] == ["Tabloïd", "Tabloïd 2"]
    assert tabloids[0].to_layout() == TABLOID
    assert not tabloids[0].is_default  # the Berliner one was there first


def test_an_unknown_preset_creates_nothing(client, chef, title):
    response = client.post(reverse("new_profile", args=["gazette"]), {"preset": "broadsheet"})
    assert response.status_code == 400
    assert not title.profiles.exists()


def test_the_profiles_page_lists_each_profile_with_its_grid(client, chef, tabloid):
    page = client.get(reverse("profiles", args=["gazette"])).content.decode()
    assert "Tabloïd" in page
    assert "290 × 410 mm" in page
    assert "5 × 49,2 mm" in page
    assert "7 / 8 pt" in page
    assert f'<td class="num">{TABLOID.lines_per_column}</td>' in page
    assert "par défaut" in page
    assert "Nouveau gabarit Berliner" in page and "Nouveau gabarit tabloïd" in page


def test_the_edit_page_groups_the_fields_and_previews_the_stored_profile(client, chef, tabloid):
    page = client.get(reverse("profile", args=["gazette", tabloid.pk])).content.decode()
    for legend in ("Page", "Marges", "Colonnes", "Texte", "Titres"):
        assert f"<legend>{legend}</legend>" in page
    assert "Roboto Condensed (Apache 2.0), incorporée au PDF" in page
    assert 'value="14"' in page  # 14 mm, not 14.00
    assert 'hx-post="' + reverse("profile_preview", args=["gazette", tabloid.pk]) in page
    assert f'<dd class="lines-per-column">{TABLOID.lines_per_column}</dd>' in page
    # The sample column: a diploma heading, a wrapped option heading, a long name that wraps.
    assert "Baccalauréat Professionnel" in page
    assert "Vigne et vin (14)" in page
    assert 'class="name_cont"' in page
    assert "ŒUVRARD Théo" in page


def test_editing_saves_valid_values(client, chef, tabloid):
    data = form_data(tabloid, name="Tabloïd dimanche", columns=4, font_size_pt="6.5")
    data |= {"leading_pt": "7.5", "list_style": "run_in"}
    response = client.post(reverse("profile", args=["gazette", tabloid.pk]), data)
    assert response.status_code == 302
    layout = PrintProfile.objects.get(pk=tabloid.pk).to_layout()
    assert (layout.name, layout.columns, layout.font_size_pt) == ("Tabloïd dimanche", 4, 6.5)
    assert (layout.leading_pt, layout.list_style) == (7.5, "run_in")


IMPOSSIBLE = [
    ({"columns": 13}, "Les colonnes sont trop étroites"),
    ({"leading_pt": "0"}, "L&#x27;interligne doit être positif"),
    ({"font_size_pt": "4.5"}, "Le corps du texte (4.5 pt) est trop petit"),
    ({"margin_left_mm": "150", "margin_right_mm": "150"}, "dépassent la largeur de la page"),
    ({"margin_top_mm": "250", "margin_bottom_mm": "200"}, "dépassent la hauteur de la page"),
    ({"page_width_mm": "4700"}, "Au plus 1000 mm."),
    ({"columns": ""}, "Ce champ est obligatoire."),
    ({"columns": "0"}, "Il faut au moins une colonne."),
]


@pytest.mark.parametrize(("changes", "message"), IMPOSSIBLE)
def test_an_impossible_value_is_explained_and_nothing_is_saved(
    client, chef, tabloid, changes, message
):
    before = stored(tabloid)
    url = reverse("profile", args=["gazette", tabloid.pk])
    response = client.post(url, form_data(tabloid, **changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    # Next to the form, and in the preview panel beside it.
    assert page.count(message) >= 2
    assert stored(tabloid) == before


@pytest.mark.parametrize(("changes", "message"), IMPOSSIBLE)
def test_the_preview_explains_an_impossible_value_and_saves_nothing(
    client, chef, tabloid, changes, message
):
    before = stored(tabloid)
    url = reverse("profile_preview", args=["gazette", tabloid.pk])
    response = client.post(url, form_data(tabloid, **changes), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Impossible d'enregistrer ce gabarit" in response.content.decode()
    # No sample column is drawn for values that cannot be saved.
    assert "sample-column" not in response.content.decode()
    assert stored(tabloid) == before


def test_the_preview_draws_the_typed_grid_without_saving(client, chef, tabloid):
    before = stored(tabloid)
    url = reverse("profile_preview", args=["gazette", tabloid.pk])
    response = client.post(url, form_data(tabloid, columns=3), headers={"HX-Request": "true"})
    partial = response.content.decode()
    assert "<html" not in partial
    # Three columns of (262 − 2 × 4) / 3 = 84.7 mm; the lines per column do not change.
    assert '<dd class="column-width">84,7 mm</dd>' in partial
    assert f'<dd class="lines-per-column">{TABLOID.lines_per_column}</dd>' in partial
    assert "Impossible" not in partial
    assert stored(tabloid) == before

    response = client.post(url, form_data(tabloid, leading_pt="10"))
    assert '<dd class="lines-per-column">106</dd>' in response.content.decode()  # 1063 pt / 10


def test_the_preview_of_a_taken_name_still_draws_the_grid(client, chef, title, tabloid):
    PrintProfile.create_from(title, BERLINER)
    url = reverse("profile_preview", args=["gazette", tabloid.pk])
    partial = client.post(url, form_data(tabloid, name="Berliner")).content.decode()
    assert "Ce titre a déjà un gabarit de ce nom." in partial
    assert 'class="lines-per-column"' in partial
    assert PrintProfile.objects.get(pk=tabloid.pk).name == "Tabloïd"


def test_setting_another_default_keeps_exactly_one(client, chef, title, tabloid):
    berliner = PrintProfile.create_from(title, BERLINER)
    assert list(title.profiles.filter(is_default=True)) == [tabloid]

    client.post(reverse("default_profile", args=["gazette", berliner.pk]))
    assert list(title.profiles.filter(is_default=True)) == [berliner]
    client.post(reverse("default_profile", args=["gazette", berliner.pk]))
    assert list(title.profiles.filter(is_default=True)) == [berliner]
    client.post(reverse("default_profile", args=["gazette", tabloid.pk]))
    assert list(title.profiles.filter(is_default=True)) == [tabloid]


def test_each_title_has_its_own_default(title, tabloid):
    other = Title.objects.create(name="L'Autre Journal", slug="autre")
    assert PrintProfile.create_from(other, BERLINER).is_default
    assert tabloid.is_default


def test_the_database_refuses_a_second_default(title, tabloid):
    with pytest.raises(IntegrityError):
        PrintProfile.objects.create(title=title, **BERLINER.to_dict(), is_default=True)


def profile_urls(profile):
    return [
        reverse("profiles", args=["gazette"]),
        reverse("new_profile", args=["gazette"]),
        reverse("profile", args=["gazette", profile.pk]),
        reverse("profile_preview", args=["gazette", profile.pk]),
        reverse("default_profile", args=["gazette", profile.pk]),
    ]


def test_another_titles_editor_gets_404_on_every_profile_url(client, title, tabloid):
    other = Title.objects.create(name="L'Autre Journal", slug="autre")
    outsider = get_user_model().objects.create_user("autre", password="pw")
    other.members.add(outsider)
    client.force_login(outsider)
    berliner = PrintProfile.create_from(title, BERLINER)
    before = [stored(tabloid), stored(berliner)]
    for url in profile_urls(berliner):
        assert client.get(url).status_code == 404, url
        response = client.post(url, form_data(berliner, columns=4) | {"preset": "tabloid"})
        assert response.status_code == 404, url
        assert "Gazette" not in response.content.decode()
    assert [stored(tabloid), stored(berliner)] == before
    assert title.profiles.count() == 2


def test_a_profile_of_another_title_is_404_even_under_ones_own_title(client, chef):
    other = Title.objects.create(name="L'Autre Journal", slug="autre")
    theirs = PrintProfile.create_from(other, TABLOID)
    for url in profile_urls(theirs)[2:]:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert PrintProfile.objects.get(pk=theirs.pk).is_default


def test_anonymous_visitors_are_sent_to_the_login(client, tabloid):
    for url in profile_urls(tabloid):
        response = client.get(url)
        assert response["Location"].startswith(reverse("login")), url


def test_actions_that_change_things_need_a_post(client, chef, tabloid):
    for url in profile_urls(tabloid)[3:] + [reverse("new_profile", args=["gazette"])]:
        assert client.get(url).status_code == 405, url


def test_the_title_and_departement_pages_name_the_default_profile(client, chef, title, tabloid):
    page = client.get(reverse("title", args=["gazette"])).content.decode()
    assert reverse("profiles", args=["gazette"]) in page
    assert "gabarit Tabloïd, 5 colonnes" in page
    page = client.get(reverse("departement", args=["gazette", "30"])).content.decode()
    assert "Gabarit Tabloïd, 5 colonnes" in page


def test_a_title_without_profiles_prints_on_the_berliner_grid(title):
    assert profile_for(title) == BERLINER


def test_the_insert_is_built_on_the_default_profile(title, gard, tabloid, tmp_path):
    PrintProfile.create_from(title, BERLINER)  # another profile, not the default
    assert profile_for(title) == TABLOID
    for nom in ("DUPONT", "ÉLUARD", "N'DIAYE"):
        Result.objects.create(
            departement=gard,
            filiere="Baccalauréat Professionnel",
            option="Forêt",
            nom=nom,
            prenoms="Marie",
            resultat="Admission",
        )
    # No calendar here: the results are printed on the day they arrived.
    insert, created = build_version(title, gard, timezone.localdate())
    assert created
    assert insert.columns_per_page == 5
    info = subprocess.run(
        ["pdfinfo", insert.pdf.path], capture_output=True, text=True, check=True
    ).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert width / MM_TO_PT == pytest.approx(290, abs=0.5)
    assert height / MM_TO_PT == pytest.approx(410, abs=0.5)


def test_the_admin_refuses_an_impossible_profile(client, title, tabloid):
    admin = get_user_model().objects.create_superuser("chef", password="pw")
    client.force_login(admin)
    url = reverse("admin:results_printprofile_change", args=[tabloid.pk])
    assert client.get(url).status_code == 200
    data = form_data(tabloid, font_size_pt="4") | {"title": title.pk, "is_default": "on"}
    response = client.post(url, data)
    assert "Le corps du texte (4 pt) est trop petit" in response.content.decode()
    assert PrintProfile.objects.get(pk=tabloid.pk).font_size_pt == 7


def test_the_preview_counts_names_per_page_as_the_press_figures_say():
    # PRINT.md: about 900 names a Berliner page one per line, about 1,700 run-in.
    assert preview(BERLINER).names_per_page == pytest.approx(900, rel=0.05)
    run_in = preview(dataclasses.replace(BERLINER, list_style="run_in"))
    assert run_in.names_per_page == pytest.approx(1750, rel=0.08)


def test_the_preview_column_is_the_first_column_of_the_real_pagination():
    sample = preview(TABLOID)
    assert [line.style for line in sample.lines[:3]] == ["diploma", "heading", "heading"]
    assert any(line.style == "name_cont" for line in sample.lines)
    assert sample.lines_shown <= TABLOID.lines_per_column - sample.title_lines
    assert not sample.continues
