"""Exports for layout desks: a CSV a French Excel opens cleanly, and InDesign Tagged Text."""

import codecs
import csv
import io
import re

from layouts.compose import BAC_PRO, BTSA, Group, compose
from layouts.exports import insert_csv, insert_tagged_text

TITLE = "Résultats des examens de l'enseignement agricole — Gard — session 2026"


def row(nom, prenoms, filiere=BAC_PRO, option="Forêt", resultat="Admission"):
    return {
        "filiere": filiere,
        "option": option,
        "specialite": "",
        "nom": nom,
        "prenoms": prenoms,
        "resultat": resultat,
    }


def sample_groups():
    return compose(
        [
            row("ŒUVRARD", "Cécile"),
            row("N'DIAYE", "Aïssatou"),
            row("Le Gall", "Marie-Ève"),
            row("DURAND", "Paul"),
            row("DURAND", "Paul"),
            row("ÉLUARD", "Loïc", resultat="Admis au second groupe"),
            row("FRANÇOIS", "Gaëlle", filiere=BTSA, option="Viticulture-œnologie"),
        ]
    )


def read_csv(text):
    # As Excel does: the BOM marks UTF-8 and is not part of the first cell.
    decoded = text.encode("utf-8").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(decoded, newline=""), delimiter=";"))


def paragraphs(data):
    """(style, text) of each `<pstyle:…>` line of Tagged Text bytes, text unescaped."""
    lines = data.decode("utf-16").split("\r\n")
    found = []
    for line in lines:
        match = re.fullmatch(r"<pstyle:([^>]*)>(.*)", line)
        if match:
            found.append((match[1], re.sub(r"\\(.)", r"\1", match[2])))
    return found


# CSV


def test_the_csv_reads_back_one_row_per_printed_name_in_print_order():
    groups = sample_groups()
    rows = read_csv(insert_csv(TITLE, groups))
    assert rows[0] == ["Diplôme", "Option", "Section", "Nom et prénoms"]
    assert rows[1:] == [
        [BAC_PRO, "Forêt", "Admis", "DURAND Paul"],
        [BAC_PRO, "Forêt", "Admis", "DURAND Paul"],
        [BAC_PRO, "Forêt", "Admis", "LE GALL Marie-Ève"],
        [BAC_PRO, "Forêt", "Admis", "N'DIAYE Aïssatou"],
        [BAC_PRO, "Forêt", "Admis", "ŒUVRARD Cécile"],
        [BAC_PRO, "Forêt", "Admis au second groupe", "ÉLUARD Loïc"],
        [BTSA, "Viticulture-œnologie", "Admis", "FRANÇOIS Gaëlle"],
    ]
    assert len(rows) - 1 == sum(len(group.names) for group in groups)


def test_the_csv_starts_with_a_bom_and_ends_its_lines_with_crlf():
    text = insert_csv(TITLE, sample_groups())
    assert text.startswith("\ufeffDiplôme;")
    assert text.encode("utf-8").startswith(codecs.BOM_UTF8)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_cells_holding_the_delimiter_or_quotes_are_quoted_and_read_back_intact():
    group = Group(diploma=BAC_PRO, option='Option "A"; B', names=("DUPONT Marie",))
    text = insert_csv(TITLE, [group])
    assert '"Option ""A""; B"' in text
    assert read_csv(text)[1] == [BAC_PRO, 'Option "A"; B', "Admis", "DUPONT Marie"]


def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe():
    names = ("-", "=SOMME(A1:A9)", "+33 6 12", "@DUPONT", "\tTAB", "\rCR", "N'DIAYE Aïssatou")
    group = Group(diploma=BAC_PRO, option="-Option", names=names)
    rows = read_csv(insert_csv(TITLE, [group]))
    assert [r[3] for r in rows[1:]] == [
        "'-",
        "'=SOMME(A1:A9)",
        "'+33 6 12",
        "'@DUPONT",
        "'\tTAB",
        "'\rCR",
        "N'DIAYE Aïssatou",
    ]
    assert {r[1] for r in rows[1:]} == {"'-Option"}


