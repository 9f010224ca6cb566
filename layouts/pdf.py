"""A pagination as a print PDF: WeasyPrint draws the furniture, overlay.py the list lines."""

import logging
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from functools import partial
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

import billiard
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from layouts import prepress
from layouts.icc import icc_description, icc_profile_errors
from layouts.measure import BOLD_FONT, REGULAR_FONT
from layouts.overlay import draw_lines
from layouts.paginate import OUTLOOK_INSET_PT, Column, Line, Page, Pagination
from layouts.profile import MM_TO_PT, LayoutProfile

logger = logging.getLogger(__name__)

FONT_FAMILY = "Insert Roboto Condensed"
# Pure black on one plate: RGB black would print as four-colour mush on newsprint.
BLACK = "device-cmyk(0 0 0 1)"
# The page number sits this far below the type area, in the bottom margin.
FOLIO_GAP_MM = 5
RULE_PT = 0.5
TITLE_RULE_PT = 1.5

# What WeasyPrint draws in the columns; every other line is overlay.py's.
FURNITURE = {"diploma", "outlook"}
SPACER = Line("", "blank")

NOT_PDFX = "Épreuve non PDF/X : aucun profil ICC d'imprimeur"
DEFAULT_DOCUMENT_TITLE = "Encart des résultats d'examens"
# The only files a render may read besides its own ICC profile: the insert's fonts.
PRODUCT_FILES = (REGULAR_FONT, BOLD_FONT)
# Characters left out of a CSS string as they are and written as CSS escapes instead: those
# that could end the string or the <style> element, or start an HTML entity.
CSS_UNSAFE = frozenset("\"\\'<>&")
# Below this, starting worker processes and joining their parts costs more than it saves.
# With only the furniture left to WeasyPrint, two processes were slower than one on 2 cores
# for 23 and 49 Berliner pages (1.2-1.6 s against 1.8-4.5 s): inserts run serially in practice.
MIN_PARALLEL_PAGES = 100
# fork spares each worker re-importing WeasyPrint and reloading the fonts; elsewhere than
# Linux, system libraries make fork unsafe.
START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"


@dataclass(frozen=True)
class PrintOptions:
    """How the PDF goes to press; the defaults make a plain proof, which is not PDF/X."""

    # The printer's CMYK output profile: with it the PDF is PDF/X-4 with this output intent.
    icc_profile: bytes | None = None
    # The output condition the intent names; by default the profile's own description.
    output_condition: str = ""
    bleed_mm: float = 0
    crop_marks: bool = False

    def __post_init__(self):
        # A profile WeasyPrint cannot use would fail deep in a render: refuse it here, clearly.
        if self.icc_profile is not None and (errors := icc_profile_errors(self.icc_profile)):
            raise ValueError(" ".join(errors))
        if self.bleed_mm < 0:
            raise ValueError("Le fond perdu ne peut pas être négatif.")

    @property
    def pdfx(self) -> bool:
        return self.icc_profile is not None

    @property
    def condition(self) -> str:
        """The output condition's name; "Custom" is PDF/X's word for an unnamed one."""
        return self.output_condition or icc_description(self.icc_profile or b"") or "Custom"


class ForbiddenResource(ValueError):
    """A PDF asked for a file or URL that is not one of the product's own."""


class OwnFiles(URLFetcher):
    """WeasyPrint's URL fetcher, restricted to the product's fonts and the files a render
    names (its ICC profile).

    Every value printed is escaped, but should one ever become markup (an <img
    src="http://…">, a url(file:///etc/passwd)), the server must not fetch it: WeasyPrint
    otherwise opens any URL, network or local, with the worker's rights. WeasyPrint logs the
    refusal as a warning and renders without the resource.
    """

    def __init__(self, *files: Path):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.allowed = {path.resolve() for path in (*PRODUCT_FILES, *files)}

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
        if parts.netloc or path not in self.allowed:
            raise ForbiddenResource(
                f"Ressource refusée dans un PDF (hors fichiers du produit) : {url[:200]}"
            )
        return super().fetch(url, headers)


