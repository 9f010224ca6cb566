"""The planning desk's data: a title's plan from what is stored, and its CSV export."""

import csv
import functools
import io
from collections import defaultdict

from django.db import connection
from django.db.models import F, Func, Subquery
from django.utils import timezone

from layouts.exports import spreadsheet_cell

from ..models import (
    CalendarRow,
    DiplomaCode,
    DiplomaRate,
    EmploymentFigure,
    Fetch,
    PrintProfile,
    Result,
    SessionTally,
    Title,
)
from ..store.rates import current_rates
from .content import RESULT_FIELDS, profile_for
from .forecast import plan
from .outlooks import title_outlooks


def results_by_section(codes):
    sections = defaultdict(list)
    for row in Result.objects.filter(departement__in=codes).values(
        "departement_id", *RESULT_FIELDS
    ):
        sections[(row.pop("departement_id"), row["filiere"], row["option"])].append(row)
    return sections


def title_plan(title, departements=None):
    """(profile, rates, days) for the title's followed départements, or the given ones."""
    departements = {d.code: d for d in (departements or title.departements.all())}
    rows = list(
        CalendarRow.objects.filter(departement__in=departements).order_by(
            "date_delib", "departement_id", "filiere", "option"
        )
    )
    year = rows[-1].date_delib.year if rows else timezone.localdate().year
    profile, rates = profile_for(title), current_rates(year)
    days = plan(
        profile,
        rates,
        rows,
        departements,
        results_by_section(list(departements)),
        combined=title.combine_departements,
        outlooks=title_outlooks(title),
    )
    return profile, rates, days


def _aggregate(queryset, function, field="pk"):
    """COUNT or MAX of a column as a scalar subquery: no GROUP BY, one row, NULL if empty."""
    value = Func(F(field), function=function)
    return Subquery(queryset.order_by().annotate(value=value).values("value")[:1])


def plan_stamp(title, codes):
    """A stamp of everything title_plan(title, codes) reads, in one query: it changes as soon as
    any of it changes, so that a plan kept under the stamp is never shown stale. A dict, whose
    parts callers may use: "results" counts the départements' results, "fetch" is the latest
    fetch record.
    """
    names, sql, params = _stamp_query(title.pk, tuple(codes))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(names, row or (None,) * len(names), strict=True))


@functools.lru_cache(maxsize=256)
def _stamp_query(title_pk, codes):
    """(names, SQL, parameters) of a stamp, composed once per title and départements: the ORM
    took longer to compose its sixteen subqueries than the database to answer them.

    Rows written in bulk bypass signals and auto_now, so the stamp reads the tables themselves:
    every upstream answer leaves a Fetch row (calendars, results, referentials, open data),
    results are only deleted and created (their count and latest id move), calendar rows stamp
    their changes, and the small tables editors or commands change (profiles, rates, tallies,
    diploma codes, employment figures) count as a whole. The title's own fields are read from
    the title itself by the caller.
    """
    results = Result.objects.filter(departement__in=codes)
    calendar = CalendarRow.objects.filter(departement__in=codes)
    profiles = PrintProfile.objects.filter(title=title_pk)
    parts = {
        "fetch": _aggregate(Fetch.objects.all(), "MAX"),
        "results": _aggregate(results, "COUNT"),
        "last_result": _aggregate(results, "MAX"),
        "calendar": _aggregate(calendar, "COUNT"),
        "calendar_changed": _aggregate(calendar, "MAX", "updated_at"),
        "profiles": _aggregate(profiles, "COUNT"),
        "profile_changed": _aggregate(profiles, "MAX", "updated_at"),
        "default_profile": Subquery(profiles.filter(is_default=True).values("pk")[:1]),
    }
    for model in (DiplomaRate, SessionTally, DiplomaCode, EmploymentFigure):
        rows = model.objects.all()
        parts[model.__name__] = _aggregate(rows, "COUNT")
        parts[f"last_{model.__name__}"] = _aggregate(rows, "MAX")
    rates = DiplomaRate.objects.all()
    # Rates are edited in place in the admin: their values are part of the stamp.
    parts["pass_rates"] = _aggregate(rates, "SUM", "pass_rate")
    parts["consent_rates"] = _aggregate(rates, "SUM", "consent_rate")
    # Prefixed: "profiles" is also the title's reverse relation.
    query = (
        Title.objects.filter(pk=title_pk)
        .annotate(**{f"stamp_{name}": value for name, value in parts.items()})
        .values_list(*(f"stamp_{name}" for name in parts))
    )
    sql, params = query.query.sql_with_params()
    return tuple(parts), sql, params


CSV_HEADER = [
    "date",
    "departement",
    "filiere",
    "option",
    "candidats",
    "noms_attendus",
    "taux",
    "lignes_attendues",
    "place_attendue",
    "lignes_maximum",
    "place_maximum",
    "noms_publies",
    "changement",
]


def plan_csv(days):
    """The plan, one line per calendar row; semicolons and a BOM, as French spreadsheets want."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for day in days:
        for insert in day.inserts:
            for row in insert.rows:
                cells = [
                    row.date_delib.isoformat(),
                    row.departement,
                    row.filiere,
                    row.option,
                    row.nb_candidats,
                    row.expected_names,
                    row.rate_source,
                    row.expected.size.lines,
                    row.expected.text,
                    row.maximum.size.lines,
                    row.maximum.text,
                    "" if row.actual_names is None else row.actual_names,
                    row.change,
                ]
                # Filière and option are the upstream's text: a spreadsheet must not run them.
                writer.writerow([spreadsheet_cell(str(cell)) for cell in cells])
    return out.getvalue()
