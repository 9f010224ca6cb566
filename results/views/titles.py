"""A title's pages: its home, its départements, their activity and results (htmx partials)."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from .. import changes
from ..audit import Action, record
from ..day.content import compose_departement, profile_for
from ..day.planning import plan_stamp, title_plan
from ..deliberation.holds import holds_of, rows_held, rows_set_aside, sections_held
from ..deliberation.retention import retention_status
from ..models import ALL_DEPARTEMENTS, Departement, Fetch, Insert, Job, Result
from ..sources import education
from ..store import opendata
from ..tasks import enqueue_fetch, refresh_calendar, refresh_departement_context
from . import composed
from .access import _admin_title, _followed, _is_admin, _title
from .forms import DepartementsForm
from .fragments import fragment, stamped
from .planning import plan_key


def home(request):
    titles = list(request.user.titles.all())
    if len(titles) == 1:
        return redirect("title", slug=titles[0].slug)
    return render(request, "results/home.html", {"titles": titles})


def title_home(request, slug):
    title = _title(request, slug)
    today = timezone.localdate()
    departements = title.departements.annotate(
        calendar_count=Count("calendar_rows", distinct=True),
        first_delib=Min("calendar_rows__date_delib"),
        last_delib=Max("calendar_rows__date_delib"),
    )
    results = dict(
        Result.objects.filter(departement__in=title.departements.all())
        .values_list("departement")
        .annotate(n=Count("id"))
    )
    rows = [(d, results.get(d.code, 0)) for d in departements]
    context = {
        "title": title,
        "rows": rows,
        "today": today,
        "profile": profile_for(title),
        "retention": retention_status(),
        "is_admin": _is_admin(request.user, title),
    }
    return render(request, "results/title.html", context)


def choose_departements(request, slug):
    title = _admin_title(request, slug)
    if request.method == "POST":
        form = DepartementsForm(request.POST)
        if form.is_valid():
            before = set(title.departements.values_list("code", flat=True))
            chosen = form.cleaned_data["departements"]
            with transaction.atomic():
                title.departements.set(chosen)
                _record_departements(request, title, before, {d.code for d in chosen})
            for departement in chosen:
                if departement.code not in before:
                    refresh_calendar.delay_on_commit(departement.code)
                    refresh_departement_context.delay_on_commit(departement.code)
            messages.success(request, "Départements enregistrés.")
            return redirect("title", slug=title.slug)
    else:
        form = DepartementsForm(initial={"departements": title.departements.all()})
    return render(request, "results/choose.html", {"title": title, "form": form})


def _record_departements(request, title, before, after):
    if before == after:
        return
    names = dict(Departement.objects.filter(code__in=before | after).values_list("code", "name"))
    added, removed = sorted(after - before), sorted(before - after)
    parts = [f"+ {names[code]} ({code})" for code in added]
    parts += [f"\u2212 {names[code]} ({code})" for code in removed]
    record(
        Action.SETTINGS,
        title=title,
        user=request.user,
        summary="Départements suivis : " + ", ".join(parts),
        details={"settings": "departements", "added": added, "removed": removed},
    )


def _latest_jobs(title_pk, code):
    # The scheduler's fetches belong to no title; they show on every follower's page.
    jobs = Job.objects.filter(Q(title=title_pk) | Q(title__isnull=True), departement=code)
    return jobs.order_by("-created_at")[:6]


def _versions(title_pk, code):
    versions = Insert.objects.filter(title=title_pk, departement=code).defer("content", "diff")
    return versions.order_by("day", "-number")


def _activity(title, departement):
    def jobs_panel():
        jobs = composed.rows(_latest_jobs, title.pk, departement.code)
        return {
            "busy": any(not job.finished for job in jobs),
            "jobs_html": render_to_string("results/_jobs.html", {"jobs": jobs}) if jobs else "",
        }

    # Kept while the département's jobs stand still.
    key = ("departement-jobs", title.pk, departement.code)
    stamp = changes.current(changes.departement_jobs(departement.code))
    panel = stamped(stamp, key, jobs_panel)
    # The latest version of each of the département's inserts, one per day.
    latest = {}
    for insert in composed.rows(_versions, title.pk, departement.code):
        latest.setdefault(insert.day, insert)
    inserts = list(latest.values())
    return {**panel, "inserts": inserts}


def departement(request, slug, code):
    """A followed département: its plan (kept while its data is unchanged), results, jobs,
    inserts and context."""
    title = _title(
        request,
        slug,
        has_holds=composed.exists(sections_held, "", code),
        has_set_aside=composed.exists(rows_held, "", code),
    )
    dept = _followed(title, code)
    today = timezone.localdate()
    stamp = plan_stamp(title, [dept.code])
    # Establishments and lycées' results change only with an open-data fetch, which leaves a
    # fetch record: the latest one dates the panel.
    panel_key = (dept.code, dept.name, stamp["fetch"])
    context = {
        "title": title,
        "departement": dept,
        "plan": _departement_plan(title, dept, today, stamp),
        "results_count": stamp["results"] or 0,
        "context_panel": fragment(
            "results/_context_panel.html", panel_key, lambda: _context_panel(dept)
        ),
        "today": today,
        # Looked up only where the title's flags say there is something held: rare.
        "holds": holds_of([code]) if title.has_holds else [],
        # Where a held section is confirmed: its day's insert, combined or the département's.
        "insert_scope": ALL_DEPARTEMENTS if title.combine_departements else code,
        "set_aside": rows_set_aside([code]) if title.has_set_aside else [],
        **_activity(title, dept),
    }
    return render(request, "results/departement.html", context)


def _departement_plan(title, dept, today, stamp):
    """The département's calendar and space to reserve, rendered again once its data moved."""

    def context():
        profile, _, days = title_plan(title, [dept])
        last_calendar_fetch = Fetch.objects.filter(
            endpoint="calendriers", departement_code=dept.code
        ).first()
        return {
            "title": title,
            "profile": profile,
            "days": days,
            "today": today,
            "last_calendar_fetch": last_calendar_fetch,
        }

    key = (*plan_key(title, [dept.code], stamp), dept.name, today)
    return fragment("results/_departement_plan.html", key, context)


