"""The insert pages: versions, progress, thumbnails, diffs, "bon à tirer" and downloads."""

import hashlib
import logging
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import DateField, DateTimeField, F, IntegerField, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from layouts.exports import insert_csv, insert_tagged_text
from layouts.versions import diff_summary

from .. import changes
from ..audit import Action, changes_text, form_changes, record
from ..day.removals import pending_count_of
from ..deliberation.holds import (
    confirm_section,
    holds_of,
    rows_held,
    rows_set_aside,
    sections_held,
)
from ..deliberation.retention import last_deliberation, last_purge, retention_of, retention_status
from ..editions.builds import groups_of
from ..editions.notices import insert_label
from ..models import ALL_DEPARTEMENTS, Insert, Job, Notice, SectionHold, Title
from ..tasks import dispatch, enqueue_build
from . import composed
from .access import _admin_title, _followed, _is_admin, _title
from .forms import PrintSettingsForm
from .fragments import stamped

log = logging.getLogger(__name__)


def _scope(title, scope):
    """The département of an insert URL, or None for the title's combined insert."""
    if scope == ALL_DEPARTEMENTS:
        return None
    return _followed(title, scope)


def _version(request, slug, pk):
    title = _title(request, slug)
    return get_object_or_404(Insert.objects.select_related("title"), pk=pk, title=title)


def inserts(request, slug):
    """Every insert of the title, per day: latest version, final mark, notices."""
    title = _title(request, slug)
    latest = {}
    versions = Insert.objects.filter(title=title).select_related("departement")
    for insert in versions.defer("content", "diff").order_by("day", "departement_id", "-number"):
        latest.setdefault((insert.day, insert.departement_id), insert)
    finals = set(
        Insert.objects.filter(title=title, final_at__isnull=False).values_list(
            "day", "departement_id"
        )
    )
    rows = [(insert, key in finals) for key, insert in latest.items()]
    context = {
        "title": title,
        "rows": rows,
        "notices": Notice.objects.filter(title=title)
        .select_related("insert")
        .defer("insert__content", "insert__diff")[:20],
    }
    return render(request, "results/inserts.html", context)


def _jobs(title, code, day):
    """The build jobs of this insert, and today's fetches of its département(s); `code` is
    None for the title's combined insert."""
    builds = Q(kind=Job.Kind.BUILD_INSERT, title=title, departement_id=code, day=day)
    codes = [code] if code else list(title.departements.values_list("code", flat=True))
    # From yesterday's midnight (Paris) on, as an instant: a range the database compares as it
    # is, where `created_at__date` converted every job of the département to a local date (in
    # Python, on SQLite) at each poll of the progress panel.
    since = datetime.combine(timezone.localdate() - timedelta(days=1), time.min)
    fetches = Q(
        kind=Job.Kind.FETCH_RESULTS,
        departement__in=codes,
        created_at__gte=timezone.make_aware(since),
    )
    return list(Job.objects.filter(builds | fetches).order_by("-created_at")[:6])


def _jobs_stamp(code):
    """The change stamp of département `code`'s jobs; None for a combined insert (its jobs span
    the title's départements) or without a shared cache."""
    return changes.current(changes.departement_jobs(code)) if code else None


def _status(title, code, day, stamp):
    """The insert's progress panel: whether work is under way, the panel's version and its jobs'
    HTML, kept while the département's jobs stand still (`stamp`, read by the caller before)."""

    def panel():
        jobs = _jobs(title, code, day)
        busy = any(not job.finished for job in jobs)
        shown = {"jobs": jobs, "show_departement": True}
        return {
            "busy": busy,
            "version": _status_version(jobs, busy),
            "jobs_html": render_to_string("results/_jobs.html", shown) if jobs else "",
        }

    # Per day too: the panel shows the fetches since yesterday.
    key = ("insert-status", title.pk, code, day, timezone.localdate())
    return stamped(stamp, key, panel)


