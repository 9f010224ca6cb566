"""Editors' corrections of what a day prints, a removal or an addition, and the builds they need."""

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .. import audit
from ..day.additions import verify_and_add
from ..day.content import section_days
from ..day.removals import StaleMatches, line_of, matching_results
from ..editions.withdrawals import withdraw_versions
from ..models import AuditEvent, Removal
from ..store.objections import record_objection
from .jobs import queue_build


def confirm_removal(removal, result_ids, user):
    """Confirm a request with the published lines the editor picked (none: nothing published
    matches yet). Withdraws the versions that printed the name and queues their inserts'
    builds; returns (withdrawn versions, build jobs for the caller to send), or None if the
    request was already confirmed."""
    builds = []
    matches = {result.pk: result for result in matching_results(removal)}
    if set(result_ids) - set(matches) or (matches and not result_ids):
        raise StaleMatches
    lines = [line_of(matches[pk]) for pk in result_ids]
    with transaction.atomic():
        confirmed = Removal.objects.filter(pk=removal.pk, confirmed_at__isnull=True).update(
            lines=lines, confirmed_at=timezone.now(), confirmed_by=user
        )
        if confirmed != 1:
            return None
        removal.refresh_from_db()
        # What honours the request from now on, after the purge too: the builds filter on it.
        record_objection(removal, now=removal.confirmed_at)
        withdrawn = withdraw_versions(removal)
        title = removal.title
        scope = None if title.combine_departements else removal.departement
        days = {insert.day for insert in withdrawn}
        section_day = section_days([removal.departement_id])
        for line in lines:
            key = (removal.departement_id, line["filiere"], line["option"])
            if key in section_day:
                days.add(section_day[key])
        for day in sorted(days):
            builds.append(queue_build(title, scope, day, user=user))
        audit.record(
            AuditEvent.Action.REMOVAL_CONFIRMED,
            title=title,
            user=user,
            departement=removal.departement_id,
            summary=(
                f"Demande de retrait n° {removal.pk} confirmée : {len(lines)} ligne(s) publiée(s), "
                f"{len(withdrawn)} version(s) retirée(s), {len(days)} encart(s) à régénérer"
            ),
            details={"removal": removal.pk, "lines": len(lines), "withdrawn": len(withdrawn)},
        )
    return withdrawn, builds


@sensitive_variables("ina", "num_gestion")
def add_verified(title, ina, num_gestion, user, *, client=None):
    """Verify a candidate's transcript and add them (day.additions.verify_and_add), queueing the
    build of the insert that now prints them in the addition's own transaction. Returns
    (addition, build jobs for the caller to send)."""
    builds = []

    def rebuild(addition):
        scope = None if title.combine_departements else addition.departement
        builds.append(queue_build(title, scope, addition.day, user=user))

    addition = verify_and_add(title, ina, num_gestion, user, client=client, on_added=rebuild)
    return addition, builds
