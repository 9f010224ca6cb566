"""Versions of an insert: the stored snapshot, what changed, and the phrase the editors read."""

import json

import pytest

from layouts.compose import BAC_PRO, BTSA, Group
from layouts.versions import counted, diff, diff_summary, snapshot

SECOND_GROUP = "Admis au second groupe"


def forest(*names, result="Admission"):
    return Group(
        diploma=BAC_PRO,
        option="Forêt",
        names=names,
        second_group=result != "Admission",
        result=result,
    )


def vines(*names):
    return Group(diploma=BTSA, option="Viticulture-œnologie", names=names)


def summary_of(totals, first_version=False):
    return diff_summary({"first_version": first_version, "totals": totals})


def totals(names_added=0, names_removed=0, sections_added=0, sections_removed=0):
    return {
        "names_added": names_added,
        "names_removed": names_removed,
        "sections_added": sections_added,
        "sections_removed": sections_removed,
    }


def test_a_snapshot_is_the_printed_content_as_json_data():
    groups = [forest("DURAND Paul", "ŒUVRARD Cécile"), forest("ÉLUARD Loïc", result=SECOND_GROUP)]
    stored = snapshot(groups)
    assert json.loads(json.dumps(stored)) == stored
    assert stored == [
        {
            "diploma": BAC_PRO,
            "option": "Forêt",
            "result": "Admission",
            "second_group": False,
            "heading": "Forêt",
            "names": ["DURAND Paul", "ŒUVRARD Cécile"],
            "outlook": [],
        },
        {
            "diploma": BAC_PRO,
            "option": "Forêt",
            "result": SECOND_GROUP,
            "second_group": True,
            "heading": "Forêt — admis au second groupe",
            "names": ["ÉLUARD Loïc"],
            "outlook": [],
        },
    ]


def test_a_first_version_counts_everything_as_added():
    current = snapshot([forest("A Marie", "B Léa", "C Zoé"), vines("D Jean", "E Hugo")])
    changes = diff(None, current)
    assert changes["first_version"] is True
    assert [s["heading"] for s in changes["sections_added"]] == ["Forêt", "Viticulture-œnologie"]
    assert [s["names_count"] for s in changes["sections_added"]] == [3, 2]
    assert changes["sections_removed"] == changes["sections_changed"] == []
    assert changes["totals"] == totals(names_added=5, sections_added=2)
    assert diff_summary(changes) == "Première version : 2 sections, 5 noms"


def test_a_first_version_of_one_name_is_singular():
    assert diff_summary(diff(None, snapshot([forest("A Marie")]))) == (
        "Première version : 1 section, 1 nom"
    )


def test_an_empty_previous_version_is_not_a_first_version():
    changes = diff([], snapshot([forest("A Marie")]))
    assert changes["first_version"] is False
    assert diff_summary(changes) == "+1 section, +1 nom"


def test_unchanged_content_is_no_change():
    groups = [forest("DURAND Paul", "DURAND Paul"), vines("D Jean")]
    changes = diff(snapshot(groups), snapshot(groups))
    assert changes["sections_added"] == changes["sections_removed"] == []
    assert changes["sections_changed"] == []
    assert changes["totals"] == totals()
    assert diff_summary(changes) == "Aucun changement"


def test_one_of_two_homonyms_disappearing_is_one_removal():
    previous = snapshot([forest("DURAND Paul", "DURAND Paul", "MARTIN Léa")])
    current = snapshot([forest("DURAND Paul", "MARTIN Léa")])
    changes = diff(previous, current)
    assert changes["sections_changed"] == [
        {
            "diploma": BAC_PRO,
            "option": "Forêt",
            "result": "Admission",
            "second_group": False,
            "heading": "Forêt",
            "names_added": [],
            "names_removed": ["DURAND Paul"],
        }
    ]
    assert changes["totals"] == totals(names_removed=1)
    assert diff_summary(changes) == "\u22121 nom"


def test_a_second_homonym_appearing_is_one_addition():
    previous = snapshot([forest("DURAND Paul", "MARTIN Léa")])
    current = snapshot([forest("DURAND Paul", "DURAND Paul", "MARTIN Léa", "ZOLA Émile")])
    (changed,) = diff(previous, current)["sections_changed"]
    assert changed["names_added"] == ["DURAND Paul", "ZOLA Émile"]
    assert changed["names_removed"] == []


def test_a_second_group_section_appearing_is_a_section_added_apart_from_the_main_list():
    previous = snapshot([forest("A Marie"), vines("D Jean")])
    current = snapshot([forest("A Marie"), forest("B Léa", "C Zoé", result=SECOND_GROUP)])
    current += snapshot([vines("D Jean")])
    changes = diff(previous, current)
    assert changes["sections_added"] == [
        {
            "diploma": BAC_PRO,
            "option": "Forêt",
            "result": SECOND_GROUP,
            "second_group": True,
            "heading": "Forêt — admis au second groupe",
            "names_count": 2,
        }
    ]
    assert changes["sections_changed"] == []
    assert diff_summary(changes) == "+1 section, +2 noms"


def test_a_section_removed_counts_its_names_as_removed():
    previous = snapshot([forest("A Marie"), vines("D Jean", "E Hugo")])
    changes = diff(previous, snapshot([forest("A Marie", "B Léa")]))
    assert [s["heading"] for s in changes["sections_removed"]] == ["Viticulture-œnologie"]
    assert changes["sections_removed"][0]["names_count"] == 2
    assert changes["totals"] == totals(names_added=1, names_removed=2, sections_removed=1)
    assert diff_summary(changes) == "\u22121 section, +1 nom, \u22122 noms"


def test_a_moved_name_is_removed_from_one_section_and_added_to_another():
    previous = snapshot([forest("A Marie", "B Léa"), forest("C Zoé", result=SECOND_GROUP)])
    current = snapshot([forest("A Marie"), forest("B Léa", "C Zoé", result=SECOND_GROUP)])
    changes = diff(previous, current)
    assert [
        (s["heading"], s["names_added"], s["names_removed"]) for s in changes["sections_changed"]
    ] == [
        ("Forêt", [], ["B Léa"]),
        ("Forêt — admis au second groupe", ["B Léa"], []),
    ]
    assert diff_summary(changes) == "+1 nom, \u22121 nom"


def test_the_diff_is_json_data():
    previous = snapshot([forest("A Marie"), vines("D Jean")])
    changes = diff(previous, snapshot([forest("B Léa", result=SECOND_GROUP)]))
    assert json.loads(json.dumps(changes)) == changes


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            totals(sections_added=2, names_added=145, names_removed=1),
            "+2 sections, +145 noms, −1 nom",
        ),
        (totals(sections_removed=1), "−1 section"),
        (totals(names_added=12412), "+12\u00a0412 noms"),
        (totals(), "Aucun changement"),
    ],
)
def test_summaries_read_in_french_with_the_right_plurals(changes, expected):
    assert summary_of(changes) == expected


def test_zero_and_one_are_singular_in_french():
    assert [counted(n, "nom") for n in (0, 1, 2)] == ["0 nom", "1 nom", "2 noms"]
