"""What Django's error pages and error e-mails may show: no secret, no candidate's credential."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

# Shorter values would be found by chance inside unrelated text.
SHORTEST_SECRET = 4


class SecretsHiddenFilter(SafeExceptionReporterFilter):
    """Django's filter, on in development too, and told about this project's secrets.

    Django hides settings and request headers whose name says secret (KEY, PASS, TOKEN…); here
    also the addresses that carry a password (DATABASE_URL, REDIS_URL, the broker's URL, a
    cache's LOCATION), in the settings and in the environment the development server copies
    into request.META. Django honours `sensitive_variables` and `sensitive_post_parameters` only
    with DEBUG off: the desk is run in DEBUG on editors' real machines and on real credentials
    (an INA typed to check an addition), so they hold in DEBUG too. A value can also reach a
    frame under another name (the JSON body of the transcript call inside httpx2), so any local
    variable whose text contains a secret or a value posted as sensitive is hidden as well.
    """

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE"
        "|DATABASE_URL|REDIS_URL|BROKER|LOCATION",
        flags=re.IGNORECASE,
    )

    def is_active(self, request):
        return True

    def cleanse_special_types(self, request, value):
        value = super().cleanse_special_types(request, value)
        if value == self.cleansed_substitute or isinstance(value, (int, float, bool)):
            return value
        try:
            text = repr(value)
        except Exception:  # noqa: BLE001 (a broken __repr__ must not break the error page)
            return value
        # Without case: a form cleans an INA typed "1234567a" into "1234567A".
        text = text.casefold()
        if any(secret.casefold() in text for secret in self.secrets(request)):
            return self.cleansed_substitute
        return value

    def secrets(self, request):
        values = secret_settings()
        names = getattr(request, "sensitive_post_parameters", ())
        if request is not None and names:
            post = getattr(request, "POST", {})
            fields = post.keys() if names == "__ALL__" else names
            values |= {value.strip() for name in fields for value in post.getlist(name)}
        return {value for value in values if len(value) >= SHORTEST_SECRET}


def secret_settings():
    """The secret values the settings hold, whatever the name they are found under."""
    values = {
        settings.SECRET_KEY,
        settings.ARPENT_API_KEY,
        settings.INSERJEUNES_API_KEY,
        getattr(settings, "AWS_SECRET_ACCESS_KEY", None) or "",
        *settings.ARPENT_CONTRACT_KEYS.values(),
    }
    values |= {db.get("PASSWORD") or "" for db in settings.DATABASES.values()}
    for url in (settings.DATABASE_URL, settings.REDIS_URL, settings.CELERY_BROKER_URL):
        values.add(urlsplit(url).password or "")
    return values