def _context_panel(dept):
    """The département's agricultural establishments and its lycées' latest Bac pro results,
    from the cache, with their sources and how fresh they are."""
    results = list(dept.lycee_results.all())
    latest = max((r.session for r in results), default=None)
    return {
        "establishments": list(dept.establishments.all()),
        "lycee_results": [r for r in results if r.session == latest],
        "lycee_session": latest,
        "establishments_fetch": opendata.last_success(opendata.ESTABLISHMENTS, dept.code),
        "lycee_fetch": opendata.last_success(opendata.LYCEE_RESULTS, dept.code),
        "sources": {
            "establishments": education.SOURCE[education.ANNUAIRE],
            "lycee_results": education.SOURCE[education.LYCEES_PRO],
        },
    }


def activity(request, slug, code):
    """The jobs and inserts panel; htmx polls it while a job runs."""
    title = _title(request, slug)
    dept = _followed(title, code)
    context = {"title": title, "departement": dept, **_activity(title, dept)}
    response = render(request, "results/_activity.html", context)
    if request.htmx and not context["busy"]:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_POST
def request_fetch(request, slug, code):
    title = _title(request, slug)
    dept = _followed(title, code)
    with transaction.atomic():
        job = enqueue_fetch(dept, title=title, user=request.user)
        # The request; the job adds the outcome (counts) to the trail once it has run.
        record(
            Action.FETCH,
            title=title,
            user=request.user,
            departement=dept,
            summary=f"Récupération des résultats demandée ({dept.name})",
            details={"job": job.pk, "requested": True},
        )
    messages.info(request, "Récupération des résultats lancée.")
    return redirect("departement", slug=title.slug, code=dept.code)


def results_list(request, slug, code):
    title = _title(request, slug)
    dept = _followed(title, code)
    groups = compose_departement(title, dept)
    return render(
        request,
        "results/results_list.html",
        {
            "title": title,
            "departement": dept,
            "groups": groups,
            "total": sum(len(g.names) for g in groups),
        },
    )
