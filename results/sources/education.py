"""The one module that talks to data.education.gouv.fr (Opendatasoft's Explore API v2.1).

It reads two open datasets for context around the results: the annuaire de l'éducation (which
establishments of a département are agricultural) and the lycées pro result indicators (IVAL:
success rate and value added at the Bac pro). It returns typed records and raises one exception
for transient failures (after retrying them) and one for payloads that are not the documented
shape. See shared/reference/OPEN_DATA_APIS.md, parts B and D.
"""

import json
import re
import time
from dataclasses import dataclass

from . import retries
from .client import UpstreamClient, UpstreamError

API = "/api/explore/v2.1/catalog/datasets"
PORTAL = "data.education.gouv.fr"
# Production has no default address (settings): a call before the operator gives one says so.
NOT_CONFIGURED = (
    f"{PORTAL} : l'adresse du portail n'est pas configurée ; l'administrateur la donne dans la "
    "variable d'environnement EDUCATION_BASE_URL."
)
ANNUAIRE = "fr-en-annuaire-education"
LYCEES_PRO = "fr-en-indicateurs-de-resultat-des-lycees-pro_v2"
DATASETS = {"annuaire": ANNUAIRE, "lycees_pro": LYCEES_PRO}

# /records gives at most 100 records a call and none beyond offset + limit = 10,000.
PAGE_SIZE = 100
RECORDS_WINDOW = 10_000
# Longest wait accepted inside one call (backoff, Retry-After or the quota's reset); beyond it
# the caller is told the portal is unavailable and when to come back, instead of blocking.
MAX_WAIT_S = 30.0

# 01 to 95 (20 split into 2A and 2B), then overseas 971 to 976.
OUR_DEPARTEMENT = re.compile(r"0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-6]")
ANNUAIRE_FIELDS = (
    "identifiant_de_l_etablissement",
    "nom_etablissement",
    "type_etablissement",
    "statut_public_prive",
    "libelle_nature",
    "nom_commune",
    "code_departement",
    "lycee_agricole",
)
LYCEES_PRO_FIELDS = (
    "annee",
    "uai",
    "libelle_uai",
    "secteur",
    "libelle_commune",
    "code_departement",
    "presents_total",
    "taux_reu_total",
    "va_reu_total",
)


@dataclass(frozen=True)
class Source:
    """What an attribution under a table prints, and the dataset's page."""

    title: str
    licence: str
    url: str

    @property
    def text(self):
        return f"{PORTAL} — {self.title}, {self.licence}"

    def __str__(self):
        return self.text


SOURCE = {
    ANNUAIRE: Source(
        "Annuaire de l'éducation",
        "Licence Ouverte 2.0",
        f"https://{PORTAL}/explore/dataset/{ANNUAIRE}/",
    ),
    LYCEES_PRO: Source(
        "Indicateurs de résultats des lycées professionnels",
        "Licence Ouverte 2.0",
        f"https://{PORTAL}/explore/dataset/{LYCEES_PRO}/",
    ),
}


class OpenDataError(UpstreamError):
    """Anything that went wrong talking to the portal; `status` and `body` when it answered.

    Raised as such for a definitive refusal (400, 404…), which retrying would not change.
    """


class OpenDataUnavailable(OpenDataError):
    """A transient failure (timeout, network, 5xx, 429) that outlived the client's retries;
    `retry_after` says when the portal asked to be called again, if it did."""


class OpenDataPayloadError(OpenDataError):
    """An answer that is not the documented JSON, or a record with an unusable field."""


@dataclass(frozen=True)
class EstablishmentEntry:
    """An establishment of the annuaire de l'éducation."""

    uai: str
    name: str
    kind: str
    commune: str
    departement: str
    public: bool
    agricultural: bool
    nature: str


@dataclass(frozen=True)
class LyceeResultEntry:
    """One lycée's Bac pro indicators for one session (IVAL)."""

    uai: str
    name: str
    commune: str
    departement: str
    public: bool
    session: int
    candidates: int | None
    success_rate: float | None
    value_added: float | None


