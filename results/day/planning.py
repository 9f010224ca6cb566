"""The planning desk's data: a title's plan from what is stored, and its CSV export."""

import csv
import io
from collections import defaultdict

from django.utils import timezone

from layouts.exports import spreadsheet_cell

from ..models import CalendarRow, Result
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