def write_pdf(html: str, *files: Path, **options) -> bytes:
    """The PDF of a standalone HTML document, which may load only the product's own files
    and `files`: every WeasyPrint render of the product goes through here."""
    return HTML(string=html, url_fetcher=OwnFiles(*files)).write_pdf(**options)


def metadata_text(text: str) -> str:
    """Text for a PDF's metadata (title, subject…): one line, no control or format characters,
    which readers show as boxes and XMP parsers refuse."""
    text = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in text)
    return " ".join(text.split())


def css_string(text: str) -> str:
    """`text` as a quoted CSS string that no value can end early: quotes, backslashes, `<`,
    `>`, `&` and control characters are written as CSS escapes, so a name with `"`, `\\`, a
    line end or `</style>` neither breaks the rule nor ends the <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in CSS_UNSAFE or not char.isprintable() else char
        for char in metadata_text(text)
    )
    return f'"{escaped}"'


@dataclass(frozen=True)
class Part:
    """A run of pages rendered on its own, possibly in a worker process (so it pickles)."""

    pages: list[Page]
    profile: LayoutProfile
    total_pages: int
    footer: str
    head: str
    pdfx: bool
    # Files of this render WeasyPrint may read besides the product's fonts: the ICC profile.
    files: tuple[Path, ...] = ()


def stylesheet(profile: LayoutProfile) -> str:
    return f"""
@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{REGULAR_FONT.as_uri()}");
  font-weight: 400; }}
@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{BOLD_FONT.as_uri()}");
  font-weight: 700; }}
