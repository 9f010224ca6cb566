"""The insert as a printer receives it: PDF/X-4 with its output intent, boxes, crop marks in
CMYK, no RGB anywhere, the same file whether rendered in one process or several.

Checked with the tools a prepress desk uses (pdfinfo, pdffonts, qpdf, pdftoppm) and by reading
every content stream with pikepdf, never by comparing bytes.
"""

import dataclasses
import io
import logging
import math
import re
import struct
import subprocess
from pathlib import Path

import billiard
import pikepdf
import pytest
from PIL import Image, ImageOps

from layouts.compose import compose
from layouts.icc import icc_description, icc_profile_errors
from layouts.paginate import paginate
from layouts.pdf import NOT_PDFX, PrintOptions, render_pdf
from layouts.preflight import is_pdfx, preflight_errors
from layouts.prepress import SLUG_MARGIN_MM, mark_reach_mm
from layouts.profile import BERLINER, MM_TO_PT, TABLOID
from tests.layouts.test_layouts_pdf import (
    FOOTER,
    TITLE,
    expected_lines,
    printed_lines,
    realistic_rows,
    run,
    special_rows,
)

ICC_FOLDER = Path("/usr/share/color/icc/ghostscript")
BLEED_MM = 3
# Short pages: several of them from a few hundred names, to exercise parallel rendering fast.
SHORT_PAGES = dataclasses.replace(TABLOID, name="Court", page_height_mm=120)


def icc(name="default_cmyk.icc"):
    path = ICC_FOLDER / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run scripts/setup --test (Debian package libgs-common)")
    return path.read_bytes()


@pytest.fixture(scope="module")
def pagination():
    pagination = paginate(BERLINER, compose(realistic_rows(2000, 11)), title=TITLE)
    assert pagination.pages_count >= 3  # enough to be split between processes
    return pagination


@pytest.fixture(scope="module")
def press_options():
    return PrintOptions(icc_profile=icc(), bleed_mm=BLEED_MM, crop_marks=True)


@pytest.fixture(scope="module")
def serial(pagination, press_options, tmp_path_factory):
    path = tmp_path_factory.mktemp("print") / "serial.pdf"
    path.write_bytes(render_pdf(pagination, footer=FOOTER, options=press_options))
    return path


@pytest.fixture(scope="module")
def parallel(pagination, press_options, tmp_path_factory):
    path = tmp_path_factory.mktemp("print") / "parallel.pdf"
    # Real inserts are too short to be worth two processes: lower the bar for this one.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("layouts.pdf.MIN_PARALLEL_PAGES", 3)
        path.write_bytes(render_pdf(pagination, footer=FOOTER, options=press_options, processes=2))
    return path


@pytest.fixture(scope="module")
def proof(tmp_path_factory):
    path = tmp_path_factory.mktemp("print") / "proof.pdf"
    path.write_bytes(render_pdf(paginate(BERLINER, compose(special_rows()), title=TITLE)))
    return path


@pytest.fixture(params=["serial", "parallel"])
def press_pdf(request):
    return request.getfixturevalue(request.param)


def boxes(path):
    """Per page, each box name → (x0, y0, x1, y1) in points, as pdfinfo reports them."""
    info = run("pdfinfo", "-box", "-f", "1", "-l", "999", str(path))
    pages = {}
    for page, name, coords in re.findall(r"Page +(\d+) (\w+Box): +([-\d. ]+)\n", info):
        pages.setdefault(int(page), {})[name] = tuple(float(v) for v in coords.split())
    return pages


# PDF/X-4 and its output intent


def test_a_press_pdf_is_pdfx_4_with_the_printers_output_intent(press_pdf, tmp_path):
    assert "PDF subtype:    PDF/X-4" in run("pdfinfo", str(press_pdf))
    # Object streams hide the catalog from a plain search: expand them as a printer would.
    expanded = tmp_path / "qdf.pdf"
    run("qpdf", "--qdf", "--object-streams=disable", str(press_pdf), str(expanded))
    text = expanded.read_bytes()
    for needed in (b"/OutputIntents", b"/GTS_PDFX", b"/DestOutputProfile", b"/TrimBox"):
        assert needed in text
    assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in text
    with pikepdf.open(press_pdf) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.OutputConditionIdentifier == "Artifex CMYK SWOP Profile"
        profile = intent.DestOutputProfile
        assert profile.N == 4
        assert profile.read_bytes() == icc()
        assert pdf.docinfo["/GTS_PDFXVersion"] == "PDF/X-4"
        assert pdf.docinfo["/Title"] == TITLE
        # One copy of the profile, though each rendered part brought its own.
        profiles = [
            obj
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and obj.read_bytes()[36:40] == b"acsp"
        ]
        assert len(profiles) == 1


