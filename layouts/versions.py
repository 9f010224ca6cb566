"""What an insert prints, stored beside each version, and what changed from one to the next."""

from collections import Counter
from collections.abc import Iterable

from layouts.compose import Group

# What tells one section from another; the heading is derived and may change with the code.
SECTION_KEY = ("diploma", "option", "result")


def snapshot(groups: Iterable[Group]) -> list[dict]:
    """The printed content of an insert as plain JSON data, one dict per section in print order.

    [{"diploma", "option", "result", "second_group", "heading", "names": [...],
      "outlook": [...]}, ...]
    """
    return [
        {
            "diploma": group.diploma,
            "option": group.option,
            "result": group.result,
            "second_group": group.second_group,
            "heading": group.heading,
            "names": list(group.names),
            "outlook": list(group.outlook),
        }
        for group in groups
    ]


def section_key(section: dict) -> tuple[str, ...]:
    return tuple(section[field] for field in SECTION_KEY)


def by_section(sections: list[dict]) -> dict[tuple[str, ...], dict]:
    """Sections by key, in order; a key seen twice (never from compose) pools its names."""
    merged: dict[tuple[str, ...], dict] = {}
    for section in sections:
        key = section_key(section)
        if key in merged:
            merged[key] = dict(merged[key], names=merged[key]["names"] + section["names"])
        else:
            merged[key] = section
    return merged


def described(section: dict) -> dict:
    """A section without its names, as the diff lists it."""
    return {field: section[field] for field in (*SECTION_KEY, "second_group", "heading")}


def names_not_in(names: list[str], other: list[str]) -> list[str]:
    """Names of `names` missing from `other`, counting each printed line: two homonyms in
    `names` and one in `other` leave one, in the order of `names`."""
    surplus = Counter(names) - Counter(other)
    missing = []
    for name in names:
        if surplus[name]:
            surplus[name] -= 1
            missing.append(name)
    return missing


def diff(previous: list[dict] | None, current: list[dict]) -> dict:
    """What changed from the `previous` snapshot to `current`; `None` for a first version.

    {
      "first_version": bool,
      "sections_added": [{"diploma", "option", "result", "second_group", "heading",
                          "names_count"}, ...],
      "sections_removed": [same shape],
      "sections_changed": [{"diploma", "option", "result", "second_group", "heading",
                            "names_added": [...], "names_removed": [...]}, ...],
      "totals": {"names_added", "names_removed", "sections_added", "sections_removed"},
    }

    Names of added or removed sections count in the totals but are not listed: they are all
    of that section, in the snapshot. Sections come in print order, removed ones in their old
    order; unchanged sections are left out.
    """
    before = by_section(previous or [])
    after = by_section(current)
    added = [with_count(section) for key, section in after.items() if key not in before]
    removed = [with_count(section) for key, section in before.items() if key not in after]
    changed = changed_sections(before, after)
    totals = {
        "names_added": sum(s["names_count"] for s in added)
        + sum(len(s["names_added"]) for s in changed),
        "names_removed": sum(s["names_count"] for s in removed)
        + sum(len(s["names_removed"]) for s in changed),
        "sections_added": len(added),
        "sections_removed": len(removed),
    }
    return {
        "first_version": previous is None,
        "sections_added": added,
        "sections_removed": removed,
        "sections_changed": changed,
        "totals": totals,
    }


def with_count(section: dict) -> dict:
    return dict(described(section), names_count=len(section["names"]))


def changed_sections(before: dict, after: dict) -> list[dict]:
    """Sections in both versions whose names differ, with the names that came and went."""
    changed = []
    for key, section in after.items():
        if key not in before:
            continue
        old_names, new_names = before[key]["names"], section["names"]
        names_added = names_not_in(new_names, old_names)
        names_removed = names_not_in(old_names, new_names)
        if names_added or names_removed:
            changed.append(
                dict(described(section), names_added=names_added, names_removed=names_removed)
            )
    return changed


def counted(number: int, noun: str) -> str:
    """ "0 nom", "1 nom", "2 noms", "12 412 noms": French plural from 2, grouped thousands."""
    # A no-break space groups thousands, as Django's French locale does.
    digits = f"{number:,}".replace(",", "\u00a0")
    return f"{digits} {noun}{'s' if abs(number) > 1 else ''}"


def diff_summary(changes: dict) -> str:
    """A short French phrase for the version list, e.g. "+2 sections, +145 noms, −1 nom"."""
    totals = changes["totals"]
    if changes["first_version"]:
        sections = counted(totals["sections_added"], "section")
        return f"Première version : {sections}, {counted(totals['names_added'], 'nom')}"
    parts = [
        f"{sign}{counted(totals[key], noun)}"
        for sign, key, noun in (
            ("+", "sections_added", "section"),
            ("\u2212", "sections_removed", "section"),
            ("+", "names_added", "nom"),
            ("\u2212", "names_removed", "nom"),
        )
        if totals[key]
    ]
    return ", ".join(parts) or "Aucun changement"
