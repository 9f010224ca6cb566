"""Sync: store what ARPENT answered, idempotently, atomically and in bulk.

Every call is recorded as a Fetch. A failed or malformed answer changes no stored row; the same
answer twice changes nothing and says so; a suspicious answer (empty where we hold data, or
missing whole sections) never deletes what we have.
"""

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from ..models import CalendarRow, Departement, Diploma, ExamSession, Fetch, Result
from ..sources.arpent import ArpentClient, ArpentError
from .holds import check_sections, set_aside
from .objections import objected_by_every_follower

BATCH_SIZE = 2000


@dataclass
class SyncReport:
    outcome: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    # Rows of the answer not stored because every title following the département objects to
    # them: a count, never whose.
    left_out: int = 0
    notes: list = field(default_factory=list)
    # (filière, option) of the sections whose lines changed: their inserts need a rebuild.
    sections: list = field(default_factory=list)
    # Rows of the answer that could not be read, set aside (store.holds); whether they
    # differ from the previous answer's (a notice is then due).
    set_aside: int = 0
    set_aside_changed: bool = False
    # (filière, option) → why, of the sections this answer made implausible: held from print.
    held: dict = field(default_factory=dict)

    @property
    def changed(self):
        return self.outcome == Fetch.Outcome.CHANGED

    def __str__(self):
        if self.outcome == Fetch.Outcome.UNCHANGED:
            text = f"{self.rows} lignes, rien de nouveau"
        elif self.outcome == Fetch.Outcome.REJECTED:
            text = "réponse rejetée, données conservées"
        else:
            text = (
                f"{self.rows} lignes : {self.created} ajoutées, {self.updated} modifiées, "
                f"{self.deleted} retirées"
            )
        notes = list(self.notes)
        if self.left_out:
            plural = "s" if self.left_out > 1 else ""
            notes.insert(0, f"{self.left_out} ligne{plural} écartée{plural} (opposition)")
        if self.set_aside:
            plural = "s" if self.set_aside > 1 else ""
            notes.append(f"{self.set_aside} ligne{plural} illisible{plural} mise{plural} de côté")
        for (filiere, option), reason in sorted(self.held.items()):
            notes.append(f"section retenue avant impression : {filiere} — {option} ({reason})")
        return "; ".join([text, *notes])


def _record(answer_call, endpoint, departement_code=""):
    """Call the upstream and record the call; return (answer, fetch). Re-raises errors."""
    started = timezone.now()
    clock = time.monotonic()
    fetch = Fetch(
        endpoint=endpoint,
        departement_id=departement_code or None,
        departement_code=departement_code,
        started_at=started,
    )
    try:
        answer = answer_call()
    except ArpentError as error:
        fetch.duration_ms = int((time.monotonic() - clock) * 1000)
        fetch.http_status = error.status
        fetch.outcome = Fetch.Outcome.FAILED
        fetch.summary = str(error)
        fetch.payload = _decode(error.body)
        save_fetch(fetch)
        raise
    fetch.duration_ms = int((time.monotonic() - clock) * 1000)
    fetch.http_status = answer.status
    fetch.row_count = len(answer.records) + len(answer.bad_rows)
    fetch.content_hash = answer.content_hash
    previous = (
        Fetch.objects.filter(endpoint=endpoint, departement_code=departement_code)
        .exclude(outcome=Fetch.Outcome.FAILED)
        .order_by("-started_at")
        .values_list("content_hash", flat=True)
        .first()
    )
    if previous != answer.content_hash:
        fetch.payload = _decode(answer.body)
    return answer, fetch


def save_fetch(fetch):
    """Store a fetch record; a code not (yet) in the referential keeps only its text."""
    if fetch.departement_id and not Departement.objects.filter(pk=fetch.departement_id).exists():
        fetch.departement_id = None
    fetch.save()


def _decode(body):
    return body.decode("utf-8", errors="replace") if body else ""


