"""The list lines drawn straight into the PDF: read back in order, in their columns, K only,
in subsets of the shipped fonts, as a printer and a copy-paste would find them."""

import dataclasses
import io
import subprocess
from decimal import Decimal

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from layouts.compose import compose
from layouts.fontfile import truetype_file
from layouts.measure import REGULAR_FONT, font_metrics
from layouts.overlay import DRAWN_STYLES
from layouts.paginate import paginate
from layouts.pdf import PrintOptions, render_pdf
from layouts.profile import BERLINER, MM_TO_PT
from tests.layouts.test_layouts_pdf import FOOTER, RUN_IN, TITLE, realistic_rows, special_rows
from tests.layouts.test_layouts_print import BLEED_MM, icc

LIST_FONTS = {"/ListRegular", "/ListBold"}
CASES = {
    "one-per-line": (BERLINER, lambda: realistic_rows(3000, 1, long_every=41)),
    "run-in": (RUN_IN, lambda: realistic_rows(3000, 4, long_every=97)),
    "special-letters": (BERLINER, special_rows),
}


@dataclasses.dataclass
class Rendered:
    pagination: object
    data: bytes


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def rendered(request):
    profile, make_rows = CASES[request.param]
    pagination = paginate(profile, compose(make_rows()), title=TITLE)
    options = PrintOptions(icc_profile=icc(), bleed_mm=BLEED_MM, crop_marks=True)
    return Rendered(pagination, render_pdf(pagination, footer=FOOTER, options=options))


def run_on_bytes(*command, data):
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


def list_lines(pagination):
    """Per page, the list lines of the pagination in reading order (column, then line)."""
    return [
        [
            line
            for column in page.columns
            for line in column.lines
            if line.style in DRAWN_STYLES and line.text
        ]
        for page in pagination.pages
    ]


def widths(font) -> dict[int, float]:
    """Glyph id → advance in thousandths of an em, from a composite font's W array."""
    array, found, index = list(font.DescendantFonts[0].W), {}, 0
    while index < len(array):
        first, values = int(array[index]), array[index + 1]
        for offset, value in enumerate(values):
            found[first + offset] = float(value)
        index += 2
    return found


def drawn_glyphs(page):
    """Every glyph the list fonts draw on a page: (line text, x0, x1, baseline, fill colour).

    A small text interpreter for what overlay.py writes (Tf, TL, Tm, Td, ', Tj, TJ), in page
    coordinates; positions use the W arrays, the advances a RIP uses.
    """
    fonts = page.resources.Font
    codes_of = {name: widths(fonts[name]) for name in fonts.keys() if name in LIST_FONTS}
    glyphs, fill, stack = [], None, []
    font = size = None
    leading = 0.0
    line_x = line_y = x = 0.0
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "q":
            stack.append(fill)
        elif op == "Q":
            fill = stack.pop()
        elif op in ("k", "scn", "sc", "rg", "g"):
            fill = (op, tuple(float(value) for value in operands))
        elif op == "BT":
            line_x = line_y = x = 0.0
        elif op == "Tf":
            font, size = str(operands[0]), float(operands[1])
        elif op == "TL":
            leading = float(operands[0])
        elif op == "Tm":
            line_x, line_y = float(operands[4]), float(operands[5])
            x = line_x
        elif op == "Td":
            line_x, line_y = line_x + float(operands[0]), line_y + float(operands[1])
            x = line_x
        elif op in ("'", "Tj", "TJ") and font in codes_of:
            if op == "'":
                line_y -= leading
                x = line_x
            items = operands[0] if op == "TJ" else [operands[0]]
            for item in items:
                if isinstance(item, (int, float, Decimal)):
                    x -= float(item) / 1000 * size
                    continue
                raw = bytes(item)
                for start in range(0, len(raw), 2):
                    glyph = int.from_bytes(raw[start : start + 2], "big")
                    advance = codes_of[font][glyph] / 1000 * size
                    glyphs.append((x, x + advance, line_y, fill))
                    x += advance
    return glyphs


def test_the_list_text_read_back_from_the_pdf_is_every_line_in_reading_order(rendered):
    pages = run_on_bytes("pdftotext", "-raw", "-", "-", data=rendered.data).split("\f")
    for page_text, lines in zip(pages, list_lines(rendered.pagination), strict=False):
        read = [text for text in page_text.splitlines()]
        # The furniture (title, diplomas, folio) is WeasyPrint's and comes first; the lists
        # follow in column order, each line whole, accents and all.
        expected = [line.text for line in lines]
        start = read.index(expected[0])
        assert [" ".join(text.split()) for text in read[start : start + len(expected)]] == [
            " ".join(text.split()) for text in expected
        ]


