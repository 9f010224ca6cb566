"""Seeing what happens: the public health probe and the staff's status page."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..deliberation import health, status


@login_not_required  # a load balancer or an uptime probe has no account
@never_cache
@require_safe
def probe(request):
    """JSON of the database, broker and scheduler checks; 503 as soon as one fails.

    Anyone gets ok or not per component; error texts (they may name hosts, ports and users)
    and the heartbeat's time only go to staff.
    """
    report = health.cached_report()
    body = report if request.user.is_staff else health.status_only(report)
    return JsonResponse(body, status=200 if report["ok"] else 503)


def status_page(request):
    """For staff (wrapped by the admin site): the heartbeat, then each followed département."""
    context = {
        **admin.site.each_context(request),
        "title": _("État du service"),
        "scheduler": health.check_scheduler(),
        "rows": status.departements(),
        "totals": status.pending_totals(),
    }
    return render(request, "admin/etat.html", context)
