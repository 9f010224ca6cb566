"""The editors' pages: one view per page, htmx partials for the parts that refresh."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling
from weasyprint import HTML

from layouts.profile import BERLINER, TABLOID

from . import context as context_sources
from . import education
from .audit import Action, changes_text, form_changes, record
from .forms import DepartementsForm, PrintProfileForm
from .inserts import compose_departement, profile_for
from .jobs import enqueue_fetch
from .models import Departement, Fetch, Insert, Job, Membership, PrintProfile, Result, Title
from .plan import by_departement, by_diploma
from .planning import plan_csv, title_plan
from .preview import preview
from .retention import retention_status
from .tasks import refresh_calendar, refresh_departement_context


def _title(request, slug):
    """The title, if the user belongs to it; other titles do not exist for them."""
    return get_object_or_404(Title, slug=slug, members=request.user)


def _is_admin(user, title):
    return Membership.objects.filter(user=user, title=title, role=Membership.Role.ADMIN).exists()


ADMINS_ONLY = "Cette page est réservée aux administrateurs du titre."


def _admin_title(request, slug):
    """The title, if the user is one of its admins; 403 for its other members, 404 for the
    rest, as for every page of a title."""
    title = _title(request, slug)
    if not _is_admin(request.user, title):
        raise PermissionDenied(ADMINS_ONLY)
    return title


def _profile(request, slug, pk):
    """A profile to change: its title's admins only, as everything that changes a title's print."""
    title = _admin_title(request, slug)
    return get_object_or_404(PrintProfile, pk=pk, title=title)


def _followed(title, code):
    return get_object_or_404(title.departements, code=code)


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


def _activity(title, departement):
    jobs = list(
        # The scheduler's fetches belong to no title; they show on every follower's page.
        Job.objects.filter(Q(title=title) | Q(title__isnull=True), departement=departement)
        .select_related("insert")
        .order_by("-created_at")[:6]
    )
    # The latest version of each of the département's inserts, one per day.
    latest = {}
    versions = Insert.objects.filter(title=title, departement=departement).defer("content", "diff")
    for insert in versions.order_by("day", "-number"):
        latest.setdefault(insert.day, insert)
    inserts = list(latest.values())
    return {
        "jobs": jobs,
        "inserts": inserts,
        "busy": any(not job.finished for job in jobs),
    }


def departement(request, slug, code):
    title = _title(request, slug)
    dept = _followed(title, code)
    profile, rates, days = title_plan(title, [dept])
    last_calendar_fetch = Fetch.objects.filter(
        endpoint="calendriers", departement_code=code
    ).first()
    context = {
        "title": title,
        "departement": dept,
        "profile": profile,
        "days": days,
        "results_count": Result.objects.filter(departement=dept).count(),
        "last_calendar_fetch": last_calendar_fetch,
        "today": timezone.localdate(),
        **_activity(title, dept),
        **_context_panel(dept),
    }
    return render(request, "results/departement.html", context)


def _context_panel(dept):
    """The département's agricultural establishments and its lycées' latest Bac pro results,
    from the cache, with their sources and how fresh they are."""
    results = list(dept.lycee_results.all())
    latest = max((r.session for r in results), default=None)
    return {
        "establishments": list(dept.establishments.all()),
        "lycee_results": [r for r in results if r.session == latest],
        "lycee_session": latest,
        "establishments_fetch": context_sources.last_success(
            context_sources.ESTABLISHMENTS, dept.code
        ),
        "lycee_fetch": context_sources.last_success(context_sources.LYCEE_RESULTS, dept.code),
        "sources": {
            "establishments": education.SOURCE[education.ANNUAIRE],
            "lycee_results": education.SOURCE[education.LYCEES_PRO],
        },
    }


def planning(request, slug):
    """The planning desk: every followed département, day by day, with the space to reserve."""
    title = _title(request, slug)
    profile, rates, days = title_plan(title)
    context = {
        "title": title,
        "profile": profile,
        "days": days,
        "today": timezone.localdate(),
        "rates": rates,
        "is_admin": _is_admin(request.user, title),
        "totals": [
            ("Par département", by_departement(days, profile)),
            ("Par diplôme", by_diploma(days, profile)),
        ],
    }
    return render(request, "results/planning.html", context)


def planning_csv(request, slug):
    title = _title(request, slug)
    _, _, days = title_plan(title)
    response = HttpResponse(plan_csv(days), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{title.slug}.csv"'
    return response


def planning_pdf(request, slug):
    """The plan on one landscape page, for the layout desk's wall."""
    title = _title(request, slug)
    profile, _, days = title_plan(title)
    html = render_to_string(
        "results/planning_pdf.html",
        {"title": title, "profile": profile, "days": days, "now": timezone.localtime()},
    )
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-{title.slug}.pdf"'
    return response


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
def fetch_results(request, slug, code):
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