def _finish(fetch, report):
    fetch.outcome = report.outcome
    fetch.summary = str(report)
    save_fetch(fetch)
    return report


# --- referentials ----------------------------------------------------------------------------


def sync_referentials(client: ArpentClient):
    """E4 and E5: départements, diplomas and sessions (upserts; nothing is ever deleted)."""
    reports = {}
    answer, fetch = _record(client.departements, "departements")
    with transaction.atomic():
        Departement.objects.bulk_create(
            [
                Departement(code=d.code, name=d.name, region=d.region, region_code=d.region_code)
                for d in answer.records
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "region", "region_code"],
        )
    reports["departements"] = _finish(fetch, SyncReport("changed", rows=len(answer.records)))

    answer, fetch = _record(client.diplomas, "diplomes")
    with transaction.atomic():
        Diploma.objects.bulk_create(
            [
                Diploma(
                    examen_id=d.examen_id,
                    filiere_id=d.filiere_id,
                    filiere=d.filiere,
                    option=d.option,
                )
                for d in answer.records
            ],
            update_conflicts=True,
            unique_fields=["filiere", "option"],
            update_fields=["examen_id", "filiere_id"],
        )
    reports["diplomes"] = _finish(fetch, SyncReport("changed", rows=len(answer.records)))

    answer, fetch = _record(client.sessions, "sessions")
    with transaction.atomic():
        ExamSession.objects.bulk_create(
            [ExamSession(upstream_id=s.id, label=s.label) for s in answer.records],
            update_conflicts=True,
            unique_fields=["upstream_id"],
            update_fields=["label"],
        )
    reports["sessions"] = _finish(fetch, SyncReport("changed", rows=len(answer.records)))
    return reports


# --- calendar --------------------------------------------------------------------------------


def sync_calendar(client: ArpentClient, code):
    """E1 for one département: new rows, changed counts and moved dates are stored and flagged.

    A (filière, option) that leaves one date for another is one moved row, not a deletion and
    a creation. Rows missing from the answer are kept and flagged; an empty answer where a
    calendar is known is rejected.
    """
    answer, fetch = _record(lambda: client.calendar(code), "calendriers", code)
    report = SyncReport(Fetch.Outcome.UNCHANGED, rows=len(answer.records))
    stored = {
        (r.filiere, r.option, r.date_delib): r
        for r in CalendarRow.objects.filter(departement_id=code)
    }
    if not answer.records and stored:
        report.outcome = Fetch.Outcome.REJECTED
        report.notes.append(f"calendrier vide alors que {len(stored)} lignes sont connues")
        return _finish(fetch, report)
    report.set_aside = len(answer.bad_rows)
    report.set_aside_changed = set_aside(code, "calendriers", answer.bad_rows)
    # The first calendar is the reference: nothing in it is "new" to the desk.
    first_fetch = not stored
    now = fetch.started_at
    # A duplicated row would count twice: the upstream has one row per key.
    incoming = {(e.filiere, e.option, e.date_delib): e for e in answer.records}
    gone = defaultdict(list)
    for key in sorted(set(stored) - set(incoming)):
        gone[key[:2]].append(key)
    new, changed = [], []
    for key in sorted(set(incoming) - set(stored)):
        entry = incoming[key]
        if gone[key[:2]]:
            row = stored[gone[key[:2]].pop(0)]
            row.previous_date, row.date_delib = row.date_delib, entry.date_delib
            if row.nb_candidats != entry.nb_candidats:
                row.previous_nb_candidats, row.nb_candidats = row.nb_candidats, entry.nb_candidats
            _mark(row, CalendarRow.Change.MOVED, now)
            changed.append(row)
            continue
        new.append(
            CalendarRow(
                departement_id=code,
                filiere=entry.filiere,
                option=entry.option,
                date_delib=entry.date_delib,
                nb_candidats=entry.nb_candidats,
                first_seen=now,
                updated_at=now,
                last_change="" if first_fetch else CalendarRow.Change.NEW,
                changed_at=None if first_fetch else now,
            )
        )
    for key in set(incoming) & set(stored):
        row, entry = stored[key], incoming[key]
        if row.nb_candidats != entry.nb_candidats:
            row.previous_nb_candidats, row.nb_candidats = row.nb_candidats, entry.nb_candidats
            _mark(row, CalendarRow.Change.COUNT, now)
            changed.append(row)
        elif row.missing_since:
            row.missing_since = None
            changed.append(row)
    missing = [stored[key] for keys in gone.values() for key in keys]
    for row in missing:
        if row.missing_since is None:
            row.missing_since = now
            changed.append(row)
    if missing:
        report.notes.append(f"{len(missing)} lignes absentes de la réponse, conservées")
    if new or changed:
        with transaction.atomic():
            CalendarRow.objects.bulk_create(new, batch_size=BATCH_SIZE)
            for row in changed:
                row.save()
        report.outcome = Fetch.Outcome.CHANGED
        report.created = len(new)
        report.updated = len([r for r in changed if r.changed_at == now])
    return _finish(fetch, report)


