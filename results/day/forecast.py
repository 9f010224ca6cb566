"""The space plan: per deliberation day and département, the size of each insert to reserve.

Expected sizes come from the calendar (candidates × rates); maximum ones assume every candidate
passes and consents; actual ones, once results are in, paginate the real names. All three go
through the same pagination engine as the PDF. Pure: plain data in and out; day/planning.py
reads what it plans from the database.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import groupby

from layouts.compose import compose, with_outlooks
from layouts.estimate import estimate_from_counts, estimate_from_names, format_size
from layouts.paginate import Size


def insert_title(departement_name, year=None):
    """The title block of an insert. The plan and the built PDF print the same one, so that the
    estimate counts the lines the PDF gives it."""
    session = f"session {year}" if year else "session"
    return f"Résultats des examens de l'enseignement agricole — {departement_name} — {session}"


def combined_groups(parts):
    """The groups of one insert printing several départements, from (name, groups) pairs:
    each département's diplomas are headed with its name."""
    if len(parts) <= 1:
        return [group for _, groups in parts for group in groups]
    return [
        replace(group, diploma=f"{name} — {group.diploma}")
        for name, groups in parts
        for group in groups
    ]


@dataclass(frozen=True)
class Space:
    """A size with its wording for the layout desk, e.g. "2 pages + 3 colonnes"."""

    size: Size
    text: str


@dataclass(frozen=True)
class PlanRow:
    departement: str
    date_delib: date
    filiere: str
    option: str
    nb_candidats: int
    expected_names: int
    expected: Space
    maximum: Space
    rate_source: str
    change: str = ""
    previous_nb_candidats: int | None = None
    previous_date: date | None = None
    actual_names: int | None = None


@dataclass
class PlannedInsert:
    """One département's insert for one day: its rows and sizes."""

    departement: object
    date_delib: date
    rows: list
    expected: Space
    maximum: Space
    actual: Space | None = None

    @property
    def nb_candidats(self):
        return sum(r.nb_candidats for r in self.rows)

    @property
    def expected_names(self):
        return sum(r.expected_names for r in self.rows)

    @property
    def actual_names(self):
        if self.actual is None:
            return None
        return sum(r.actual_names or 0 for r in self.rows)

    @property
    def error_columns(self):
        """Actual minus expected columns, once the results are in."""
        return (
            None if self.actual is None else self.actual.size.columns - self.expected.size.columns
        )


@dataclass
class PlanDay:
    date_delib: date
    inserts: list = field(default_factory=list)
    expected: Space | None = None
    maximum: Space | None = None
    actual: Space | None = None

    @property
    def nb_candidats(self):
        return sum(i.nb_candidats for i in self.inserts)

    @property
    def expected_names(self):
        return sum(i.expected_names for i in self.inserts)

    @property
    def complete(self):
        return all(i.actual is not None for i in self.inserts)


def space(size, profile):
    return Space(size, format_size(size, profile.columns))


def total(spaces, profile):
    """Separate inserts add up column by column."""
    spaces = [s for s in spaces if s is not None]
    size = Size(
        lines=sum(s.size.lines for s in spaces),
        columns=sum(s.size.columns for s in spaces),
        pages=sum(s.size.pages for s in spaces),
    )
    return space(size, profile)


def plan(
    profile,
    rates,
    calendar_rows,
    departements,
    results_by_section=None,
    combined=False,
    outlooks=None,
):
    """The plan of calendar rows (sorted by date), per day, then per département.

    With `combined`, the title prints all its départements of a day in one insert: the day's
    sizes are that insert's, not the sum of separate ones.

    `results_by_section` maps (département code, filière, option) to the result rows (dicts
    with filiere, option, specialite, nom, prenoms, resultat) already published; `outlooks`
    maps the same keys to the lines of the section's outlook note, when the title prints them.
    """
    results_by_section = results_by_section or {}
    outlooks = outlooks or {}
    days = []
    for day, day_rows in groupby(calendar_rows, key=lambda r: r.date_delib):
        plan_day = PlanDay(day)
        by_departement = defaultdict(list)
        for row in day_rows:
            by_departement[row.departement_id].append(row)
        for code in sorted(by_departement):
            plan_day.inserts.append(
                _insert(
                    profile,
                    rates,
                    departements[code],
                    day,
                    by_departement[code],
                    results_by_section,
                    outlooks,
                )
            )
        if combined and len(plan_day.inserts) > 1:
            _combine(profile, plan_day, results_by_section, outlooks)
        else:
            plan_day.expected = total([i.expected for i in plan_day.inserts], profile)
            plan_day.maximum = total([i.maximum for i in plan_day.inserts], profile)
            if plan_day.complete:
                plan_day.actual = total([i.actual for i in plan_day.inserts], profile)
        days.append(plan_day)
    return days


def _section(diploma, option, count, note):
    """An estimate's section: with its outlook note's lines when it prints one."""
    return (diploma, option, count, note) if note else (diploma, option, count)


def _notes_of(outlooks, code):
    """One département's notes by (filière, option), as layouts.compose.with_outlooks takes them."""
    return {(f, o): lines for (c, f, o), lines in outlooks.items() if c == code}


