"""Readying rendered PDF parts for the press: joined, page boxes, crop marks, output intent."""

import hashlib
import io
import string
import zlib
from collections.abc import Callable
from functools import lru_cache

import pikepdf

from layouts.profile import MM_TO_PT

PDFX_VERSION = "PDF/X-4"

# Crop marks start this far outside the bleed, so that a trim a little off never shows them,
# and are this long and this thick (a common hairline for marks).
MARK_GAP_MM = 3
MARK_LENGTH_MM = 6
MARK_WIDTH_PT = 0.25
# Blank paper kept beyond the marks' ends, so that no viewer or RIP clips them.
SLUG_MARGIN_MM = 1

# Marks are drawn on the black plate only, not in registration (1 1 1 1): the insert is a
# one-colour job (all text is K only), so the C, M and Y plates carry nothing to register, and
# 400 % registration ink would trip the 240 % total-ink check of newsprint preflights.
MARK_COLOUR = "0 0 0 1 K"


def finish(
    parts: list[bytes],
    *,
    bleed_mm: float,
    crop_marks: bool,
    output_condition: str | None,
    overlay: Callable[[pikepdf.Pdf], None] | None = None,
) -> bytes:
    """One PDF from the parts rendered in page order; `output_condition` names the output
    intent of a PDF/X part (None: not PDF/X); `overlay` draws more on the joined pages, in
    their own coordinates, before the boxes grow. The parts come uncompressed (WeasyPrint's
    `uncompressed_pdf`): their streams are compressed here, once, see `compress`."""
    # Pages copied from a part read its streams when saved: every part stays open till then.
    pdfs = [pikepdf.open(io.BytesIO(part)) for part in parts]
    pdf = join(pdfs)
    if overlay is not None:
        overlay(pdf)
    for page in pdf.pages:
        set_boxes(page, bleed_mm, crop_marks)
        if crop_marks:
            draw_crop_marks(page, bleed_mm)
    if output_condition is not None:
        name_output_intent(pdf, output_condition)
    compress(pdf)
    out = io.BytesIO()
    # The XMP metadata stays readable as it is, as WeasyPrint leaves it: every other stream
    # was compressed above.
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def compress(pdf: pikepdf.Pdf) -> None:
    """Deflate every stream still plain, the XMP metadata excepted.

    The printer's profile (190 kB for ghostscript's, a megabyte or two for a press's) is the
    same in every insert of a title: deflated once per process, it no longer costs more than
    the rest of the file, which WeasyPrint compressing it on each render made it.
    """
    for obj in pdf.objects:
        if (
            not isinstance(obj, pikepdf.Stream)
            or "/Filter" in obj
            or obj.get("/Type") == "/Metadata"
        ):
            continue
        data = obj.read_bytes()
        if data[36:40] == b"acsp":  # an ICC profile's signature
            obj.write(deflated_profile(data), filter=pikepdf.Name.FlateDecode)
        else:
            obj.write(zlib.compress(data), filter=pikepdf.Name.FlateDecode)


