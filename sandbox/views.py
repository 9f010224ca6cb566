"""The ARPENT endpoints, served locally; public like the real API, so no login."""

import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from . import clock, data, faults, referentials, swagger, transcripts
from .responses import json_response, spring_error

MISSING_DEPARTEMENT = (
    "Required request parameter 'departement' for method parameter type String is not present"
)


@login_not_required
@require_GET
def calendriers(request):
    code = request.GET.get("departement")
    if code is None:
        return json_response(spring_error(request, 400, MISSING_DEPARTEMENT), 400)
    return faults.serve(
        request, "calendriers", code, lambda: (200, data.calendar(code, clock.session_start()))
    )


@login_not_required
@require_GET
def resultats(request):
    code = request.GET.get("departement")
    if code is None:
        return json_response(spring_error(request, 400, MISSING_DEPARTEMENT), 400)
    return faults.serve(
        request,
        "resultats",
        code,
        lambda: (200, data.results(code, clock.session_start(), clock.now())),
    )


@csrf_exempt
@login_not_required
@require_POST
def credentials(request):
    return faults.serve(request, "credentials", None, lambda: _transcript(request))


@sensitive_variables()  # every local: the key, the credentials, the body that holds them
def _transcript(request):
    """(status, payload) of E3; the credentials are never logged nor kept."""
    key = request.headers.get(settings.ARPENT_API_KEY_HEADER, "")
    expected = getattr(settings, "SANDBOX_CONTRACT_KEY", None)
    if not key or (expected and not hmac.compare_digest(key.encode(), expected.encode())):
        return 401, spring_error(request, 401, "Clé d'API absente ou invalide")
    try:
        body = json.loads(request.body)
        ina, num_gestion = body["ina"], body["numGestion"]
    except (ValueError, KeyError, TypeError):
        return 400, spring_error(request, 400, 'Corps attendu : {"ina", "numGestion"}')
    if not isinstance(ina, str) or not isinstance(num_gestion, str):
        return 400, spring_error(request, 400, "ina et numGestion sont des chaînes")
    start = clock.session_start()
    found = data.find_candidate(ina, num_gestion, start)
    # Before its jury has deliberated, a candidate has no transcript yet: same 404.
    if found is None or found[0].moment > clock.now():
        return 404, spring_error(request, 404, "Aucun relevé de notes pour ces identifiants")
    section, candidate = found
    return 200, transcripts.transcript(section, candidate, ina, start)


@login_not_required
@require_GET
def diplomes(request):
    return faults.serve(request, "referentiels", None, lambda: (200, referentials.diplomes()))


@login_not_required
@require_GET
def sessions(request):
    return faults.serve(
        request,
        "referentiels",
        None,
        lambda: (200, referentials.sessions(clock.session_start())),
    )


@login_not_required
@require_GET
def departements(request):
    return faults.serve(request, "referentiels", None, lambda: (200, referentials.departements()))


@login_not_required
@require_GET
def autorites_academiques(request):
    return faults.serve(
        request, "referentiels", None, lambda: (200, referentials.autorites_academiques())
    )


@login_not_required
@require_GET
def api_docs(request):
    return json_response(swagger.document(request.get_host()))
