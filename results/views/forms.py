"""Forms of the editors' pages."""

import dataclasses
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from layouts.icc import icc_description, icc_profile_errors
from layouts.profile import LayoutProfile

from ..day.removal_csv import MAX_BYTES as MAX_CSV_BYTES
from ..models import AuditEvent, Departement, PrintProfile, Removal, Title


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


class MeasureInput(forms.NumberInput):
    """A size as an editor writes it: 7 and 14.75, not 7.00 and 14.75."""

    def __init__(self):
        # The arrows move by half points and half millimetres; any value can still be typed
        # (the form is `novalidate`: the server's French messages say what is wrong).
        super().__init__(attrs={"step": "0.5"})

    def format_value(self, value):
        if isinstance(value, Decimal):
            value = f"{value.normalize():f}"
        return super().format_value(value)


class PrintProfileForm(forms.ModelForm):
    """A title's print profile; values the layout engine cannot print are refused as a whole."""

    # The engine sets every insert in the one font shipped with the project (static/fonts/).
    FONT = _("Roboto Condensed (Apache 2.0), incorporée au PDF")
    # (legend, fields, a fixed note) of each group of the form.
    GROUPS = (
        (_("Page"), ("name", "page_width_mm", "page_height_mm"), ""),
        (
            _("Marges"),
            ("margin_top_mm", "margin_bottom_mm", "margin_left_mm", "margin_right_mm"),
            "",
        ),
        (_("Colonnes"), ("columns", "gutter_mm"), ""),
        (_("Texte"), ("font_size_pt", "leading_pt", "list_style"), FONT),
        (_("Titres"), ("heading_size_pt", "title_size_pt"), ""),
    )

    class Meta:
        model = PrintProfile
        fields = [
            "name",
            "page_width_mm",
            "page_height_mm",
            "margin_top_mm",
            "margin_bottom_mm",
            "margin_left_mm",
            "margin_right_mm",
            "columns",
            "gutter_mm",
            "font_size_pt",
            "leading_pt",
            "list_style",
            "heading_size_pt",
            "title_size_pt",
        ]
        # Short labels: the group's legend says what they belong to.
        labels = {
            "name": _("Nom du gabarit"),
            "page_width_mm": _("Largeur (mm)"),
            "page_height_mm": _("Hauteur (mm)"),
            "margin_top_mm": _("Haut (mm)"),
            "margin_bottom_mm": _("Bas (mm)"),
            "margin_left_mm": _("Gauche (mm)"),
            "margin_right_mm": _("Droite (mm)"),
            "columns": _("Nombre"),
            "gutter_mm": _("Gouttière (mm)"),
            "font_size_pt": _("Corps (pt)"),
            "leading_pt": _("Interligne (pt)"),
            "list_style": _("Noms"),
            "heading_size_pt": _("Diplômes (pt)"),
            "title_size_pt": _("Titre de l'encart (pt)"),
        }
        widgets = {
            **{name: MeasureInput() for name in fields if name.endswith(("_mm", "_pt"))},
            "columns": forms.NumberInput(attrs={"step": "1"}),
            "list_style": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django checks a model field's bounds only after clean(); checked with the field
        # instead, a size out of bounds (4700 mm for 470) never reaches the preview.
        for name, field in self.fields.items():
            bounds = [
                validator
                for validator in PrintProfile._meta.get_field(name).validators
                if isinstance(validator, MinValueValidator | MaxValueValidator)
            ]
            field.validators = [*field.validators, *bounds]
        # Set by clean() when the values make a printable profile: the preview draws it.
        self.layout = None

    def fieldsets(self):
        return [
            (legend, [self[name] for name in names], note) for legend, names, note in self.GROUPS
        ]

    def clean_name(self):
        name = self.cleaned_data["name"]
        # The title is not a field of this form, so Django cannot check the constraint itself.
        others = PrintProfile.objects.filter(title_id=self.instance.title_id, name=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Ce titre a déjà un gabarit de ce nom."))
        return name

    def clean(self):
        cleaned = super().clean()
        # Only with every size known: a size left empty has its own error already.
        sizes = [f.name for f in dataclasses.fields(LayoutProfile) if f.name != "name"]
        if all(cleaned.get(name) is not None for name in sizes):
            layout = LayoutProfile.from_dict({"name": "", **cleaned})
            errors = layout.errors()
            if errors:
                raise ValidationError(errors)
            self.layout = layout
        return cleaned

    def error_lines(self):
        """Every error as one sentence, fields named in full, for the preview panel."""
        lines = list(self.non_field_errors())
        for name, errors in self.errors.items():
            if name == NON_FIELD_ERRORS:
                continue
            label = capfirst(PrintProfile._meta.get_field(name).verbose_name)
            lines.extend(f"{label} : {error}" for error in errors)
        return lines


# Printers' output profiles weigh a few hundred kB to 2 MB; anything far bigger is not one.
MAX_ICC_BYTES = 8 * 1024 * 1024


class PrintSettingsForm(forms.ModelForm):
    """A title's printer settings; the ICC profile is checked before it is stored."""

    class Meta:
        model = Title
        fields = [
            "icc_profile",
            "bleed_mm",
            "crop_marks",
            "combine_departements",
            "outlook_notes",
        ]
        help_texts = {
            "icc_profile": _(
                "Le profil CMJN fourni par votre imprimerie (fichier .icc ou .icm). Avec lui, "
                "les encarts sont des PDF/X-4 ; sans lui, de simples épreuves non PDF/X."
            ),
            "bleed_mm": _(
                "Souvent 0 pour une liste sur fond blanc ; 3 mm si l'imprimeur le demande."
            ),
            "combine_departements": _(
                "Sinon, un encart par département et par jour, comme le compte la place à réserver."
            ),
            "outlook_notes": _(
                "Sous chaque diplôme : le taux d'emploi à 6 mois et de poursuite d'études "
                "(InserJeunes), régional s'il existe, sinon national, avec sa source."
            ),
        }

    def clean_icc_profile(self):
        upload = self.cleaned_data.get("icc_profile")
        if not upload or not hasattr(upload, "content_type"):
            return upload  # unchanged, or cleared with the checkbox
        if upload.size > MAX_ICC_BYTES:
            raise ValidationError(_("Fichier trop gros pour un profil ICC (8 Mo au plus)."))
        data = upload.read()
        upload.seek(0)
        errors = icc_profile_errors(data)
        if errors:
            raise ValidationError(errors)
        self.instance.output_condition = icc_description(data)[:200]
        return upload

    def save(self, commit=True):
        if not self.cleaned_data.get("icc_profile"):
            self.instance.output_condition = ""
        return super().save(commit)


ANY = ""
# A (filière, option) choice as one value; the separator cannot occur in a label.
DIPLOMA_SEPARATOR = "\x1f"


def diploma_choices(pairs):
    """ "Tous les diplômes", then each filière (all its options) followed by its options."""
    choices = [(ANY, _("Tous les diplômes"))]
    seen = set()
    for filiere, option in pairs:
        if filiere not in seen:
            seen.add(filiere)
            choices.append((filiere, _("%(filiere)s (toutes options)") % {"filiere": filiere}))
        if option:
            choices.append((f"{filiere}{DIPLOMA_SEPARATOR}{option}", f"{filiere} — {option}"))
    return choices


class RemovalForm(forms.ModelForm):
    """A removal request as the editor receives it."""

    diploma = forms.ChoiceField(label=_("Diplôme et option"), required=False)

    class Meta:
        model = Removal
        fields = ["nom", "prenoms", "departement", "received_on", "channel", "note"]
        labels = {"channel": _("Reçue par")}
        widgets = {
            "received_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "departement": {"invalid_choice": _("Choisissez un département suivi par le titre.")},
            "channel": {"invalid_choice": _("Canal inconnu.")},
        }

    def __init__(self, *args, title, pairs, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["departement"].queryset = title.departements.order_by("code")
        self.fields["departement"].empty_label = None
        self.fields["diploma"].choices = diploma_choices(pairs)
        self.fields["received_on"].initial = today
        self.order_fields(["nom", "prenoms", "departement", "diploma", "received_on", "channel"])

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > self.today:
            raise ValidationError(_("La date de réception ne peut être dans le futur."))
        return day

    def clean(self):
        cleaned = super().clean()
        filiere, _sep, option = cleaned.get("diploma", "").partition(DIPLOMA_SEPARATOR)
        self.instance.filiere, self.instance.option = filiere, option
        return cleaned


class RemovalImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_("UTF-8 ou Windows-1252, séparateur « ; » ou « , », 1 Mo au plus."),
        error_messages={
            "required": _("Choisissez un fichier CSV."),
            "empty": _("Le fichier est vide."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise ValidationError(_("Seuls les fichiers .csv (ou .txt) sont acceptés."))
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError(_("Fichier trop gros : 1 Mo au plus."))
        return upload


class ConfirmRemovalForm(forms.Form):
    lines = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, matches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(result.pk, str(result.pk)) for result in matches]
        self.fields["lines"].error_messages["invalid_choice"] = _(
            "La liste publiée a changé depuis l'affichage : vérifiez à nouveau les lignes."
        )
        self.matches = matches

    def clean_lines(self):
        lines = self.cleaned_data["lines"]
        if self.matches and not lines:
            raise ValidationError(_("Cochez la ou les lignes à retirer."))
        return lines


class AdditionForm(forms.Form):
    """The credentials a candidate gives to be added: used for one E3 call, never stored."""

    ina = forms.RegexField(
        label=_("INA"),
        regex=r"^\s*[0-9]{7}[A-Za-z]\s*$",
        error_messages={"invalid": _("L'INA compte 7 chiffres et une lettre, ex. 1234567A.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    num_gestion = forms.RegexField(
        label=_("Numéro de gestion"),
        regex=r"^\s*[0-9]{10}[A-Za-z]\s*$",
        error_messages={
            "invalid": _("Le numéro de gestion compte 10 chiffres et une lettre, ex. 0001230045K.")
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_ina(self):
        return self.cleaned_data["ina"].strip().upper()

    def clean_num_gestion(self):
        return self.cleaned_data["num_gestion"].strip().upper()


def _day_field(label, invalid):
    return forms.DateField(
        label=label,
        required=False,
        # The browser's date picker sends ISO dates; typed French dates are accepted too.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": invalid},
    )


class AuditFilterForm(forms.Form):
    """The audit trail's filters, from the query string; every one may be left empty."""

    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Toutes"))] + AuditEvent.Action.choices,
        error_messages={"invalid_choice": _("Action inconnue : %(value)s.")},
    )
    start = _day_field(_("Du"), _("Date de début invalide : écrivez-la 01/07/2026 ou 2026-07-01."))
    end = _day_field(_("Au"), _("Date de fin invalide : écrivez-la 01/07/2026 ou 2026-07-01."))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise ValidationError(_("La date de début est après la date de fin."))
        return cleaned

    def filter(self, events):
        """The events these (valid) filters keep; days are Paris days."""
        data = self.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["start"]:
            events = events.filter(at__date__gte=data["start"])
        if data["end"]:
            events = events.filter(at__date__lte=data["end"])
        return events
