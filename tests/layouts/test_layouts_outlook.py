"""The outlook note ("Que deviennent les diplômés ?"): placed, counted and drawn like any line."""

import pikepdf

from layouts.compose import Group, compose, with_outlooks
from layouts.estimate import estimate_from_counts, estimate_from_names
from layouts.paginate import paginate
from layouts.pdf import render_pdf
from layouts.profile import BERLINER
from tests.pdfs import pdf_words

FORET = ("Baccalauréat Professionnel", "Forêt")
NOTE = (
    "Que deviennent les diplômés ?",
    "En emploi 6 mois après la sortie : 58 %. En poursuite d'études : 31 %.",
    "Source : InserJeunes (DEPP, DARES), Occitanie, 2023-2024, Licence Ouverte 2.0.",
)


def rows(option, specialite, *names):
    return [
        {
            "filiere": FORET[0],
            "option": option,
            "specialite": specialite,
            "nom": name,
            "prenoms": "Marie",
            "resultat": "Admission",
        }
        for name in names
    ]


def test_a_section_in_several_specialites_gets_its_note_once_after_the_last():
    groups = compose(
        rows("Forêt", "Gestion", "DUPONT")
        + rows("Forêt", "Travaux", "MARTIN")
        + rows("Aquaculture", "", "ZOLA")
    )
    noted = with_outlooks(groups, {FORET: NOTE})
    assert [(g.option, bool(g.outlook)) for g in noted] == [
        ("Aquaculture", False),
        ("Forêt — Gestion", False),
        ("Forêt — Travaux", True),
    ]


def test_second_group_lists_get_no_note():
    second = compose(rows("Forêt", "", "DUPONT"))[0]
    second = Group(second.diploma, second.option, second.names, True, "Admis au second groupe")
    assert with_outlooks([second], {FORET: NOTE})[0].outlook == ()


def test_the_note_is_one_framed_block_under_the_names_and_counted_in_the_size():
    group = Group(FORET[0], FORET[1], ("DUPONT Marie", "MARTIN Paul"), outlook=NOTE)
    plain = paginate(BERLINER, [Group(FORET[0], FORET[1], group.names)])
    noted = paginate(BERLINER, [group])
    lines = noted.pages[0].columns[0].lines
    assert lines[-1].style == "outlook" and lines[-1].bold_lines >= 1
    assert noted.size.lines == plain.size.lines + lines[-1].height
    assert estimate_from_names(BERLINER, [group]) == noted.size
    assert estimate_from_counts(BERLINER, [(*FORET, 2, NOTE)]).lines == noted.size.lines


def test_a_note_that_does_not_fit_goes_whole_to_the_next_column():
    names = tuple(f"NOM{i:04d} Prénom" for i in range(BERLINER.lines_per_column - 3))
    pagination = paginate(BERLINER, [Group(FORET[0], FORET[1], names, outlook=NOTE)])
    first, second = pagination.pages[0].columns[:2]
    assert all(line.style != "outlook" for line in first.lines)
    assert second.lines[0].style == "outlook"


def test_the_pdf_draws_the_note_in_black_with_its_frame(tmp_path):
    group = Group(FORET[0], FORET[1], ("DUPONT Marie",), outlook=NOTE)
    pdf = render_pdf(paginate(BERLINER, [group], title="Résultats"), footer="")
    path = tmp_path / "encart.pdf"
    path.write_bytes(pdf)
    text = pdf_words(path)
    assert "Que deviennent les diplômés ?" in text and "Licence Ouverte" in text
    content = b"".join(
        page.Contents.read_bytes() if "/Contents" in page else b""
        for page in pikepdf.open(path).pages
    )
    assert b" rg" not in content and b" RG" not in content
