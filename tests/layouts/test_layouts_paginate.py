"""The pagination engine: line counts, wrapping, keep-with-next, continued headings, pages."""

import dataclasses
import re

import pytest

from layouts.compose import BAC_PRO, BTSA, CAPA, Group
from layouts.measure import text_width
from layouts.paginate import Line, Pagination, Size, paginate
from layouts.profile import BERLINER, LayoutProfile

# A small page, so that column and page breaks come after a few dozen names.
SMALL = LayoutProfile(
    name="Essai",
    page_width_mm=120,
    page_height_mm=80,
    margin_top_mm=10,
    margin_bottom_mm=10,
    margin_left_mm=10,
    margin_right_mm=10,
    columns=2,
    gutter_mm=4,
    font_size_pt=7,
    leading_pt=8,
)
DIPLOMA_LINES = 2  # a one-line diploma heading at 9 pt on 8 pt leading
LONG_NAME = "CHASSAGNE-MONTRACHET DE LA TOUR D'AUVERGNE Marie-Ève Jean-Baptiste Hermione"


def group(count, option="Forêt", diploma=BAC_PRO, prefix="NOM"):
    names = tuple(f"{prefix}{index:05d} Marie" for index in range(count))
    return Group(diploma=diploma, option=option, names=names)


def styles(column):
    return [line.style for line in column.lines]


def name_texts(pagination: Pagination) -> list[str]:
    return [
        line.text
        for page in pagination.pages
        for column in page.columns
        for line in column.lines
        if line.style == "name"
    ]


def assert_headings_keep_their_names(pagination: Pagination) -> None:
    for page in pagination.pages:
        for column in page.columns:
            lines = column.lines
            assert lines[-1].style not in ("diploma", "heading", "continued_heading", "blank")
            for index, line in enumerate(lines):
                ends_heading = line.style in ("heading", "continued_heading") and (
                    index + 1 == len(lines) or lines[index + 1].style != line.style
                )
                if not ends_heading:
                    continue
                following = 0
                for after in lines[index + 1 :]:
                    if after.style not in ("name", "name_cont"):
                        break
                    following += 1
                count = re.search(r"\((\d+)\)$", line.text)
                needed = min(2, int(count.group(1))) if count else 1
                assert following >= needed, f"heading {line.text!r} left with {following} lines"


def assert_columns_never_overflow(pagination: Pagination) -> None:
    capacity = pagination.profile.lines_per_column
    for page in pagination.pages:
        for column in page.columns:
            assert column.top + column.height <= capacity


def test_short_names_take_one_line_each():
    pagination = paginate(SMALL, [group(10)])
    (page,) = pagination.pages
    assert styles(page.columns[0]) == ["diploma", "heading"] + ["name"] * 10
    assert page.columns[0].lines[0] == Line(BAC_PRO, "diploma", height=DIPLOMA_LINES)
    assert page.columns[0].lines[1] == Line("Forêt (10)", "heading")
    assert pagination.size == Size(lines=DIPLOMA_LINES + 1 + 10, columns=1, pages=1)


def test_a_name_wider_than_the_column_wraps_onto_indented_continuation_lines():
    pagination = paginate(SMALL, [Group(BAC_PRO, "Forêt", ("ABEL Marie", LONG_NAME, "ZOLA Paul"))])
    lines = pagination.pages[0].columns[0].lines[2:]
    assert [line.style for line in lines[:2]] == ["name", "name"]
    wrapped = [line for line in lines[1:-1]]
    assert [line.style for line in wrapped[1:]] == ["name_cont"] * (len(wrapped) - 1)
    assert len(wrapped) >= 2
    assert " ".join(line.text for line in wrapped) == LONG_NAME
    width, size = SMALL.column_width_pt, SMALL.font_size_pt
    assert text_width(wrapped[0].text, size) <= width
    assert all(text_width(line.text, size) <= width - size for line in wrapped[1:])
    assert lines[-1] == Line("ZOLA Paul", "name")


def test_a_single_word_wider_than_the_column_is_broken_hard():
    word = "ABCDEFGHIJ" * 12
    pagination = paginate(SMALL, [Group(BAC_PRO, "Forêt", (word,))])
    lines = pagination.pages[0].columns[0].lines[2:]
    assert len(lines) > 1
    assert "".join(line.text for line in lines) == word
    assert all(text_width(line.text, 7) <= SMALL.column_width_pt for line in lines)


@pytest.mark.parametrize("room_left", range(0, 7))
def test_a_heading_is_never_left_at_a_column_foot(room_left):
    capacity = SMALL.lines_per_column
    first = group(capacity - DIPLOMA_LINES - 1 - room_left, option="A")
    second = group(5, option="B", prefix="AUTRE")
    pagination = paginate(SMALL, [first, second])
    columns = pagination.pages[0].columns
    assert_headings_keep_their_names(pagination)
    # A blank line, the heading and two names need four lines.
    if room_left >= 4:
        assert styles(columns[0])[-room_left:][:2] == ["blank", "heading"]
    else:
        assert styles(columns[1])[:3] == ["heading", "name", "name"]
        assert columns[1].lines[0].text == "B (5)"


def test_a_heading_stays_with_all_the_names_of_a_one_name_group():
    capacity = SMALL.lines_per_column
    first = group(capacity - DIPLOMA_LINES - 1 - 3, option="A")
    pagination = paginate(SMALL, [first, group(1, option="B")])
    assert styles(pagination.pages[0].columns[0])[-3:] == ["blank", "heading", "name"]