def test_the_list_fonts_are_embedded_subsets_with_a_unicode_map(rendered):
    rows = run_on_bytes("pdffonts", "-", data=rendered.data).splitlines()[2:]
    listed = [row.split() for row in rows if "RobotoCondensed-" in row.split()[0]]
    assert {row[0].split("+")[1] for row in listed} == {
        "RobotoCondensed-Regular",
        "RobotoCondensed-Bold",
    }
    for row in listed:
        assert len(row[0].split("+")[0]) == 6  # a subset tag
        assert row[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, ToUnicode


def test_each_list_font_is_embedded_once_with_only_the_glyphs_the_lists_use(rendered):
    with pikepdf.open(io.BytesIO(rendered.data)) as pdf:
        fonts = {
            page.resources.Font[name].objgen
            for page in pdf.pages
            for name in LIST_FONTS
            if name in page.resources.Font
        }
        assert len(fonts) == 2
        regular = pdf.pages[0].resources.Font["/ListRegular"]
        program = regular.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
    font = TTFont(io.BytesIO(program))
    whole = TTFont(REGULAR_FONT)
    # Glyph ids are those of the whole font, so the codes the page draws need no remapping.
    assert len(font.getGlyphOrder()) == len(whole.getGlyphOrder())
    used = {
        font_metrics(False).glyph_ids[char]
        for lines in list_lines(rendered.pagination)
        for line in lines
        if line.style not in ("heading", "continued_heading")
        for char in line.text
    }
    kept = {
        gid for gid, name in enumerate(font.getGlyphOrder()) if font["glyf"][name].numberOfContours
    }
    assert used - {font_metrics(False).glyph_ids[" "]} <= kept
    # Only what those glyphs are made of: é is e and an accent, nothing more.
    assert kept <= truetype_file(REGULAR_FONT).closure(used)
    assert len(program) < REGULAR_FONT.stat().st_size / 4


def test_every_list_glyph_is_drawn_in_black_on_the_k_plate(rendered):
    with pikepdf.open(io.BytesIO(rendered.data)) as pdf:
        for page in pdf.pages:
            glyphs = drawn_glyphs(page)
            assert glyphs
            assert {fill for *_, fill in glyphs} == {("scn", (0, 0, 0, 1))}


def test_no_list_glyph_leaves_the_column_box_the_paginator_computed(rendered):
    pagination = rendered.pagination
    profile = pagination.profile
    metrics = font_metrics(False)
    ascent = metrics.ascent / metrics.units_per_em * profile.font_size_pt
    descent = metrics.descent / metrics.units_per_em * profile.font_size_pt
    # Roboto's em box (ascent to descent) is 8.2 pt at 7 pt, on an 8 pt leading: centred on
    # its line, as in any CSS line box, it reaches a tenth of a point beyond it at each end.
    overshoot = (ascent - descent - profile.leading_pt) / 2 + 0.001
    height = profile.page_height_mm * MM_TO_PT
    columns = [
        (profile.column_x_pt(index), profile.column_x_pt(index) + profile.column_width_pt)
        for index in range(profile.columns)
    ]
    with pikepdf.open(io.BytesIO(rendered.data)) as pdf:
        for page, paged in zip(pdf.pages, pagination.pages, strict=True):
            top = height - profile.line_y_pt(paged.columns[0].top)
            bottom = height - profile.line_y_pt(profile.lines_per_column)
            for x0, x1, baseline, _ in drawn_glyphs(page):
                # A thousandth of a point: the positions are written to three decimals.
                assert any(left - 0.001 <= x0 and x1 <= right + 0.001 for left, right in columns)
                assert (
                    baseline + ascent <= top + overshoot
                    and baseline + descent >= bottom - overshoot
                )


def test_a_character_the_font_lacks_is_drawn_as_a_box_a_full_em_wide(tmp_path):
    rows = realistic_rows(30, 2)
    rows[0] = dict(rows[0], nom="李", prenoms="Wei")
    pagination = paginate(BERLINER, compose(rows))
    data = render_pdf(pagination)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        font = pdf.pages[0].resources.Font["/ListRegular"]
        assert widths(font)[0] == 1000  # .notdef, as measure.py counted it
    text = run_on_bytes("pdftotext", "-", "-", data=data)
    assert "Wei" in text


def test_a_subset_keeps_glyph_ids_and_the_outlines_of_accented_letters():
    metrics = font_metrics(False)
    wanted = {metrics.glyph_ids[char] for char in "Éé"}
    font = TTFont(io.BytesIO(truetype_file(REGULAR_FONT).subset(wanted)))
    whole = TTFont(REGULAR_FONT)
    # Without a post table the subset's glyphs are named by id: glyph ids are what count.
    names, whole_names = font.getGlyphOrder(), whole.getGlyphOrder()
    assert len(names) == len(whole_names)
    for char in "Éé":
        glyph_id = metrics.glyph_ids[char]
        glyph, original = font["glyf"][names[glyph_id]], whole["glyf"][whole_names[glyph_id]]
        assert glyph.numberOfContours == original.numberOfContours
        if glyph.isComposite():
            for component in glyph.components:
                assert font["glyf"][component.glyphName].numberOfContours
        else:
            assert glyph.coordinates == original.coordinates
    assert font["glyf"][names[metrics.glyph_ids["A"]]].numberOfContours == 0
