"""What every page must know of the sandbox: whether it is on, for the banner of base.html."""

from django.conf import settings


def sandbox(request):
    # An editor must never take the stand-in's made-up names for a real list.
    return {"sandbox_enabled": settings.SANDBOX_ENABLED}
