"""Drawing a pagination as a print PDF with WeasyPrint, each line where paginate.py put it."""

from html import escape
from itertools import groupby

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from layouts.measure import BOLD_FONT, REGULAR_FONT
from layouts.paginate import Column, Line, Page, Pagination
from layouts.profile import MM_TO_PT, LayoutProfile

FONT_FAMILY = "Insert Roboto Condensed"
# Pure black on one plate: RGB black would print as four-colour mush on newsprint.
BLACK = "device-cmyk(0 0 0 1)"
# The page number sits this far below the type area, in the bottom margin.
FOLIO_GAP_MM = 5
RULE_PT = 0.5
TITLE_RULE_PT = 1.5

# Line styles set in runs: consecutive lines of one style become one `white-space: pre` block,
# because WeasyPrint's time goes on boxes, not glyphs (PRINT.md: a box per name is 5× slower).
RUN_STYLES = {"name", "name_cont", "heading", "continued_heading"}


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
.heading, .continued_heading, .diploma, .title {{ font-weight: 700; }}
.page > .name_cont {{ padding-left: {profile.font_size_pt}pt; }}
/* A run-in line ends where paginate.py broke it; justification only widens its spaces. */
.page > .justified {{ white-space: pre-line; text-align: justify; text-align-last: justify; }}
.diploma {{ font-size: {profile.heading_size_pt}pt; line-height: {profile.heading_leading_pt}pt; }}
.title {{ font-size: {profile.title_size_pt}pt; line-height: {profile.title_leading_pt}pt; }}
.rule {{ height: 0; border-top: {RULE_PT}pt solid {BLACK}; }}
.title-rule {{ height: 0; border-top: {TITLE_RULE_PT}pt solid {BLACK}; }}
.folio-number {{ text-align: right; }}
"""


def box(css_class: str, left: float, top: float, width: float, text: str = "") -> str:
    return (
        f'<div class="{css_class}" style="left:{left:.3f}pt;top:{top:.3f}pt;width:{width:.3f}pt">'
        f"{escape(text, quote=False)}</div>"
    )


def column_html(profile: LayoutProfile, column: Column, index: int) -> list[str]:
    left = profile.column_x_pt(index)
    width = profile.column_width_pt
    parts = []
    offset = column.top
    runs = groupby(column.lines, key=lambda line: (line.style, line.justified))
    for (style, justified), run in runs:
        lines: list[Line] = list(run)
        top = profile.line_y_pt(offset)
        if style in RUN_STYLES:
            css_class = f"{style} justified" if justified else style
            run_width = width - profile.font_size_pt if style == "name_cont" else width
            text = "\n".join(line.text for line in lines)
            parts.append(box(css_class, left, top, run_width, text))
        elif style == "diploma":
            for line in lines:
                parts.append(diploma_html(profile, line, left, profile.line_y_pt(offset)))
                offset += line.height
            continue
        offset += sum(line.height for line in lines)
    return parts


def diploma_html(profile: LayoutProfile, line: Line, left: float, top: float) -> str:
    # A rule on the block's top, the heading at its foot, right above the names it heads.
    text_height = line.text.count("\n") + 1
    text_top = top + line.height * profile.leading_pt - text_height * profile.heading_leading_pt
    width = profile.column_width_pt
    return box("rule", left, top, width) + box("diploma", left, text_top, width, line.text)


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
    pages: list[Page], profile: LayoutProfile, *, total_pages: int, footer: str = ""
) -> str:
    """A standalone HTML document of some pages; pages do not depend on one another, so a
    long insert can later be rendered in parallel chunks and the PDFs joined."""
    body = "\n".join(page_html(profile, page, total_pages, footer) for page in pages)
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<style>{stylesheet(profile)}</style></head><body>{body}</body></html>"
    )


def render_pdf(pagination: Pagination, *, footer: str = "") -> bytes:
    """The print PDF of a pagination: exact page size, fonts embedded, text in CMYK black."""
    html = render_pages_html(
        pagination.pages, pagination.profile, total_pages=pagination.pages_count, footer=footer
    )
    font_config = FontConfiguration()
    return HTML(string=html).write_pdf(font_config=font_config)
