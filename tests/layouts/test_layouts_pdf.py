"""The PDF is the pagination: every line printed where the engine put it, as a printer checks.

Each case renders once (module-scoped fixture); `pdftotext -bbox` gives every word's position,
which is mapped back to (page, column, body line) on the profile's grid and compared with the
pagination line by line.
"""

import dataclasses
import html
import math
import random
import re
import subprocess
from collections import defaultdict

import pytest
from pypdf import PdfReader

from layouts.compose import BAC_PRO, BAC_TECHNO, BTSA, CAPA, compose
from layouts.estimate import estimate_from_names
from layouts.measure import text_width
from layouts.paginate import Pagination, paginate
from layouts.pdf import render_pdf
from layouts.profile import BERLINER, MM_TO_PT, TABLOID

TITLE = "Résultats des examens de l'enseignement agricole — Gard — session 2026"
FOOTER = "Le Journal du Gard — supplément résultats"
LINE_STYLES = ("name", "name_cont", "heading", "continued_heading")

NARROW = dataclasses.replace(BERLINER, name="Étroit", columns=7, gutter_mm=3)
RUN_IN = dataclasses.replace(BERLINER, name="Au kilomètre", list_style="run_in")
NARROW_RUN_IN = dataclasses.replace(NARROW, list_style="run_in")

SURNAMES = (
    "MARTIN BERNARD DUBOIS THOMAS ROBERT RICHARD PETIT DURAND LEROY MOREAU SIMON LAURENT "
    "LEFEBVRE MICHEL GARCIA DAVID BERTRAND ROUX VINCENT FOURNIER MOREL GIRARD ANDRÉ LEFÈVRE "
    "MERCIER DUPONT LAMBERT BONNET FRANÇOIS MARTINEZ GRANGER BENOÎT ŒUVRARD ÉLUARD"
).split() + ["N'DIAYE", "de la Fontaine", "Le Gall", "d'Arcy", "van der Berghe"]
GIVEN_NAMES = (
    "Marie Jean Léa Hugo Chloé Lucas Emma Nathan Inès Théo Camille Louis Marie-Ève "
    "Jean-Baptiste Zoé Maël Aïssatou Noémie Anaïs François Hermione Célia Julie Laure Gaëlle Loïc"
).split()
LONG_SURNAME = "CHASSAGNE-MONTRACHET DE LA TOUR D'AUVERGNE"
OPTIONS = {
    CAPA: ["Jardinier paysagiste", "Métiers de l'agriculture"],
    BAC_PRO: [
        ("Conduite et gestion de l'exploitation agricole", "Spécialité : Vigne et vin"),
        ("Conduite et gestion de l'exploitation agricole", "Spécialité : Productions animales"),
        "Aménagements paysagers",
        "Services aux personnes et animation dans les territoires",
        "Forêt",
        "Agroéquipement",
    ],
    BAC_TECHNO: ["Sciences et technologies de l'agronomie et du vivant"],
    BTSA: ["Viticulture-œnologie", "Gestion et protection de la nature", "Aquaculture"],
}


def realistic_rows(count, seed, long_every=0, options=None):
    """Deterministic ARPENT-like rows: accents, particles, apostrophes, homonyms, long names."""
    rnd = random.Random(seed)
    options = options or [
        (diploma, option) for diploma, names in OPTIONS.items() for option in names
    ]
    rows = []
    for index in range(count):
        diploma, option = rnd.choice(options)
        option, specialite = option if isinstance(option, tuple) else (option, "")
        nom = rnd.choice(SURNAMES)
        prenoms = " ".join(rnd.sample(GIVEN_NAMES, rnd.choice((1, 2, 2, 3, 4))))
        if long_every and index % long_every == 0:
            nom, prenoms = LONG_SURNAME, "Marie-Ève Jean-Baptiste Hermione Célia Laure"
        resultat = "Admission" if rnd.random() < 0.93 else "Admis au second groupe"
        rows.append(
            {
                "filiere": diploma,
                "option": option,
                "specialite": specialite,
                "departement": "30",
                "nom": nom,
                "prenoms": prenoms,
                "resultat": resultat,
            }
        )
    return rows


def special_rows():
    names = [
        ("ŒUVRARD", "Cécile"),
        ("N'DIAYE", "Aïssatou"),
        ("de la Fontaine", "Jean"),
        ("ÉLUARD", "Marie-Ève"),
        ("Le Gall", "Loïc"),
        ("FRANÇOIS", "Gaëlle"),
        ("LÆTITIA", "Zoé"),
        ("DURAND", "Paul"),
        ("DURAND", "Paul"),
    ]
    rows = realistic_rows(60, seed=7)
    for nom, prenoms in names:
        rows.append(dict(rows[0], nom=nom, prenoms=prenoms, resultat="Admission"))
    return rows


