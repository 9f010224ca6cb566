"""Objections: the confirmed removals as kept beyond the purge, and the filter every build uses.

A confirmed removal becomes an Objection: a keyed hash (HMAC-SHA256, OBJECTION_HASH_KEY) of the
candidate's normalised name, and the scope they asked for (title, département, diploma and
option when given). Every build, export and listing of names leaves out the rows it covers,
before and after the retention purge, this session and the next ones: one mechanism, however
old the removal. A homonym in the same scope is left out too: the hash cannot tell two people of
the same name apart, and printing nobody is the safe side of a right to object.
"""

import hashlib
import hmac
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from layouts.compose import sort_key

from ..models import Objection, Title


def identity(nom, prenoms):
    """The keyed hash of a name, normalised so that every spelling of it meets: case, accents,
    punctuation, spaces and hyphens do not count ("N'Diaye" = "NDIAYE"), nor the order of the
    given names ("Marie-Ève Anne" = "anne marie eve"), since a request and the upstream do not
    always list them alike."""
    surname = sort_key(nom or "").replace(" ", "")
    given = "".join(sorted(sort_key(prenoms or "").split()))
    message = f"{surname}\x1f{given}".encode()
    return hmac.new(settings.OBJECTION_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


def _scope_key(text):
    return sort_key(text or "").replace(" ", "")


def record_objection(removal, now=None):
    """The objection a confirmed removal leaves; confirming the same name and scope again
    restarts its period."""
    objection, _ = Objection.objects.update_or_create(
        title_id=removal.title_id,
        departement_id=removal.departement_id,
        filiere=removal.filiere,
        option=removal.option,
        identity=identity(removal.nom, removal.prenoms),
        defaults={"confirmed_at": now or timezone.now()},
    )
    return objection


def objections_for(title, departement):
    return list(Objection.objects.filter(title=title, departement=departement))


def _field(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)


def without_objected(rows, objections):
    """The rows minus those an objection covers: same hashed name, within its diploma and
    option when it names them."""
    scopes = defaultdict(list)
    for objection in objections:
        scopes[objection.identity].append(
            (_scope_key(objection.filiere), _scope_key(objection.option))
        )
    if not scopes:
        return list(rows)
    kept = []
    for row in rows:
        covering = scopes.get(identity(_field(row, "nom"), _field(row, "prenoms")), ())
        filiere, option = _scope_key(_field(row, "filiere")), _scope_key(_field(row, "option"))
        if not any(
            (not wanted_filiere or wanted_filiere == filiere)
            and (not wanted_option or wanted_option == option)
            for wanted_filiere, wanted_option in covering
        ):
            kept.append(row)
    return kept


def objected_by_every_follower(code, rows):
    """The rows every title following the département objects to, which sync does not store.

    Results are shared by every title following a département, so a row another title still
    prints must be stored (the objecting titles' builds leave it out). A row no follower may
    print is only a readable copy of a name nobody may keep: after the purge, the next fetch
    would otherwise write it back until the next night. With no follower, nothing is left out:
    there is no objection to honour, and a title that starts following needs the rows.
    """
    followers = list(Title.objects.filter(departements=code).values_list("pk", flat=True))
    by_title = defaultdict(list)
    for objection in Objection.objects.filter(departement_id=code, title_id__in=followers):
        by_title[objection.title_id].append(objection)
    if not followers or len(by_title) < len(followers):
        return []
    # Each title only narrows what the previous ones left out, so the names are hashed once
    # per row, then only for the few rows still left out.
    left_out = list(rows)
    for objections in by_title.values():
        kept = {id(row) for row in without_objected(left_out, objections)}
        left_out = [row for row in left_out if id(row) not in kept]
    return left_out


def on_file(title):
    """How many objections the title holds: what the editors see once the names are gone."""
    return Objection.objects.filter(title=title).count()


def expired(now=None):
    """Objections whose period has run out since their confirmation."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.OBJECTION_RETENTION_DAYS)
    return Objection.objects.filter(confirmed_at__lt=limit)