def test_an_empty_insert_is_a_header_alone():
    assert read_csv(insert_csv(TITLE, [])) == [["Diplôme", "Option", "Section", "Nom et prénoms"]]


# Tagged Text


def test_tagged_text_is_utf16_little_endian_with_a_bom_and_crlf_lines():
    data = insert_tagged_text(TITLE, sample_groups())
    assert data.startswith(codecs.BOM_UTF16_LE)
    text = data[2:].decode("utf-16-le")
    lines = text.split("\r\n")
    assert lines[0] == "<UNICODE-WIN>"
    assert re.fullmatch(r"<Version:[\d.]+><FeatureSet:InDesign-Roman>", lines[1])
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    # No line end after the last paragraph, which would add an empty one.
    assert lines[-1] == "<pstyle:Résultats nom>FRANÇOIS Gaëlle"


def test_every_style_is_defined_before_the_first_paragraph_uses_it():
    data = insert_tagged_text(TITLE, sample_groups())
    lines = data.decode("utf-16").split("\r\n")
    defined = [re.match(r"<DefineParaStyle:([^=]+)=", line) for line in lines]
    defined = [match[1] for match in defined if match]
    assert defined == ["Résultats titre", "Résultats diplôme", "Résultats option", "Résultats nom"]
    first_paragraph = next(i for i, line in enumerate(lines) if line.startswith("<pstyle:"))
    assert all(not line.startswith("<pstyle:") for line in lines[:first_paragraph])
    assert all(line.startswith("<pstyle:") for line in lines[first_paragraph:])
    assert {style for style, _ in paragraphs(data)} == set(defined)


def test_tagged_text_has_one_paragraph_per_heading_and_name_in_the_pdf_order():
    assert paragraphs(insert_tagged_text(TITLE, sample_groups())) == [
        ("Résultats titre", TITLE),
        ("Résultats diplôme", BAC_PRO),
        ("Résultats option", "Forêt (5)"),
        ("Résultats nom", "DURAND Paul"),
        ("Résultats nom", "DURAND Paul"),
        ("Résultats nom", "LE GALL Marie-Ève"),
        ("Résultats nom", "N'DIAYE Aïssatou"),
        ("Résultats nom", "ŒUVRARD Cécile"),
        ("Résultats option", "Forêt — admis au second groupe (1)"),
        ("Résultats nom", "ÉLUARD Loïc"),
        ("Résultats diplôme", BTSA),
        ("Résultats option", "Viticulture-œnologie (1)"),
        ("Résultats nom", "FRANÇOIS Gaëlle"),
    ]


def test_angle_brackets_and_backslashes_in_text_are_escaped():
    group = Group(diploma=BAC_PRO, option="A<B>", names=("DUPONT <Marie> C:\\Nom",))
    text = insert_tagged_text("Titre <1>", [group]).decode("utf-16")
    assert "<pstyle:Résultats nom>DUPONT \\<Marie\\> C:\\\\Nom\r\n" in text + "\r\n"
    assert "<pstyle:Résultats option>A\\<B\\> (1)" in text
    assert "<pstyle:Résultats titre>Titre \\<1\\>" in text
    assert paragraphs(text.encode("utf-16"))[-1] == ("Résultats nom", "DUPONT <Marie> C:\\Nom")


def test_a_line_end_inside_a_text_cannot_start_an_unstyled_paragraph():
    group = Group(diploma=BAC_PRO, option="Forêt", names=("DUPONT\r\nMarie",))
    lines = insert_tagged_text("Résultats\ndu Gard", [group]).decode("utf-16").split("\r\n")
    assert lines[-1] == "<pstyle:Résultats nom>DUPONT Marie"
    assert "<pstyle:Résultats titre>Résultats du Gard" in lines


def test_without_a_title_the_text_starts_with_the_first_diploma():
    found = paragraphs(insert_tagged_text("", sample_groups()))
    assert found[0] == ("Résultats diplôme", BAC_PRO)
