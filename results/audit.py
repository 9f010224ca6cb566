"""The audit trail: one call per thing done, by whom, for which title; never a candidate's name."""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.db.models.fields.files import FieldFile
from django.utils import timezone

from layouts.exports import spreadsheet_cell

from .models import AuditEvent

Action = AuditEvent.Action


def record(action, *, title, user=None, summary="", departement=None, day=None, details=None):
    """Append one event. `departement` is a Departement or its code; `user` None is the
    scheduler."""
    code = getattr(departement, "code", departement) or ""
    known_user = user if user is not None and user.is_authenticated else None
    return AuditEvent.objects.create(
        title=title,
        title_name=title.name if title else "",
        user=known_user,
        username=known_user.get_username() if known_user else "",
        action=action,
        departement_code=code,
        day=day,
        summary=summary[:300],
        details=details or {},
    )


def shown(field, value):
    """A stored value as an editor reads it: "oui", "3", "icc/imprimeur.icc", "À la suite"."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, FieldFile):
        value = value.name
    if value is None or value == "":
        return "aucun"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}".replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def form_changes(form):
    """What a saved ModelForm changed: {field: [before, after]} as the editor reads them.

    Call it after form.save(): "before" comes from the form's initial values, "after" from the
    saved instance. Fields whose shown value did not move (7 typed as 7.0) are left out.
    """
    changes = {}
    for name in form.changed_data:
        field = form.instance._meta.get_field(name)
        before = shown(field, form.initial.get(name))
        after = shown(field, field.value_from_object(form.instance))
        if before != after:
            changes[name] = [before, after]
    return changes


def changes_text(form, changes):
    """ "fond perdu (mm) : 0 → 3 ; traits de coupe : non → oui" """
    return " ; ".join(
        f"{form.instance._meta.get_field(name).verbose_name} : {before} → {after}"
        for name, (before, after) in changes.items()
    )


CSV_HEADER = [
    "date_heure",
    "utilisateur",
    "action",
    "code_action",
    "titre",
    "departement",
    "jour",
    "resume",
    "details",
]


class _Line:
    """A file-like object whose write() hands back the line csv.writer wrote."""

    def write(self, line):
        return line


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The events as CSV lines for French spreadsheets, one at a time so a long trail streams:
    a byte order mark, `;` and `\\r\\n` like the other exports, Paris times, and every cell
    guarded against being run as a formula."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for event in events:
        row = [
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            event.username or "automatique",
            event.get_action_display(),
            event.action,
            event.title_name,
            event.departement_code,
            event.day.isoformat() if event.day else "",
            event.summary,
            json.dumps(event.details, ensure_ascii=False, sort_keys=True) if event.details else "",
        ]
        yield writer.writerow([spreadsheet_cell(str(cell)) for cell in row])
