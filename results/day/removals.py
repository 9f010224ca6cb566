"""Candidates' removal requests: matching them to published lines, confirming, applying them."""

from django.db.models import F, Func

from layouts.compose import DIPLOMAS, diploma_rank, printed_name, sort_key

from ..models import CalendarRow, Diploma, Removal, Result

LINE_FIELDS = ("filiere", "option", "specialite", "nom", "prenoms")


class StaleMatches(Exception):
    """The lines the editor picked are no longer published as shown (a fetch came between)."""


def match_key(text):
    """A name as requests compare it: no case, accents, punctuation or spaces, so that
    "ndiaye", "N'Diaye" and "N DIAYE" meet; the editor confirms what matched."""
    return sort_key(text or "").replace(" ", "")


def names_match(removal, row):
    """Whether a row carries the requested name, within the request's diploma and option."""
    if match_key(row["nom"]) != match_key(removal.nom):
        return False
    if match_key(row["prenoms"]) != match_key(removal.prenoms):
        return False
    if removal.filiere and match_key(row["filiere"]) != match_key(removal.filiere):
        return False
    return not removal.option or match_key(row["option"]) == match_key(removal.option)


def matching_results(removal):
    """The published lines of the request's département that carry its name."""
    rows = Result.objects.filter(departement=removal.departement_id).order_by(
        "filiere", "option", "specialite", "occurrence", "pk"
    )
    return [row for row in rows if names_match(removal, vars(row))]


def line_of(result):
    return {name: getattr(result, name) for name in LINE_FIELDS}


def prints_name(insert, removal):
    """Whether a stored version printed the requested name (in any of its sections)."""
    wanted = match_key(printed_name(removal.nom, removal.prenoms))
    return any(match_key(name) == wanted for section in insert.content for name in section["names"])


def scope_label(removal):
    parts = [removal.filiere or "tous diplômes"]
    if removal.option:
        parts.append(removal.option)
    return " — ".join(parts)


def pending_count(title):
    return Removal.objects.filter(title=title, confirmed_at__isnull=True).count()


def pending_count_of(slug):
    """pending_count of the title `slug`, as a one-value queryset (a subquery for its page)."""
    removals = Removal.objects.filter(title__slug=slug, confirmed_at__isnull=True).order_by()
    return removals.annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]


def known_diplomas():
    """(filière, option) pairs a request may name: the referential's and the calendars'."""
    pairs = set(Diploma.objects.values_list("filiere", "option"))
    pairs |= set(CalendarRow.objects.values_list("filiere", "option").distinct())
    return sorted(pairs, key=lambda pair: (sort_key(pair[0]), sort_key(pair[1])))


def resolve_diploma(filiere, option, pairs):
    """The known (filière, option) a request's texts name, compared without case or accents;
    ("", "") for any diploma. Raises ValueError with the editor's message."""
    filiere, option = (filiere or "").strip(), (option or "").strip()
    if not filiere:
        if option:
            raise ValueError("une option sans diplôme")
        return "", ""
    filieres = {sort_key(f): f for f, _ in pairs}
    known_filiere = filieres.get(sort_key(filiere))
    rank = diploma_rank(filiere)
    if known_filiere is None and rank < len(DIPLOMAS) and DIPLOMAS[rank] in filieres.values():
        known_filiere = DIPLOMAS[rank]  # "Bac pro", "BTSA"…
    if known_filiere is None:
        raise ValueError(f"diplôme inconnu « {filiere} »")
    if not option:
        return known_filiere, ""
    options = {sort_key(o): o for f, o in pairs if f == known_filiere}
    known_option = options.get(sort_key(option))
    if known_option is None:
        raise ValueError(f"option inconnue pour ce diplôme « {option} »")
    return known_filiere, known_option
