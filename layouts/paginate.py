"""The one pagination engine: every line, column and page break of an insert, in body lines.

Everything is counted in body lines of `profile.leading_pt`, so heights are whole numbers and
the PDF (pdf.py) only draws each line at the place computed here, and the space estimate
(estimate.py) is the size of this same pagination: they cannot disagree.
"""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from layouts.compose import Group
from layouts.measure import font_metrics
from layouts.profile import LayoutProfile

STYLES = (
    "title",
    "diploma",
    "heading",
    "continued_heading",
    "name",
    "name_cont",
    "blank",
    "outlook",
)

# The renderer's own rounding (Pango units) must never find a line we measured as fitting a
# little too wide; this costs nothing visible and keeps run-in justification from rewrapping.
WIDTH_TOLERANCE_PT = 0.5

# A heading is never left at a column foot without at least this many lines of its names.
KEEP_WITH_HEADING = 2

# An outlook note is framed: its text is set this far inside the frame's sides, and the frame
# takes one body line more than its text, half above and half below.
OUTLOOK_INSET_PT = 3.0


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line, or one heading block `height` body lines tall.

    A diploma or title block that wraps holds its lines joined by "\\n"; the renderer sets
    them at the heading's own size inside the block.
    """

    text: str
    style: str
    height: int = 1
    # Run-in lines are justified, except the last line of each paragraph.
    justified: bool = False
    # An outlook block: how many of its first lines are its bold title.
    bold_lines: int = 0


@dataclass
class Column:
    lines: list[Line] = field(default_factory=list)
    # First body line this column may use: below the title block on page 1.
    top: int = 0

    @property
    def height(self) -> int:
        """Body lines used, the title block not counted."""
        return sum(line.height for line in self.lines)


@dataclass
class Page:
    number: int
    columns: list[Column]
    # Spans all columns, at the top of page 1 only.
    title: Line | None = None


@dataclass(frozen=True)
class Size:
    lines: int
    columns: int
    pages: int


@dataclass
class Pagination:
    pages: list[Page]
    profile: LayoutProfile

    @property
    def total_lines(self) -> int:
        """Body lines used by the lists and their headings (the title is a fixed cost)."""
        return sum(column.height for page in self.pages for column in page.columns)

    @property
    def columns_used(self) -> int:
        return sum(1 for page in self.pages for column in page.columns if column.lines)

    @property
    def pages_count(self) -> int:
        return len(self.pages)

    @property
    def size(self) -> Size:
        return Size(lines=self.total_lines, columns=self.columns_used, pages=self.pages_count)


class TextBreaker:
    """Greedy line breaking at spaces by measured width, in font units (exact integers)."""

    def __init__(self, width_pt: float, size_pt: float, bold: bool = False, indent_pt: float = 0.0):
        self.metrics = font_metrics(bold)
        units_per_pt = self.metrics.units_per_em / size_pt
        self.limit = (width_pt - WIDTH_TOLERANCE_PT) * units_per_pt
        self.continuation_limit = self.limit - indent_pt * units_per_pt
        self.space = self.metrics.units(" ")

    def fits(self, text: str) -> bool:
        return self.metrics.units(text) <= self.limit

    def break_words(self, words: Iterable[str]) -> list[str]:
        units = self.metrics.units
        lines: list[str] = []
        current: list[str] = []
        current_units = 0
        limit = self.limit
        for word in words:
            word_units = units(word)
            if current:
                if current_units + self.space + word_units <= limit:
                    current.append(word)
                    current_units += self.space + word_units
                    continue
                lines.append(" ".join(current))
                limit = self.continuation_limit
            while word_units > limit and len(word) > 1:
                # A single word wider than the column: break it hard, as much per line as fits.
                cut = self._longest_prefix(word, limit)
                lines.append(word[:cut])
                limit = self.continuation_limit
                word = word[cut:]
                word_units = units(word)
            current, current_units = [word], word_units
        if current:
            lines.append(" ".join(current))
        return lines

    def _longest_prefix(self, word: str, limit: float) -> int:
        advances, missing = self.metrics.advances, self.metrics.missing_advance
        total = 0
        for index, char in enumerate(word):
            total += advances.get(char, missing)
            if total > limit:
                return max(index, 1)
        return len(word)


@dataclass
class GroupBody:
    """A group's name lines, and where each unbreakable unit (a name, a run-in line) starts."""

    lines: list[Line]
    # starts[k] is the number of lines before unit k; the last entry is len(lines).
    starts: list[int]


