"""The lists' lines written straight into the rendered pages, where paginate.py placed them.

WeasyPrint draws the page furniture (title, diploma blocks, rules, notes, folios); its time
goes on boxes, and the names were nearly all of the boxes (0.38 s a Berliner page). Names and
option headings are set here instead: a text operator per line at the x/y the paginator
computed, with the advance widths it measured (measure.py), from the same font files, each
face embedded once per PDF as a subset, in black on the K plate only.
"""

from dataclasses import dataclass
from functools import cache

import pikepdf

from layouts.fontfile import truetype_file
from layouts.measure import FontMetrics, font_metrics
from layouts.paginate import Page, Pagination
from layouts.prepress import font_tags, fresh_tag
from layouts.profile import MM_TO_PT, LayoutProfile

DRAWN_STYLES = {"name", "name_cont", "heading", "continued_heading"}
BOLD_STYLES = {"heading", "continued_heading"}
# The same operators WeasyPrint writes for its black text: DeviceCMYK, the K plate only.
BLACK_FILL = "/DeviceCMYK cs\n0 0 0 1 scn"
NOTDEF = 0
# A ToUnicode CMap block holds at most 100 entries (Adobe technical note 5411).
CMAP_BLOCK = 100
TOUNICODE_HEADER = """/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
"""
TOUNICODE_FOOTER = """endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def literal_bytes(glyph: int) -> str:
    """The two bytes of a glyph id inside a PDF literal string, escaped where the syntax
    needs it (a lone carriage return would be read as a line feed)."""
    return "".join(LITERAL_ESCAPES.get(byte, chr(byte)) for byte in glyph.to_bytes(2, "big"))


LITERAL_ESCAPES = {0x28: "\\(", 0x29: "\\)", 0x5C: "\\\\", 0x0D: "\\r"}
NOTDEF_CODE = literal_bytes(NOTDEF)


@dataclass
class Face:
    """One weight of the list font as this PDF uses it: its resource name, the characters it
    draws (all its subset needs) and their codes."""

    resource: str
    metrics: FontMetrics
    used: set[str]
    # Character → its two-byte Identity-H code as a PDF literal string's bytes (latin-1): a
    # table for str.translate, which writes the lines in C rather than in a Python loop.
    codes: dict[int, str]

    @classmethod
    def of(cls, bold: bool, texts: list[str]) -> "Face":
        metrics = font_metrics(bold)
        used = set("".join(texts))
        codes = glyph_codes(bold)
        if missing := used - metrics.glyph_ids.keys():
            # A character the font lacks is drawn as .notdef, which measure.py counted a
            # full em wide: never a missing letter nobody sees.
            codes = codes | {ord(char): NOTDEF_CODE for char in missing}
        return cls("/ListBold" if bold else "/ListRegular", metrics, used, codes)

    def baseline_pt(self, size_pt: float, leading_pt: float) -> float:
        """From the top of a line to its baseline: half the leading's extra above the ascent,
        as in the CSS line box WeasyPrint draws the furniture's lines in."""
        scale = size_pt / self.metrics.units_per_em
        ascent, descent = self.metrics.ascent * scale, self.metrics.descent * scale
        return (leading_pt - (ascent - descent)) / 2 + ascent

    def string(self, text: str, size_pt: float, word_spacing_pt: float = 0) -> str:
        """The operand drawing `text`: a string, or with each space widened by
        `word_spacing_pt` (a justified line) an array for TJ."""
        if not word_spacing_pt or " " not in text:
            return f"({text.translate(self.codes)})"
        # Tw only widens the single-byte code 32; with two-byte glyph codes, TJ moves instead.
        gap = f"{self.codes[32]}) {-word_spacing_pt * 1000 / size_pt:.3f} ("
        return "[(" + gap.join(word.translate(self.codes) for word in text.split(" ")) + ")]"


@cache
def glyph_codes(bold: bool) -> dict[int, str]:
    ids = font_metrics(bold).glyph_ids
    return {ord(char): literal_bytes(glyph) for char, glyph in ids.items()}


def draw_lines(pdf: pikepdf.Pdf, pagination: Pagination) -> None:
    """Add the list lines of each page of `pagination` to the same page of `pdf`."""
    texts: dict[bool, list[str]] = {False: [], True: []}
    for page in pagination.pages:
        for column in page.columns:
            for line in column.lines:
                if line.style in DRAWN_STYLES:
                    texts[line.style in BOLD_STYLES].append(line.text)
    faces = {bold: Face.of(bold, texts[bold]) for bold in (False, True)}
    streams = [page_stream(pagination.profile, page, faces) for page in pagination.pages]
    used_tags = font_tags(pdf)
    fonts = {face.resource: embed(pdf, face, used_tags) for face in faces.values() if face.used}
    if not fonts:
        return
    for page, stream in zip(pdf.pages, streams, strict=True):
        if stream is None:
            continue
        if "/Font" not in page.resources:
            page.resources.Font = pikepdf.Dictionary()
        for name, font in fonts.items():
            page.resources.Font[name] = font
        # WeasyPrint's stream leaves its y-down transform in force: isolate it, then draw in
        # plain page coordinates, which set_boxes never moves. One stream per page, as
        # WeasyPrint wrote it, for tools that read a page's Contents as a single stream.
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"\nQ\n" + stream)
        page.contents_coalesce()


