"""Insert versions: one per printed content and day, diffs, PDF/X, notices, the final mark."""

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from results.day.planning import title_plan
from results.editions.builds import build_version
from results.models import Insert, Notice, Result, Title
from tests import world
from tests.pdfs import pdf_text
from tests.world import BTSA, FORET

pytestmark = pytest.mark.django_db

FIRST_DAY, SECOND_DAY = date(2026, 7, 1), date(2026, 7, 3)
JARDINIER = ("Certificat d'Aptitude Professionnelle Agricole", "Jardinier paysagiste")
ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


@pytest.fixture
def gard_calendar(gard):
    """Two sections on the first day, one on the second."""
    world.calendar(gard, FORET, JARDINIER, day=FIRST_DAY, candidates=50)
    world.calendar(gard, BTSA, day=SECOND_DAY, candidates=50)


@pytest.fixture
def lozere_calendar(lozere):
    world.calendar(lozere, FORET, day=FIRST_DAY, candidates=9)


def publish(departement, section, *names, resultat="Admission"):
    for name in names:
        nom, prenoms = name.split(" ", 1)
        Result.objects.create(
            departement=departement,
            filiere=section[0],
            option=section[1],
            nom=nom,
            prenoms=prenoms,
            resultat=resultat,
        )


def unpublish(departement, nom):
    Result.objects.filter(departement=departement, nom=nom).delete()


def test_each_day_gets_its_own_insert_with_only_that_days_sections(gard_calendar, title, gard):
    publish(gard, FORET, "DUPONT Marie")
    publish(gard, BTSA, "ZOLA Émile")
    first, created = build_version(title, gard, FIRST_DAY)
    assert created and first.names_count == 1
    second, created = build_version(title, gard, SECOND_DAY)
    assert created and second.names_count == 1
    text = pdf_text(first.pdf.path, layout=True)
    assert "DUPONT Marie" in text and "ZOLA" not in text
    assert "ZOLA Émile" in pdf_text(second.pdf.path, layout=True)
    assert first.heading == "Résultats des examens de l'enseignement agricole — Gard — session 2026"


def test_a_new_version_only_when_the_printed_content_changes(gard_calendar, title, gard):
    publish(gard, FORET, "DUPONT Marie", "MARTIN Paul")
    first, created = build_version(title, gard, FIRST_DAY, reason="Nouveaux résultats publiés")
    assert created and first.number == 1
    assert first.reason.startswith("Nouveaux résultats publiés : Première version")
    # A poll that brings nothing new: the same version, nothing rendered.
    assert build_version(title, gard, FIRST_DAY) == (first, False)
    # Another day's section does not change this day's insert.
    publish(gard, BTSA, "ZOLA Émile")
    assert build_version(title, gard, FIRST_DAY) == (first, False)

    publish(gard, JARDINIER, "ÉLUARD Paul")
    second, created = build_version(title, gard, FIRST_DAY)
    assert created and second.number == 2
    assert second.diff["sections_added"] and second.diff["totals"]["names_added"] == 1

    unpublish(gard, "MARTIN")
    third, created = build_version(title, gard, FIRST_DAY)
    assert created and third.number == 3
    assert third.diff["totals"]["names_removed"] == 1 and third.diff["totals"]["names_added"] == 0
    # Nothing is overwritten: every version keeps its own file.
    names = {v.pdf.name for v in (first, second, third)}
    assert len(names) == 3 and all(Path(first.pdf.storage.path(n)).exists() for n in names)


def test_a_version_keeps_its_pages_as_thumbnails(gard_calendar, title, gard):
    publish(gard, FORET, *[f"NOM{i:04d} Prénom" for i in range(1200)])
    insert, _ = build_version(title, gard, FIRST_DAY)
    assert insert.pages == 2 and len(insert.thumbnails) == 2
    with insert.pdf.storage.open(insert.thumbnails[1]) as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert image.format == "PNG"
    assert image.height / image.width == pytest.approx(470 / 315, rel=0.02)


def test_second_group_candidates_are_printed_in_a_section_of_their_own(gard_calendar, title, gard):
    publish(gard, FORET, "DUPONT Marie")
    publish(gard, FORET, "MARTIN Paul", resultat="Admis au second groupe")
    insert, _ = build_version(title, gard, FIRST_DAY)
    text = pdf_text(insert.pdf.path, layout=True)
    assert "Forêt — admis au second groupe (1)" in text
    assert text.index("DUPONT Marie") < text.index("second groupe") < text.index("MARTIN Paul")