def _mark(row, change, now):
    row.last_change, row.changed_at, row.updated_at, row.missing_since = change, now, now, None


# --- results ---------------------------------------------------------------------------------


def sync_results(client: ArpentClient, code):
    """E2 for one département: fetch and store; see store_results for the rules.

    The rows every following title objects to (objections.objected_by_every_follower) are
    stored nowhere: neither as results nor in the raw payload kept for diagnosis, or each fetch
    after the purge would write the name back where nobody may read it.
    """
    answer, fetch = _record(lambda: client.results(code), "resultats", code)
    left_out = objected_by_every_follower(code, answer.records)
    if left_out and fetch.payload:
        fetch.payload = _payload_without(answer, left_out)
    report = store_results(code, answer.records, left_out, bad_rows=answer.bad_rows)
    return _finish(fetch, report)


def _payload_without(answer, left_out):
    """The raw answer minus the left-out rows, re-serialised: each record knows its line."""
    ids = {id(entry) for entry in left_out}
    gone = {
        line for entry, line in zip(answer.records, answer.lines, strict=True) if id(entry) in ids
    }
    rows = json.loads(answer.body)
    kept = [row for line, row in enumerate(rows, 1) if line not in gone]
    return json.dumps(kept, ensure_ascii=False)


def _section(entry):
    return (entry.filiere, entry.option)


def store_results(code, entries, left_out=(), bad_rows=()):
    """Store a département's published results, one fetch of a département after the other.

    `bad_rows` are the answer's rows that could not be read (sources.arpent.BadRow): set aside
    for the editors (store.holds), and the sections they belong to keep their stored lines.

    `left_out`, some of `entries`, are not stored (see sync_results); they still count as part
    of the answer, so that an answer or section made only of them is not taken for an empty
    one.

    Two workers may store the same département at once (two polls' jobs, or a poll and an
    editor's click): each would find nothing stored, and the second's rows would then collide
    with the first's. The département's row lock makes the second wait, then compare with what
    the first stored.
    """
    with transaction.atomic():
        Departement.objects.select_for_update().filter(pk=code).first()
        report = _store_results(code, entries, left_out, _sections_of(bad_rows))
        if report.outcome != Fetch.Outcome.REJECTED:
            report.set_aside = len(bad_rows)
            report.set_aside_changed = set_aside(code, "resultats", bad_rows)
        return report


EVERY_SECTION = None


def _sections_of(bad_rows):
    """The sections the unreadable rows belong to; EVERY_SECTION when one of them does not
    say which (its filière or option is what is wrong)."""
    sections = set()
    for row in bad_rows:
        filiere, option = row.values.get("filiere"), row.values.get("option")
        if not isinstance(filiere, str) or not isinstance(option, str | None):
            return EVERY_SECTION
        sections.add((filiere.strip(), (option or "").strip()))
    return sections


