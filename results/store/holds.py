"""What the store holds back from print: unreadable rows set aside, implausible sections held.

Both are decided here, when an answer is stored; the builds leave held sections out
(day.content) and an editor confirms a section (deliberation.holds). See
docs/deliberation-day.md, "Rows set aside and sections held".
"""

from collections import Counter

from django.db.models import Sum
from django.utils import timezone

from ..models import CalendarRow, HeldRow, SectionHold

# A section is implausible when it lists more admitted than its calendar's candidates plus
# this margin (the calendar counts those who sat the exam, so the admitted are fewer: a few
# over is a late registration, more is a list that is not this section's).
OVER_COUNT_MARGIN = 5
# ... or when at least half its rows repeat another row exactly: a list sent twice is half
# duplicates. Two real homonyms happen, so a section of fewer rows than this is never held.
DUPLICATES_MIN_ROWS = 4


def implausibility(rows, distinct, candidates):
    """Why a section of `rows` lines (`distinct` different ones) is implausible against the
    `candidates` its calendar counts (None: not in the calendar), or "" if it is not. Counts
    only: the reason is shown and audited."""
    if candidates is not None and rows > candidates + OVER_COUNT_MARGIN:
        return f"{rows} admis pour {candidates} candidats au calendrier"
    duplicates = rows - distinct
    if rows >= DUPLICATES_MIN_ROWS and duplicates * 2 >= rows:
        return f"{duplicates} lignes sur {rows} en double exact"
    return ""


def calendar_candidates(code):
    """(filière, option) → candidates the département's calendar counts, over all its dates."""
    rows = (
        CalendarRow.objects.filter(departement_id=code)
        .values("filiere", "option")
        .annotate(total=Sum("nb_candidats"))
    )
    return {(row["filiere"], row["option"]): row["total"] for row in rows}


def check_sections(code, lines_by_section, now=None):
    """Hold the stored sections (lines per (filière, option)) that look implausible; release
    an unconfirmed hold whose section now looks right. Returns the held sections' reasons."""
    now = now or timezone.now()
    candidates = calendar_candidates(code)
    held = {}
    for section, lines in lines_by_section.items():
        reason = implausibility(len(lines), len(Counter(lines)), candidates.get(section))
        filiere, option = section
        if reason:
            SectionHold.objects.update_or_create(
                departement_id=code,
                filiere=filiere,
                option=option,
                defaults={
                    "reason": reason,
                    "held_at": now,
                    "confirmed_at": None,
                    "confirmed_by": None,
                },
            )
            held[section] = reason
        else:
            SectionHold.objects.filter(departement_id=code, filiere=filiere, option=option).delete()
    return held


def held_sections(codes):
    """(département, filière, option) of the sections held from print, of these départements."""
    return set(
        SectionHold.objects.filter(departement__in=codes, confirmed_at__isnull=True).values_list(
            "departement_id", "filiere", "option"
        )
    )


def set_aside(code, endpoint, bad_rows, now=None):
    """Replace the département's rows set aside from this endpoint by those of the latest
    answer. Returns whether they changed (a new notice is then due)."""
    now = now or timezone.now()
    stored = HeldRow.objects.filter(departement_id=code, endpoint=endpoint)
    before = sorted((r.line, r.field, r.reason) for r in stored)
    after = sorted((r.line, r.field, r.reason) for r in bad_rows)
    stored.delete()
    HeldRow.objects.bulk_create(
        [
            HeldRow(
                departement_id=code,
                endpoint=endpoint,
                line=row.line,
                field=row.field,
                reason=row.reason,
                values=row.values if isinstance(row.values, dict) else {},
                held_at=now,
            )
            for row in bad_rows
        ]
    )
    return before != after