def test_without_an_icc_profile_the_pdf_says_it_is_not_pdfx(gard_calendar, title, gard):
    publish(gard, FORET, "DUPONT Marie")
    insert, _ = build_version(title, gard, FIRST_DAY)
    assert not insert.pdfx
    with pikepdf.open(insert.pdf.path) as pdf:
        assert "/OutputIntents" not in pdf.Root
        assert "non PDF/X" in str(pdf.docinfo.get("/Subject", "")) + str(
            pdf.docinfo.get("/Keywords", "")
        )


def test_with_the_printers_icc_profile_the_insert_is_pdfx4(gard_calendar, title, gard):
    title.icc_profile.save("imprimeur.icc", SimpleUploadedFile("x.icc", ICC.read_bytes()))
    title.output_condition = "Artifex CMYK SWOP Profile"
    title.save()
    publish(gard, FORET, "DUPONT Marie")
    insert, _ = build_version(title, gard, FIRST_DAY)
    assert insert.pdfx and insert.output_condition == "Artifex CMYK SWOP Profile"
    with pikepdf.open(insert.pdf.path) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFX"
        assert len(intent.DestOutputProfile.read_bytes()) == len(ICC.read_bytes())
        assert "PDF/X-4" in str(pdf.open_metadata())
    fonts = subprocess.run(
        ["pdffonts", insert.pdf.path], capture_output=True, text=True, check=True
    ).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])


def test_changing_the_print_settings_makes_a_new_version(gard_calendar, title, gard):
    publish(gard, FORET, "DUPONT Marie")
    first, _ = build_version(title, gard, FIRST_DAY)
    title.crop_marks, title.bleed_mm = True, 3
    title.save()
    second, created = build_version(title, gard, FIRST_DAY)
    assert created and second.number == 2
    assert second.diff["totals"]["names_added"] == second.diff["totals"]["names_removed"] == 0
    boxes = subprocess.run(
        ["pdfinfo", "-box", second.pdf.path], capture_output=True, text=True, check=True
    ).stdout
    trim = [float(x) for x in re.search(r"TrimBox:\s+([-\d. ]+)", boxes).group(1).split()]
    bleed = [float(x) for x in re.search(r"BleedBox:\s+([-\d. ]+)", boxes).group(1).split()]
    assert trim[0] - bleed[0] == pytest.approx(3 * 72 / 25.4, abs=0.1)


def test_a_new_version_is_announced_in_the_app_and_by_email(
    gard_calendar, title, gard, editor, django_capture_on_commit_callbacks
):
    publish(gard, FORET, "DUPONT Marie")
    with django_capture_on_commit_callbacks(execute=True):
        insert, _ = build_version(title, gard, FIRST_DAY)
    notice = Notice.objects.get()
    assert notice.insert == insert and "version 1 prête" in notice.text
    assert [m.to for m in mail.outbox] == [["redac@gazette.test"]]
    assert "/journal/gazette/encarts/30/2026-07-01/" in mail.outbox[0].body
    # An unchanged rebuild announces nothing.
    with django_capture_on_commit_callbacks(execute=True):
        build_version(title, gard, FIRST_DAY)
    assert Notice.objects.count() == 1 and len(mail.outbox) == 1


def test_a_combined_insert_prints_all_departements_of_the_day(
    lozere_calendar, gard_calendar, title, gard, lozere
):
    title.departements.add(lozere)
    title.combine_departements = True
    title.save()
    publish(gard, FORET, "DUPONT Marie")
    publish(gard, JARDINIER, "ÉLUARD Paul")
    publish(lozere, FORET, "ROUX Léa")
    insert, created = build_version(title, None, FIRST_DAY)
    assert created and insert.departement is None and insert.names_count == 3
    assert insert.heading.endswith("— Gard, Lozère — session 2026")
    text = pdf_text(insert.pdf.path, layout=True)
    assert text.index("Gard — Certificat") < text.index("Lozère — Baccalauréat")
    # The plan counts the very insert that is built.
    _, _, days = title_plan(title)
    day = next(d for d in days if d.date_delib == FIRST_DAY)
    assert day.actual is not None
    assert (day.actual.size.lines, day.actual.size.columns, day.actual.size.pages) == (
        insert.lines,
        insert.columns,
        insert.pages,
    )


# The insert page


