"""Seeing what happens: the public health probe and the staff's status page."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health


@login_not_required  # a load balancer or an uptime probe has no account
@never_cache
@require_safe
def probe(request):
    """JSON of the database, broker and scheduler checks; 503 as soon as one fails."""
    report = health.report()
    return JsonResponse(report, status=200 if report["ok"] else 503)