def many_small_groups(seed):
    """Dozens of groups of 1 to 9 names: headings land near column feet again and again."""
    rows = []
    for number in range(140):
        option = f"Option {number:03d} de démonstration"
        diploma = (CAPA, BAC_PRO, BTSA)[number * 3 // 140]
        rows += realistic_rows(1 + number % 9, seed + number, options=[(diploma, option)])
    return rows


CASES = {
    "berliner-small-with-title": (BERLINER, special_rows, TITLE),
    "berliner-3000-long-names": (BERLINER, lambda: realistic_rows(3000, 1, long_every=41), TITLE),
    "tabloid-many-small-groups": (TABLOID, lambda: many_small_groups(2), None),
    "narrow-7-columns-long-names": (NARROW, lambda: realistic_rows(1200, 3, long_every=13), TITLE),
    "run-in-3000": (RUN_IN, lambda: realistic_rows(3000, 4, long_every=97), TITLE),
    "narrow-run-in-small-groups": (NARROW_RUN_IN, lambda: many_small_groups(5), None),
}


@dataclasses.dataclass
class Rendered:
    pagination: Pagination
    groups: list
    title: str | None
    path: str


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def rendered(request, tmp_path_factory):
    profile, make_rows, title = CASES[request.param]
    groups = compose(make_rows())
    pagination = paginate(profile, groups, title=title)
    path = tmp_path_factory.mktemp("pdf") / f"{request.param}.pdf"
    path.write_bytes(render_pdf(pagination, footer=FOOTER))
    return Rendered(pagination, groups, title, str(path))


def run(*command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def pdf_words(path, margin=0.0):
    """Every word of every page with its box, in points from the trimmed page's top left;
    `margin` is how far the sheet (MediaBox) reaches beyond the trim, for bleed and marks."""
    pages = run("pdftotext", "-bbox", path, "-").split("<page ")[1:]
    return [
        [
            (
                float(x0) - margin,
                float(y0) - margin,
                float(x1) - margin,
                float(y1) - margin,
                html.unescape(text),
            )
            for x0, y0, x1, y1, text in WORD.findall(page)
        ]
        for page in pages
    ]


def grid_position(profile, x, y_top, y_bottom):
    pitch = profile.column_width_pt + profile.gutter_pt
    column = math.floor((x - profile.column_x_pt(0) + profile.gutter_pt / 2) / pitch)
    line = math.floor(((y_top + y_bottom) / 2 - profile.line_y_pt(0)) / profile.leading_pt)
    return column, line


def printed_lines(path, profile, margin=0.0):
    """(page, column, body line) → words on it in reading order, as drawn in the PDF."""
    lines = defaultdict(list)
    for page_index, words in enumerate(pdf_words(path, margin)):
        for x0, y0, x1, y1, text in words:
            column, line = grid_position(profile, x0, y0, y1)
            lines[page_index + 1, column, line].append((x0, x1, text))
    return {key: sorted(words) for key, words in lines.items()}


def expected_lines(pagination):
    """(page, column, body line) → text, for every single-line item of the pagination."""
    expected = {}
    for page in pagination.pages:
        for column_index, column in enumerate(page.columns):
            offset = column.top
            for line in column.lines:
                if line.style in LINE_STYLES:
                    expected[page.number, column_index, offset] = line.text
                offset += line.height
    return expected


def expected_block_words(pagination, page, footer):
    """Words drawn outside the line grid: title, diploma blocks, footer and page number."""
    texts = [footer, f"Page {page.number}/{pagination.pages_count}"]
    if page.title:
        texts.append(page.title.text)
    texts += [
        line.text for column in page.columns for line in column.lines if line.style == "diploma"
    ]
    return sorted(word for text in texts for word in text.split())


def test_the_pdf_has_as_many_pages_as_the_estimate(rendered):
    size = estimate_from_names(rendered.pagination.profile, rendered.groups, rendered.title)
    info = run("pdfinfo", rendered.path)
    assert f"Pages:           {size.pages}\n" in info
    assert size == rendered.pagination.size


def test_every_page_is_the_profile_trim_size(rendered):
    profile = rendered.pagination.profile
    info = run("pdfinfo", "-f", "1", "-l", "999", rendered.path)
    sizes = re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) == rendered.pagination.pages_count
    for width, height in sizes:
        assert float(width) == pytest.approx(profile.page_width_mm * MM_TO_PT, abs=0.01)
        assert float(height) == pytest.approx(profile.page_height_mm * MM_TO_PT, abs=0.01)


def test_every_font_is_embedded(rendered):
    rows = run("pdffonts", rendered.path).splitlines()[2:]
    assert rows
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column


def test_every_line_is_printed_exactly_where_the_pagination_put_it(rendered):
    pagination = rendered.pagination
    printed = printed_lines(rendered.path, pagination.profile)
    expected = expected_lines(pagination)
    as_text = {key: " ".join(word for _, _, word in words) for key, words in printed.items()}
    assert {key: as_text.get(key) for key in expected} == expected
    for page in pagination.pages:
        others = [
            word
            for key, words in printed.items()
            if key[0] == page.number and key not in expected
            for _, _, word in words
        ]
        assert sorted(others) == expected_block_words(pagination, page, FOOTER)


def test_every_name_of_the_list_is_read_back_from_the_pdf_in_order(rendered):
    pagination = rendered.pagination
    styles = {}
    for page in pagination.pages:
        for column_index, column in enumerate(page.columns):
            offset = column.top
            for line in column.lines:
                styles[page.number, column_index, offset] = line.style
                offset += line.height
    printed = printed_lines(rendered.path, pagination.profile)
    # Reading order is (page, column, line); each option heading starts the next group.
    read_back, previous = [], None
    read = ("heading", "name", "name_cont")
    for key in sorted(key for key in printed if styles.get(key) in read):
        if styles[key] != "heading":
            read_back[-1].append(" ".join(word for _, _, word in printed[key]))
        elif previous != "heading":  # a wrapped heading is still one heading
            read_back.append([])
        previous = styles[key]
    separator = ", " if pagination.profile.list_style == "run_in" else " "
    assert [" ".join(lines) for lines in read_back] == [
        separator.join(group.names) for group in rendered.groups
    ]


def test_no_line_runs_into_the_gutter(rendered):
    pagination = rendered.pagination
    profile = pagination.profile
    for page, words in zip(pagination.pages, pdf_words(rendered.path), strict=True):
        top = page.columns[0].top
        for x0, y0, x1, y1, text in words:
            column, line = grid_position(profile, x0, y0, y1)
            if not top <= line < profile.lines_per_column:
                continue  # the title spans the columns; the folio is in the bottom margin
            left = profile.column_x_pt(column)
            # Justification rounds to a few hundredths of a point: far below what prints.
            assert left - 0.05 <= x0 and x1 <= left + profile.column_width_pt + 0.05, text


def test_text_is_pure_cmyk_black(rendered):
    reader = PdfReader(rendered.path)
    content = reader.pages[0].get_contents().get_data()
    colours = set(re.findall(rb"([\d. ]+) (rg|RG|scn|SCN|sc|SC|k|K)\n", content))
    assert colours == {(b"0 0 0 1", b"scn")}
    assert b"/DeviceCMYK cs" in content


def test_special_letters_and_apostrophes_come_out_of_the_pdf(tmp_path):
    groups = compose(special_rows())
    path = tmp_path / "special.pdf"
    path.write_bytes(render_pdf(paginate(BERLINER, groups, title=TITLE)))
    text = run("pdftotext", "-raw", str(path), "-")
    for name in ("ŒUVRARD Cécile", "N'DIAYE Aïssatou", "DE LA FONTAINE Jean", "ÉLUARD Marie-Ève"):
        assert name in text
    assert "LÆTITIA Zoé" in text
    assert text.count("DURAND Paul") >= 2
    assert "Viticulture-œnologie" in text


def test_the_measure_matches_the_widths_the_pdf_draws(tmp_path):
    groups = compose(special_rows())
    pagination = paginate(BERLINER, groups)
    path = tmp_path / "widths.pdf"
    path.write_bytes(render_pdf(pagination))
    name_words = {
        word
        for page in pagination.pages
        for column in page.columns
        for line in column.lines
        if line.style == "name"
        for word in line.text.split()
    }
    checked = 0
    for x0, _, x1, _, text in pdf_words(str(path))[0]:
        if text in name_words:
            # The PDF stores advances in thousandths of an em, the font in 2048ths: half a
            # thousandth of the 7 pt em per glyph is the most the two can differ.
            tolerance = len(text) * 0.0005 * BERLINER.font_size_pt
            assert x1 - x0 == pytest.approx(text_width(text, BERLINER.font_size_pt), abs=tolerance)
            checked += 1
    assert checked > 100
