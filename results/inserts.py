"""Building a title's PDF insert for a département from the stored results."""

import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max

from layouts.compose import compose
from layouts.paginate import paginate
from layouts.pdf import render_pdf
from layouts.profile import BERLINER

from .models import CalendarRow, Insert, Result, Title
from .plan import insert_title

RESULT_FIELDS = ("filiere", "option", "specialite", "nom", "prenoms", "resultat")


def profile_for(title):
    """The title's default layout profile; a title that has set none prints on the Berliner
    grid, the commonest among regional dailies."""
    stored = title.profiles.filter(is_default=True).first()
    return stored.to_layout() if stored else BERLINER


def session_year(departement):
    """The year of the département's deliberations, which is the session's."""
    last = (
        CalendarRow.objects.filter(departement=departement)
        .order_by("-date_delib")
        .values_list("date_delib", flat=True)
        .first()
    )
    return last.year if last else None


def compose_departement(departement):
    rows = Result.objects.filter(departement=departement).values(*RESULT_FIELDS)
    return compose(list(rows))


def content_hash(title_text, groups):
    """A hash of what is printed, so that a rebuild with the same content makes no new version."""
    digest = hashlib.sha256(title_text.encode())
    for group in groups:
        digest.update(repr(group).encode())
    return digest.hexdigest()


def build_insert(title, departement, on_progress=lambda percent, message: None):
    """Build the insert; returns (insert, created), or (None, False) when nothing is published.

    The PDF is rendered from our own pagination, so its pages and columns are exactly those the
    estimate counts.
    """
    on_progress(10, "Composition des listes…")
    groups = compose_departement(departement)
    if not groups:
        return None, False
    heading = insert_title(departement.name, session_year(departement))
    digest = content_hash(heading, groups)
    latest = Insert.objects.filter(title=title, departement=departement).order_by("-number").first()
    if latest and latest.content_hash == digest:
        return latest, False

    profile = profile_for(title)
    on_progress(25, "Mise en colonnes…")
    pagination = paginate(profile, groups, title=heading)
    on_progress(40, f"Rendu du PDF ({pagination.pages_count} page(s))…")
    pdf = render_pdf(pagination, footer=f"{title.name} — {heading}")
    on_progress(90, "Enregistrement…")
    return save_version(title, departement, pdf, pagination, groups, digest)


def save_version(title, departement, pdf, pagination, groups, digest):
    """Store a new version unless an identical one was saved meanwhile by another worker."""
    with transaction.atomic():
        # Two builds of the same insert may finish together (a manual one and the one that
        # follows a fetch): the title's row lock makes them number and compare in turn.
        Title.objects.select_for_update().filter(pk=title.pk).first()
        latest = (
            Insert.objects.filter(title=title, departement=departement).order_by("-number").first()
        )
        if latest and latest.content_hash == digest:
            return latest, False
        number = (
            Insert.objects.filter(title=title, departement=departement).aggregate(n=Max("number"))[
                "n"
            ]
            or 0
        ) + 1
        insert = Insert(
            title=title,
            departement=departement,
            number=number,
            names_count=sum(len(g.names) for g in groups),
            pages=pagination.size.pages,
            columns=pagination.size.columns,
            lines=pagination.size.lines,
            columns_per_page=pagination.profile.columns,
            content_hash=digest,
        )
        insert.pdf.save(
            f"encart-{title.slug}-{departement.code}-v{number}.pdf", ContentFile(pdf), save=False
        )
        try:
            insert.save()
        except IntegrityError:
            insert.pdf.delete(save=False)
            raise
    return insert, True
