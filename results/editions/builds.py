"""Building a title's insert for a day from the stored results: a new version per new content."""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from layouts.compose import Group
from layouts.paginate import paginate
from layouts.pdf import PrintOptions, render_pdf
from layouts.thumbnails import page_thumbnails
from layouts.versions import counted, diff, diff_summary, snapshot

from ..audit import Action, record
from ..day.content import insert_content, outlook_status, profile_for
from ..models import Departement, Insert, Title
from .notices import announce_version

log = logging.getLogger(__name__)


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


def build_version(
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
            delete_version_files(insert)
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
        delete_version_files(insert)
        previous = (
            "la version précédente reste disponible"
            if latest
            else "aucune version n'était encore enregistrée"
        )
        raise InsertNotSaved(f"Échec de l'enregistrement du PDF : {error} ; {previous}.") from error
    return insert


class InsertNotSaved(Exception):
    """The storage failed while a new version's files were written; none of them is left."""


def delete_version_files(insert):
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