def test_a_new_diploma_heading_goes_with_its_first_option_and_names():
    capacity = SMALL.lines_per_column
    # Room for the blank, the diploma block and the option heading, but not for two names.
    first = group(capacity - DIPLOMA_LINES - 1 - (1 + DIPLOMA_LINES + 1 + 1), diploma=CAPA)
    pagination = paginate(SMALL, [first, group(5, diploma=BTSA, prefix="AUTRE")])
    columns = pagination.pages[0].columns
    assert styles(columns[0])[-1] == "name"
    assert styles(columns[1])[:4] == ["diploma", "heading", "name", "name"]
    assert_headings_keep_their_names(pagination)


def test_a_group_continuing_in_a_new_column_gets_a_repeated_heading():
    pagination = paginate(SMALL, [group(60)])
    first_page, second_page = pagination.pages
    assert first_page.columns[1].lines[0] == Line("Forêt (suite)", "continued_heading")
    assert second_page.columns[0].lines[0] == Line("Forêt (suite)", "continued_heading")
    assert name_texts(pagination) == list(group(60).names)
    assert_columns_never_overflow(pagination)


def test_continued_headings_are_counted_in_the_size():
    pagination = paginate(SMALL, [group(60)])
    counted = sum(column.height for page in pagination.pages for column in page.columns)
    suites = [
        line
        for page in pagination.pages
        for column in page.columns
        for line in column.lines
        if line.style == "continued_heading"
    ]
    assert len(suites) == 3
    assert pagination.size.lines == counted == DIPLOMA_LINES + 1 + 60 + 3


def test_the_title_spans_page_one_only():
    pagination = paginate(SMALL, [group(80)], title="Résultats — Gard")
    first, *others = pagination.pages
    assert first.title == Line("Résultats — Gard", "title", height=4)
    assert [column.top for column in first.columns] == [4, 4]
    assert others and all(page.title is None for page in others)
    assert all(column.top == 0 for page in others for column in page.columns)
    assert first.columns[0].height == SMALL.lines_per_column - 4
    assert_columns_never_overflow(pagination)


def test_a_long_title_wraps_and_takes_more_lines():
    title = "Résultats des examens de l'enseignement agricole du Gard pour la session 2026"
    pagination = paginate(SMALL, [group(3)], title=title)
    assert pagination.pages[0].title.text.count("\n") >= 1
    assert pagination.pages[0].title.height > 4


def test_columns_fill_left_to_right_and_pages_break_after_the_last_column():
    pagination = paginate(SMALL, [group(95)])
    capacity = SMALL.lines_per_column
    assert pagination.pages_count == 3
    assert [page.number for page in pagination.pages] == [1, 2, 3]
    for page in pagination.pages[:-1]:
        assert [column.height for column in page.columns] == [capacity, capacity]
    assert pagination.size.columns == pagination.columns_used == 5
    assert pagination.pages[-1].columns[1].lines == []


def test_run_in_packs_more_names_in_a_column_than_one_per_line():
    groups = [group(200, prefix="DURAND")]
    one_per_line = paginate(SMALL, groups)
    run_in = paginate(dataclasses.replace(SMALL, list_style="run_in"), groups)
    assert run_in.total_lines < one_per_line.total_lines * 0.6
    assert run_in.size.columns < one_per_line.size.columns


def test_run_in_lines_read_back_as_the_comma_separated_list():
    names = group(40).names
    pagination = paginate(dataclasses.replace(SMALL, list_style="run_in"), [group(40)])
    text = " ".join(name_texts(pagination))
    assert text == ", ".join(names)
    lines = [line for line in pagination.pages[0].columns[0].lines if line.style == "name"]
    assert all(line.justified for line in lines[:-1])
    assert all(text_width(line.text, 7) <= SMALL.column_width_pt for line in lines)


def test_the_last_run_in_line_of_a_paragraph_is_not_justified():
    pagination = paginate(dataclasses.replace(SMALL, list_style="run_in"), [group(7)])
    lines = pagination.pages[0].columns[0].lines
    assert lines[-1].style == "name" and not lines[-1].justified


def test_a_blank_line_sets_off_each_new_heading_but_never_starts_a_column():
    groups = [group(7, option=f"Option {i}", diploma=(CAPA, BAC_PRO)[i % 2]) for i in range(20)]
    pagination = paginate(SMALL, groups)
    for page in pagination.pages:
        for column in page.columns:
            if not column.lines:
                continue
            assert column.lines[0].style != "blank"
            for line, after in zip(column.lines, column.lines[1:], strict=False):
                if line.style == "blank":
                    assert after.style in ("diploma", "heading")
    assert_headings_keep_their_names(pagination)


def test_the_diploma_heading_is_printed_once_per_diploma():
    groups = [group(3, option="A"), group(3, option="B"), group(3, option="C", diploma=BTSA)]
    lines = paginate(SMALL, groups).pages[0].columns[0].lines
    diplomas = [line.text.replace("\n", " ") for line in lines if line.style == "diploma"]
    assert diplomas == [BAC_PRO, BTSA]


def test_twenty_thousand_names_are_all_placed_once_in_order():
    groups = [
        group(1000 + index, option=f"Option {index:02d}", prefix=f"N{index:02d}-")
        for index in range(16)
    ]
    groups.append(group(20_000 - sum(len(g.names) for g in groups), option="Zèbre"))
    pagination = paginate(BERLINER, groups, title="Résultats")
    assert name_texts(pagination) == [name for g in groups for name in g.names]
    assert_columns_never_overflow(pagination)
    assert_headings_keep_their_names(pagination)
    assert pagination.pages_count == 22


def test_nothing_to_print_takes_no_space():
    assert paginate(SMALL, []).size == Size(0, 0, 0)
    assert paginate(SMALL, [Group(BAC_PRO, "Forêt", ())]).pages == []


def test_a_title_alone_still_makes_a_page():
    pagination = paginate(SMALL, [], title="Résultats")
    assert pagination.pages_count == 1
    assert pagination.columns_used == 0