def test_the_insert_page_shows_versions_pages_and_changes(
    gard_calendar, client, title, gard, editor
):
    publish(gard, FORET, "DUPONT Marie")
    build_version(title, gard, FIRST_DAY)
    publish(gard, FORET, "MARTIN Paul")
    second, _ = build_version(title, gard, FIRST_DAY)
    client.force_login(editor)
    url = reverse("insert", args=["gazette", "30", FIRST_DAY])
    page = client.get(url).content.decode()
    assert "Version 2" in page and "v1" in page
    assert reverse("page_thumbnail", args=["gazette", second.pk, 1]) in page
    assert "MARTIN Paul" in page  # the diff names who was added
    assert "épreuve non PDF/X" in page
    old = client.get(url, {"version": "1"}).content.decode()
    assert "ancienne version" in old
    assert client.get(url, {"version": "9"}).status_code == 404
    assert client.get(url, {"version": "x'"}).status_code == 404
    png = client.get(reverse("page_thumbnail", args=["gazette", second.pk, 1]))
    assert png["Content-Type"] == "image/png"
    assert client.get(reverse("page_thumbnail", args=["gazette", second.pk, 2])).status_code == 404


def test_an_impossible_day_in_the_url_is_a_404(gard_calendar, client, title, editor):
    client.force_login(editor)
    assert client.get("/journal/gazette/encarts/30/2026-02-30/").status_code == 404
    assert client.get("/journal/gazette/encarts/99/2026-07-01/").status_code == 404


def test_a_version_marked_final_is_locked_and_flagged_when_outdated(
    gard_calendar, client, title, gard, editor
):
    publish(gard, FORET, "DUPONT Marie")
    first, _ = build_version(title, gard, FIRST_DAY)
    client.force_login(editor)
    client.post(reverse("mark_final", args=["gazette", first.pk]))
    first.refresh_from_db()
    assert first.is_final and first.final_by == editor
    marked_at = first.final_at
    client.post(reverse("mark_final", args=["gazette", first.pk]))
    first.refresh_from_db()
    assert first.final_at == marked_at  # set once, never moved
    assert client.get(reverse("mark_final", args=["gazette", first.pk])).status_code == 405

    publish(gard, FORET, "MARTIN Paul")
    build_version(title, gard, FIRST_DAY)
    page = client.get(reverse("insert", args=["gazette", "30", FIRST_DAY])).content.decode()
    assert "le bon à tirer est dépassé" in page
    listing = client.get(reverse("inserts", args=["gazette"])).content.decode()
    assert "dépassé" in listing


def test_the_exports_hold_the_same_names_as_the_pdf(gard_calendar, client, title, gard, editor):
    publish(gard, FORET, "N'DIAYE Marie-Ève", "ŒUVRARD Zoé")
    insert, _ = build_version(title, gard, FIRST_DAY)
    client.force_login(editor)
    csv_text = client.get(reverse("export_csv", args=["gazette", insert.pk])).content.decode(
        "utf-8-sig"
    )
    assert "N'DIAYE Marie-Ève" in csv_text and "ŒUVRARD Zoé" in csv_text
    tagged = client.get(reverse("export_tagged_text", args=["gazette", insert.pk])).content
    text = tagged.decode("utf-16")
    assert text.startswith("<UNICODE-WIN>")
    assert "ŒUVRARD Zoé" in text


# Print settings


def test_the_titles_admin_uploads_the_printers_icc_profile(
    gard_calendar, client, title, title_admin
):
    client.force_login(title_admin)
    url = reverse("print_settings", args=["gazette"])
    upload = SimpleUploadedFile("journal.icc", ICC.read_bytes())
    response = client.post(url, {"icc_profile": upload, "bleed_mm": "3", "crop_marks": "on"})
    assert response.status_code == 302
    title.refresh_from_db()
    assert title.icc_profile and title.output_condition == "Artifex CMYK SWOP Profile"
    assert title.crop_marks and title.bleed_mm == 3


def test_a_file_that_is_not_a_cmyk_profile_is_refused_with_a_clear_message(
    gard_calendar, client, title, title_admin
):
    client.force_login(title_admin)
    url = reverse("print_settings", args=["gazette"])
    upload = SimpleUploadedFile("photo.icc", b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    response = client.post(url, {"icc_profile": upload, "bleed_mm": "0"})
    assert response.status_code == 200
    assert "ICC" in response.content.decode()
    title.refresh_from_db()
    assert not title.icc_profile


def test_print_settings_refuse_an_absurd_bleed(gard_calendar, client, title, title_admin):
    client.force_login(title_admin)
    response = client.post(reverse("print_settings", args=["gazette"]), {"bleed_mm": "-2"})
    assert "négatif" in response.content.decode()
    assert Title.objects.get().bleed_mm == 0
    assert not Insert.objects.exists()
