"""Editors' confirmation of a section held as implausible, the rebuilds it needs, and the
notices of what an answer set aside or held."""

from django.db import transaction
from django.utils import timezone

from .. import audit
from ..day.content import days_of_sections, section_days
from ..editions.notices import notify_followers
from ..models import AuditEvent, HeldRow, SectionHold
from .jobs import queue_build


def confirm_section(hold, title, user):
    """An editor of `title` says the held section is right: it prints from now on, for every
    title following the département. Returns the build jobs for the caller to send, or None
    if the section was already confirmed (or released by a newer answer)."""
    with transaction.atomic():
        claimed = SectionHold.objects.filter(pk=hold.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now(), confirmed_by=user
        )
        if claimed != 1:
            return None
        code = hold.departement_id
        days = days_of_sections(code, [(hold.filiere, hold.option)])
        builds = []
        for follower in hold.departement.followers.all():
            scope = None if follower.combine_departements else hold.departement
            # Another title's builds are automatic work for it, not a stranger's request.
            by = user if follower.pk == title.pk else None
            builds += [queue_build(follower, scope, day, user=by) for day in days]
        audit.record(
            AuditEvent.Action.SECTION_CONFIRMED,
            title=title,
            user=user,
            departement=code,
            summary=(
                f"Section retenue confirmée pour impression : {hold.filiere} — {hold.option} "
                f"({hold.reason}) ; {len(builds)} encart(s) à régénérer"
            ),
            details={"hold": hold.pk, "builds": len(builds)},
        )
    return builds


def announce_holds(departement, report):
    """Tell the département's followers what the stored results answer set aside or held:
    counts and section labels, never a row's values."""
    where = f"{departement.name} ({departement.code})"
    if report.set_aside and report.set_aside_changed:
        plural = "s" if report.set_aside > 1 else ""
        text = (
            f"{where} — ARPENT : {report.set_aside} ligne{plural} illisible{plural} "
            f"mise{plural} de côté, non imprimée{plural} ; les autres sont enregistrées. "
            "Détail sur la page du département."
        )
        notify_followers(departement, text, f"Lignes mises de côté pour {departement.name}")
    for (filiere, option), reason in sorted(report.held.items()):
        text = (
            f"{where} — section retenue avant impression : {filiere} — {option} ({reason}). "
            "À confirmer sur la page de l'encart."
        )
        notify_followers(departement, text, f"Section retenue pour {departement.name}")


def announce_calendar_holds(departement, report):
    """Tell the département's followers how many rows of its calendar answer were set aside,
    when they changed: a count, never a row's values. A calendar row is never printed, but
    until it reads again its section's date and count are neither stored nor updated."""
    if not (report.set_aside and report.set_aside_changed):
        return
    plural = "s" if report.set_aside > 1 else ""
    text = (
        f"{departement.name} ({departement.code}) — calendrier ARPENT : {report.set_aside} "
        f"ligne{plural} illisible{plural} mise{plural} de côté ; les autres dates sont "
        "enregistrées. Détail sur la page du département."
    )
    notify_followers(
        departement, text, f"Lignes du calendrier mises de côté pour {departement.name}"
    )


def holds_of(codes, day=None):
    """The sections of these départements held from print, for the pages: those printed on
    `day` (or with no calendar day), or all of them; each with the `day` it prints on (None
    without a calendar day), where an editor confirms it."""
    holds = list(
        SectionHold.objects.filter(departement__in=codes, confirmed_at__isnull=True)
        .select_related("departement")
        .order_by("departement_id", "filiere", "option")
    )
    if not holds:
        return holds
    days = section_days(codes)
    for hold in holds:
        hold.day = days.get((hold.departement_id, hold.filiere, hold.option))
    return [h for h in holds if day is None or h.day in (day, None)]


def sections_held(lookup, value):
    """The holds to confirm in the départements where `departement__<lookup>` is `value`
    (lookup "" for the code itself), unsorted: what a page asks whether there are any of."""
    return SectionHold.objects.filter(confirmed_at__isnull=True, **_where(lookup, value))


def rows_held(lookup, value):
    """The rows set aside in the départements where `departement__<lookup>` is `value`."""
    return HeldRow.objects.filter(**_where(lookup, value))


def _where(lookup, value):
    return {"__".join(filter(None, ["departement", lookup])): value}


def rows_set_aside(codes):
    """The rows the latest answers set aside, for the pages (values shown to editors only)."""
    return list(
        HeldRow.objects.filter(departement__in=codes).order_by("departement_id", "endpoint", "line")
    )
