"""The planning desk's pages: a title's space plan, as a page, a CSV and a PDF."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe

from layouts.pdf import css_string, write_pdf

from ..day.forecast import by_departement, by_diploma
from ..day.planning import plan_csv, plan_stamp, title_plan
from .access import _is_admin, _title
from .fragments import fragment


def planning(request, slug):
    """The planning desk: every followed département, day by day, with the space to reserve.

    The plan is computed and rendered again only when its data moved (plan_stamp): the desk
    reloads it all day while it changes a few times.
    """
    title = _title(request, slug)
    departements = list(title.departements.all())
    is_admin = _is_admin(request.user, title)
    today = timezone.localdate()

    def context():
        profile, rates, days = title_plan(title, departements)
        totals = [
            ("Par département", by_departement(days, profile)),
            ("Par diplôme", by_diploma(days, profile)),
        ]
        return {
            "title": title,
            "profile": profile,
            "days": days,
            "today": today,
            "rates": rates,
            "is_admin": is_admin,
            "totals": totals,
        }

    codes = [d.code for d in departements]
    key = (*plan_key(title, codes), today, is_admin)
    body = fragment("results/_planning_body.html", key, context)
    return render(request, "results/planning.html", {"title": title, "body": body})


def plan_key(title, codes, stamp=None):
    """What a title's plan of `codes` depends on: the title's settings and its data's stamp."""
    settings = (title.pk, title.slug, title.name, title.combine_departements, title.outlook_notes)
    stamp = stamp or plan_stamp(title, codes)
    return (*settings, tuple(codes), tuple(sorted(stamp.items())))


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
    stamp = dateformat.format(timezone.localtime(), "j F Y à H:i")
    # The footer sits in a CSS string: escaped for CSS, since HTML escaping means nothing
    # inside <style> (a `"` would print as &quot;) and leaves a `\\` or a line end to break it.
    footer = mark_safe(css_string(f"{title.name} — plan édité le {stamp}"))
    html = render_to_string(
        "results/planning_pdf.html",
        {"title": title, "profile": profile, "days": days, "footer": footer},
    )
    pdf = write_pdf(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-{title.slug}.pdf"'
    return response
