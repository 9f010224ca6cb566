"""The diplomas page: ARPENT's labels, the codes other sources know them by, and their figures."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..day.outlooks import mapping_for, outlook_lines, vintage
from ..models import CalendarRow, DiplomaCode, EmploymentFigure
from ..sources import inserjeunes
from ..store.opendata import EMPLOYMENT, last_failure, last_success
from ..tasks import refresh_open_data
from .access import _title


def diplomas(request, slug):
    """Every diploma the followed départements' calendars list, mapped or not."""
    title = _title(request, slug)
    departements = list(title.departements.all())
    regions = {d.region_code: d.region for d in departements if d.region_code}
    sections = sorted(
        set(
            CalendarRow.objects.filter(departement__in=departements).values_list(
                "filiere", "option"
            )
        )
    )
    mappings = {(m.filiere, m.option): m for m in DiplomaCode.objects.all()}
    figures = {(f.code, f.region_code): f for f in EmploymentFigure.objects.all()}
    mapped, unmapped = [], []
    for filiere, option in sections:
        mapping = mapping_for(filiere, option, mappings)
        if mapping is None:
            unmapped.append((filiere, option))
            continue
        rows = []
        for region_code, region in [*regions.items(), ("", "France entière")]:
            figure = next(
                (figures[(c, region_code)] for c in mapping.codes if (c, region_code) in figures),
                None,
            )
            rows.append(
                {
                    "where": region,
                    "figure": figure,
                    "printed": bool(figure and outlook_lines(figure)),
                    "vintage": vintage(figure.millesime) if figure else "",
                }
            )
        mapped.append({"filiere": filiere, "option": option, "mapping": mapping, "rows": rows})
    context = {
        "title": title,
        "mapped": mapped,
        "unmapped": unmapped,
        "source": inserjeunes.SOURCE,
        "last_success": last_success(EMPLOYMENT),
        "last_failure": last_failure(EMPLOYMENT),
    }
    return render(request, "results/diplomas.html", context)


@require_POST
def refresh_diplomas(request, slug):
    title = _title(request, slug)
    refresh_open_data.delay_on_commit()
    messages.info(request, "Mise à jour des chiffres lancée : rechargez la page dans une minute.")
    return redirect("diplomas", slug=title.slug)