def _keeping_stored(incoming, stored, partial):
    """Sections with an unreadable row keep every stored line the answer lacks: the missing
    line may be that row, and a bad answer never wipes good data."""
    for section, lines in incoming.items():
        if partial is EVERY_SECTION or section in partial:
            missing = Counter(stored.get(section, [])) - Counter(lines)
            lines.extend(missing.elements())


def _store_results(code, entries, left_out, partial=frozenset()):
    """Store a département's published results.

    A section (filière, option) present in the answer replaces the stored one when its lines
    differ; a section absent from the answer is kept (the list only grows on deliberation day,
    so a vanished section is an upstream glitch, not a retraction). An empty answer where we hold
    results is rejected. All writes happen in one transaction, in bulk.
    """
    report = SyncReport(Fetch.Outcome.UNCHANGED, rows=len(entries), left_out=len(left_out))
    gone = {id(entry) for entry in left_out}
    incoming = defaultdict(list)
    for entry in entries:
        # Compared without the left-out rows, so that the same answer fetched again is
        # "unchanged" and starts no rebuild; a stored row now objected to everywhere goes.
        lines = incoming[_section(entry)]
        if id(entry) not in gone:
            lines.append((entry.specialite, entry.nom, entry.prenoms, entry.resultat))
    stored = defaultdict(list)
    for row in Result.objects.filter(departement_id=code).values_list(
        "filiere", "option", "specialite", "nom", "prenoms", "resultat"
    ):
        stored[row[:2]].append(row[2:])

    if not entries and stored:
        report.outcome = Fetch.Outcome.REJECTED
        held = sum(len(lines) for lines in stored.values())
        report.notes.append(f"réponse vide alors que {held} résultats sont enregistrés")
        return report
    _keeping_stored(incoming, stored, partial)
    missing = set(stored) - set(incoming)
    if missing:
        report.notes.append(
            f"{len(missing)} section(s) absente(s) de la réponse, conservée(s) : "
            + ", ".join(f"{f} — {o}" for f, o in sorted(missing))
        )

    replaced = [s for s in incoming if Counter(incoming[s]) != Counter(stored.get(s, []))]
    if not replaced:
        return report
    now = timezone.now()
    new_rows = []
    for section in replaced:
        seen = Counter()
        for specialite, nom, prenoms, resultat in incoming[section]:
            identity = (specialite, nom, prenoms)
            new_rows.append((code, *section, *identity, resultat, seen[identity], now))
            seen[identity] += 1
        before, after = Counter(stored.get(section, [])), Counter(incoming[section])
        report.created += sum((after - before).values())
        report.deleted += sum((before - after).values())
    with transaction.atomic():
        for filiere, option in replaced:
            Result.objects.filter(departement_id=code, filiere=filiere, option=option).delete()
        insert_results(new_rows)
        report.held = check_sections(code, {s: incoming[s] for s in replaced}, now)
    report.outcome = Fetch.Outcome.CHANGED
    report.sections = sorted(replaced)
    return report


RESULT_COLUMNS = (
    "departement_id",
    "filiere",
    "option",
    "specialite",
    "nom",
    "prenoms",
    "resultat",
    "occurrence",
    "fetched_at",
)


def insert_results(rows):
    """Insert result rows (tuples in RESULT_COLUMNS order) in bulk.

    On PostgreSQL, COPY: a département's 20,000 rows arrive in one poll on deliberation day and
    bulk_create spends most of its time building model instances and SQL for them.
    """
    if connection.vendor != "postgresql":
        Result.objects.bulk_create(
            [Result(**dict(zip(RESULT_COLUMNS, row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
        )
        return
    columns = ", ".join(connection.ops.quote_name(c) for c in RESULT_COLUMNS)
    table = connection.ops.quote_name(Result._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