def to_ods_departement(code):
    """Our département code ("30", "2A", "971") as the annuaire writes it ("030", "02A", "971").

    The annuaire pads every code to three characters; overseas codes already have three.
    """
    if not isinstance(code, str) or not OUR_DEPARTEMENT.fullmatch(code):
        raise ValueError(f"code de département inconnu : {code!r}")
    return code.zfill(3)


def from_ods_departement(value):
    """The annuaire's code ("030", "02A", "971"), or an unpadded one ("30", 30), as ours."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"code de département inconnu : {value!r}")
    code = str(value).strip().upper()
    if len(code) == 3 and code.startswith("0"):
        code = code[1:]
    if code.isdigit() and len(code) == 1:
        code = code.zfill(2)
    if not OUR_DEPARTEMENT.fullmatch(code):
        raise ValueError(f"code de département inconnu : {value!r}")
    return code


class EducationClient(UpstreamClient):
    settings_prefix = "EDUCATION"
    default_max_wait = MAX_WAIT_S
    label = PORTAL
    error = OpenDataError
    unavailable = OpenDataUnavailable
    payload_error = OpenDataPayloadError
    not_configured = NOT_CONFIGURED

    # --- datasets -------------------------------------------------------------------------

    def agricultural_establishments(self, departement):
        """The agricultural establishments of a département, by name.

        Read from /records, not from the exports: a département has a handful of them, so one
        page of 100 holds them all, and total_count tells whether every record came back. The
        pages continue while offset + limit stays within the portal's 10,000.
        """
        name = f"{ANNUAIRE} (département {departement})"
        where = f'code_departement="{to_ods_departement(departement)}" AND lycee_agricole="1"'
        rows = self._all_records(
            ANNUAIRE,
            name,
            {
                "select": ",".join(ANNUAIRE_FIELDS),
                "where": where,
                "order_by": "nom_etablissement,identifiant_de_l_etablissement",
            },
        )
        return _parse(rows, _establishment, name, departement)

    def lycee_pro_results(self, departement, session=None):
        """The Bac pro indicators of a département's lycées for a session (a year), by name.

        With no session, the latest the dataset has for the département: one /records call for
        it, then one export of that year (the exports have no page limit).
        """
        name = f"{LYCEES_PRO} (département {departement})"
        where = _departement_clause(departement)
        if session is None:
            rows = self._records_page(
                LYCEES_PRO,
                name,
                {"select": "annee", "where": where, "order_by": "annee desc", "limit": 1},
            )[1]
            if not rows:
                return []
            session = _session(rows[0], 1, name)
        if isinstance(session, bool) or not isinstance(session, int):
            raise ValueError(f"session : une année était attendue, reçu {session!r}")
        name = f"{LYCEES_PRO} (département {departement}, session {session})"
        rows = self._export(
            LYCEES_PRO,
            name,
            {
                "select": ",".join(LYCEES_PRO_FIELDS),
                "where": f"{where} AND year(annee)={session}",
                "order_by": "libelle_uai,uai",
            },
        )
        return _parse(rows, _lycee_result, name, departement, session)

    # --- the two reading endpoints --------------------------------------------------------

    def _all_records(self, dataset, name, params):
        rows = []
        while True:
            total, page = self._records_page(
                dataset, name, params | {"limit": PAGE_SIZE, "offset": len(rows)}
            )
            if total > RECORDS_WINDOW:
                raise OpenDataError(
                    f"{PORTAL} {name} : {total} enregistrements, plus que /records n'en donne "
                    f"({RECORDS_WINDOW}) ; il faut passer par les exports"
                )
            rows.extend(page)
            # An empty page before the total means the dataset changed under us: stop there.
            if len(rows) >= total or not page:
                return rows

    def _records_page(self, dataset, name, params):
        """(total_count, results) of one /records call."""
        response = self._get(f"{API}/{dataset}/records", name, params)
        data = self.read_json(response, name)
        if (
            not isinstance(data, dict)
            or not _is_count(data.get("total_count"))
            or not isinstance(data.get("results"), list)
        ):
            raise OpenDataPayloadError(
                f"{PORTAL} {name} : objet {{total_count, results}} attendu",
                status=response.status_code,
                body=response.content,
            )
        _check_objects(data["results"], name, response, first=params.get("offset", 0) + 1)
        return data["total_count"], data["results"]

    def _export(self, dataset, name, params):
        """The records of an /exports/json call: a bare array of flat objects."""
        response = self._get(f"{API}/{dataset}/exports/json", name, params)
        data = self.read_json(response, name)
        if not isinstance(data, list):
            raise OpenDataPayloadError(
                f"{PORTAL} {name} : une liste était attendue, reçu {type(data).__name__}",
                status=response.status_code,
                body=response.content,
            )
        _check_objects(data, name, response)
        return data

    # --- transport ------------------------------------------------------------------------

    def _get(self, path, name, params):
        """GET, honouring Retry-After and the quota; a refusal quotes the portal's message."""
        return self.send(
            "GET",
            path,
            name,
            params=params,
            asked_wait=_asked_wait,
            refused_detail=lambda response: _ods_message(response.content),
        )