def insert(request, slug, scope, day):
    """One insert of a day: its versions, the chosen one's pages and changes."""
    title = _title(request, slug, **_insert_facts(slug, scope))
    departement = _scope(title, scope)
    versions = composed.rows(_versions, title.pk, scope, day)
    selected = _selected(request, versions)
    code = departement and departement.code
    status = _status(title, code, day, _jobs_stamp(code))
    final = max((v for v in versions if v.is_final), key=lambda v: v.final_at, default=None)
    context = {
        "title": title,
        "departement": departement,
        "scope": scope,
        "day": day,
        "label": insert_label(departement, day),
        "versions": versions,
        "selected": selected,
        "final": final,
        "outdated": final is not None and versions and versions[0].number > final.number,
        "pages": _pages(selected),
        "summary": diff_summary(selected.diff) if selected and selected.diff else "",
        "pending_removals": title.pending_removals,
        "retention": retention_of(title),
        "is_admin": _is_admin(request.user, title),
        **status,
        **_held(title, departement, day),
    }
    return render(request, "results/insert.html", context)


def _versions(title_pk, scope, day):
    """The insert's versions, newest first, with the name of who marked each "bon à tirer"."""
    code = None if scope == ALL_DEPARTEMENTS else scope
    versions = Insert.objects.filter(title=title_pk, departement=code, day=day).defer("content")
    return versions.annotate(final_by_name=F("final_by__username")).order_by("-number")


def _insert_facts(slug, scope):
    """What the insert page shows beside its versions and jobs, read with its title: the
    removals to confirm, the retention date, whether its département(s) hold anything."""
    where = ("followers__slug", slug) if scope == ALL_DEPARTEMENTS else ("", scope)
    return {
        "pending_removals": composed.scalar(pending_count_of, slug, output_field=IntegerField()),
        "retention_last_day": composed.scalar(last_deliberation, output_field=DateField()),
        "retention_purged_at": composed.scalar(last_purge, output_field=DateTimeField()),
        "has_holds": composed.exists(sections_held, *where),
        "has_set_aside": composed.exists(rows_held, *where),
    }


def _held(title, departement, day):
    """What the insert's département(s) hold from print: sections to confirm, rows set aside
    (looked up only where the title's facts say there are some)."""
    held = {"holds": [], "set_aside": [], "show_departement": departement is None}
    if not (title.has_holds or title.has_set_aside):
        return held
    codes = (
        [departement.code]
        if departement
        else list(title.departements.values_list("code", flat=True))
    )
    if title.has_holds:
        held["holds"] = holds_of(codes, day)
    if title.has_set_aside:
        held["set_aside"] = rows_set_aside(codes)
    return held


def _pages(version):
    """Page numbers of the version's thumbnails, none once its files are erased."""
    if version is None or version.is_purged or version.is_withdrawn:
        return []
    return range(1, len(version.thumbnails) + 1)


def _selected(request, versions):
    if not versions:
        return None
    wanted = request.GET.get("version")
    if wanted is None:
        return versions[0]
    for version in versions:
        if str(version.number) == wanted:
            return version
    raise Http404("Cette version n'existe pas.")


@login_not_required  # checked below, once the answer is not "unchanged" (see _unchanged)
def insert_status(request, slug, scope, day):
    """The progress panel; htmx polls it while a job runs, then reloads the page once.

    Every editor with the insert page open polls it every 2 s. While the département's jobs
    have not moved, the poll is answered from the shared cache, without a query; otherwise the
    title and the followed département are checked in one query, the jobs read in another, and
    the panel is rendered only if it is shown.
    """
    if _unchanged(request, slug, scope, day):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    titles = Title.objects.filter(slug=slug, members=request.user)
    code = None if scope == ALL_DEPARTEMENTS else scope
    if code:
        # Through the title's followed départements, as _scope: a 404 for any other.
        titles = titles.filter(departements=code)
    title = get_object_or_404(titles)
    # Read before the jobs: a change written in between moves it again (results.changes).
    stamp = _jobs_stamp(code)
    context = {"title": title, "scope": scope, "day": day, **_status(title, code, day, stamp)}
    if request.htmx and not context["busy"]:
        # The work is done: the whole page reloads to show the new version and its pages.
        response = HttpResponseStopPolling()
        response["HX-Refresh"] = "true"
        return response
    version = context["version"]
    if stamp is not None:
        _remember(request, slug, scope, day, version, stamp)
    if request.htmx and request.GET.get("version") == version:
        # The panel the browser shows is the current one: htmx keeps it and polls on.
        return HttpResponse(status=204)
    etag = quote_etag(version)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()  # the same, for a client that kept the panel
    else:
        response = render(request, "results/_insert_status.html", context)
    response["ETag"] = etag
    return response


