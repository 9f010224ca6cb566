"""The audit trail's pages, for the title's admins: the list with its filters, the CSV export."""

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from layouts.versions import counted

from ..audit import Action, csv_lines, record
from ..models import AuditEvent, Departement
from .access import _admin_title
from .forms import AuditFilterForm

PER_PAGE = 100


def _events(title):
    return AuditEvent.objects.filter(title=title)


def audit(request, slug):
    """The title's events, newest first; invalid filters are explained, nothing is listed."""
    title = _admin_title(request, slug)
    form = AuditFilterForm(request.GET)
    page = None
    if form.is_valid():
        # get_page: a page number that is not one shows the first page, past the end the last.
        page = Paginator(form.filter(_events(title)), PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        codes = {event.departement_code for event in page.object_list}
        names = dict(Departement.objects.filter(code__in=codes).values_list("code", "name"))
        for event in page.object_list:
            event.departement_name = names.get(event.departement_code, "")
    query = request.GET.copy()
    query.pop("page", None)
    context = {"title": title, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "results/audit.html", context)


def audit_csv(request, slug):
    """The same events as a CSV file, streamed: a season's trail may run to many thousands."""
    title = _admin_title(request, slug)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        errors = " ".join(error for errors in form.errors.values() for error in errors)
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    events = form.filter(_events(title))
    filters = {name: str(value) for name, value in form.cleaned_data.items() if value}
    # Taking the trail out is itself a thing done, recorded before the file is written; the
    # file holds the trail as it stood just before (events numbered below this one).
    export = record(
        Action.EXPORT,
        title=title,
        user=request.user,
        summary=f"Journal d'audit exporté en CSV ({counted(events.count(), 'événement')})",
        details={"format": "csv", "content": "audit", "filters": filters},
    )
    events = events.filter(pk__lt=export.pk)
    lines = (line.encode() for line in csv_lines(events.iterator(chunk_size=2000)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="journal-{title.slug}-{stamp}.csv"'
    return response