@page {{ size: {profile.page_width_mm}mm {profile.page_height_mm}mm; margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
body {{
  font-family: "{FONT_FAMILY}";
  font-size: {profile.font_size_pt}pt;
  line-height: {profile.leading_pt}pt;
  color: {BLACK};
  /* The widths measured in measure.py are plain advance sums: no kerning, no ligatures. */
  font-kerning: none;
  font-variant-ligatures: none;
  font-feature-settings: "kern" 0, "liga" 0;
}}
.page {{
  position: relative;
  width: {profile.page_width_mm}mm;
  height: {profile.page_height_mm}mm;
  break-after: page;
}}
.page:last-child {{ break-after: auto; }}
.page > div {{ position: absolute; white-space: pre; }}
.diploma, .title {{ font-weight: 700; }}
.diploma {{ font-size: {profile.heading_size_pt}pt; line-height: {profile.heading_leading_pt}pt; }}
.title {{ font-size: {profile.title_size_pt}pt; line-height: {profile.title_leading_pt}pt; }}
.rule {{ height: 0; border-top: {RULE_PT}pt solid {BLACK}; }}
.title-rule {{ height: 0; border-top: {TITLE_RULE_PT}pt solid {BLACK}; }}
.folio-number {{ text-align: right; }}
.outlook-frame {{ border: {RULE_PT}pt solid {BLACK}; box-sizing: border-box; }}
.outlook {{ padding-left: {OUTLOOK_INSET_PT}pt; }}
.outlook b {{ font-weight: 700; }}
"""


def box(css_class: str, left: float, top: float, width: float, text: str = "") -> str:
    return (
        f'<div class="{css_class}" style="left:{left:.3f}pt;top:{top:.3f}pt;width:{width:.3f}pt">'
        f"{escape(text, quote=False)}</div>"
    )


def column_html(profile: LayoutProfile, column: Column, index: int) -> list[str]:
    """The furniture of a column: diploma blocks and framed notes. Names and option headings
    are not in the HTML: overlay.py draws them into the PDF at the same grid positions."""
    left = profile.column_x_pt(index)
    parts = []
    offset = column.top
    for line in column.lines:
        if line.style == "diploma":
            parts.append(diploma_html(profile, line, left, profile.line_y_pt(offset)))
        elif line.style == "outlook":
            parts.append(outlook_html(profile, line, left, profile.line_y_pt(offset)))
        offset += line.height
    return parts


def diploma_html(profile: LayoutProfile, line: Line, left: float, top: float) -> str:
    # A rule on the block's top, the heading at its foot, right above the names it heads.
    text_height = line.text.count("\n") + 1
    text_top = top + line.height * profile.leading_pt - text_height * profile.heading_leading_pt
    width = profile.column_width_pt
    return box("rule", left, top, width) + box("diploma", left, text_top, width, line.text)


def outlook_html(profile: LayoutProfile, line: Line, left: float, top: float) -> str:
    """The note's frame a quarter line inside its block, its text half a line down."""
    leading, width = profile.leading_pt, profile.column_width_pt
    frame_top = top + leading / 4
    frame_height = (line.height - 0.5) * leading
    frame = (
        f'<div class="outlook-frame" style="left:{left:.3f}pt;top:{frame_top:.3f}pt;'
        f'width:{width:.3f}pt;height:{frame_height:.3f}pt"></div>'
    )
    texts = line.text.split("\n")
    bold, rest = texts[: line.bold_lines], texts[line.bold_lines :]
    body = "\n".join([*(f"<b>{escape(t, quote=False)}</b>" for t in bold), *map(escape, rest)])
    text = (
        f'<div class="outlook" style="left:{left:.3f}pt;top:{top + leading / 2:.3f}pt;'
        f'width:{width:.3f}pt">{body}</div>'
    )
    return frame + text


def title_html(profile: LayoutProfile, title: Line) -> str:
    left = profile.column_x_pt(0)
    top = profile.line_y_pt(0)
    width = profile.type_width_pt
    text_height = (title.text.count("\n") + 1) * profile.title_leading_pt
    # The rule halfway down the blank body line kept under the title.
    rule_top = profile.line_y_pt(title.height) - profile.leading_pt / 2
    return box("title", left, top, width, title.text) + box(
        "title-rule", left, max(rule_top, top + text_height), width
    )


def page_html(profile: LayoutProfile, page: Page, total_pages: int, footer: str) -> str:
    parts = ['<section class="page">']
    if page.title:
        parts.append(title_html(profile, page.title))
    for index, column in enumerate(page.columns):
        parts.extend(column_html(profile, column, index))
    folio_top = (profile.page_height_mm - profile.margin_bottom_mm + FOLIO_GAP_MM) * MM_TO_PT
    left, width = profile.column_x_pt(0), profile.type_width_pt
    if footer:
        parts.append(box("folio", left, folio_top, width, footer))
    parts.append(box("folio-number", left, folio_top, width, f"Page {page.number}/{total_pages}"))
    parts.append("</section>")
    return "\n".join(parts)


def render_pages_html(
    pages: list[Page],
    profile: LayoutProfile,
    *,
    total_pages: int,
    footer: str = "",
    head: str = "",
) -> str:
    """A standalone HTML document of some pages; pages do not depend on one another, so a
    long insert is rendered in parallel parts and the PDFs joined. `head` is extra <head>
    markup: the document's title and description, the output profile."""
    body = "\n".join(page_html(profile, page, total_pages, footer) for page in pages)
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"{head}<style>{stylesheet(profile)}</style></head><body>{body}</body></html>"
    )


def document_head(pagination: Pagination, options: PrintOptions, icc_path: Path | None) -> str:
    """Title and subject of the PDF (PDF/X requires a title), and its output profile."""
    first_title = pagination.pages[0].title if pagination.pages else None
    title = metadata_text(first_title.text) if first_title else DEFAULT_DOCUMENT_TITLE
    # The condition may come from the ICC profile's own description, any bytes an upload had.
    condition = metadata_text(options.condition)
    subject = f"PDF/X-4 ; condition de sortie : {condition}" if options.pdfx else NOT_PDFX
    head = f'<title>{escape(title)}</title><meta name="description" content="{escape(subject)}">'
    if icc_path:
        # WeasyPrint writes the output intent from this profile. It crashes without
        # `components`, and counts them by commas: PRINT.md's space-separated form gives the
        # profile stream /N 1, which a preflight rejects for a four-channel profile.
        head += (
            f'<style>@color-profile device-cmyk {{ src: url("{icc_path.as_uri()}"); '
            "components: cyan, magenta, yellow, black; }</style>"
        )
    return head


def render_pdf(
    pagination: Pagination,
    *,
    footer: str = "",
    options: PrintOptions = PrintOptions(),
    processes: int = 1,
) -> bytes:
    """The print PDF of a pagination: exact trim size, fonts embedded, text in CMYK black;
    PDF/X-4 when `options` has the printer's profile. A long insert is rendered in up to
    `processes` worker processes, a contiguous run of pages each, then joined."""
    with tempfile.TemporaryDirectory(prefix="insert-pdf-") as folder:
        icc_path = None
        if options.icc_profile is not None:
            icc_path = Path(folder) / "printer.icc"
            icc_path.write_bytes(options.icc_profile)
        head = document_head(pagination, options, icc_path)
        files = (icc_path,) if icc_path else ()
        parts = [
            Part(
                pages, pagination.profile, pagination.pages_count, footer, head, options.pdfx, files
            )
            for pages in split(furniture(pagination), part_count(pagination.pages_count, processes))
        ]
        rendered = render_parts(parts)
    return prepress.finish(
        rendered,
        bleed_mm=options.bleed_mm,
        crop_marks=options.crop_marks,
        output_condition=options.condition if options.pdfx else None,
        overlay=partial(draw_lines, pagination=pagination),
    )


def furniture(pagination: Pagination) -> list[Page]:
    """The pages with only what WeasyPrint draws: the title, diploma blocks and notes. The
    lists' lines are left out (as blank lines holding their place), so a worker process is
    not sent 20,000 names it would not draw."""
    return [
        replace(
            page,
            columns=[
                replace(
                    column,
                    lines=[line if line.style in FURNITURE else SPACER for line in column.lines],
                )
                for column in page.columns
            ],
        )
        for page in pagination.pages
    ]


def part_count(pages: int, processes: int) -> int:
    if processes <= 1 or pages < MIN_PARALLEL_PAGES:
        return 1
    return min(processes, pages)


def split(pages: list[Page], count: int) -> list[list[Page]]:
    """`count` contiguous runs of pages, their lengths differing by one at most."""
    size, extra = divmod(len(pages), count)
    runs, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        runs.append(pages[start:end])
        start = end
    return runs


def render_parts(parts: list[Part]) -> list[bytes]:
    if len(parts) == 1:
        return [render_part(parts[0])]
    # A pool per call: WeasyPrint never gives memory back, a finished worker gives it all.
    # billiard (Celery's fork of multiprocessing), because the stdlib refuses to start
    # processes from a Celery prefork worker ("daemonic processes are not allowed to have
    # children"), which is where inserts are built; billiard's pool allows it.
    context = billiard.get_context(START_METHOD)
    with context.Pool(processes=len(parts)) as pool:
        return pool.map(render_part, parts)


def render_part(part: Part) -> bytes:
    html = render_pages_html(
        part.pages, part.profile, total_pages=part.total_pages, footer=part.footer, head=part.head
    )
    variant = "pdf/x-4" if part.pdfx else None
    # Uncompressed: prepress.finish compresses the joined file, the printer's profile once.
    return write_pdf(
        html,
        *part.files,
        font_config=FontConfiguration(),
        pdf_variant=variant,
        uncompressed_pdf=True,
    )
