"""Bulk import of removal requests from a CSV file: every line valid, or nothing imported."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from layouts.compose import sort_key

from .. import audit
from ..models import AuditEvent, Removal
from .removals import known_diplomas, resolve_diploma

MAX_BYTES = 1024 * 1024
MAX_LINES = 5000
COLUMNS = ("nom", "prenoms", "departement", "diplome", "option", "recue_le", "canal", "note")
REQUIRED = ("nom", "prenoms", "departement", "recue_le", "canal")
HEADER_ALIASES = {
    "prénoms": "prenoms",
    "département": "departement",
    "diplôme": "diplome",
    "reçue_le": "recue_le",
    "recue le": "recue_le",
    "reçue le": "recue_le",
}
# Other words an editor may write for a channel, besides its code and its label.
CHANNEL_WORDS = {
    "e mail": "courriel",
    "email": "courriel",
    "mail": "courriel",
    "lettre": "courrier",
}
MAX_LENGTHS = {"nom": 200, "prenoms": 300, "note": 2000}


@dataclass
class Parsed:
    requests: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM spreadsheets write), else Windows-1252 (Excel's French
    CSV); anything else is refused rather than imported with broken accents."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValueError("encodage illisible : enregistrez le fichier en UTF-8") from None
    if "\x00" in text:
        raise ValueError("ce n'est pas un fichier texte CSV")
    return text


def parse_date(text):
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"date illisible « {text} » (attendu JJ/MM/AAAA)")


def parse(data: bytes, title, *, today: date) -> Parsed:
    """The requests of a CSV file for `title`, or the list of what is wrong, line by line."""
    parsed = Parsed()
    if len(data) > MAX_BYTES:
        parsed.errors.append(f"Fichier trop gros ({len(data) // 1024} Ko) : 1 Mo au plus.")
        return parsed
    try:
        text = decode(data)
    except ValueError as error:
        parsed.errors.append(f"Fichier refusé : {error}.")
        return parsed
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        parsed.errors.append("Fichier vide : la première ligne doit nommer les colonnes.")
        return parsed
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_header(name) for name in next(reader)]
    except csv.Error as error:
        parsed.errors.append(f"Ligne 1 : {error}.")
        return parsed
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name and name not in COLUMNS]
    if missing or unknown:
        if missing:
            parsed.errors.append(f"Ligne 1 : colonne(s) manquante(s) : {', '.join(missing)}.")
        if unknown:
            parsed.errors.append(f"Ligne 1 : colonne(s) inconnue(s) : {', '.join(unknown)}.")
        parsed.errors.append(f"Colonnes attendues : {';'.join(COLUMNS)}.")
        return parsed
    followed = set(title.departements.values_list("code", flat=True))
    pairs = known_diplomas()
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if number - 1 > MAX_LINES:
                parsed.errors.append(f"Plus de {MAX_LINES} demandes : découpez le fichier.")
                break
            if len(cells) != len(header):
                parsed.errors.append(
                    f"Ligne {number} : {len(cells)} colonne(s) au lieu de {len(header)}."
                )
                continue
            row = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
            problems = []
            request = _request(row, followed, pairs, today, problems)
            if problems:
                parsed.errors.append(f"Ligne {number} : {' ; '.join(problems)}.")
            else:
                parsed.requests.append(request)
    except csv.Error as error:
        parsed.errors.append(f"Ligne {reader.line_num} : {error}.")
    if not parsed.requests and not parsed.errors:
        parsed.errors.append("Aucune demande dans le fichier.")
    return parsed


def _header(name):
    name = name.strip().lower()
    return HEADER_ALIASES.get(name, name)


def channel_of(text):
    """The stored channel an editor's word names ("Téléphone", "e-mail"…), or None."""
    words = {sort_key(str(label)): value for value, label in Removal.Channel.choices}
    words |= {sort_key(value): value for value in Removal.Channel.values} | CHANNEL_WORDS
    return words.get(sort_key(text))


def _request(row, followed, pairs, today, problems):
    for name in REQUIRED:
        if not row.get(name):
            problems.append(f"{name} manquant")
    for name, most in MAX_LENGTHS.items():
        if len(row.get(name, "")) > most:
            problems.append(f"{name} trop long ({most} caractères au plus)")
    code = row.get("departement", "")
    if code and len(code) == 1 and code.isdigit():
        code = "0" + code  # a spreadsheet drops the leading zero of "01"…"09"
    if code and code not in followed:
        problems.append(f"département « {code} » non suivi par ce titre")
    try:
        filiere, option = resolve_diploma(row.get("diplome"), row.get("option"), pairs)
    except ValueError as error:
        problems.append(str(error))
        filiere = option = ""
    received_on = None
    if row.get("recue_le"):
        try:
            received_on = parse_date(row["recue_le"])
        except ValueError as error:
            problems.append(str(error))
        else:
            if received_on > today:
                problems.append(f"date de réception dans le futur ({received_on:%d/%m/%Y})")
    channel = channel_of(row.get("canal", ""))
    if row.get("canal") and channel is None:
        problems.append(f"canal inconnu « {row['canal']} »")
    return {
        "departement_id": code,
        "filiere": filiere,
        "option": option,
        "nom": row.get("nom", ""),
        "prenoms": row.get("prenoms", ""),
        "received_on": received_on,
        "channel": channel,
        "note": row.get("note", ""),
    }


def import_requests(title, parsed, user):
    """Store every request of a valid file, in one transaction; they wait for confirmation."""
    if parsed.errors:
        raise ValueError("a file with errors is never imported")
    with transaction.atomic():
        created = Removal.objects.bulk_create(
            Removal(title=title, created_by=user, **request) for request in parsed.requests
        )
        audit.record(
            AuditEvent.Action.REMOVALS_IMPORTED,
            title=title,
            user=user,
            summary=f"{len(created)} demande(s) de retrait importée(s) d'un fichier CSV",
            details={"count": len(created)},
        )
    return created