class Paginator:
    """Fills columns top to bottom, left to right, then pages, one group at a time."""

    def __init__(self, profile: LayoutProfile):
        self.profile = profile
        width = profile.column_width_pt
        size = profile.font_size_pt
        # Continuation lines of a long name are indented by one em.
        self.name_breaker = TextBreaker(width, size, indent_pt=size)
        self.heading_breaker = TextBreaker(width, size, bold=True)
        self.diploma_breaker = TextBreaker(width, profile.heading_size_pt, bold=True)
        # A run-in paragraph has no hanging indent: every line uses the full measure.
        self.run_in_breaker = TextBreaker(width, size)
        inner = width - 2 * OUTLOOK_INSET_PT
        self.outlook_title_breaker = TextBreaker(inner, size, bold=True)
        self.outlook_breaker = TextBreaker(inner, size)
        self.capacity = profile.lines_per_column
        self.pages: list[Page] = []
        self.column_index = 0
        self.column: Column | None = None
        self.used = 0

    # Columns and pages

    def start(self, title: str | None) -> None:
        title_line = self.title_block(title) if title else None
        top = title_line.height if title_line else 0
        self.new_page(title_line, top)

    def new_page(self, title: Line | None = None, top: int = 0) -> None:
        columns = [Column(top=top) for _ in range(self.profile.columns)]
        self.pages.append(Page(number=len(self.pages) + 1, columns=columns, title=title))
        self.column_index = 0
        self.column = columns[0]
        self.used = top

    def next_column(self) -> None:
        if self.column_index + 1 < self.profile.columns:
            self.column_index += 1
            self.column = self.pages[-1].columns[self.column_index]
            self.used = self.column.top
        else:
            self.new_page()

    @property
    def room(self) -> int:
        return self.capacity - self.used

    @property
    def column_is_empty(self) -> bool:
        return not self.column.lines

    def add(self, line: Line) -> None:
        if line.height > self.room and not self.column_is_empty:
            self.next_column()
        self.column.lines.append(line)
        self.used += line.height

    # Blocks

    def title_block(self, title: str) -> Line:
        profile = self.profile
        breaker = TextBreaker(profile.type_width_pt, profile.title_size_pt, bold=True)
        lines = breaker.break_words(title.split())
        # One blank body line under the title separates it from the lists.
        height = self.lines_for(len(lines) * profile.title_leading_pt) + 1
        return Line("\n".join(lines), "title", height=height)

    def diploma_block(self, diploma: str) -> Line:
        lines = self.diploma_breaker.break_words(diploma.split())
        height = self.lines_for(len(lines) * self.profile.heading_leading_pt)
        return Line("\n".join(lines), "diploma", height=height)

    def outlook_block(self, outlook: tuple[str, ...]) -> Line:
        """The framed note as one unbreakable block: the title in bold, then each paragraph."""
        title, *paragraphs = outlook
        # Split at plain spaces only: "58\u00a0%" must not break.
        lines = self.outlook_title_breaker.break_words(title.split(" "))
        bold = len(lines)
        for paragraph in paragraphs:
            lines.extend(self.outlook_breaker.break_words(paragraph.split(" ")))
        return Line("\n".join(lines), "outlook", height=len(lines) + 1, bold_lines=bold)

    def lines_for(self, height_pt: float) -> int:
        return self.profile.block_lines(height_pt)

    def heading_lines(self, text: str, style: str) -> list[Line]:
        return [Line(line, style) for line in self.heading_breaker.break_words(text.split())]

    def body(self, names: tuple[str, ...]) -> GroupBody:
        if self.profile.list_style == "run_in":
            return self.run_in_body(names)
        return self.one_per_line_body(names)

    def one_per_line_body(self, names: tuple[str, ...]) -> GroupBody:
        lines: list[Line] = []
        starts = [0]
        fits = self.name_breaker.fits
        for name in names:
            if fits(name):
                lines.append(Line(name, "name"))
            else:
                first, *rest = self.name_breaker.break_words(name.split(" "))
                lines.append(Line(first, "name"))
                lines.extend(Line(text, "name_cont") for text in rest)
            starts.append(len(lines))
        return GroupBody(lines, starts)

    def run_in_body(self, names: tuple[str, ...]) -> GroupBody:
        words = []
        last = len(names) - 1
        for index, name in enumerate(names):
            name_words = name.split(" ")
            if index < last:
                name_words[-1] += ","
            words.extend(name_words)
        texts = self.run_in_breaker.break_words(words)
        lines = [Line(text, "name", justified=True) for text in texts[:-1]]
        lines.append(Line(texts[-1], "name"))
        return GroupBody(lines, list(range(len(lines) + 1)))

    # Groups

    def place_group(self, group: Group, new_diploma: bool) -> None:
        heading = self.heading_lines(group.counted_heading, "heading")
        body = self.body(group.names)
        diploma = self.diploma_block(group.diploma) if new_diploma else None

        # Keep-with-next: the diploma and option headings go with the first names, at least
        # KEEP_WITH_HEADING lines of them (whole names), or all if the group is shorter.
        first_units = next(
            (k for k, start in enumerate(body.starts) if start >= KEEP_WITH_HEADING),
            len(body.starts) - 1,
        )
        needed = len(heading) + body.starts[first_units] + (diploma.height if diploma else 0)
        # A blank line sets each new heading off from the names above, except at a column top.
        if not self.column_is_empty and needed + 1 > self.room:
            self.next_column()
        if not self.column_is_empty:
            self.add(Line("", "blank"))
        if diploma:
            self.add(diploma)
        for line in heading:
            self.add(line)
        self.place_body(group, body)
        if group.outlook:
            # Whole, under the names: in the next column if this one cannot hold it.
            self.add(self.outlook_block(group.outlook))

    def place_body(self, group: Group, body: GroupBody) -> None:
        starts, lines = body.starts, body.lines
        units = len(starts) - 1
        unit = 0
        while unit < units:
            # Whole units that fit in the room left: one bisect per column, not per name.
            end = bisect_right(starts, starts[unit] + self.room, lo=unit) - 1
            if end > unit:
                self.column.lines.extend(lines[starts[unit] : starts[end]])
                self.used += starts[end] - starts[unit]
                unit = end
            elif self.column_holds_no_names():
                # One name taller than a whole column (absurd widths only): split it.
                for line in lines[starts[unit] : starts[unit + 1]]:
                    self.add(line)
                unit += 1
                continue
            if unit < units:
                self.next_column()
                for line in self.heading_lines(f"{group.heading} (suite)", "continued_heading"):
                    self.add(line)

    def column_holds_no_names(self) -> bool:
        return all(line.style == "continued_heading" for line in self.column.lines)

    def finish(self) -> Pagination:
        pages = self.pages
        if (
            len(pages) == 1
            and pages[0].title is None
            and not any(column.lines for column in pages[0].columns)
        ):
            pages = []
        return Pagination(pages=pages, profile=self.profile)


def paginate(
    profile: LayoutProfile, groups: Iterable[Group], title: str | None = None
) -> Pagination:
    """Lay out `groups` in order in the profile's columns and pages."""
    paginator = Paginator(profile)
    paginator.start(title)
    previous_diploma = None
    for group in groups:
        if not group.names:
            continue
        paginator.place_group(group, new_diploma=group.diploma != previous_diploma)
        previous_diploma = group.diploma
    return paginator.finish()
