"""The audit trail: one call per thing done, by whom, for which title; never a candidate's name."""

from .models import AuditEvent


def record(action, *, title, user=None, summary="", departement=None, day=None, details=None):
    """Append one event. `departement` is a Departement or its code; `user` None is the
    scheduler."""
    code = getattr(departement, "code", departement) or ""
    known_user = user if user is not None and user.is_authenticated else None
    return AuditEvent.objects.create(
        title=title,
        title_name=title.name if title else "",
        user=known_user,
        username=known_user.get_username() if known_user else "",
        action=action,
        departement_code=code,
        day=day,
        summary=summary[:300],
        details=details or {},
    )