@lru_cache(maxsize=4)
def deflated_profile(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def join(pdfs: list[pikepdf.Pdf]) -> pikepdf.Pdf:
    """The parts' pages appended to the first part, whose catalog (output intent, XMP metadata
    with the PDF/X identification) and information dictionary become the whole document's."""
    pdf, *others = pdfs
    used_tags = font_tags(pdf)
    for other in others:
        retag_fonts(other, used_tags)
        pdf.pages.extend(other.pages)
    share_colour_spaces(pdf)
    return pdf


def share_colour_spaces(pdf: pikepdf.Pdf) -> None:
    """Keep one copy of the printer's profile: every part brought its own, from the same CSS,
    and a real press profile is a megabyte or two."""
    first = pdf.pages[0].resources.get("/ColorSpace")
    if first is None:
        return
    for page in pdf.pages[1:]:
        spaces = page.resources.get("/ColorSpace")
        if spaces is not None and set(spaces.keys()) == set(first.keys()):
            page.resources.ColorSpace = first


def fonts(pdf: pikepdf.Pdf):
    """Every font dictionary the pages use, descendant fonts of composite fonts included."""
    seen = set()
    for page in pdf.pages:
        for font in page.resources.get("/Font", {}).values():
            for item in (font, *font.get("/DescendantFonts", [])):
                if item.objgen not in seen:
                    seen.add(item.objgen)
                    yield item


def font_tags(pdf: pikepdf.Pdf) -> set[str]:
    return {str(font.BaseFont)[1:7] for font in fonts(pdf) if "/BaseFont" in font}


def retag_fonts(pdf: pikepdf.Pdf, used_tags: set[str]) -> None:
    """Give this part's font subsets tags no other part uses.

    WeasyPrint derives a subset's six-letter tag from the font alone, so every part names its
    own, different subset alike; PDF requires different subsets in one file to have different
    tags, and preflights that merge same-named fonts would lose glyphs.
    """
    renamed: dict[str, str] = {}
    for font in fonts(pdf):
        base = str(font.get("/BaseFont", ""))
        if len(base) < 8 or base[7] != "+":
            continue  # not a subset: the whole font, the same in every part
        tag = base[1:7]
        if tag not in renamed:
            renamed[tag] = fresh_tag(tag, used_tags)
        font.BaseFont = pikepdf.Name("/" + renamed[tag] + base[7:])
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None:
            descriptor.FontName = font.BaseFont


def fresh_tag(tag: str, used_tags: set[str]) -> str:
    seed = tag
    while True:
        digest = hashlib.md5(seed.encode(), usedforsecurity=False).digest()
        new = "".join(string.ascii_uppercase[byte % 26] for byte in digest[:6])
        if new not in used_tags:
            used_tags.add(new)
            return new
        seed = new


def set_boxes(page: pikepdf.Page, bleed_mm: float, crop_marks: bool) -> None:
    """TrimBox: the page as rendered, the title's page exactly; BleedBox: the trim plus the
    bleed; MediaBox: room for the crop marks beyond the bleed.

    The page grows outwards, to negative coordinates (valid PDF, and what WeasyPrint's own
    bleed does), so no content stream is rewritten and every line keeps its coordinates.
    """
    x0, y0, x1, y1 = (float(value) for value in page.trimbox)
    bleed = bleed_mm * MM_TO_PT
    media = (mark_reach_mm(bleed_mm) + SLUG_MARGIN_MM) * MM_TO_PT if crop_marks else bleed
    page.TrimBox = pikepdf.Array([x0, y0, x1, y1])
    page.BleedBox = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
    page.MediaBox = pikepdf.Array([x0 - media, y0 - media, x1 + media, y1 + media])
    for name in ("/CropBox", "/ArtBox"):
        if name in page.obj:
            del page.obj[name]


def mark_reach_mm(bleed_mm: float) -> float:
    """How far from the trim the crop marks end."""
    return bleed_mm + MARK_GAP_MM + MARK_LENGTH_MM


def draw_crop_marks(page: pikepdf.Page, bleed_mm: float) -> None:
    """Crop marks at the four corners, in line with the trim edges, outside the bleed."""
    x0, y0, x1, y1 = (float(value) for value in page.trimbox)
    start = (bleed_mm + MARK_GAP_MM) * MM_TO_PT
    end = mark_reach_mm(bleed_mm) * MM_TO_PT
    lines = []
    for x, dx in ((x0, -1), (x1, 1)):
        for y, dy in ((y0, -1), (y1, 1)):
            lines.append(f"{x + dx * start:.3f} {y:.3f} m {x + dx * end:.3f} {y:.3f} l S")
            lines.append(f"{x:.3f} {y + dy * start:.3f} m {x:.3f} {y + dy * end:.3f} l S")
    marks = "\n".join(["Q", "q", MARK_COLOUR, f"{MARK_WIDTH_PT} w", "0 J", "[] 0 d", *lines, "Q"])
    # WeasyPrint's stream leaves its page transform in force: isolate it, then draw the marks
    # in plain page coordinates.
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(("\n" + marks + "\n").encode())


def name_output_intent(pdf: pikepdf.Pdf, condition: str) -> None:
    """Name the output condition, and say PDF/X-4 in the information dictionary too."""
    intents = pdf.Root.get("/OutputIntents", [])
    if not intents:
        # WeasyPrint only warns when it cannot use a profile; a PDF/X without its output
        # intent is exactly what a printer's preflight rejects.
        raise RuntimeError("WeasyPrint wrote no output intent for the ICC profile.")
    for intent in intents:
        intent.OutputConditionIdentifier = condition
        intent.OutputCondition = condition
        intent.Info = condition
    # The XMP metadata already says PDF/X-4; older preflights read only the Info dictionary.
    pdf.docinfo["/GTS_PDFXVersion"] = PDFX_VERSION