PRESETS = {"berliner": BERLINER, "tabloid": TABLOID}


def profiles(request, slug):
    """The title's profiles, for every member to read; only its admins change them."""
    title = _title(request, slug)
    rows = [(profile, profile.to_layout()) for profile in title.profiles.all()]
    context = {"title": title, "rows": rows, "is_admin": _is_admin(request.user, title)}
    return render(request, "results/profiles.html", context)


# The profile views find the title before checking the method: another title's URLs are 404
# whatever the method, like every page of a title that is not the user's.


def new_profile(request, slug):
    title = _admin_title(request, slug)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    preset = PRESETS.get(request.POST.get("preset"))
    if preset is None:
        return HttpResponseBadRequest("Modèle de gabarit inconnu.")
    with transaction.atomic():
        profile = PrintProfile.create_from(title, preset)
        default = ", gabarit par défaut" if profile.is_default else ""
        record(
            Action.SETTINGS,
            title=title,
            user=request.user,
            summary=f"Gabarit « {profile.name} » créé (modèle {preset.name}){default}",
            details={"settings": "profile", "profile": profile.pk, "created": True},
        )
    messages.success(request, f"Gabarit « {profile.name} » créé.")
    return redirect("profile", slug=title.slug, pk=profile.pk)


def edit_profile(request, slug, pk):
    profile = _profile(request, slug, pk)
    # The form writes what was typed into `profile`; the page heading keeps the stored name.
    stored_name = profile.name
    form = PrintProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            changes = form_changes(form)
            if changes:
                record(
                    Action.SETTINGS,
                    title=profile.title,
                    user=request.user,
                    summary=f"Gabarit « {stored_name} » modifié : {changes_text(form, changes)}",
                    details={"settings": "profile", "profile": profile.pk, "changes": changes},
                )
        messages.success(request, f"Gabarit « {profile.name} » enregistré.")
        return redirect("profile", slug=slug, pk=profile.pk)
    context = {"title": profile.title, "profile": profile, "stored_name": stored_name}
    context.update(_preview(form))
    return render(request, "results/profile.html", context)


def preview_profile(request, slug, pk):
    """The preview panel for the values typed so far; nothing is saved."""
    profile = _profile(request, slug, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = PrintProfileForm(request.POST, instance=profile)
    return render(request, "results/_profile_preview.html", _preview(form))


def _preview(form):
    """The preview of what the form holds: the stored profile, or the values typed so far."""
    if form.is_bound:
        form.is_valid()  # sets form.layout when the values make a printable grid
        layout = form.layout
    else:
        layout = form.instance.to_layout()
    return {"form": form, "preview": preview(layout) if layout else None}


def default_profile(request, slug, pk):
    profile = _profile(request, slug, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not profile.is_default:
        with transaction.atomic():
            profile.make_default()
            record(
                Action.SETTINGS,
                title=profile.title,
                user=request.user,
                summary=f"« {profile.name} » devient le gabarit par défaut",
                details={"settings": "profile", "profile": profile.pk, "default": True},
            )
    messages.success(request, f"« {profile.name} » est maintenant le gabarit par défaut.")
    return redirect("profiles", slug=slug)
