"""The two public InserJeunes routes the app uses, served locally under the real paths.

Only what the newsroom asks is served: one certification, nationally or in one region, for one
vintage. The track view (`vue=filieres`), several codes at once, the SVG widget and the
key-protected routes are not. An `x-api-key` header (or `?apiKey=`) is accepted and ignored,
as on the real public routes. Faults: `manage.py sandbox fault add … --endpoint inserjeunes`.
"""

from django.contrib.auth.decorators import login_not_required
from django.views.decorators.http import require_GET

from . import faults, inserjeunes
from .models import Fault
from .responses import boom_error

ENDPOINT = Fault.Endpoint.INSERJEUNES
NO_DATA_FOR_VINTAGE = "Pas de données pour le millésime"
MILLESIME_PATTERN = r"/^\d{4}(_\d{4})?$/"
# Query parameters the stand-in reads; the real API refuses unknown ones with a 400 too.
KNOWN_PARAMETERS = {"millesime", "apiKey"}


@login_not_required
@require_GET
def certification(request, code):
    return faults.serve(request, ENDPOINT, None, lambda: _national(request, code), error=boom_error)


@login_not_required
@require_GET
def regionale(request, code_region, code):
    return faults.serve(
        request, ENDPOINT, None, lambda: _regional(request, code_region, code), error=boom_error
    )


def _national(request, code):
    refused = _invalid(request, code)
    if refused:
        return 400, refused
    cert = inserjeunes.certification(code)
    if cert is None:
        return 404, boom_error(request, 404, "Certification inconnue")
    available = cert.national_vintages
    # Without a vintage the route answers the latest the certification has.
    millesime = request.GET.get("millesime") or available[-1]
    if millesime not in available:
        return _no_vintage(request, millesime, available)
    return 200, inserjeunes.national(cert, millesime)


def _regional(request, code_region, code):
    refused = _invalid(request, code, code_region)
    if refused:
        return 400, refused
    cert = inserjeunes.certification(code)
    if cert is None or not inserjeunes.has_regional(cert, code_region):
        return 404, boom_error(request, 404, "Pas de données disponibles")
    # Without a vintage the route asks for the latest period it is configured with, which a
    # closed diploma lacks: a 404 naming those it has. A year is the period ending with it.
    millesime = request.GET.get("millesime") or inserjeunes.REGIONAL_VINTAGES[-1]
    if len(millesime) == 4:
        millesime = f"{int(millesime) - 1}_{millesime}"
    available = cert.regional_vintages
    if millesime not in available:
        return _no_vintage(request, millesime, available)
    return 200, inserjeunes.regional(cert, code_region, millesime)


def _no_vintage(request, millesime, available):
    data = {"millesime": millesime, "millesimesDisponible": list(available)}
    return 404, boom_error(request, 404, NO_DATA_FOR_VINTAGE, data=data)


def _invalid(request, code, code_region=None):
    """Boom's "Erreur de validation" with Joi-like details, or None when the request is valid."""
    details = [
        _detail(key, "object.unknown", f'"{key}" is not allowed', request.GET[key])
        for key in request.GET
        if key not in KNOWN_PARAMETERS
    ]
    millesime = request.GET.get("millesime")
    if millesime is not None and not inserjeunes.VINTAGE.fullmatch(millesime):
        message = (
            f'"millesime" with value "{millesime}" fails to match the required pattern: '
            f"{MILLESIME_PATTERN}"
        )
        details.append(_detail("millesime", "string.pattern.base", message, millesime))
    if code_region is not None and code_region not in inserjeunes.REGION_NAMES:
        valid = ", ".join(sorted(inserjeunes.REGION_NAMES))
        message = f'"region" must be one of [{valid}]'
        details.append(_detail("region", "any.only", message, code_region))
    if not inserjeunes.is_well_formed(code):
        message = '"code_certification" must be a valid certification code.'
        details.append(_detail("code_certification", "code_certification.invalid", message, code))
    if not details:
        return None
    return boom_error(request, 400, "Erreur de validation", details=details)


def _detail(key, kind, message, value):
    return {
        "message": message,
        "path": [key],
        "type": kind,
        "context": {"label": key, "value": value, "key": key},
    }
