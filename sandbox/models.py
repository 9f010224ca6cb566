"""What the sandbox keeps in the database: its clock and the faults it is asked to inject."""

from django.db import models
from django.db.models import Q


class SandboxClock(models.Model):
    """The sandbox's time: virtual_anchor + (real now - real_anchor) x speed. One row at most."""

    virtual_anchor = models.DateTimeField()
    real_anchor = models.DateTimeField()
    speed = models.FloatField(default=1.0)
    session_start = models.DateField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="sandbox_single_clock")]

    def __str__(self):
        return f"{self.virtual_anchor:%Y-%m-%d %H:%M} x{self.speed:g}"


class Fault(models.Model):
    """A misbehaviour applied to the next `remaining` matching responses (null: until cleared)."""

    class Endpoint(models.TextChoices):
        CALENDRIERS = "calendriers"
        RESULTATS = "resultats"
        CREDENTIALS = "credentials"
        REFERENTIELS = "referentiels"
        # Both InserJeunes routes (a stand-in for another upstream than ARPENT).
        INSERJEUNES = "inserjeunes"
        # Every call to the data.education.gouv.fr stand-in.
        EDUCATION = "education"
        ANY = "*"

    class Kind(models.TextChoices):
        LATENCY = "latency"
        TIMEOUT = "timeout"
        HTTP_ERROR = "http_error"
        HTML_ERROR = "html_error"
        RATE_LIMIT = "rate_limit"
        TRUNCATED = "truncated"
        NON_JSON = "non_json"
        EMPTY = "empty"
        MISSING_FIELD = "missing_field"
        DUPLICATE_ROWS = "duplicate_rows"
        # The answer's rows again and again, 300 MB streamed: for UPSTREAM_MAX_BYTES.
        HUGE = "huge"

    endpoint = models.CharField(max_length=20, choices=Endpoint, default=Endpoint.ANY)
    # Blank: every département (and the endpoints that take none).
    departement = models.CharField(max_length=3, blank=True)
    kind = models.CharField(max_length=20, choices=Kind)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    delay_ms = models.PositiveIntegerField(null=True, blank=True)
    retry_after = models.PositiveIntegerField(null=True, blank=True)
    field = models.CharField(max_length=30, blank=True)
    remaining = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        where = f"{self.endpoint} {self.departement}".strip()
        left = "∞" if self.remaining is None else self.remaining
        return f"{self.kind} on {where} ({left} left)"