def page_stream(profile: LayoutProfile, page: Page, faces: dict[bool, Face]) -> bytes | None:
    """The text of a page's list lines. Each line starts one leading below the previous one
    most of the time: the ' operator (next line, then show) says so without coordinates;
    anywhere else (a blank line, a column top, an indent) Td moves to the exact spot."""
    size, leading = profile.font_size_pt, profile.leading_pt
    page_height = profile.page_height_mm * MM_TO_PT
    baselines = {bold: face.baseline_pt(size, leading) for bold, face in faces.items()}
    # The leading as written, so that the ' operator moves exactly where Td would have.
    step = round(leading, 3)
    ops, current = [f"{step:.3f} TL"], None
    x = y = 0.0  # where the current line starts, as the operators written so far put it
    for index, column in enumerate(page.columns):
        left, width = profile.column_x_pt(index), profile.column_width_pt
        offset = column.top
        for line in column.lines:
            if line.style in DRAWN_STYLES and line.text:
                bold = line.style in BOLD_STYLES
                face = faces[bold]
                if face is not current:
                    ops.append(f"{face.resource} {size:g} Tf")
                    current = face
                # Continuation lines of a long name hang one em in, as paginate.py measured.
                indent = size if line.style == "name_cont" else 0
                spacing = justified_spacing(face, line, width - indent, size)
                string = face.string(line.text, size, spacing)
                line_x = left + indent
                line_y = page_height - profile.line_y_pt(offset) - baselines[bold]
                dx, dy = round(line_x - x, 3), round(line_y - y, 3)
                if spacing:
                    ops.append(f"{dx:.3f} {dy:.3f} Td {string} TJ")
                elif dx == 0 and dy == -step:
                    ops.append(f"{string} '")
                else:
                    ops.append(f"{dx:.3f} {dy:.3f} Td {string} Tj")
                x, y = x + dx, y + dy
            offset += line.height
    if current is None:
        return None
    return "\n".join(["q", BLACK_FILL, "BT", *ops, "ET", "Q", ""]).encode("latin-1")


def justified_spacing(face: Face, line, width_pt: float, size_pt: float) -> float:
    """What each space of a justified run-in line gains so the line fills the measure."""
    spaces = line.text.count(" ") if line.justified else 0
    if not spaces:
        return 0
    return max(width_pt - face.metrics.width(line.text, size_pt), 0) / spaces


def embed(pdf: pikepdf.Pdf, face: Face, used_tags: set[str]) -> pikepdf.Dictionary:
    """The face as a composite font (Identity-H, glyph ids as codes): its subset program,
    the widths the paginator measured with, and a ToUnicode map so text can be copied."""
    metrics = face.metrics
    scale = 1000 / metrics.units_per_em
    glyphs: dict[int, str] = {}
    for char in sorted(face.used):
        glyphs.setdefault(metrics.glyph_ids.get(char, NOTDEF), char)
    # A character the font lacks is drawn as .notdef, as wide as measure.py counted it.
    widths = {
        glyph: metrics.advances.get(char, metrics.missing_advance) * scale
        for glyph, char in glyphs.items()
    }
    program = truetype_file(metrics.path).subset(glyphs)
    weight = "Bold" if face.resource == "/ListBold" else "Regular"
    tag = fresh_tag(f"{weight}:{sorted(glyphs)}", used_tags)
    name = pikepdf.Name(f"/{tag}+RobotoCondensed-{weight}")
    font_file = pdf.make_stream(program)
    font_file.Length1 = len(program)
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=name,
        Flags=4,  # symbolic: glyphs are reached by id, not through a standard encoding
        FontBBox=[0, round(metrics.descent * scale), 1000, round(metrics.ascent * scale)],
        ItalicAngle=0,
        Ascent=round(metrics.ascent * scale),
        Descent=round(metrics.descent * scale),
        CapHeight=round(metrics.ascent * scale),
        StemV=80,
        FontFile2=font_file,
    )
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=name,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        CIDToGIDMap=pikepdf.Name.Identity,
        W=[item for glyph in sorted(widths) for item in (glyph, [round(widths[glyph], 3)])],
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=name,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[pdf.make_indirect(descendant)],
            ToUnicode=pdf.make_stream(to_unicode(glyphs)),
        )
    )


def to_unicode(glyphs: dict[int, str]) -> bytes:
    """A CMap from each glyph id to its character, so pdftotext and a copy read the names."""
    entries = [
        f"<{glyph:04X}> <{char.encode('utf-16-be').hex().upper()}>"
        for glyph, char in sorted(glyphs.items())
        if glyph != NOTDEF
    ]
    blocks = []
    for start in range(0, len(entries), CMAP_BLOCK):
        block = entries[start : start + CMAP_BLOCK]
        blocks.append(f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar\n")
    return (TOUNICODE_HEADER + "".join(blocks) + TOUNICODE_FOOTER).encode()
