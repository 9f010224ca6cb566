"""A newspaper title's page grid: page size, margins, columns and type sizes."""

import math
from dataclasses import asdict, dataclass, fields

MM_TO_PT = 72 / 25.4

LIST_STYLES = ("one_per_line", "run_in")

# Below these a column cannot hold a readable list; the numbers are a layout person's judgement.
MIN_COLUMN_WIDTH_MM = 20
MIN_FONT_SIZE_PT = 5
MIN_LINES_PER_COLUMN = 10

# Headings are set solid-ish (20 % lead); their blocks are then rounded up to whole body lines.
HEADING_LEADING_RATIO = 1.2
TITLE_LEADING_RATIO = 1.15


@dataclass(frozen=True)
class LayoutProfile:
    name: str
    page_width_mm: float
    page_height_mm: float
    margin_top_mm: float
    margin_bottom_mm: float
    margin_left_mm: float
    margin_right_mm: float
    columns: int
    gutter_mm: float
    font_size_pt: float
    leading_pt: float
    # Diploma headings; option headings use the body size in bold.
    heading_size_pt: float = 9.0
    title_size_pt: float = 18.0
    list_style: str = "one_per_line"

    @property
    def type_width_pt(self) -> float:
        return (self.page_width_mm - self.margin_left_mm - self.margin_right_mm) * MM_TO_PT

    @property
    def type_height_pt(self) -> float:
        return (self.page_height_mm - self.margin_top_mm - self.margin_bottom_mm) * MM_TO_PT

    @property
    def type_width_mm(self) -> float:
        return self.page_width_mm - self.margin_left_mm - self.margin_right_mm

    @property
    def type_height_mm(self) -> float:
        return self.page_height_mm - self.margin_top_mm - self.margin_bottom_mm

    @property
    def gutter_pt(self) -> float:
        return self.gutter_mm * MM_TO_PT

    @property
    def column_width_pt(self) -> float:
        return (self.type_width_pt - (self.columns - 1) * self.gutter_pt) / self.columns

    @property
    def column_width_mm(self) -> float:
        return self.column_width_pt / MM_TO_PT

    @property
    def lines_per_column(self) -> int:
        # The epsilon keeps 1233.0709/8.0 style ratios from losing a line to float noise.
        return math.floor(self.type_height_pt / self.leading_pt + 1e-9)

    @property
    def heading_leading_pt(self) -> float:
        return self.heading_size_pt * HEADING_LEADING_RATIO

    @property
    def title_leading_pt(self) -> float:
        return self.title_size_pt * TITLE_LEADING_RATIO

    def block_lines(self, height_pt: float) -> int:
        """Body lines a block `height_pt` tall takes, rounded up as paginate.py does."""
        return math.ceil(height_pt / self.leading_pt - 1e-9)

    def column_x_pt(self, index: int) -> float:
        """Left edge of column `index` (0-based) from the page's left edge."""
        return self.margin_left_mm * MM_TO_PT + index * (self.column_width_pt + self.gutter_pt)

    def line_y_pt(self, line: int) -> float:
        """Top of body line `line` (0-based) from the page's top edge."""
        return self.margin_top_mm * MM_TO_PT + line * self.leading_pt

    def errors(self) -> list[str]:
        """What makes this profile impossible to print, in French for the editors, all at once."""
        page_errors = self._page_errors()
        errors = page_errors + self._type_errors()
        # The derived sizes below are meaningless on a broken page, and lines on a bad leading.
        if not page_errors:
            errors += self._column_errors()
        if errors:
            return errors
        return self._heading_errors()

    def _page_errors(self) -> list[str]:
        errors = []
        if self.page_width_mm <= 0 or self.page_height_mm <= 0:
            errors.append("La largeur et la hauteur de la page doivent être positives.")
        margins = (
            self.margin_top_mm,
            self.margin_bottom_mm,
            self.margin_left_mm,
            self.margin_right_mm,
        )
        if min(margins) < 0:
            errors.append("Les marges ne peuvent pas être négatives.")
        if self.margin_left_mm + self.margin_right_mm >= self.page_width_mm:
            errors.append(
                f"Les marges gauche et droite ({self.margin_left_mm:g} + "
                f"{self.margin_right_mm:g} mm) dépassent la largeur de la page "
                f"({self.page_width_mm:g} mm)."
            )
        if self.margin_top_mm + self.margin_bottom_mm >= self.page_height_mm:
            errors.append(
                f"Les marges haute et basse ({self.margin_top_mm:g} + "
                f"{self.margin_bottom_mm:g} mm) dépassent la hauteur de la page "
                f"({self.page_height_mm:g} mm)."
            )
        if self.columns < 1:
            errors.append("Il faut au moins une colonne.")
        if self.gutter_mm < 0:
            errors.append("La gouttière ne peut pas être négative.")
        return errors

    def _type_errors(self) -> list[str]:
        errors = []
        if self.font_size_pt < MIN_FONT_SIZE_PT:
            errors.append(
                f"Le corps du texte ({self.font_size_pt:g} pt) est trop petit : "
                f"au moins {MIN_FONT_SIZE_PT} pt pour rester lisible sur papier journal."
            )
        if self.leading_pt <= 0:
            errors.append("L'interligne doit être positif.")
        elif self.leading_pt < self.font_size_pt:
            errors.append(
                f"L'interligne ({self.leading_pt:g} pt) est plus petit que le corps du texte "
                f"({self.font_size_pt:g} pt) : les lignes se chevaucheraient."
            )
        if self.heading_size_pt < self.font_size_pt or self.title_size_pt < self.font_size_pt:
            errors.append("Les titres ne peuvent pas être plus petits que le texte.")
        if self.list_style not in LIST_STYLES:
            errors.append(
                f"Présentation de liste inconnue : « {self.list_style} » "
                "(attendu : un nom par ligne ou à la suite)."
            )
        return errors

    def _column_errors(self) -> list[str]:
        errors = []
        column_width_mm = self.column_width_mm
        if column_width_mm < MIN_COLUMN_WIDTH_MM:
            errors.append(
                f"Les colonnes sont trop étroites : {column_width_mm:.1f} mm chacune pour "
                f"{self.columns} colonnes, il faut au moins {MIN_COLUMN_WIDTH_MM} mm. "
                "Réduisez le nombre de colonnes, la gouttière ou les marges."
            )
        if self.leading_pt > 0 and self.lines_per_column < MIN_LINES_PER_COLUMN:
            errors.append(
                f"Une colonne ne contient que {self.lines_per_column} lignes : "
                f"il en faut au moins {MIN_LINES_PER_COLUMN}."
            )
        return errors

    def _heading_errors(self) -> list[str]:
        # A heading taller than the column would run off the page: paginate.py never splits one.
        errors = []
        for label, size, leading, extra in (
            ("Le titre de l'encart", self.title_size_pt, self.title_leading_pt, 1),
            ("Le titre des diplômes", self.heading_size_pt, self.heading_leading_pt, 0),
        ):
            # The title block keeps a blank line under its rule (paginate.title_block).
            left = self.lines_per_column - self.block_lines(leading) - extra
            if left < MIN_LINES_PER_COLUMN:
                errors.append(
                    f"{label} ({size:g} pt) est trop grand pour la colonne : il ne laisse que "
                    f"{max(left, 0)} lignes de noms sur {self.lines_per_column}, "
                    f"il en faut au moins {MIN_LINES_PER_COLUMN}."
                )
        return errors

    def validate(self) -> None:
        errors = self.errors()
        if errors:
            raise ValueError(" ".join(errors))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "LayoutProfile":
        """Build from stored fields; keys that are not profile fields (an id…) are ignored."""
        values = {}
        for field in fields(cls):
            if field.name not in data:
                continue
            value = data[field.name]
            # Django's DecimalField and JSON both hand back types the arithmetic dislikes.
            if field.type is float:
                value = float(value)
            elif field.type is int:
                value = int(value)
            values[field.name] = value
        return cls(**values)


# Berliner: page 315 × 470 mm, type area 285.5 × 435 mm, 6 columns of about 44 mm (PRINT.md).
BERLINER = LayoutProfile(
    name="Berliner",
    page_width_mm=315,
    page_height_mm=470,
    margin_top_mm=17.5,
    margin_bottom_mm=17.5,
    margin_left_mm=14.75,
    margin_right_mm=14.75,
    columns=6,
    gutter_mm=4,
    font_size_pt=7,
    leading_pt=8,
)

# Tabloid: page 290 × 410 mm, 5 columns; the type area is a common grid, titles override it.
TABLOID = LayoutProfile(
    name="Tabloïd",
    page_width_mm=290,
    page_height_mm=410,
    margin_top_mm=17,
    margin_bottom_mm=18,
    margin_left_mm=14,
    margin_right_mm=14,
    columns=5,
    gutter_mm=4,
    font_size_pt=7,
    leading_pt=8,
)

PRESETS = {profile.name: profile for profile in (BERLINER, TABLOID)}