def test_every_font_of_a_press_pdf_is_embedded_under_its_own_subset_name(press_pdf):
    rows = run("pdffonts", str(press_pdf)).splitlines()[2:]
    assert rows
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column
    # Each part embeds its own subsets: PDF wants different subsets named differently.
    names = [row.split()[0] for row in rows]
    assert len(names) == len(set(names))


def test_a_press_pdf_passes_our_preflight(press_pdf):
    data = press_pdf.read_bytes()
    assert is_pdfx(data)
    assert preflight_errors(data) == []


def test_the_output_condition_can_be_named(tmp_path):
    options = PrintOptions(icc_profile=icc(), output_condition="ISOnewspaper26v4")
    data = render_pdf(paginate(BERLINER, compose(special_rows())), options=options)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.Root.OutputIntents[0].OutputConditionIdentifier == "ISOnewspaper26v4"
    assert preflight_errors(data) == []


def test_without_a_profile_the_pdf_says_plainly_it_is_not_pdfx(proof):
    info = run("pdfinfo", str(proof))
    assert f"Subject:         {NOT_PDFX}\n" in info
    assert "PDF subtype" not in info
    data = proof.read_bytes()
    assert not is_pdfx(data)
    with pikepdf.open(proof) as pdf:
        assert "/OutputIntents" not in pdf.Root
    assert "Le PDF ne s'identifie pas comme PDF/X-4 (métadonnées XMP)." in preflight_errors(data)


# Boxes, bleed and crop marks


def test_trim_is_the_title_page_bleed_adds_the_bleed_and_the_sheet_holds_the_marks(press_pdf):
    width, height = BERLINER.page_width_mm * MM_TO_PT, BERLINER.page_height_mm * MM_TO_PT
    bleed = BLEED_MM * MM_TO_PT
    sheet = (mark_reach_mm(BLEED_MM) + SLUG_MARGIN_MM) * MM_TO_PT
    pages = boxes(press_pdf)
    assert len(pages) == 3
    for page in pages.values():
        assert page["TrimBox"] == pytest.approx((0, 0, width, height), abs=0.01)
        assert page["BleedBox"] == pytest.approx(
            (-bleed, -bleed, width + bleed, height + bleed), abs=0.01
        )
        assert page["MediaBox"] == pytest.approx(
            (-sheet, -sheet, width + sheet, height + sheet), abs=0.01
        )


def test_a_proof_without_bleed_or_marks_is_exactly_the_page(proof):
    width, height = BERLINER.page_width_mm * MM_TO_PT, BERLINER.page_height_mm * MM_TO_PT
    for page in boxes(proof).values():
        for name in ("MediaBox", "TrimBox", "BleedBox"):
            assert page[name] == pytest.approx((0, 0, width, height), abs=0.01)


def test_lines_keep_their_place_on_the_trimmed_page(serial, pagination):
    sheet = (mark_reach_mm(BLEED_MM) + SLUG_MARGIN_MM) * MM_TO_PT
    printed = printed_lines(str(serial), BERLINER, margin=sheet)
    as_text = {key: " ".join(word for _, _, word in words) for key, words in printed.items()}
    expected = expected_lines(pagination)
    assert {key: as_text.get(key) for key in expected} == expected


def drawing(container, resources, seen=None):
    """(operator, operands) of a content stream and of the forms it paints, in order."""
    seen = set() if seen is None else seen
    for operands, operator in pikepdf.parse_content_stream(container):
        yield str(operator), list(operands)
        if str(operator) == "Do":
            xobject = resources.XObject[operands[0]]
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from drawing(xobject, xobject.get("/Resources", resources), seen)


