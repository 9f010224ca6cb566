"""Building a title's insert for a day from the stored results: a new version per new content."""

import hashlib
import logging
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from layouts.compose import Group, compose, with_outlooks
from layouts.paginate import paginate
from layouts.pdf import PrintOptions, render_pdf
from layouts.profile import BERLINER
from layouts.thumbnails import page_thumbnails
from layouts.versions import counted, diff, diff_summary, snapshot

from ..audit import Action, record
from ..day.additions import ADDITIF, additions_of_day
from ..day.embargo import is_released, release_moment
from ..day.forecast import combined_groups, insert_title
from ..day.outlooks import departement_outlooks, outlook_note
from ..day.removals import confirmed_removals, without_removed
from ..models import CalendarRow, Departement, Insert, Result, Title
from .notices import announce_version

log = logging.getLogger(__name__)

RESULT_FIELDS = ("filiere", "option", "specialite", "nom", "prenoms", "resultat")


def profile_for(title):
    """The title's default layout profile; a title that has set none prints on the Berliner
    grid, the commonest among regional dailies."""
    stored = title.profiles.filter(is_default=True).first()
    return stored.to_layout() if stored else BERLINER


def print_options(title):
    """The title's printer settings: its ICC profile (PDF/X-4), bleed and crop marks."""
    icc = None
    if title.icc_profile:
        with title.icc_profile.open("rb") as handle:
            icc = handle.read()
    return PrintOptions(
        icc_profile=icc,
        output_condition=title.output_condition,
        bleed_mm=float(title.bleed_mm),
        crop_marks=title.crop_marks,
    )


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


def results_of_day(departement, day, days, now=None, rows=None):
    """The published rows printed on `day`, minus those still under embargo: a section whose
    calendar puts its jury later is held back even if the upstream shows it already. A section
    missing from the calendar has no known moment: it is printed on the day it arrived.
    `rows` are the département's stored rows, when the caller already loaded them."""
    if rows is None:
        rows = Result.objects.filter(departement=departement).values("fetched_at", *RESULT_FIELDS)
    return [
        row
        for row in rows
        if result_day(days, departement.code, row) == day
        and ((departement.code, row["filiere"], row["option"]) not in days or is_released(day, now))
    ]


def printed_rows(title, departement, day, days, stored=None):
    """What the title prints of a département on `day`: the released results and the
    verified additions, minus the confirmed removals. Returns (results, additions).
    `stored` is the département's StoredRows, when the caller reads several days."""
    if stored is None:
        removals, rows = confirmed_removals(title, departement), None
        additions = additions_of_day(title, departement, day)
    else:
        removals, rows = stored.removals, stored.results
        additions = [addition for addition in stored.additions if addition.day == day]
    results = without_removed(results_of_day(departement, day, days, rows=rows), removals)
    added = [
        {name: getattr(addition, name) for name in RESULT_FIELDS}
        for addition in additions
        if is_released(addition.day)
    ]
    return results, without_removed(added, removals)


@dataclass
class StoredRows:
    """A département's published rows, a title's additions and confirmed removals for it, read
    once for all its days (three queries, however many days the season has)."""

    results: list
    additions: list
    removals: list


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


def held_back_today(title, scope, code):
    """Whether today's insert must be built now that today's embargo has lifted: the upstream
    showed some of today's lists before the moment, so no fetch will bring them as new."""
    today = timezone.localdate()
    if not is_released(today):
        return False
    moment = release_moment(today)
    latest = latest_version(title, scope, today)
    if latest is not None and latest.created_at >= moment:
        return False
    sections = CalendarRow.objects.filter(departement=code, date_delib=today).values_list(
        "filiere", "option"
    )
    early = Q()
    for filiere, option in sections:
        early |= Q(filiere=filiere, option=option)
    return bool(early) and (
        Result.objects.filter(early, departement=code, fetched_at__lt=moment).exists()
    )


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


def content_hash(heading, groups, profile, options):
    """A hash of what is printed and how, so that a rebuild with the same content and the same
    settings makes no new version."""
    digest = hashlib.sha256(heading.encode())
    for group in groups:
        digest.update(repr(group).encode())
    digest.update(repr(profile).encode())
    icc = hashlib.sha256(options.icc_profile).hexdigest() if options.icc_profile else None
    settings_ = (icc, options.output_condition, options.bleed_mm, options.crop_marks)
    digest.update(repr(settings_).encode())
    return digest.hexdigest()


def latest_version(title, departement, day):
    return (
        Insert.objects.filter(title=title, departement=departement, day=day)
        .order_by("-number")
        .first()
    )


def unchanged(latest, digest):
    """Whether the latest version already prints this content; a withdrawn one never does."""
    return latest is not None and latest.content_hash == digest and not latest.is_withdrawn


@dataclass
class Build:
    """What one build made, before it is stored as a version."""

    title: Title
    departement: Departement | None
    day: object
    heading: str
    reason: str
    pdf: bytes
    thumbnails: list
    groups: list
    pagination: object
    digest: str
    options: PrintOptions
    seconds: float
    outlook_note: str = ""
    # Who asked for the build, for the audit trail; None for the automatic ones.
    user: object = None


