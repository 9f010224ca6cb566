"""What a title prints on a day: its released results, additions and removals applied, composed."""

from dataclasses import dataclass, replace

from django.utils import timezone

from layouts.compose import compose, with_outlooks
from layouts.profile import BERLINER

from ..models import CalendarRow, Result
from ..store.holds import held_sections
from ..store.objections import objections_for, without_objected
from .additions import ADDITIF, additions_of_day
from .embargo import is_released
from .forecast import combined_groups, insert_title
from .outlooks import departement_outlooks, outlook_note

RESULT_FIELDS = ("filiere", "option", "specialite", "nom", "prenoms", "resultat")


def profile_for(title):
    """The title's default layout profile; a title that has set none prints on the Berliner
    grid, the commonest among regional dailies."""
    stored = title.profiles.filter(is_default=True).first()
    return stored.to_layout() if stored else BERLINER


def section_days(codes):
    """(département, filière, option) → the day its list is printed: its deliberation date
    (the latest, if the calendar lists the section twice)."""
    days = {}
    rows = CalendarRow.objects.filter(departement__in=codes).values_list(
        "departement_id", "filiere", "option", "date_delib"
    )
    for code, filiere, option, day in rows:
        key = (code, filiere, option)
        days[key] = max(day, days.get(key, day))
    return days


def result_day(days, code, row):
    # A section missing from the calendar is printed on the day it arrived.
    return days.get((code, row["filiere"], row["option"])) or timezone.localdate(row["fetched_at"])


def results_of_day(departement, day, days, now=None, rows=None, held=None):
    """The published rows printed on `day`, minus those still under embargo: a section whose
    calendar puts its jury later is held back even if the upstream shows it already. A section
    missing from the calendar has no known moment: it is printed on the day it arrived.
    Sections held as implausible (store.holds) are left out until an editor confirms them.
    `rows` are the département's stored rows and `held` its held sections, when the caller
    already loaded them."""
    if rows is None:
        rows = Result.objects.filter(departement=departement).values("fetched_at", *RESULT_FIELDS)
    if held is None:
        held = held_sections([departement.code])
    code = departement.code
    return [
        row
        for row in rows
        if result_day(days, code, row) == day
        and ((code, row["filiere"], row["option"]) not in days or is_released(day, now))
        and (code, row["filiere"], row["option"]) not in held
    ]


def printed_rows(title, departement, day, days, stored=None):
    """What the title prints of a département on `day`: the released results and the
    verified additions, minus what the objections on file cover (the confirmed removals,
    purged or not). Returns (results, additions).
    `stored` is the département's StoredRows, when the caller reads several days."""
    if stored is None:
        objections, rows, held = objections_for(title, departement), None, None
        additions = additions_of_day(title, departement, day)
    else:
        objections, rows, held = stored.objections, stored.results, stored.held
        additions = [addition for addition in stored.additions if addition.day == day]
    results = without_objected(
        results_of_day(departement, day, days, rows=rows, held=held), objections
    )
    added = [
        {name: getattr(addition, name) for name in RESULT_FIELDS}
        for addition in additions
        if is_released(addition.day)
    ]
    return results, without_objected(added, objections)


@dataclass
class StoredRows:
    """A département's published rows, a title's additions and objections for it, read once for
    all its days (four queries, however many days the season has)."""

    results: list
    additions: list
    objections: list
    # (département, filière, option) held from print (store.holds).
    held: set


def additif_groups(rows):
    """The additif: candidates verified after the list was published, after every diploma,
    each under its diploma and option."""
    return [
        replace(group, diploma=ADDITIF, option=f"{group.diploma} — {group.option}")
        for group in compose(rows)
    ]


def days_of_sections(code, sections):
    """The days printing these (filière, option) sections of a département."""
    days = section_days([code])
    today = timezone.localdate()
    return sorted({days.get((code, *section), today) for section in sections})


def outlook_status(title, departement, day):
    """Why some of the day's sections print no outlook note, for the insert page ("" if the
    title prints none, or none is missing)."""
    if not title.outlook_notes:
        return ""
    parts = []
    for dept in scope_departements(title, departement):
        sections = set(
            CalendarRow.objects.filter(departement=dept, date_delib=day).values_list(
                "filiere", "option"
            )
        )
        if note := outlook_note(departement_outlooks(dept, sections), sections):
            parts.append(note if departement else f"{dept.name} : {note}")
    return " ".join(parts)[:500]


def scope_departements(title, departement):
    return [departement] if departement else list(title.departements.order_by("code"))


def insert_content(title, departement, day):
    """(heading, groups) of the insert of `day`: one département's, or all the title's."""
    departements = scope_departements(title, departement)
    days = section_days([d.code for d in departements])
    parts = []
    for dept in departements:
        results, added = printed_rows(title, dept, day, days)
        groups = compose(results)
        if title.outlook_notes:
            groups = with_outlooks(groups, departement_outlooks(dept).notes)
        groups += additif_groups(added)
        if groups:
            parts.append((dept, groups))
    groups = combined_groups([(dept.name, dept_groups) for dept, dept_groups in parts])
    if departement:
        names = departement.name
    else:
        names = ", ".join(dept.name for dept, _ in parts)
    return insert_title(names, day.year), groups


def compose_departement(title, departement):
    """What the title would print of a département so far, all days together, for the
    editors' list: released results and additions, minus what the objections cover."""
    days = section_days([departement.code])
    stored = StoredRows(
        results=list(
            Result.objects.filter(departement=departement).values("fetched_at", *RESULT_FIELDS)
        ),
        additions=list(title.additions.filter(departement=departement)),
        objections=objections_for(title, departement),
        held=held_sections([departement.code]),
    )
    printing = {result_day(days, departement.code, row) for row in stored.results}
    printing |= {addition.day for addition in stored.additions}
    results, added = [], []
    for day in sorted(printing):
        day_results, day_added = printed_rows(title, departement, day, days, stored)
        results += day_results
        added += day_added
    return compose(results) + additif_groups(added)
