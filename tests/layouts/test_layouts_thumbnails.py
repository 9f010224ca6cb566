"""Page thumbnails: one PNG per page, of the asked width and the page's proportions, quickly."""

import io

import pikepdf
import pytest
from PIL import Image

from layouts.compose import BAC_PRO, BTSA, compose
from layouts.paginate import paginate
from layouts.pdf import render_pdf
from layouts.profile import BERLINER, TABLOID
from layouts.thumbnails import page_thumbnails

TITLE = "Résultats des examens de l'enseignement agricole — Gard — session 2026"


def rows(count):
    return [
        {
            "filiere": (BAC_PRO, BTSA)[index % 2],
            "option": f"Option {index % 7}",
            "nom": f"ŒUVRARD{index:05d}",
            "prenoms": "Marie-Ève",
            "resultat": "Admission",
        }
        for index in range(count)
    ]


@pytest.fixture(scope="module")
def berliner_pdf():
    """A two-page Berliner insert, full pages of names."""
    pagination = paginate(BERLINER, compose(rows(900)), title=TITLE)
    assert pagination.pages_count == 2
    return render_pdf(pagination)


def image(png):
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture


def page_count(pdf):
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def expected_height(profile, width_px):
    return width_px * profile.page_height_mm / profile.page_width_mm


def test_there_is_one_png_per_page_of_the_asked_width_and_the_page_proportions(berliner_pdf):
    thumbnails = page_thumbnails(berliner_pdf)
    assert len(thumbnails) == page_count(berliner_pdf) == 2
    for png in thumbnails:
        picture = image(png)
        assert picture.format == "PNG"
        assert picture.mode == "L"
        assert picture.width == 200
        # Whole pixels: the height is the exact one rounded up.
        assert picture.height == pytest.approx(expected_height(BERLINER, 200), abs=1)


@pytest.mark.parametrize("width_px", [63, 126, 137, 500])
def test_the_width_is_exact_whatever_the_scale_rounding(berliner_pdf, width_px):
    # 63 and 126 px came out a pixel too wide before WIDTH_MARGIN_PX.
    widths = {image(png).width for png in page_thumbnails(berliner_pdf, width_px=width_px)}
    assert widths == {width_px}


def test_a_tabloid_keeps_its_own_proportions():
    pdf = render_pdf(paginate(TABLOID, compose(rows(50))))
    (png,) = page_thumbnails(pdf, width_px=150)
    assert image(png).size == (150, pytest.approx(expected_height(TABLOID, 150), abs=1))


def test_a_page_thumbnail_shows_the_page_not_a_blank(berliner_pdf):
    darkest, lightest = image(page_thumbnails(berliner_pdf)[0]).getextrema()
    assert lightest == 255 and darkest < 128


def test_a_twenty_five_page_insert_gets_twenty_five_thumbnails(berliner_pdf):
    with pikepdf.open(io.BytesIO(berliner_pdf)) as document:
        for _ in range(23):
            document.pages.append(document.pages[0])
        out = io.BytesIO()
        document.save(out)
    # Speed is not asserted here (about 0.4 s for 25 pages, measured by hand): a timed test
    # fails on a slow day.
    thumbnails = page_thumbnails(out.getvalue())
    assert len(thumbnails) == 25


@pytest.mark.parametrize("data", [b"", b"<html>not a PDF</html>", b"%PDF-1.7\nbroken"])
def test_what_is_not_a_pdf_raises_a_clear_error(data):
    with pytest.raises(ValueError, match="n'est pas un PDF lisible"):
        page_thumbnails(data)


def test_a_truncated_pdf_raises_the_same_error(berliner_pdf):
    with pytest.raises(ValueError, match="n'est pas un PDF lisible"):
        page_thumbnails(berliner_pdf[: len(berliner_pdf) // 2])
