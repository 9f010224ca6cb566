"""The one module that talks to ARPENT(résultats), the ministry's results API.

It returns typed records and raises one exception for transient failures (after retrying them)
and one for payloads that are not what the contract says. See shared/reference/ARPENT_API.md.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from django.views.decorators.debug import sensitive_variables

from .client import UpstreamClient, UpstreamError

API = "/api/arpent-resultats"
# Production has no default address (settings): a call before the operator gives one says so.
NOT_CONFIGURED = (
    "ARPENT : l'adresse de l'API n'est pas configurée ; l'administrateur la donne dans la "
    "variable d'environnement ARPENT_BASE_URL."
)


class ArpentError(UpstreamError):
    """Anything that went wrong talking to ARPENT; `status` and `body` when there was an answer."""


class ArpentUnavailable(ArpentError):
    """A transient failure (timeout, network, 5xx, 429) that outlived the client's retries."""


class ArpentPayloadError(ArpentError):
    """An answer whose body is not the JSON the contract describes."""


class RowError(ArpentPayloadError):
    """One row of an answer that does not follow the contract: its line, field and reason."""

    def __init__(self, message, *, line, field, reason):
        super().__init__(message)
        self.line, self.field, self.reason = line, field, reason


class ArpentRefused(ArpentError):
    """A definitive refusal (401, 403, 404, 400…): retrying would not help."""


@dataclass(frozen=True)
class CalendarEntry:
    filiere: str
    option: str
    departement: str
    nb_candidats: int
    date_delib: date


@dataclass(frozen=True)
class ResultEntry:
    filiere: str
    option: str
    specialite: str
    departement: str
    nom: str
    prenoms: str
    resultat: str


@dataclass(frozen=True)
class DiplomaEntry:
    examen_id: str
    filiere_id: str
    filiere: str
    option: str


@dataclass(frozen=True)
class DepartementEntry:
    code: str
    name: str
    region: str
    region_code: str = ""


@dataclass(frozen=True)
class SessionEntry:
    id: str
    label: str


@dataclass(frozen=True)
class Transcript:
    """What E3's signed transcript says of a candidate: identity, exam and result (no marks,
    no credentials: the app needs none of them)."""

    nom: str
    prenoms: str
    session: str
    filiere: str
    option: str
    specialite: str
    departement: str
    resultat: str
    date_deliberation: date


@dataclass(frozen=True)
class BadRow:
    """A row of an answer that could not be read: where, which field and why. `values` are the
    row as received (it may hold a name): for the editors' page only, never a message."""

    line: int
    field: str
    reason: str
    values: dict


@dataclass(frozen=True)
class Answer:
    """What one call brought back: the records and what the fetch record needs to keep.

    `lines` gives each record's line in the answer (from 1); `bad_rows` the rows set aside.
    """

    endpoint: str
    status: int
    body: bytes
    records: list
    lines: list = field(default_factory=list)
    bad_rows: list = field(default_factory=list)

    @property
    def content_hash(self):
        return hashlib.sha256(self.body).hexdigest()