def test_nothing_is_drawn_in_rgb_and_marks_are_on_the_black_plate(press_pdf):
    with pikepdf.open(press_pdf) as pdf:
        for page in pdf.pages:
            operations = list(drawing(page, page.resources))
            operators = {operator for operator, _ in operations}
            assert not operators & {"rg", "RG", "sc", "SC", "g", "G"}
            spaces = {str(ops[0]) for operator, ops in operations if operator in ("cs", "CS")}
            assert spaces == {"/DeviceCMYK"}
            fills = {tuple(ops) for operator, ops in operations if operator == "scn"}
            assert fills == {(0, 0, 0, 1)}
            strokes = [tuple(ops) for operator, ops in operations if operator == "K"]
            assert strokes == [(0, 0, 0, 1)]  # the crop marks, once per page


def crop_mark_segments(page):
    """The straight segments drawn after the marks' colour is set."""
    segments, start, marking = [], None, False
    for operator, operands in drawing(page, page.resources):
        marking = marking or operator == "K"
        if marking and operator == "m":
            start = tuple(float(v) for v in operands)
        elif marking and operator == "l":
            segments.append((start, tuple(float(v) for v in operands)))
    return segments


def test_crop_marks_sit_outside_the_bleed_in_line_with_the_trim(serial):
    with pikepdf.open(serial) as pdf:
        for page in pdf.pages:
            tx0, ty0, tx1, ty1 = (float(v) for v in page.trimbox)
            bx0, by0, bx1, by1 = (float(v) for v in page.bleedbox)
            segments = crop_mark_segments(page)
            assert len(segments) == 8  # two per corner
            for (x0, y0), (x1, y1) in segments:
                # The marks are written to a thousandth of a point.
                vertical = x0 == x1 and min(abs(x0 - tx0), abs(x0 - tx1)) < 0.001
                horizontal = y0 == y1 and min(abs(y0 - ty0), abs(y0 - ty1)) < 0.001
                assert vertical or horizontal
                outside = max(x0, x1) <= bx0 or min(x0, x1) >= bx1
                outside = outside or max(y0, y1) <= by0 or min(y0, y1) >= by1
                assert outside


def test_a_printer_sees_marks_in_the_four_corners_outside_the_bleed(serial, tmp_path):
    run("pdftoppm", "-r", "40", "-png", "-f", "2", "-l", "2", str(serial), str(tmp_path / "p"))
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    pixels_per_mm = 40 / 25.4
    to_trim = (mark_reach_mm(BLEED_MM) + SLUG_MARGIN_MM) * pixels_per_mm
    to_bleed = to_trim - BLEED_MM * pixels_per_mm
    for flip_x in (False, True):
        for flip_y in (False, True):
            # Each corner in turn brought to the top left.
            corner = ImageOps.flip(image) if flip_y else image
            corner = ImageOps.mirror(corner) if flip_x else corner
            side = math.ceil(to_trim) + 1
            assert corner.crop((0, 0, side, side)).getextrema()[0] < 128  # the two marks
            first, last = math.ceil(to_bleed) + 1, math.floor(to_trim) - 1
            bleed_corner = corner.crop((first, first, last, last))
            assert bleed_corner.getextrema()[0] > 240  # nothing in the bleed
    width, height = image.size
    side = math.ceil(to_trim) + 2
    trimmed = image.crop((side, side, width - side, height - side))
    assert trimmed.getextrema()[0] < 128  # and the names inside the trim


# Parallel rendering


def test_parallel_and_serial_renders_are_the_same_insert(serial, parallel, pagination):
    assert boxes(serial) == boxes(parallel)
    assert run("pdftotext", str(serial), "-") == run("pdftotext", str(parallel), "-")
    pages = run("pdftotext", str(parallel), "-").split("\f")[:-1]
    assert len(pages) == pagination.pages_count
    for number, text in enumerate(pages, 1):
        assert f"Page {number}/{pagination.pages_count}" in text


