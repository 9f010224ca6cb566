"""Withdrawing the versions that printed a name a candidate asked to remove, with their files."""

from functools import partial

from django.db import transaction
from django.utils import timezone

from ..day.removals import prints_name
from ..models import Insert
from .builds import delete_version_files


def withdraw_versions(removal):
    """Mark the versions of the request's title that printed the name as withdrawn, and delete
    their files once the transaction commits: nobody downloads them again."""
    candidates = Insert.objects.filter(
        title=removal.title, withdrawn_at__isnull=True, departement__in=[removal.departement_id]
    ) | Insert.objects.filter(
        title=removal.title, withdrawn_at__isnull=True, departement__isnull=True
    )
    withdrawn = [insert for insert in candidates if prints_name(insert, removal)]
    now = timezone.now()
    for insert in withdrawn:
        Insert.objects.filter(pk=insert.pk).update(withdrawn_at=now, thumbnails=[])
        transaction.on_commit(partial(delete_version_files, insert))
    return withdrawn
