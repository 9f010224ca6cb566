"""Exact text widths in points from the shipped fonts' advance widths."""

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR_FONT = FONTS_DIR / "RobotoCondensed-Regular.ttf"
BOLD_FONT = FONTS_DIR / "RobotoCondensed-Bold.ttf"


MAX_KNOWN_WIDTHS = 200_000


class Advances(dict):
    """Advance widths by character; a character the font lacks counts `missing` units."""

    missing = 0

    def __missing__(self, char: str) -> int:
        return self.missing


class FontMetrics:
    """Advance widths of one font, per character, in font units.

    The PDF is drawn with kerning and ligatures switched off, so a string's width is the plain
    sum of its characters' advances: no shaping is needed to know where a line ends.
    """

    def __init__(self, path: Path):
        self.path = path
        font = TTFont(path, lazy=True)
        self.units_per_em = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        cmap = font.getBestCmap()
        self.advances = Advances({chr(code): metrics[glyph][0] for code, glyph in cmap.items()})
        # The PDF draws lines with these glyphs (overlay.py): one font, one set of widths.
        self.glyph_ids = {chr(code): font.getGlyphID(glyph) for code, glyph in cmap.items()}
        # Where browsers and WeasyPrint (Pango) put the baseline in a line box.
        self.ascent, self.descent = font["hhea"].ascent, font["hhea"].descent
        # A character the font lacks is drawn as the font's .notdef box (overlay.py), and in
        # the furniture from a fallback font of unknown width; counting it as a full em errs
        # on the side of breaking early, never of overflowing.
        self.missing_advance = self.advances.missing = self.units_per_em
        # Estimates paginate the same sample names again and again, and lists repeat names:
        # remembering widths makes a plan of every département take a fraction of a second.
        self.known: dict[str, int] = {}

    def units(self, text: str) -> int:
        known = self.known.get(text)
        if known is not None:
            return known
        # map() over the dict's own lookup sums in C: twice as fast as a comprehension.
        units = sum(map(self.advances.__getitem__, text))
        if len(self.known) >= MAX_KNOWN_WIDTHS:
            self.known.clear()
        self.known[text] = units
        return units

    def width(self, text: str, size_pt: float) -> float:
        return self.units(text) * size_pt / self.units_per_em


@cache
def font_metrics(bold: bool = False) -> FontMetrics:
    return FontMetrics(BOLD_FONT if bold else REGULAR_FONT)


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width in points of `text` set at `size_pt` in the regular or bold face."""
    return font_metrics(bold).width(text, size_pt)