def render_in_child(queue):
    """Render a multi-page insert asking for two processes; report the PDF and the warnings."""
    warnings = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())
    logging.getLogger("layouts.pdf").addHandler(handler)
    pagination = paginate(SHORT_PAGES, compose(realistic_rows(400, 5)), title=TITLE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("layouts.pdf.MIN_PARALLEL_PAGES", 3)
        data = render_pdf(pagination, options=PrintOptions(icc_profile=icc()), processes=2)
    result = (pagination.pages_count, data, warnings)
    if queue is None:
        return result
    queue.put(result)


def check_child_render(result):
    pages, data, warnings = result
    assert pages >= 3
    assert preflight_errors(data) == []
    assert f"Pages:           {pages}\n" in run_on_bytes("pdfinfo", data)
    assert warnings == []


def run_on_bytes(tool, data):
    return subprocess.run([tool, "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_a_celery_prefork_worker_renders_its_parts_in_parallel():
    # Celery's prefork pool is billiard's, whose workers are daemonic: the stdlib's pools
    # refuse to start there, billiard's do not.
    with billiard.Pool(1) as pool:
        result = pool.apply(render_in_child, (None,))
    check_child_render(result)


# The printer's ICC profile


def test_a_printers_cmyk_output_profile_is_accepted_and_named():
    assert icc_profile_errors(icc()) == []
    assert icc_description(icc()) == "Artifex CMYK SWOP Profile"
    # An ICC v4 profile names itself in a multilocalised (mluc) tag.
    assert icc_profile_errors(icc("ps_cmyk.icc")) == []
    assert icc_description(icc("ps_cmyk.icc")) == "Artifex PS CMYK Profile"


def test_an_empty_file_is_refused():
    assert icc_profile_errors(b"") == ["Le fichier est vide."]


def test_an_image_is_refused_as_no_icc_profile():
    png = io.BytesIO()
    Image.new("RGB", (40, 40)).save(png, "PNG")
    assert icc_profile_errors(png.getvalue()) == [
        "Ce fichier n'est pas un profil ICC (signature « acsp » absente de l'en-tête)."
    ]


def test_a_screen_rgb_profile_is_refused_for_both_reasons():
    errors = icc_profile_errors(icc("srgb.icc"))
    assert len(errors) == 2
    assert "RVB" in errors[0] and "CMJN" in errors[0]
    assert "« écran »" in errors[1] and "profil de sortie" in errors[1]


def test_a_truncated_profile_is_refused():
    data = icc()
    assert icc_profile_errors(data[:1000]) == [
        f"Le profil ICC est incomplet ou abîmé : son en-tête annonce {len(data)} octets, "
        "le fichier en contient 1000."
    ]
    assert "incomplet" in icc_profile_errors(data[:100])[0]


def test_a_profile_without_conversion_tables_or_with_a_broken_table_is_refused():
    data = icc()
    no_tags = data[:128] + bytes(len(data) - 128)
    assert "A2B0, B2A0" in icc_profile_errors(no_tags)[0]
    huge_count = data[:128] + struct.pack(">I", 10**6) + data[132:]
    assert "table des balises" in icc_profile_errors(huge_count)[0]


def test_print_options_refuse_a_bad_profile():
    with pytest.raises(ValueError, match="RVB"):
        PrintOptions(icc_profile=icc("srgb.icc"))


# Our preflight finds what a printer's would


def test_preflight_finds_rgb_hidden_in_a_form():
    pdf = pikepdf.new()
    form = pikepdf.Stream(pdf, b"1 0 0 rg 0 0 10 10 re f")
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = [0, 0, 10, 10]
    pdf.add_blank_page(page_size=(100, 100))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm0=form))
    page.Contents = pikepdf.Stream(pdf, b"q /Fm0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    errors = preflight_errors(out.getvalue())
    assert "Page 1 : couleur RVB (opérateur rg)." in errors


def test_every_stream_but_the_metadata_is_compressed_the_profile_included(press_pdf):
    # The parts come uncompressed from WeasyPrint; the join compresses each stream once.
    with pikepdf.open(press_pdf) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.DestOutputProfile.Filter == "/FlateDecode"
        assert "/Filter" not in pdf.Root.Metadata
        streams = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream)]
        plain = [
            obj
            for obj in streams
            if "/Filter" not in obj and obj.objgen != pdf.Root.Metadata.objgen
        ]
        assert streams and plain == []