def _combine(profile, plan_day, results_by_section, outlooks):
    """The day's sizes when its départements share one insert, counted as inserts.py builds it."""
    inserts = plan_day.inserts
    title = insert_title(", ".join(i.departement.name for i in inserts), plan_day.date_delib.year)

    def counts(attribute):
        return [
            _section(
                f"{i.departement.name} — {r.filiere}",
                r.option,
                getattr(r, attribute),
                outlooks.get((r.departement, r.filiere, r.option)),
            )
            for i in inserts
            for r in i.rows
        ]

    plan_day.expected = space(
        estimate_from_counts(profile, counts("expected_names"), title), profile
    )
    plan_day.maximum = space(estimate_from_counts(profile, counts("nb_candidats"), title), profile)
    if plan_day.complete:
        parts = [
            (
                i.departement.name,
                with_outlooks(
                    compose(
                        result
                        for r in i.rows
                        for result in results_by_section[(r.departement, r.filiere, r.option)]
                    ),
                    _notes_of(outlooks, i.departement.code),
                ),
            )
            for i in inserts
        ]
        groups = combined_groups(parts)
        plan_day.actual = space(estimate_from_names(profile, groups, title), profile)


def _insert(profile, rates, departement, day, rows, results_by_section, outlooks):
    title = insert_title(departement.name, day.year)

    def note(row):
        return outlooks.get((departement.code, row.filiere, row.option))

    plan_rows = []
    for row in rows:
        expected = rates.expected(row.filiere, row.nb_candidats)
        published = results_by_section.get((row.departement_id, row.filiere, row.option))
        plan_rows.append(
            PlanRow(
                departement=row.departement_id,
                date_delib=day,
                filiere=row.filiere,
                option=row.option,
                nb_candidats=row.nb_candidats,
                expected_names=expected,
                expected=space(
                    estimate_from_counts(
                        profile, [_section(row.filiere, row.option, expected, note(row))]
                    ),
                    profile,
                ),
                maximum=space(
                    estimate_from_counts(
                        profile, [_section(row.filiere, row.option, row.nb_candidats, note(row))]
                    ),
                    profile,
                ),
                rate_source=rates.source(row.filiere),
                change=row.last_change,
                previous_nb_candidats=row.previous_nb_candidats,
                previous_date=row.previous_date,
                actual_names=None if published is None else len(published),
            )
        )
    insert = PlannedInsert(
        departement=departement,
        date_delib=day,
        rows=plan_rows,
        expected=space(
            estimate_from_counts(
                profile,
                [_section(r.filiere, r.option, r.expected_names, note(r)) for r in plan_rows],
                title,
            ),
            profile,
        ),
        maximum=space(
            estimate_from_counts(
                profile,
                [_section(r.filiere, r.option, r.nb_candidats, note(r)) for r in plan_rows],
                title,
            ),
            profile,
        ),
    )
    if all(r.actual_names is not None for r in plan_rows):
        names = [
            result
            for row in rows
            for result in results_by_section[(row.departement_id, row.filiere, row.option)]
        ]
        groups = with_outlooks(compose(names), _notes_of(outlooks, departement.code))
        insert.actual = space(estimate_from_names(profile, groups, title), profile)
    return insert


@dataclass(frozen=True)
class Summary:
    """Totals over the session for one département or one diploma."""

    label: str
    nb_candidats: int
    expected_names: int
    expected: Space | None
    maximum: Space | None
    # Only over the rows whose results are in: names expected there, and names published.
    expected_when_published: int
    published: int | None

    @property
    def error_names(self):
        return None if self.published is None else self.published - self.expected_when_published


def by_departement(days, profile):
    """Session totals per département: the sum of its inserts."""
    inserts = defaultdict(list)
    for day in days:
        for insert in day.inserts:
            inserts[insert.departement].append(insert)
    return [
        _summary(
            f"{dept.name} ({dept.code})",
            [row for insert in items for row in insert.rows],
            total([i.expected for i in items], profile),
            total([i.maximum for i in items], profile),
        )
        for dept, items in sorted(inserts.items(), key=lambda item: item[0].code)
    ]


def by_diploma(days, profile):
    """Session totals per diploma, to compare the expected names with the published ones.

    No space here: a diploma's sections are spread over several inserts, and the sum of each
    row's own columns would overstate it.
    """
    rows = defaultdict(list)
    for day in days:
        for insert in day.inserts:
            for row in insert.rows:
                rows[row.filiere].append(row)
    return [_summary(filiere, items, None, None) for filiere, items in sorted(rows.items())]


def _summary(label, rows, expected, maximum):
    published = [r for r in rows if r.actual_names is not None]
    return Summary(
        label=label,
        nb_candidats=sum(r.nb_candidats for r in rows),
        expected_names=sum(r.expected_names for r in rows),
        expected=expected,
        maximum=maximum,
        expected_when_published=sum(r.expected_names for r in published),
        published=sum(r.actual_names for r in published) if published else None,
    )