def build_insert(
    title, departement, day, *, reason="", user=None, on_progress=lambda pct, msg: None
):
    """Build the insert; returns (insert, created), or (None, False) when nothing is published.

    The PDF is rendered from our own pagination, in parts by parallel processes, so its pages
    and columns are exactly those the estimate counts.
    """
    started = time.monotonic()
    on_progress(10, "Composition des listes…")
    heading, groups = insert_content(title, departement, day)
    if not groups:
        return None, False
    profile, options = profile_for(title), print_options(title)
    digest = content_hash(heading, groups, profile, options)
    latest = latest_version(title, departement, day)
    if unchanged(latest, digest):
        return latest, False

    on_progress(25, "Mise en colonnes…")
    pagination = paginate(profile, groups, title=heading)
    on_progress(40, f"Rendu du PDF ({pagination.pages_count} page(s))…")
    pdf = render_pdf(
        pagination,
        footer=f"{title.name} — {heading}",
        options=options,
        processes=settings.INSERT_RENDER_PROCESSES,
    )
    on_progress(85, "Vignettes des pages…")
    thumbnails = page_thumbnails(pdf)
    on_progress(95, "Enregistrement…")
    build = Build(
        title=title,
        departement=departement,
        day=day,
        heading=heading,
        reason=reason,
        pdf=pdf,
        thumbnails=thumbnails,
        groups=groups,
        pagination=pagination,
        digest=digest,
        options=options,
        seconds=time.monotonic() - started,
        user=user,
        outlook_note=outlook_status(title, departement, day),
    )
    return save_version(build)


def save_version(build):
    """Store a new version unless an identical one was saved meanwhile by another worker."""
    with transaction.atomic():
        # Two builds of the same insert may finish together (a manual one and the one that
        # follows a fetch): the title's row lock makes them number and compare in turn.
        Title.objects.select_for_update().filter(pk=build.title.pk).first()
        latest = latest_version(build.title, build.departement, build.day)
        if unchanged(latest, build.digest):
            return latest, False
        insert = new_version(build, latest)
        try:
            insert.save()
            announce_version(insert)
            record_version(insert, build.user)
        except Exception:
            # The row is rolled back with the transaction: its files must not outlive it.
            delete_files(insert)
            raise
    return insert, True


def record_version(insert, user):
    """The new version in the title's audit trail: its number and counts, never a name."""
    record(
        Action.BUILD,
        title=insert.title,
        user=user,
        departement=insert.departement,
        day=insert.day,
        summary=(
            f"Version {insert.number} générée "
            f"({counted(insert.names_count, 'nom')}, {counted(insert.pages, 'page')})"
        ),
        details={
            "version": insert.number,
            "insert": insert.pk,
            "created": True,
            "names": insert.names_count,
            "pages": insert.pages,
            "changes": diff_summary(insert.diff),
        },
    )


def new_version(build, latest):
    content = snapshot(build.groups)
    changes = diff(latest.content if latest else None, content)
    summary = diff_summary(changes)
    size = build.pagination.size
    insert = Insert(
        title=build.title,
        departement=build.departement,
        day=build.day,
        number=(latest.number if latest else 0) + 1,
        heading=build.heading,
        reason=f"{build.reason} : {summary}" if build.reason else summary,
        pdfx=build.options.pdfx,
        # The condition written in the PDF's output intent (the profile's own name if unset).
        output_condition=build.options.condition if build.options.pdfx else "",
        names_count=sum(len(g.names) for g in build.groups),
        pages=size.pages,
        columns=size.columns,
        lines=size.lines,
        columns_per_page=build.pagination.profile.columns,
        content_hash=build.digest,
        outlook_note=build.outlook_note,
        content=content,
        diff=changes,
        build_seconds=round(build.seconds, 2),
    )
    stem = insert.file_stem
    insert.thumbnails = []
    try:
        insert.pdf.save(f"{stem}.pdf", ContentFile(build.pdf), save=False)
        for number, png in enumerate(build.thumbnails, start=1):
            name = f"inserts/pages/{stem}-p{number}.png"
            insert.thumbnails.append(insert.pdf.storage.save(name, ContentFile(png)))
    except OSError as error:
        delete_files(insert)
        previous = (
            "la version précédente reste disponible"
            if latest
            else "aucune version n'était encore enregistrée"
        )
        raise InsertNotSaved(f"Échec de l'enregistrement du PDF : {error} ; {previous}.") from error
    return insert


class InsertNotSaved(Exception):
    """The storage failed while a new version's files were written; none of them is left."""


def delete_files(insert):
    """Delete a version's PDF and thumbnails, as far as the storage lets us: a storage that
    fails again leaves orphans, for the retention purge's orphan sweep."""
    for name in [insert.pdf.name, *insert.thumbnails]:
        if not name:
            continue
        try:
            insert.pdf.storage.delete(name)
        except OSError as error:
            log.warning("file %s of a version could not be deleted: %s", name, error)
    insert.pdf.name = None


def groups_of(insert):
    """The printed groups of a stored version (its layouts.versions snapshot), for its exports."""
    return [
        Group(
            diploma=section["diploma"],
            option=section["option"],
            names=tuple(section["names"]),
            second_group=section["second_group"],
            result=section["result"],
            outlook=tuple(section.get("outlook", ())),
        )
        for section in insert.content
    ]


def compose_departement(title, departement):
    """What the title would print of a département so far, all days together, for the
    editors' list: released results and additions, minus confirmed removals."""
    days = section_days([departement.code])
    stored = StoredRows(
        results=list(
            Result.objects.filter(departement=departement).values("fetched_at", *RESULT_FIELDS)
        ),
        additions=list(title.additions.filter(departement=departement)),
        removals=confirmed_removals(title, departement),
    )
    printing = {result_day(days, departement.code, row) for row in stored.results}
    printing |= {addition.day for addition in stored.additions}
    results, added = [], []
    for day in sorted(printing):
        day_results, day_added = printed_rows(title, departement, day, days, stored)
        results += day_results
        added += day_added
    return compose(results) + additif_groups(added)
