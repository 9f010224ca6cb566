"""The insert's content as files for layout desks that set the pages themselves: CSV, InDesign."""

import codecs
import csv
import io
from collections.abc import Iterator

from layouts.compose import Group
from layouts.paginate import KEEP_WITH_HEADING

CSV_HEADER = ("Diplôme", "Option", "Section", "Nom et prénoms")
MAIN_SECTION = "Admis"
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Oldest Tagged Text version still common in exported files: every later InDesign reads it.
TAGGED_TEXT_VERSION = "7"
# Prefixed, so that a desk's template maps them on purpose and never by accident onto an
# unrelated "Titre" of its own; InDesign keeps a same-named style of the document by default.
TITLE_STYLE = "Résultats titre"
DIPLOMA_STYLE = "Résultats diplôme"
OPTION_STYLE = "Résultats option"
NAME_STYLE = "Résultats nom"
# Plain defaults for a document without these styles; headings keep with their first names,
# as the PDF keeps them (paginate.KEEP_WITH_HEADING).
PARAGRAPH_STYLES = {
    TITLE_STYLE: f"<Nextstyle:{DIPLOMA_STYLE}><cTypeface:Bold><cSize:18>",
    DIPLOMA_STYLE: f"<Nextstyle:{OPTION_STYLE}><cTypeface:Bold><cSize:11><pKeepWithNext:1>",
    OPTION_STYLE: f"<Nextstyle:{NAME_STYLE}><cTypeface:Bold><pKeepWithNext:{KEEP_WITH_HEADING}>",
    NAME_STYLE: f"<Nextstyle:{NAME_STYLE}>",
}


def section_label(group: Group) -> str:
    """ "Admis", or the upstream label of a second-group block ("Admis au second groupe")."""
    return group.result if group.second_group else MAIN_SECTION


def spreadsheet_cell(text: str) -> str:
    """The text, with a leading apostrophe if a spreadsheet would run it as a formula.

    A real name never starts with one of these once compose.py has cleaned it, but an upstream
    label or a hand-typed name could; the apostrophe is Excel's and LibreOffice's own "this is
    text" mark, and is not shown in the cell.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def insert_csv(title: str, groups: list[Group]) -> str:
    """One row per printed name, in print order, for French spreadsheets.

    `;`-separated with `\\r\\n` line ends, as Excel expects in a French locale, and starting with
    a byte order mark so that Excel reads UTF-8 accents: encode the result as UTF-8. The title
    is left out: a first row of field names is what sorting, filtering and InDesign's data
    merge expect; the title belongs to the file name.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for group in groups:
        section = section_label(group)
        for name in group.names:
            row = (group.diploma, group.option, section, name)
            writer.writerow([spreadsheet_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()


def tagged_text_escape(text: str) -> str:
    """Text as Tagged Text: `<`, `>` and `\\` escaped, on one line."""
    # A line end inside the text would start a new paragraph without a style.
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>")


def tagged_paragraphs(title: str, groups: list[Group]) -> Iterator[tuple[str, str]]:
    """(style, text) of every paragraph, in the order and with the headings of the PDF."""
    if title:
        yield TITLE_STYLE, title
    previous_diploma = None
    for group in groups:
        if group.diploma != previous_diploma:
            yield DIPLOMA_STYLE, group.diploma
            previous_diploma = group.diploma
        yield OPTION_STYLE, group.counted_heading
        for name in group.names:
            yield NAME_STYLE, name


def insert_tagged_text(title: str, groups: list[Group]) -> bytes:
    """Adobe InDesign Tagged Text of the insert, one paragraph per heading and per name.

    `<UNICODE-WIN>`: UTF-16 little-endian with a byte order mark and `\\r\\n` line ends, so
    that every letter of a name survives (Œ, Ł, ğ…), where ANSI would stop at Windows-1252.
    """
    header = [
        "<UNICODE-WIN>",
        f"<Version:{TAGGED_TEXT_VERSION}><FeatureSet:InDesign-Roman>",
        *(f"<DefineParaStyle:{name}={attrs}>" for name, attrs in PARAGRAPH_STYLES.items()),
    ]
    body = [
        f"<pstyle:{style}>{tagged_text_escape(text)}"
        for style, text in tagged_paragraphs(title, groups)
    ]
    # No line end after the last paragraph: it would leave an empty one at the story's end.
    text = "\r\n".join(header + body)
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
