"""Layout profiles: the presets' grids, French errors for impossible values, storage."""

import dataclasses
from decimal import Decimal

import pytest

from layouts.profile import BERLINER, MM_TO_PT, TABLOID, LayoutProfile


def test_the_presets_are_valid():
    assert BERLINER.errors() == []
    assert TABLOID.errors() == []


def test_the_berliner_grid_matches_the_press_figures():
    # PRINT.md: type area 285.5 × 435 mm, 6 columns of about 45 mm, 154 lines of 8 pt.
    assert BERLINER.type_width_pt / MM_TO_PT == pytest.approx(285.5)
    assert BERLINER.type_height_pt / MM_TO_PT == pytest.approx(435)
    assert BERLINER.column_width_pt / MM_TO_PT == pytest.approx(44.25)
    assert BERLINER.lines_per_column == 154


def test_columns_and_lines_are_placed_on_the_grid():
    last = BERLINER.column_x_pt(5) + BERLINER.column_width_pt
    assert last == pytest.approx((315 - 14.75) * MM_TO_PT)
    assert BERLINER.line_y_pt(10) == pytest.approx(17.5 * MM_TO_PT + 80)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"columns": 13}, "Les colonnes sont trop étroites"),
        ({"leading_pt": 0}, "L'interligne doit être positif"),
        ({"leading_pt": 6}, "plus petit que le corps"),
        ({"font_size_pt": 4, "leading_pt": 5}, "trop petit"),
        ({"margin_left_mm": 200, "margin_right_mm": 200}, "dépassent la largeur de la page"),
        ({"margin_top_mm": 300, "margin_bottom_mm": 200}, "dépassent la hauteur de la page"),
        ({"columns": 0}, "au moins une colonne"),
        ({"list_style": "zigzag"}, "Présentation de liste inconnue"),
        ({"page_height_mm": 40, "margin_top_mm": 10, "margin_bottom_mm": 10}, "lignes"),
        ({"leading_pt": -8}, "L'interligne doit être positif"),
        ({"font_size_pt": 0, "leading_pt": 8}, "trop petit"),
        ({"gutter_mm": -1}, "gouttière ne peut pas être négative"),
        ({"margin_top_mm": -5}, "marges ne peuvent pas être négatives"),
        ({"heading_size_pt": 6}, "titres ne peuvent pas être plus petits"),
        ({"page_height_mm": 90, "leading_pt": 12, "title_size_pt": 48}, "titre de l'encart"),
        ({"page_height_mm": 90, "leading_pt": 12, "heading_size_pt": 48}, "titre des diplômes"),
    ],
)
def test_impossible_profiles_are_explained_in_french(changes, message):
    profile = dataclasses.replace(BERLINER, **changes)
    errors = profile.errors()
    assert any(message in error for error in errors), errors
    with pytest.raises(ValueError, match=message):
        profile.validate()


def test_a_profile_round_trips_through_a_dict():
    run_in = dataclasses.replace(TABLOID, list_style="run_in")
    assert LayoutProfile.from_dict(run_in.to_dict()) == run_in


def test_from_dict_accepts_decimals_and_ignores_extra_keys():
    stored = BERLINER.to_dict() | {"id": 3, "columns": "6", "leading_pt": Decimal("8.0")}
    profile = LayoutProfile.from_dict(stored)
    assert profile == BERLINER
    assert isinstance(profile.leading_pt, float)


def test_the_column_figures_are_given_in_millimetres():
    assert TABLOID.type_width_mm == pytest.approx(262)
    assert TABLOID.type_height_mm == pytest.approx(375)
    assert TABLOID.column_width_mm == pytest.approx((262 - 4 * 4) / 5)


def test_a_heading_block_takes_whole_body_lines():
    # 18 pt × 1.15 = 20.7 pt of title on 8 pt lines: three lines.
    assert BERLINER.block_lines(BERLINER.title_leading_pt) == 3
    assert BERLINER.block_lines(16.0) == 2


def test_every_impossible_value_is_reported_at_once():
    profile = dataclasses.replace(BERLINER, font_size_pt=4, leading_pt=5, columns=14)
    errors = profile.errors()
    assert any("trop petit" in error for error in errors), errors
    assert any("colonnes sont trop étroites" in error for error in errors), errors


def test_a_broken_page_is_not_measured_in_columns():
    # Zero columns would divide by zero; the column checks wait for a sane page.
    profile = dataclasses.replace(BERLINER, columns=0, font_size_pt=4, leading_pt=5)
    errors = profile.errors()
    assert len(errors) == 2, errors