def _departement_clause(departement):
    # The annuaire writes "030"; whether the IVAL files do too is unverified, so ask for both.
    codes = dict.fromkeys((to_ods_departement(departement), departement))
    clause = " OR ".join(f'code_departement="{code}"' for code in codes)
    return f"({clause})" if len(codes) > 1 else clause


def _asked_wait(response):
    """Seconds the portal asked us to wait: Retry-After, or the quota's reset once the
    quota is spent (X-RateLimit-Remaining: 0); the longer of the two; None if neither."""
    headers = response.headers
    waits = [retries.retry_after_seconds(headers.get("Retry-After"))]
    if headers.get("X-RateLimit-Remaining", "").strip() == "0":
        waits.append(_reset_seconds(headers.get("X-RateLimit-Reset")))
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None


def _reset_seconds(value):
    # Opendatasoft documents X-RateLimit-Reset as the epoch of the next reset (midnight UTC);
    # a small number is read as seconds from now, as some gateways send it.
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        number = int(value)
        return max(0.0, number - time.time()) if number >= 1_000_000_000 else float(number)
    return retries.seconds_until_http_date(value)


def _ods_message(body):
    """ ": <error_code> <message>" from an Opendatasoft error body, or ""."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data[key]) for key in ("error_code", "message") if data.get(key)]
    return f" : {' '.join(parts)}" if parts else ""


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_objects(rows, name, response, first=1):
    for number, row in enumerate(rows, first):
        if not isinstance(row, dict):
            raise OpenDataPayloadError(
                f"{PORTAL} {name} : enregistrement {number} : un objet était attendu",
                status=response.status_code,
                body=response.content,
            )


# --- records: every problem names the dataset, the record number and the field -------------
# Unknown fields are ignored. The fields the client selects must be there: a missing one means
# the dataset's schema changed (the IVAL files were renamed once already), which is worth an
# error rather than a column of blanks.


def _parse(rows, parse_row, name, *args):
    return [parse_row(row, number, name, *args) for number, row in enumerate(rows, 1)]


def _fail(name, number, message):
    raise OpenDataPayloadError(f"{PORTAL} {name} : enregistrement {number} : {message}")


def _field(row, field, number, name):
    if field not in row:
        _fail(name, number, f"champ « {field} » manquant")
    return row[field]


def _text(row, field, number, name, *, allow_empty=False):
    value = _field(row, field, number, name)
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        _fail(name, number, f"champ « {field} » : texte attendu, reçu {value!r}")
    value = str(value).strip()
    if not value and not allow_empty:
        _fail(name, number, f"champ « {field} » vide")
    return value


def _flag(row, field, number, name):
    """The annuaire's flags come as "1"/"0", 1/0 or, from some tools, true/false; null is 0."""
    value = _field(row, field, number, name)
    if value in ("1", 1, True):
        return True
    if value in ("0", 0, False, None, ""):
        return False
    _fail(name, number, f"champ « {field} » : 1 ou 0 attendu, reçu {value!r}")