# How long a computed panel is trusted while its stamp stands still: only a stamp that could
# not be moved (the shared cache away during a write) or a membership withdrawn meanwhile is
# seen that late.
PANEL_TIMEOUT_S = 60


def _panel_key(user_id, slug, scope, day):
    """The panel one user was last given: per user, since it was given after their access was
    checked; per day and language, since the panel shows today's fetches, in their language."""
    today = timezone.localdate().isoformat()
    parts = (user_id, slug, scope, day.isoformat(), translation.get_language(), today)
    return "panel:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _remember(request, slug, scope, day, version, stamp):
    # As the session holds it: a string.
    key = _panel_key(str(request.user.pk), slug, scope, day)
    try:
        changes.shared_cache().set(key, (version, stamp), PANEL_TIMEOUT_S)
    except Exception as error:  # the cache client's own errors: the next poll computes
        log.warning("progress panel not kept: %r", error)


def _unchanged(request, slug, scope, day):
    """True when this htmx poll asks for the version it was given, of a single département's
    panel, and the département's jobs have not moved since: one read of the shared cache,
    after the session's.

    The user is the session's, not loaded: a 204 tells nothing but "keep what you show", to a
    session that was shown it after its access was checked, and PANEL_TIMEOUT_S bounds how
    long a withdrawn access keeps hearing it. A combined insert's panel (its jobs span the
    title's départements) is computed each time.
    """
    wanted = request.GET.get("version")
    cache = changes.shared_cache()
    if not (request.htmx and wanted and scope != ALL_DEPARTEMENTS and cache is not None):
        return False
    user_id = request.session.get(SESSION_KEY)
    if user_id is None:
        return False
    key = _panel_key(user_id, slug, scope, day)
    stamp_key = changes.departement_jobs(scope)
    try:
        kept = cache.get_many([key, stamp_key])
    except Exception as error:  # the cache client's own errors: computed as without a cache
        log.warning("progress panel cache unreadable: %r", error)
        return False
    return stamp_key in kept and kept.get(key) == (wanted, kept[stamp_key])


# Bumped when the panel's template changes what it shows of a job.
STATUS_TEMPLATE_VERSION = 1


def _status_version(jobs, busy):
    """The panel's version: every field of its jobs that it shows, so that any change to a job
    (progress, state, message) or a new job gives another version. Each panel asks for its next
    poll with its own version (`?version=`)."""
    shown = [
        (j.pk, j.kind, j.status, j.progress, j.message, j.departement_id, j.requested_by_id)
        + (j.created_at.isoformat(),)
        for j in jobs
    ]
    parts = (STATUS_TEMPLATE_VERSION, translation.get_language(), busy, shown)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


@require_POST
def build_day(request, slug, scope, day):
    title = _title(request, slug)
    departement = _scope(title, scope)
    enqueue_build(title, departement, day, user=request.user)
    messages.info(request, "Génération de l'encart lancée.")
    return redirect("insert", slug=title.slug, scope=scope, day=day)


@require_POST
def confirm_held_section(request, slug, scope, day, pk):
    """An editor confirms a section held as implausible: it prints, its inserts are rebuilt."""
    title = _title(request, slug)
    _scope(title, scope)
    hold = get_object_or_404(SectionHold, pk=pk, departement__in=title.departements.all())
    builds = confirm_section(hold, title, request.user)
    if builds is None:
        messages.info(request, "Cette section n'est plus retenue.")
    else:
        for job in builds:
            dispatch(job)
        messages.success(
            request, f"Section confirmée : {hold.filiere} — {hold.option} sera imprimée."
        )
    return redirect("insert", slug=title.slug, scope=scope, day=day)


