"""The live preview of a print profile: its grid in figures and the top of a sample column."""

from dataclasses import dataclass
from functools import cache

from layouts.compose import BAC_PRO, BTSA, Group, compose
from layouts.estimate import estimate_from_counts
from layouts.paginate import Line, paginate
from layouts.profile import LayoutProfile

PX_PER_PT = 96 / 72
# The sample column is enlarged to read like a page held close, but never wider than the panel.
SCALE = 1.5
MAX_WIDTH_PX = 400
# Names per page are counted on a list long enough to fill a few pages of any sane grid.
ESTIMATE_NAMES = 2000

SAMPLE_TITLE = "Résultats des examens de l'enseignement agricole — Hérault — session 2026"
VIGNE = ("Conduite et gestion de l'exploitation agricole", "Spécialité : Vigne et vin")
# What a list really holds: accents, Œ, apostrophes, particles, hyphenated and very long names.
SAMPLE = {
    (BAC_PRO, *VIGNE): (
        ("ANDRÉ", "Léa Camille"),
        ("BENOÎT", "Hugo"),
        ("CHASSAGNE-MONTRACHET DE LA TOUR D'AUVERGNE", "Marie-Ève Jean-Baptiste"),
        ("DA SILVA", "Inês"),
        ("de la Fontaine", "Maxime"),
        ("DUBOIS", "Emma Louise"),
        ("ÉLUARD", "Noémie"),
        ("FRANÇOIS", "Loïc"),
        ("LE GALL", "Maël"),
        ("LEFÈVRE", "Chloé Anaïs"),
        ("N'DIAYE", "Aïssatou"),
        ("ŒUVRARD", "Théo"),
        ("ROUSSEAU", "Jean-Baptiste Pierre-Louis Marie"),
        ("van der Berghe", "Zoé"),
    ),
    (BAC_PRO, "Forêt", ""): (
        ("BERNARD", "Lucas"),
        ("DURAND", "Camille"),
        ("FOURNIER", "Clara Élise"),
        ("GIRARD", "Hugo"),
        ("LAMBERT", "Inès"),
        ("MOREL", "Louis"),
        ("ROUX", "Gaëlle"),
    ),
    (BTSA, "Viticulture-œnologie", ""): (
        ("BONNET", "Anaïs"),
        ("GARCIA", "Lina"),
        ("MERCIER", "Paul-Henri"),
        ("PETIT", "Julie"),
        ("VINCENT", "Thomas"),
    ),
}


@cache
def sample_groups() -> tuple[Group, ...]:
    rows = [
        {
            "filiere": diploma,
            "option": option,
            "specialite": specialite,
            "nom": nom,
            "prenoms": prenoms,
            "resultat": "Admission",
        }
        for (diploma, option, specialite), names in SAMPLE.items()
        for nom, prenoms in names
    ]
    return tuple(compose(rows))


@dataclass(frozen=True)
class Preview:
    layout: LayoutProfile
    lines: list[Line]
    names_per_page: int
    # The sample's whole pagination took more than the first column.
    continues: bool
    # Body lines of the insert's title block, on page 1, across all columns.
    title_lines: int

    @property
    def lines_shown(self) -> int:
        return sum(line.height for line in self.lines)

    @property
    def column_numbers(self) -> range:
        return range(self.layout.columns)

    @property
    def scale(self) -> float:
        return min(SCALE, MAX_WIDTH_PX / (self.layout.column_width_pt * PX_PER_PT))

    @property
    def scale_percent(self) -> int:
        return round(self.scale * 100)

    @property
    def column_style(self) -> str:
        # Built here, not in the template, which would print "7,5pt" in French.
        layout = self.layout
        return (
            f"zoom: {self.scale:.4f}; width: {layout.column_width_pt:.3f}pt; "
            f"--size: {layout.font_size_pt:g}pt; --leading: {layout.leading_pt:g}pt; "
            f"--heading-size: {layout.heading_size_pt:g}pt; "
            f"--heading-leading: {layout.heading_leading_pt:.3f}pt"
        )

    @property
    def page_style(self) -> str:
        """The miniature page: its proportions, and where the type area sits, in percent."""
        layout = self.layout
        return (
            f"aspect-ratio: {layout.page_width_mm:g} / {layout.page_height_mm:g}; "
            f"--left: {100 * layout.margin_left_mm / layout.page_width_mm:.2f}%; "
            f"--top: {100 * layout.margin_top_mm / layout.page_height_mm:.2f}%; "
            f"--width: {100 * layout.type_width_mm / layout.page_width_mm:.2f}%; "
            f"--height: {100 * layout.type_height_mm / layout.page_height_mm:.2f}%; "
            f"--gutter: {100 * layout.gutter_mm / layout.type_width_mm:.2f}%"
        )


def preview(layout: LayoutProfile) -> Preview:
    """The figures and first column of a printable profile (`layout.errors()` is empty)."""
    pagination = paginate(layout, sample_groups(), title=SAMPLE_TITLE)
    first_page = pagination.pages[0]
    # The title block spans the page; the preview draws the column under it on its own.
    first = first_page.columns[0]
    size = estimate_from_counts(layout, [(BAC_PRO, VIGNE[0], ESTIMATE_NAMES)])
    per_page = ESTIMATE_NAMES * layout.lines_per_column * layout.columns / size.lines
    return Preview(
        layout=layout,
        lines=first.lines,
        names_per_page=int(round(per_page, -1)),
        continues=pagination.columns_used > 1,
        title_lines=first_page.title.height,
    )