class ArpentClient(UpstreamClient):
    settings_prefix = "ARPENT"
    settings_names = {
        "api_key": "API_KEY",
        "api_key_header": "API_KEY_HEADER",
        "timeout": "TIMEOUT_S",
        "max_attempts": "MAX_ATTEMPTS",
        "max_wait": "MAX_WAIT_S",
    }
    default_timeout = 20.0
    default_max_attempts = 4
    label = "ARPENT"
    error = ArpentError
    refused_error = ArpentRefused
    unavailable = ArpentUnavailable
    payload_error = ArpentPayloadError
    not_configured = NOT_CONFIGURED

    def __init__(self, base_url, *, api_key="", api_key_header="X-Api-Key", **options):
        headers = {api_key_header: api_key} if api_key else {}
        super().__init__(base_url, headers=headers, **options)
        self.api_key_header = api_key_header

    # --- endpoints ------------------------------------------------------------------------

    def calendar(self, departement):
        """E1: the deliberation calendar of a département."""
        name = f"calendriers (département {departement})"
        status, body, rows = self._get_list(
            name, f"{API}/resultats-grand-public/calendriers", {"departement": departement}
        )
        return _answer(
            "calendriers", status, body, rows, _calendar_entry, name, departement, tolerant=True
        )

    def results(self, departement):
        """E2: the results published so far for a département."""
        name = f"résultats (département {departement})"
        status, body, rows = self._get_list(
            name, f"{API}/resultats-grand-public/resultats", {"departement": departement}
        )
        return _answer(
            "resultats", status, body, rows, _result_entry, name, departement, tolerant=True
        )

    def diplomas(self):
        """E4: the diploma referential."""
        status, body, rows = self._get_list("diplômes", f"{API}/diplomes")
        return _answer("diplomes", status, body, rows, _diploma_entry, "diplômes")

    def departements(self):
        """E5: the départements referential."""
        status, body, rows = self._get_list("départements", f"{API}/departements")
        return _answer("departements", status, body, rows, _departement_entry, "départements")

    def sessions(self):
        """E5: the exam sessions referential."""
        status, body, rows = self._get_list("sessions", f"{API}/sessions")
        return _answer("sessions", status, body, rows, _session_entry, "sessions")

    @sensitive_variables("ina", "num_gestion", "contract_key")
    def transcript(self, ina, num_gestion, *, contract_key):
        """E3: a candidate's transcript, asked with the newspaper's contract key.

        The credentials travel in the body only. Neither they nor the answer (which repeats
        the INA) may be kept or logged, so errors raised from here carry no body.
        """
        name = "relevé de notes"
        try:
            response = self.send(
                "POST",
                f"{API}/audit-notes/credentials",
                name,
                json={"ina": ina, "numGestion": num_gestion},
                headers={self.api_key_header: contract_key},
            )
            try:
                data = json.loads(response.content)
            except ValueError:
                raise ArpentPayloadError(f"ARPENT {name} : la réponse n'est pas du JSON") from None
            if not isinstance(data, dict) or not isinstance(data.get("examen"), dict):
                raise ArpentPayloadError(f"ARPENT {name} : objet avec « examen » attendu")
            return _transcript(data, name)
        except ArpentError as error:
            error.body = b""
            raise

    # --- transport ------------------------------------------------------------------------

    def _get_list(self, name, path, params=None):
        response = self.send("GET", path, name, params=params)
        data = self.read_json(response, name)
        if not isinstance(data, list):
            raise ArpentPayloadError(
                f"ARPENT {name} : une liste était attendue, reçu {type(data).__name__}",
                status=response.status_code,
                body=response.content,
            )
        for i, row in enumerate(data, 1):
            if not isinstance(row, dict):
                raise ArpentPayloadError(
                    f"ARPENT {name} : ligne {i} : un objet était attendu",
                    status=response.status_code,
                    body=response.content,
                )
        return response.status_code, response.content, data


# --- record parsing: every problem names the endpoint, the line and the field ---------------


# An answer with more bad rows than this share is broken as a whole (a changed format, not a
# few typos): it is refused and changes nothing. Below it, the good rows are stored and the
# bad ones set aside for the editors (docs/deliberation-day.md).
MOST_ROWS_BAD = 0.5


def _answer(endpoint, status, body, rows, parse_row, *args, tolerant=False):
    """Read every row. Strict (referentials): the first bad row refuses the answer. Tolerant
    (calendar, results): bad rows are set aside unless they are most of the answer."""
    records, lines, bad_rows = [], [], []
    for line, row in enumerate(rows, 1):
        try:
            records.append(parse_row(row, line, *args))
            lines.append(line)
        except RowError as error:
            if not tolerant:
                error.status, error.body = status, body
                raise
            bad_rows.append(BadRow(line, error.field, error.reason, row))
    if bad_rows and len(bad_rows) > len(rows) * MOST_ROWS_BAD:
        first = bad_rows[0]
        raise ArpentPayloadError(
            f"ARPENT {args[0]} : ligne {first.line} : {first.reason} "
            f"({len(bad_rows)} lignes illisibles sur {len(rows)} : réponse refusée)",
            status=status,
            body=body,
        )
    return Answer(endpoint, status, body, records, lines, bad_rows)


