"""The space plan of a département: calendar rows with expected and maximum insert sizes."""

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from layouts.estimate import Size, estimate_from_counts, expected_names, format_size, rates_for


@dataclass(frozen=True)
class Space:
    """A size with its wording for the layout desk, e.g. "2 pages + 3 colonnes"."""

    size: Size
    text: str


@dataclass(frozen=True)
class PlanRow:
    date_delib: date
    filiere: str
    option: str
    nb_candidats: int
    expected_names: int
    expected: Space
    maximum: Space


@dataclass(frozen=True)
class PlanDay:
    date_delib: date
    rows: list
    nb_candidats: int
    expected_names: int
    expected: Space
    maximum: Space


def _estimate(profile, rows, counts):
    size = estimate_from_counts(
        profile, [(r.filiere, r.option, n) for r, n in zip(rows, counts, strict=True)]
    )
    return Space(size, format_size(size, profile.columns))


def plan_departement(profile, calendar_rows):
    """Per deliberation day: each row's expected and maximum size, and the day's totals.

    Expected: candidates × pass rate × consent rate; maximum: everyone passes and consents.
    A day's size is estimated as one insert holding all its sections (headings included), not as
    a sum of rows, since that is what the page will carry.
    """
    days = []
    for day, grouped in groupby(calendar_rows, key=lambda r: r.date_delib):
        rows = list(grouped)
        expected = [expected_names(r.nb_candidats, *rates_for(r.filiere)) for r in rows]
        plan_rows = [
            PlanRow(
                date_delib=day,
                filiere=r.filiere,
                option=r.option,
                nb_candidats=r.nb_candidats,
                expected_names=n,
                expected=_estimate(profile, [r], [n]),
                maximum=_estimate(profile, [r], [r.nb_candidats]),
            )
            for r, n in zip(rows, expected, strict=True)
        ]
        days.append(
            PlanDay(
                date_delib=day,
                rows=plan_rows,
                nb_candidats=sum(r.nb_candidats for r in rows),
                expected_names=sum(expected),
                expected=_estimate(profile, rows, expected),
                maximum=_estimate(profile, rows, [r.nb_candidats for r in rows]),
            )
        )
    return days
