"""The verified additions page: an editor checks a missing candidate's transcript."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from ..day.additions import NotVerified, blocked_until
from ..deliberation.corrections import add_verified
from ..tasks import dispatch
from .access import _title
from .forms import AdditionForm


# The credentials must not reach an error report or a log, even if something fails here.
@sensitive_post_parameters("ina", "num_gestion")
@sensitive_variables("form")
def additions(request, slug):
    title = _title(request, slug)
    form = AdditionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                addition, builds = add_verified(
                    title,
                    form.cleaned_data["ina"],
                    form.cleaned_data["num_gestion"],
                    request.user,
                )
            except NotVerified as error:
                form.add_error(None, str(error))
            else:
                for job in builds:
                    dispatch(job)
                messages.success(
                    request,
                    f"{addition.nom} {addition.prenoms} : admis selon son relevé de notes, "
                    f"ajouté à l'additif de l'encart du {addition.day:%d/%m/%Y}.",
                )
                return redirect("additions", slug=title.slug)
        status = 400
        # Never echo the credentials back into the page.
        form = AdditionForm(initial={}) if not form.errors else _without_values(form)
    context = {
        "title": title,
        "form": form,
        "additions": title.additions.select_related("departement", "verified_by"),
        "blocked_until": blocked_until(request.user),
    }
    return render(request, "results/additions.html", context, status=status)


def _without_values(form):
    """The same errors on an empty form: the page does not show the credentials typed."""
    empty = AdditionForm()
    empty._errors = form.errors
    empty.cleaned_data = {}
    return empty
