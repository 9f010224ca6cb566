"""Forms of the editors' pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Departement


class DepartementsForm(forms.Form):
    departements = forms.ModelMultipleChoiceField(
        queryset=Departement.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Départements couverts par l'édition"),
        error_messages={
            "invalid_choice": _("Département inconnu : %(value)s."),
            "invalid_pk_value": _("Code de département invalide : %(pk)s."),
        },
    )
