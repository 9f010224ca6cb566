"""Turning raw result rows into the ordered, headed groups of names a newspaper prints."""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

ADMISSION = "Admission"

# Results printed in the main list; anything else (second group, labels we have never seen)
# gets its own group, because printing a candidate as admitted when they are not is the worst
# mistake the insert can make.
MAIN_RESULTS = {"admission", "admis", "admise"}
UNKNOWN_RESULT = "Résultat non précisé"

# The ARPENT labels of the diplomas (ARPENT_API.md), in the usual order of an insert.
CAPA = "Certificat d'Aptitude Professionnelle Agricole"
BEPA = "Brevet d'Études Professionnelles Agricoles"
BAC_PRO = "Baccalauréat Professionnel"
BAC_TECHNO = "Baccalauréat Technologique"
BTSA = "Brevet de Technicien Supérieur Agricole"
DIPLOMAS = (CAPA, BEPA, BAC_PRO, BAC_TECHNO, BTSA)
# Short names a source might send instead, per diploma in the same order.
DIPLOMA_SHORT_NAMES = (
    ("CAPa", "CAP agricole"),
    ("BEPA",),
    ("Bac pro",),
    ("Bac techno", "STAV"),
    ("BTSA",),
)

SPECIALITE_PREFIX = re.compile(r"^\s*sp[ée]cialit[ée]\s*:\s*", re.IGNORECASE)
NON_ALPHANUMERIC = re.compile(r"[\W_]+")
# Combining diacritics blocks: the accents NFKD splits off letters (é → e + U+0301).
COMBINING_MARK = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass(frozen=True)
class ResultRow:
    filiere: str
    option: str
    specialite: str
    nom: str
    prenoms: str
    resultat: str


@dataclass(frozen=True)
class Group:
    """One printed block: a heading and its names, in print order."""

    diploma: str
    option: str
    names: tuple[str, ...]
    second_group: bool = False
    # The upstream result label of a second-group block, shown in its heading.
    result: str = ADMISSION
    # A framed note printed after the names ("Que deviennent les diplômés ?"): its title, then
    # its paragraphs; empty for none.
    outlook: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        """The option heading without its count, e.g. "Forêt — admis au second groupe"."""
        if not self.second_group:
            return self.option or "Admis"
        label = self.result[:1].lower() + self.result[1:]
        return f"{self.option} — {label}" if self.option else self.result

    @property
    def counted_heading(self) -> str:
        """The option heading as printed above its names, e.g. "Forêt (12)"."""
        return f"{self.heading} ({len(self.names)})"


# Surnames and given names repeat a lot in a département's list: cache their keys.
@lru_cache(maxsize=100_000)
def sort_key(text: str) -> str:
    """French dictionary order: accents, case and punctuation do not change the order."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = COMBINING_MARK.sub("", decomposed)
    folded = bare.casefold().replace("œ", "oe").replace("æ", "ae")
    return NON_ALPHANUMERIC.sub(" ", folded).strip()


def diploma_rank(diploma: str) -> int:
    """Position of a diploma in print order; unknown diplomas go last."""
    key = sort_key(diploma)
    for rank, (label, short_names) in enumerate(zip(DIPLOMAS, DIPLOMA_SHORT_NAMES, strict=True)):
        if sort_key(label) in key:
            return rank
        if any(
            key == sort_key(short) or key.startswith(sort_key(short) + " ") for short in short_names
        ):
            return rank
    return len(DIPLOMAS)


def print_order(diploma: str, option: str, result: str = ADMISSION) -> tuple:
    """Sort key of a group: diploma order, then main lists before the second group, options
    alphabetically."""
    return (
        diploma_rank(diploma),
        sort_key(diploma),
        diploma,
        result != ADMISSION,
        sort_key(option),
        option,
        sort_key(result),
    )


def clean(text: str | None) -> str:
    """The text as received, minus stray whitespace a printed line cannot hold."""
    # NFC so that a decomposed "É" is one character for both the measure and the font.
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def option_label(option: str | None, specialite: str | None) -> str:
    option = clean(option)
    specialite = SPECIALITE_PREFIX.sub("", clean(specialite))
    if option and specialite and sort_key(option) != sort_key(specialite):
        return f"{option} — {specialite}"
    return option or specialite


def printed_name(nom: str | None, prenoms: str | None) -> str:
    """ "NOM Prénoms": the surname in capitals, everything else exactly as received."""
    return " ".join(part for part in (clean(nom).upper(), clean(prenoms)) if part)


ROW_FIELDS = ("nom", "prenoms", "filiere", "option", "specialite", "resultat")


def _fields(row) -> tuple:
    # A plain dict first: the Mapping ABC check alone took a tenth of a 20,000-name compose.
    if isinstance(row, dict) or isinstance(row, Mapping):
        return tuple(map(row.get, ROW_FIELDS))
    return tuple(getattr(row, name, None) for name in ROW_FIELDS)


def _bucket(filiere, option, specialite, resultat) -> tuple[str, str, str]:
    """(diploma, option label, result) of a row: the group it is printed in."""
    result = clean(resultat) or UNKNOWN_RESULT
    if result.casefold() in MAIN_RESULTS:
        result = ADMISSION
    return clean(filiere), option_label(option, specialite), result


def compose(rows: Iterable[Mapping | ResultRow]) -> list[Group]:
    """Group rows by diploma and option, in print order, with names in French order."""
    buckets: dict[tuple[str, str, str], list[tuple[tuple[str, str, str], str]]] = defaultdict(list)
    # Thousands of rows share a few sections: each section's labels are cleaned once.
    sections: dict[tuple, tuple[str, str, str]] = {}
    for row in rows:
        raw_nom, raw_prenoms, *section = _fields(row)
        section = tuple(section)
        bucket = sections.get(section)
        if bucket is None:
            bucket = sections[section] = _bucket(*section)
        nom, prenoms = clean(raw_nom), clean(raw_prenoms)
        name = printed_name(nom, prenoms)
        buckets[bucket].append(((sort_key(nom), sort_key(prenoms), name), name))

    return [
        Group(
            diploma=diploma,
            option=option,
            names=tuple(name for _, name in sorted(entries)),
            second_group=result != ADMISSION,
            result=result,
        )
        for (diploma, option, result), entries in sorted(
            buckets.items(), key=lambda item: print_order(*item[0])
        )
    ]


def with_outlooks(groups: Iterable[Group], outlooks: Mapping[tuple[str, str], tuple[str, ...]]):
    """The groups with each section's outlook note after its last group of admitted names.

    `outlooks` maps (filière, option) as the upstream names them to the note's lines. A section
    printed in several groups (one per spécialité) gets the note once, after the last of them;
    second-group lists and sections without a note get none.
    """
    groups = list(groups)
    last_of_section: dict[tuple[str, str], int] = {}
    for index, group in enumerate(groups):
        if group.second_group:
            continue
        for filiere, option in outlooks:
            if group.diploma == clean(filiere) and _of_option(group.option, clean(option)):
                last_of_section[(filiere, option)] = index
    notes = {index: outlooks[section] for section, index in last_of_section.items()}
    return [
        replace(group, outlook=tuple(notes[index])) if index in notes else group
        for index, group in enumerate(groups)
    ]


def _of_option(label: str, option: str) -> bool:
    return label == option or label.startswith(f"{option} — ")