def _departement(row, field, number, name, expected):
    value = _field(row, field, number, name)
    try:
        code = from_ods_departement(value)
    except ValueError:
        _fail(name, number, f"champ « {field} » : code de département attendu, reçu {value!r}")
    if code != expected:
        _fail(name, number, f"département « {code} » au lieu de « {expected} »")
    return code


def _number(row, field, number, name, *, low=None, high=None):
    """A number or None: null, "" or "." (the old files' blank) is None; "-5" and "12,5" are
    read as numbers, since older versions of the IVAL files sent them as text."""
    value = _field(row, field, number, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        _fail(name, number, f"champ « {field} » : nombre attendu, reçu {value!r}")
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if text in ("", "."):
            return None
        try:
            value = float(text)
        except ValueError:
            _fail(name, number, f"champ « {field} » : nombre attendu, reçu {value!r}")
    value = float(value)
    if value != value or (low is not None and value < low) or (high is not None and value > high):
        _fail(name, number, f"champ « {field} » : valeur hors limites ({value:g})")
    return value


def _count(row, field, number, name):
    value = _number(row, field, number, name, low=0)
    if value is None:
        return None
    if not value.is_integer():
        _fail(name, number, f"champ « {field} » : entier attendu, reçu {value:g}")
    return int(value)


def _session(row, number, name):
    """The year of `annee`: an ISO date ("2025-01-01T00:00:00+00:00"), "2025" or 2025."""
    value = _field(row, "annee", number, name)
    text = str(value).strip() if isinstance(value, str | int) else ""
    if isinstance(value, bool) or not re.fullmatch(r"\d{4}(-\d{2}-\d{2}([T ].*)?)?", text):
        _fail(name, number, f"champ « annee » : date ou année attendue, reçu {value!r}")
    return int(text[:4])


def _establishment(row, number, name, departement):
    status = _text(row, "statut_public_prive", number, name)
    if status not in ("Public", "Privé"):
        _fail(name, number, f"champ « statut_public_prive » : « {status} » inconnu")
    return EstablishmentEntry(
        uai=_text(row, "identifiant_de_l_etablissement", number, name),
        name=_text(row, "nom_etablissement", number, name),
        kind=_text(row, "type_etablissement", number, name),
        commune=_text(row, "nom_commune", number, name),
        departement=_departement(row, "code_departement", number, name, departement),
        public=status == "Public",
        agricultural=_flag(row, "lycee_agricole", number, name),
        nature=_text(row, "libelle_nature", number, name, allow_empty=True),
    )


def _lycee_result(row, number, name, departement, session):
    # "public", "Public", "privé", "PR"…: the files have varied; the first two letters decide.
    sector = _text(row, "secteur", number, name)
    if sector[:2].lower() not in ("pu", "pr"):
        _fail(name, number, f"champ « secteur » : « {sector} » inconnu")
    year = _session(row, number, name)
    if year != session:
        _fail(name, number, f"session {year} au lieu de {session}")
    return LyceeResultEntry(
        uai=_text(row, "uai", number, name),
        name=_text(row, "libelle_uai", number, name),
        commune=_text(row, "libelle_commune", number, name),
        departement=_departement(row, "code_departement", number, name, departement),
        public=sector[:2].lower() == "pu",
        session=year,
        candidates=_count(row, "presents_total", number, name),
        success_rate=_number(row, "taux_reu_total", number, name, low=0, high=100),
        value_added=_number(row, "va_reu_total", number, name),
    )
