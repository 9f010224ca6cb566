"""The one module that talks to the InserJeunes Exposition API: what becomes of graduates.

It returns EmploymentRates (or None when InserJeunes has no figures for a certification) and
raises InserJeunesUnavailable for transient failures (after retrying them),
InserJeunesPayloadError for answers the contract does not describe, and InserJeunesError itself
for refusals that retrying would not fix. See shared/reference/OPEN_DATA_APIS.md, part A.
"""

import json
import re
import time
from dataclasses import dataclass

from . import retries
from .client import UpstreamClient, UpstreamError

API = "/api/inserjeunes"
# To print under the figures: the Licence Ouverte asks for the source. InserJeunes is run by the
# DEPP (education ministry) and the Dares (labour ministry); the API is the Exposition service.
SOURCE = "Source : InserJeunes (DEPP, Dares), API Exposition InserJeunes, Licence Ouverte 2.0"

# The API also takes "CFD:" and "MEFSTAT11:" prefixes; bare codes are enough and simpler to check.
CFD = re.compile(r"[0-9A-Z]{8}")
MEFSTAT11 = re.compile(r"[0-9A-Z]{11}")
YEAR = re.compile(r"[0-9]{4}")
PERIOD = re.compile(r"([0-9]{4})_([0-9]{4})")
# INSEE region codes the API knows: 13 metropolitan regions, 5 overseas ones, 00 for the
# overseas collectivities (trajectoires-pro server/src/services/regions.js).
REGION_CODES = frozenset("00 01 02 03 04 06 11 24 27 28 32 44 52 53 75 76 84 93 94".split())
# Below this many pupils in their final year the source publishes no rates.
MIN_LEAVERS = 20
NO_DATA_FOR_VINTAGE = "Pas de données pour le millésime"


# Production has no default address (settings): a call before the operator gives one says so.
NOT_CONFIGURED = (
    "InserJeunes : l'adresse de l'API n'est pas configurée ; l'administrateur la donne dans la "
    "variable d'environnement INSERJEUNES_BASE_URL."
)


class InserJeunesError(UpstreamError):
    """Anything that went wrong asking InserJeunes; raised as is for refusals (400, 401…)."""


class InserJeunesUnavailable(InserJeunesError):
    """A transient failure (timeout, network, 5xx, 429) that outlived the client's retries."""


class InserJeunesPayloadError(InserJeunesError):
    """An answer whose body is not the JSON the contract describes."""


@dataclass(frozen=True)
class EmploymentRates:
    """What became of a certification's leavers, nationally or in one region; rates in percent."""

    code: str
    millesime: str
    region_code: str
    region_name: str
    label: str
    filiere: str
    leavers: int | None
    employment_6m: float | None
    further_study: float | None
    # The source withholds the rates of small cohorts: print neither figure then.
    withheld: bool

    @property
    def scope(self):
        return "régional" if self.region_code else "national"


class InserJeunesClient(UpstreamClient):
    settings_prefix = "INSERJEUNES"
    settings_names = {"api_key": "API_KEY", "timeout": "TIMEOUT_S", "max_attempts": "MAX_ATTEMPTS"}
    label = "InserJeunes"
    error = InserJeunesError
    unavailable = InserJeunesUnavailable
    payload_error = InserJeunesPayloadError
    not_configured = NOT_CONFIGURED

    def __init__(self, base_url, *, api_key="", **options):
        # The routes used here are public: a key is sent only to whoever asks for one.
        headers = {"x-api-key": api_key} if api_key else {}
        super().__init__(base_url, headers=headers, **options)

    # --- routes -----------------------------------------------------------------------------

    def national(self, code, millesime=None):
        """A certification's national rates for a year ("2024"; default: the latest), or None."""
        code = _certification_code(code)
        if millesime is not None:
            millesime = str(millesime)
            if not YEAR.fullmatch(millesime):
                raise ValueError(
                    f"millésime national attendu sous la forme AAAA, reçu {millesime!r}"
                )
        name = f"certification {code}"
        response = self._stats(f"{API}/certifications/{code}", name, millesime)
        return None if response is None else _rates(response, code, "", name)

    def regional(self, region_code, code, millesime=None):
        """A certification's rates in a region for a period ("2023_2024"; default: the latest),
        or None. A year is read as the period ending with it, as the API does."""
        if region_code not in REGION_CODES:
            raise ValueError(f"code de région INSEE inconnu : {region_code!r}")
        code = _certification_code(code)
        if millesime is not None:
            millesime = _period(str(millesime))
        name = f"certification {code}, région {region_code}"
        path = f"{API}/regionales/{region_code}/certifications/{code}"
        response = self._stats(path, name, millesime)
        return None if response is None else _rates(response, code, region_code, name)

    def _stats(self, path, name, millesime):
        """The answer with figures, or None; a missing vintage is asked again, once, with the
        latest one the API says it has."""
        response, available = self._get_stats(path, name, millesime)
        if response is None and available and available[-1] != millesime:
            response, _ = self._get_stats(path, name, available[-1])
        return response

    def _get_stats(self, path, name, millesime):
        """(answer, []) when there are figures; (None, vintages available) when there are none."""
        params = {"millesime": millesime} if millesime else None
        response = self._request(path, name, params)
        if response.status_code == 404:
            return None, _vintages_instead(response, name)
        return response, []

    # --- transport --------------------------------------------------------------------------

    def _request(self, path, name, params):
        """GET, honouring Retry-After. A 404 is returned: it is an answer about the data,
        which the caller reads."""
        return self.send(
            "GET",
            path,
            name,
            params=params,
            asked_wait=_asked_wait,
            accept=lambda status: status < 400 or status == 404,
            refused_detail=_boom_message,
        )


