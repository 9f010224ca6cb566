"""Space estimates: French sizes, expected names from rates, counts through the same engine."""

import dataclasses

import pytest

from layouts.compose import BAC_PRO, BAC_TECHNO, BTSA, CAPA, compose
from layouts.estimate import (
    DEFAULT_RATES,
    FALLBACK_RATES,
    estimate_from_counts,
    estimate_from_names,
    expected_names,
    format_size,
    rates_for,
)
from layouts.paginate import Size, paginate
from layouts.profile import BERLINER, TABLOID


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (0, "0 colonne"),
        (1, "1 colonne"),
        (5, "5 colonnes"),
        (6, "1 page"),
        (7, "1 page + 1 colonne"),
        (15, "2 pages + 3 colonnes"),
        (18, "3 pages"),
    ],
)
def test_sizes_read_in_french_with_the_right_plurals(columns, expected):
    assert format_size(Size(lines=0, columns=columns, pages=0), columns_per_page=6) == expected


def test_expected_names_round_half_up():
    assert expected_names(10, 0.5, 0.5) == 3  # 2.5
    assert expected_names(100, 0.87, 0.89) == 77  # 77.43
    assert expected_names(1, 0.5, 1) == 1  # 0.5
    assert expected_names(0, 0.87, 0.89) == 0


def test_default_rates_follow_the_print_figures():
    assert DEFAULT_RATES[BAC_PRO] == (0.87, 0.89)
    # Consent halves the printed share of the technological bac: forgetting it doubles it.
    assert DEFAULT_RATES[BAC_TECHNO][1] < 0.6
    assert rates_for("Bac pro") == DEFAULT_RATES[BAC_PRO]
    assert rates_for("Certificat de spécialisation") == FALLBACK_RATES


def row(nom, option, filiere=BAC_PRO):
    return {
        "filiere": filiere,
        "option": option,
        "specialite": "",
        "nom": nom,
        "prenoms": "Léa",
        "resultat": "Admission",
    }


def one_line_list():
    options = [(CAPA, "Jardinier paysagiste", 130), (BAC_PRO, "Forêt", 410)]
    options += [(BAC_PRO, "Agroéquipement", 77), (BTSA, "Aquaculture", 250)]
    rows = [
        row(f"NOM{index:04d}", option, diploma)
        for diploma, option, count in options
        for index in range(count)
    ]
    return options, compose(rows)


@pytest.mark.parametrize("profile", [BERLINER, TABLOID], ids=["berliner", "tabloid"])
def test_counts_of_one_line_names_estimate_exactly_the_size_of_the_names(profile):
    sections, groups = one_line_list()
    assert estimate_from_counts(profile, sections) == estimate_from_names(profile, groups)


def test_sections_are_estimated_in_print_order_whatever_order_they_come_in():
    sections, _ = one_line_list()
    assert estimate_from_counts(BERLINER, sections[::-1]) == estimate_from_counts(
        BERLINER, sections
    )


def test_an_estimate_from_names_is_the_size_of_their_pagination():
    _, groups = one_line_list()
    size = estimate_from_names(BERLINER, groups, title="Résultats")
    assert size == paginate(BERLINER, groups, title="Résultats").size


def test_run_in_estimates_less_space_than_one_name_per_line():
    sections = [(BAC_PRO, "Forêt", 2000), (BTSA, "Aquaculture", 900)]
    one_per_line = estimate_from_counts(BERLINER, sections)
    run_in = estimate_from_counts(dataclasses.replace(BERLINER, list_style="run_in"), sections)
    assert run_in.lines < one_per_line.lines
    assert run_in.columns < one_per_line.columns


def test_a_berliner_page_holds_about_nine_hundred_names_one_per_line():
    # PRINT.md measured about 900 names a page one per line at 7/8 pt on 6 columns.
    size = estimate_from_counts(BERLINER, [(BAC_PRO, "Forêt", 900)])
    assert size.pages == 1 and size.columns == 6


def test_empty_sections_take_no_space():
    assert estimate_from_counts(BERLINER, [(BAC_PRO, "Forêt", 0)]) == Size(0, 0, 0)
    assert format_size(estimate_from_counts(BERLINER, []), 6) == "0 colonne"


def test_rates_are_learned_per_diploma_weighted_by_candidates():
    from layouts.estimate import learn_rates

    learned = learn_rates([("BTSA", 100, 60), ("BTSA", 10, 0), ("Bac pro", 50, 40), ("Vide", 0, 0)])
    assert learned == {"BTSA": 60 / 110, "Bac pro": 0.8}