def _fail(name, line, message, field):
    raise RowError(
        f"ARPENT {name} : ligne {line} : {message}", line=line, field=field, reason=message
    )


def _text(row, field, line, name, *, required=True, allow_empty=False):
    """A text field; a missing required field is an error, an empty one only if not allowed."""
    if field not in row:
        if required:
            _fail(name, line, f"champ « {field} » manquant", field)
        return ""
    value = row[field]
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        _fail(name, line, f"champ « {field} » : texte attendu, reçu {_kind(value)}", field)
    value = str(value).strip()
    if not value and required and not allow_empty:
        _fail(name, line, f"champ « {field} » vide", field)
    return value


def _kind(value):
    """What a value is, never what it says: a text field of an answer may be a candidate's name
    or result, and this error text goes where nothing erases it (job messages, the audit trail
    through a failed verification, logs)."""
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    if isinstance(value, int | float):
        return "un nombre"
    if isinstance(value, str):
        return "un texte"
    if value is None:
        return "rien"
    return type(value).__name__


def _departement(row, line, name, expected):
    code = _text(row, "departement", line, name)
    if code != expected:
        _fail(name, line, f"département « {code} » au lieu de « {expected} »", "departement")
    return code


def _count(row, field, line, name):
    """A count; a numeric string ("52") means the same number and is read as one."""
    count = row.get(field)
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count.strip())
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        _fail(name, line, f"champ « {field} » : entier positif attendu, reçu {_kind(count)}", field)
    return count


def _day(row, field, line, name):
    """A date; a time part ("2026-07-07T00:00:00") says nothing more of the day and is ignored."""
    raw = _text(row, field, line, name)
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        _fail(name, line, f"champ « {field} » : date AAAA-MM-JJ attendue", field)


def _calendar_entry(row, line, name, departement):
    return CalendarEntry(
        filiere=_text(row, "filiere", line, name),
        option=_text(row, "option", line, name, allow_empty=True),
        departement=_departement(row, line, name, departement),
        nb_candidats=_count(row, "nbCandidats", line, name),
        date_delib=_day(row, "dateDelib", line, name),
    )


def _result_entry(row, line, name, departement):
    return ResultEntry(
        filiere=_text(row, "filiere", line, name),
        option=_text(row, "option", line, name, allow_empty=True),
        # May be empty or null, with or without the "Spécialité : " prefix: kept as received.
        specialite=_text(row, "specialite", line, name, required=False),
        departement=_departement(row, line, name, departement),
        nom=_text(row, "nom", line, name),
        prenoms=_text(row, "prenoms", line, name, allow_empty=True),
        resultat=_text(row, "resultat", line, name),
    )


def _diploma_entry(row, line, name):
    return DiplomaEntry(
        examen_id=_text(row, "examenId", line, name, required=False),
        filiere_id=_text(row, "filiereId", line, name, required=False),
        filiere=_text(row, "filiere", line, name),
        option=_text(row, "option", line, name, allow_empty=True),
    )


def _departement_entry(row, line, name):
    code = _text(row, "id", line, name)
    return DepartementEntry(
        # A numeric id would lose the leading zero of "01"…"09": codes are strings.
        code=code.zfill(2) if code.isdigit() else code,
        name=_text(row, "libelle", line, name),
        region=_text(row, "region", line, name, required=False),
        region_code=_text(row, "regionId", line, name, required=False),
    )


def _session_entry(row, line, name):
    return SessionEntry(id=_text(row, "id", line, name), label=_text(row, "libelle", line, name))


def _transcript(data, name):
    exam = data["examen"]
    day = _day(data, "dateDeliberation", 1, name)
    return Transcript(
        nom=_text(data, "nom", 1, name),
        prenoms=_text(data, "prenoms", 1, name, allow_empty=True),
        session=_text(data, "session", 1, name, allow_empty=True),
        filiere=_text(exam, "filiere", 1, name),
        option=_text(exam, "option", 1, name, allow_empty=True),
        specialite=_text(exam, "specialite", 1, name, required=False),
        departement=_text(exam, "departement", 1, name),
        resultat=_text(data, "resultat", 1, name),
        date_deliberation=day,
    )