def _certification_code(code):
    if not isinstance(code, str) or not (CFD.fullmatch(code) or MEFSTAT11.fullmatch(code)):
        raise ValueError(
            f"code de certification attendu (CFD de 8 caractères ou MEFSTAT11 de 11), reçu {code!r}"
        )
    return code


def _period(millesime):
    if YEAR.fullmatch(millesime):
        return f"{int(millesime) - 1}_{millesime}"
    match = PERIOD.fullmatch(millesime)
    if not match or int(match[2]) != int(match[1]) + 1:
        raise ValueError(f"millésime régional attendu sous la forme AAAA_AAAA, reçu {millesime!r}")
    return millesime


def _asked_wait(response):
    """Retry-After (seconds or an HTTP date), else the rate-limit headers' reset, in seconds."""
    headers = response.headers
    value = (headers.get("Retry-After") or "").strip()
    if value:
        return retries.retry_after_seconds(value)
    reset = (headers.get("RateLimit-Reset") or headers.get("X-RateLimit-Reset") or "").strip()
    if not reset.isdigit():
        return None
    seconds = float(reset)
    # Some gateways send the reset as a Unix time rather than a delay.
    if seconds > 1_000_000_000:
        seconds = max(0.0, seconds - time.time())
    return seconds


# --- payloads: every problem names the request and the field ------------------------------------


def _json_object(response, name):
    data = InserJeunesClient.read_json(response, name)
    if not isinstance(data, dict):
        raise InserJeunesPayloadError(
            f"InserJeunes {name} : un objet était attendu, reçu {type(data).__name__}",
            status=response.status_code,
            body=response.content,
        )
    return data


def _boom(response):
    """The API's error body ({statusCode, error, message, data?}), or None if it is not one."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return None
    if data.get("statusCode") != response.status_code:
        return None
    return data


def _boom_message(response):
    error = _boom(response)
    return f" : {error['message']}" if error else ""


def _vintages_instead(response, name):
    """The vintages the API offers instead of the one asked, oldest first; [] when it has no
    figures at all. A 404 that is not the API's own (a wrong base URL, a proxy) is an error,
    or a misconfigured host would silently print no boxes."""
    error = _boom(response)
    if error is None:
        raise InserJeunesError(
            f"InserJeunes {name} : adresse inconnue (HTTP 404 sans réponse de l'API)",
            status=404,
            body=response.content,
        )
    if error["message"] != NO_DATA_FOR_VINTAGE:
        return []
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    offered = data.get("millesimesDisponible")
    if not isinstance(offered, list):
        return []
    return sorted(
        v for v in offered if isinstance(v, str) and (YEAR.fullmatch(v) or PERIOD.fullmatch(v))
    )


def _fail(name, message):
    raise InserJeunesPayloadError(f"InserJeunes {name} : {message}")


def _text(data, field, name, *, required=True):
    value = data.get(field)
    if value is None:
        if required:
            _fail(name, f"champ « {field} » manquant")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        _fail(name, f"champ « {field} » : texte attendu, reçu {value!r}")
    value = str(value).strip()
    if not value and required:
        _fail(name, f"champ « {field} » vide")
    return value


def _count(data, field, name):
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        _fail(name, f"champ « {field} » : entier positif attendu, reçu {value!r}")
    return value


def _rate(data, field, name):
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        _fail(name, f"champ « {field} » : pourcentage attendu, reçu {value!r}")
    return float(value)


def _messages(data, name):
    meta = data.get("_meta")
    if meta is None:
        return []
    if not isinstance(meta, dict):
        _fail(name, "champ « _meta » : objet attendu")
    messages = meta.get("messages") or []
    if not isinstance(messages, list):
        _fail(name, "champ « _meta.messages » : liste attendue")
    return messages


def _region_name(data, region_code, name):
    region = data.get("region")
    if not isinstance(region, dict):
        _fail(name, "champ « region » : objet {code, nom} attendu")
    code = _text(region, "code", name)
    if code != region_code:
        _fail(name, f"région « {code} » au lieu de « {region_code} »")
    return _text(region, "nom", name)


def _rates(response, code, region_code, name):
    try:
        data = _json_object(response, name)
        leavers = _count(data, "nb_annee_term", name)
        employment = _rate(data, "taux_en_emploi_6_mois", name)
        further = _rate(data, "taux_en_formation", name)
        # The API nulls the rates of small cohorts and says why in _meta.messages; a figure
        # sent anyway for fewer than 20 leavers is not printed either.
        withheld = (leavers is not None and leavers < MIN_LEAVERS) or (
            bool(_messages(data, name)) and employment is None and further is None
        )
        return EmploymentRates(
            code=code,
            millesime=_text(data, "millesime", name),
            region_code=region_code,
            region_name=_region_name(data, region_code, name) if region_code else "",
            label=_text(data, "libelle", name, required=False),
            filiere=_text(data, "filiere", name, required=False),
            leavers=leavers,
            employment_6m=None if withheld else employment,
            further_study=None if withheld else further,
            withheld=withheld,
        )
    except InserJeunesPayloadError as error:
        error.status, error.body = response.status_code, response.content
        raise