@require_POST
def mark_final(request, slug, pk):
    """Mark a version "bon à tirer": it is locked for good; a later one may be marked after."""
    version = _version(request, slug, pk)
    url = reverse("insert", args=[slug, version.scope_code, version.day])
    if version.is_withdrawn or version.is_purged:
        messages.error(request, f"La version {version.number} est retirée : marquez la suivante.")
        return redirect(url)
    with transaction.atomic():
        marked = Insert.objects.filter(pk=version.pk, final_at__isnull=True).update(
            final_at=timezone.now(), final_by=request.user
        )
        if marked:
            _record(request, version, Action.MARK_FINAL, "marquée « bon à tirer »")
    if marked:
        messages.success(request, f"Version {version.number} marquée « bon à tirer ».")
    else:
        messages.info(request, f"La version {version.number} était déjà « bon à tirer ».")
    return redirect(f"{url}?version={version.number}")


def _gone(request, version):
    """410 Gone for a version whose files were erased, saying why; None for the others."""
    if version.is_purged:
        return _purged(request, version)
    if version.is_withdrawn:
        return _withdrawn(request, version)
    return None


def _withdrawn(request, version):
    """What a download of a withdrawn version answers: gone, and why, and where to go."""
    context = {"title": version.title, "version": version}
    return render(request, "results/withdrawn.html", context, status=410)


def _purged(request, version):
    """410 Gone: the version's names were erased by the retention purge, for good."""
    context = {
        "title": version.title,
        "version": version,
        "label": insert_label(version.departement, version.day),
        "days": retention_status().days,
    }
    return render(request, "results/purged.html", context, status=410)


def _record(request, version, action, done, **details):
    """ "Version 3 téléchargée en PDF" in the title's trail, with the insert it belongs to."""
    record(
        action,
        title=version.title,
        user=request.user,
        departement=version.departement_id,
        day=version.day,
        summary=f"Version {version.number} {done}",
        details={"version": version.number, "insert": version.pk, **details},
    )


def _open(version, name):
    try:
        return version.pdf.storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("Fichier introuvable.") from None


def download_insert(request, slug, pk):
    version = _version(request, slug, pk)
    if gone := _gone(request, version):
        return gone
    handle = _open(version, version.pdf.name)
    _record(request, version, Action.DOWNLOAD, "téléchargée en PDF")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{version.file_stem}.pdf",
        content_type="application/pdf",
    )


def page_thumbnail(request, slug, pk, page):
    version = _version(request, slug, pk)
    if gone := _gone(request, version):
        return gone
    if not 1 <= page <= len(version.thumbnails):
        raise Http404("Cette page n'existe pas.")
    handle = _open(version, version.thumbnails[page - 1])
    return FileResponse(handle, content_type="image/png")


def _export_name(version, extension):
    return f"{version.file_stem}.{extension}"


def export_csv(request, slug, pk):
    version = _version(request, slug, pk)
    if gone := _gone(request, version):
        return gone
    _record(request, version, Action.EXPORT, "exportée en CSV", format="csv")
    response = HttpResponse(
        insert_csv(version.heading, groups_of(version)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(version, "csv")}"'
    return response


def export_tagged_text(request, slug, pk):
    """InDesign Tagged Text (UTF-16), for desks that set the pages themselves."""
    version = _version(request, slug, pk)
    if gone := _gone(request, version):
        return gone
    _record(
        request, version, Action.EXPORT, "exportée pour InDesign (texte balisé)", format="indesign"
    )
    response = HttpResponse(
        insert_tagged_text(version.heading, groups_of(version)),
        content_type="text/plain; charset=utf-16",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(version, "txt")}"'
    return response


def print_settings(request, slug):
    """The title's printer settings: ICC profile (PDF/X-4), bleed, crop marks, grouping. They
    change every insert the title prints: its admins only."""
    title = _admin_title(request, slug)
    form = PrintSettingsForm(request.POST or None, request.FILES or None, instance=title)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            changes = form_changes(form)
            if changes:
                record(
                    Action.SETTINGS,
                    title=title,
                    user=request.user,
                    summary=f"Réglages d'impression : {changes_text(form, changes)}",
                    details={"settings": "print", "changes": changes},
                )
        messages.success(request, "Réglages d'impression enregistrés.")
        return redirect("print_settings", slug=title.slug)
    return render(request, "results/print_settings.html", {"title": title, "form": form})
