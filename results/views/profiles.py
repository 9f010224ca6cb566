"""The layout profiles' pages: a title's grids, their editing, live preview and default."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from layouts.preview import preview
from layouts.profile import BERLINER, TABLOID

from ..audit import Action, changes_text, form_changes, record
from ..models import PrintProfile
from .access import _admin_title, _is_admin, _title
from .forms import PrintProfileForm


def _profile(request, slug, pk):
    """A profile to change: its title's admins only, as everything that changes a title's print."""
    title = _admin_title(request, slug)
    return get_object_or_404(PrintProfile, pk=pk, title=title)


PRESETS = {"berliner": BERLINER, "tabloid": TABLOID}


def profiles(request, slug):
    """The title's profiles, for every member to read; only its admins change them."""
    title = _title(request, slug)
    rows = [(profile, profile.to_layout()) for profile in title.profiles.all()]
    context = {"title": title, "rows": rows, "is_admin": _is_admin(request.user, title)}
    return render(request, "results/profiles.html", context)


# The profile views find the title before checking the method: another title's URLs are 404
# whatever the method, like every page of a title that is not the user's. Hence no require_POST
# here, whose 405 would come first.


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
