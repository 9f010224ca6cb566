"""The removal requests pages: record, import, match and confirm."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from .. import audit
from ..day.removal_csv import COLUMNS, import_requests, parse
from ..day.removals import StaleMatches, known_diplomas, matching_results
from ..deliberation.corrections import confirm_removal
from ..models import AuditEvent, Removal
from ..store.objections import on_file
from ..tasks import dispatch
from .access import _title
from .forms import ConfirmRemovalForm, RemovalForm, RemovalImportForm


def removals(request, slug):
    title = _title(request, slug)
    today = timezone.localdate()
    form = RemovalForm(request.POST or None, title=title, pairs=known_diplomas(), today=today)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            removal = form.save(commit=False)
            removal.title, removal.created_by = title, request.user
            removal.save()
            audit.record(
                AuditEvent.Action.REMOVAL_RECORDED,
                title=title,
                user=request.user,
                departement=removal.departement_id,
                summary=(
                    f"Demande de retrait n° {removal.pk} enregistrée "
                    f"({removal.get_channel_display()})"
                ),
                details={"removal": removal.pk},
            )
        messages.success(request, "Demande enregistrée : vérifiez les lignes qui correspondent.")
        return redirect("removal", slug=title.slug, pk=removal.pk)
    return render(request, "results/removals.html", _list_context(title, form, RemovalImportForm()))


def _list_context(title, form, import_form, import_errors=()):
    requests = title.removals.select_related("departement", "confirmed_by")
    return {
        "title": title,
        "form": form,
        "import_form": import_form,
        "import_errors": import_errors,
        "columns": ";".join(COLUMNS),
        "pending": [r for r in requests if not r.is_confirmed],
        "confirmed": [r for r in requests if r.is_confirmed],
        # Once the purge took the requests, only their count is left to show, never a name.
        "objections_on_file": on_file(title),
        "objection_days": settings.OBJECTION_RETENTION_DAYS,
    }


def import_removals(request, slug):
    title = _title(request, slug)
    if request.method != "POST":
        return redirect("removals", slug=title.slug)
    import_form = RemovalImportForm(request.POST, request.FILES)
    errors = []
    if import_form.is_valid():
        data = import_form.cleaned_data["file"].read()
        parsed = parse(data, title, today=timezone.localdate())
        if not parsed.errors:
            created = import_requests(title, parsed, request.user)
            messages.success(
                request,
                f"{len(created)} demande(s) importée(s) : confirmez chacune après vérification "
                "des lignes.",
            )
            return redirect("removals", slug=title.slug)
        errors = parsed.errors
    form = RemovalForm(title=title, pairs=known_diplomas(), today=timezone.localdate())
    context = _list_context(title, form, import_form, errors)
    return render(request, "results/removals.html", context, status=400)


def removal(request, slug, pk):
    title = _title(request, slug)
    removal = get_object_or_404(Removal, pk=pk, title=title)
    matches = matching_results(removal)
    form = ConfirmRemovalForm(request.POST or None, matches=matches)
    if request.method == "POST" and not removal.is_confirmed and form.is_valid():
        try:
            confirmed = confirm_removal(removal, form.cleaned_data["lines"], request.user)
        except StaleMatches:
            form.add_error(None, "La liste publiée a changé : vérifiez à nouveau les lignes.")
        else:
            if confirmed is None:
                messages.info(request, "Cette demande était déjà confirmée.")
            else:
                withdrawn, builds = confirmed
                for job in builds:
                    dispatch(job)
                messages.success(request, _confirmed_message(withdrawn))
            return redirect("removal", slug=title.slug, pk=removal.pk)
    elif request.method == "POST" and removal.is_confirmed:
        messages.info(request, "Cette demande est déjà confirmée.")
        return redirect("removal", slug=title.slug, pk=removal.pk)
    context = {"title": title, "removal": removal, "matches": matches, "form": form}
    return render(
        request,
        "results/removal.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _confirmed_message(withdrawn):
    text = "Retrait confirmé : il s'applique à toutes les prochaines versions et exportations."
    if withdrawn:
        text += (
            f" {len(withdrawn)} version(s) qui imprimaient ce nom sont retirées ; les encarts "
            "sont en cours de régénération."
        )
    return text
