"""Composing result rows into printed groups: order, grouping and names as received."""

from layouts.compose import (
    BAC_PRO,
    BAC_TECHNO,
    BEPA,
    BTSA,
    CAPA,
    Group,
    ResultRow,
    compose,
    diploma_rank,
    option_label,
    printed_name,
    sort_key,
)

FORET = "Forêt"


def row(nom, prenoms="Marie", filiere=BAC_PRO, option=FORET, specialite="", resultat="Admission"):
    return {
        "filiere": filiere,
        "option": option,
        "specialite": specialite,
        "departement": "30",
        "nom": nom,
        "prenoms": prenoms,
        "resultat": resultat,
    }


def names_of(rows):
    (group,) = compose(rows)
    return list(group.names)


def test_names_are_in_french_order_ignoring_accents_and_case():
    rows = [row("EMERY"), row("ÉMILE"), row("Eluard"), row("ECK"), row("ZOLA"), row("ÉCOLE")]
    assert names_of(rows) == [
        "ECK Marie",
        "ÉCOLE Marie",
        "ELUARD Marie",
        "EMERY Marie",
        "ÉMILE Marie",
        "ZOLA Marie",
    ]


def test_oe_and_ae_ligatures_sort_as_two_letters():
    rows = [row("OFFRAY"), row("ŒUVRARD"), row("ODIN"), row("LAGARDE"), row("LÆTITIA")]
    rows.append(row("LACOSTE"))
    assert names_of(rows) == [
        "LACOSTE Marie",
        "LÆTITIA Marie",
        "LAGARDE Marie",
        "ODIN Marie",
        "ŒUVRARD Marie",
        "OFFRAY Marie",
    ]


def test_given_names_break_ties_between_equal_surnames():
    rows = [row("MARTIN", "Zoé"), row("Martin", "Élodie"), row("MARTIN", "Anaïs")]
    assert names_of(rows) == ["MARTIN Anaïs", "MARTIN Élodie", "MARTIN Zoé"]


def test_surname_is_put_in_capitals_and_the_rest_printed_as_received():
    rows = [
        row("de la Fontaine", "Jean"),
        row("N'DIAYE", "Aïssatou"),
        row("Le Gall", "Marie-Ève"),
        row("VAN DER BERGHE", "Jean-Baptiste Hermione"),
    ]
    assert names_of(rows) == [
        "DE LA FONTAINE Jean",
        "LE GALL Marie-Ève",
        "N'DIAYE Aïssatou",
        "VAN DER BERGHE Jean-Baptiste Hermione",
    ]


def test_stray_whitespace_and_decomposed_accents_are_cleaned_for_print():
    assert printed_name("  dupont ", "Marie\t  Ève\n") == "DUPONT Marie Ève"
    assert printed_name("E\u0301LUARD", "Paul") == "ÉLUARD Paul"
    assert printed_name("DUPONT", None) == "DUPONT"


def test_homonyms_are_both_kept():
    rows = [row("DURAND", "Paul"), row("DURAND", "Paul")]
    assert names_of(rows) == ["DURAND Paul", "DURAND Paul"]


def test_punctuation_in_names_does_not_change_the_order():
    assert sort_key("N'DIAYE") == sort_key("N DIAYE")
    assert sort_key("Marie-Ève") == "marie eve"


def test_diplomas_come_in_the_usual_order_with_unknown_ones_last():
    rows = [
        row("A", filiere="Certificat de spécialisation"),
        row("B", filiere=BTSA),
        row("C", filiere=BAC_TECHNO),
        row("D", filiere=BAC_PRO),
        row("E", filiere=BEPA),
        row("F", filiere=CAPA),
    ]
    diplomas = [group.diploma for group in compose(rows)]
    assert diplomas == [CAPA, BEPA, BAC_PRO, BAC_TECHNO, BTSA, "Certificat de spécialisation"]


def test_short_diploma_names_are_recognised():
    assert diploma_rank("CAPa") == diploma_rank(CAPA) == 0
    assert diploma_rank("Bac pro") == diploma_rank(BAC_PRO)
    assert diploma_rank("BAC TECHNO STAV") == diploma_rank(BAC_TECHNO)


def test_options_are_alphabetical_within_a_diploma():
    rows = [row("A", option="Productions horticoles"), row("B", option="Aménagements paysagers")]
    rows.append(row("C", option="Forêt"))
    options = [group.option for group in compose(rows)]
    assert options == ["Aménagements paysagers", "Forêt", "Productions horticoles"]


def test_specialite_is_merged_into_the_option_without_its_prefix():
    label = option_label(
        "Conduite et gestion de l'exploitation agricole", "Spécialité : Vigne et vin"
    )
    assert label == "Conduite et gestion de l'exploitation agricole — Vigne et vin"
    assert option_label("Forêt", None) == "Forêt"
    assert option_label("", "Spécialité : Vigne et vin") == "Vigne et vin"


def test_rows_of_different_specialites_make_different_groups():
    rows = [
        row("A", option="CGEA", specialite="Spécialité : Vigne et vin"),
        row("B", option="CGEA", specialite="Spécialité : Grandes cultures"),
    ]
    assert [group.option for group in compose(rows)] == [
        "CGEA — Grandes cultures",
        "CGEA — Vigne et vin",
    ]


def test_second_group_candidates_are_listed_apart_after_the_main_groups_of_their_diploma():
    rows = [
        row("A", option="Forêt", resultat="Admis au second groupe"),
        row("B", option="Forêt"),
        row("C", option="Agroéquipement"),
        row("D", option="Jardinier paysagiste", filiere=CAPA),
        row("E", option="Analyse", filiere=BTSA),
    ]
    groups = compose(rows)
    assert [(g.diploma, g.option, g.second_group, g.names) for g in groups] == [
        (CAPA, "Jardinier paysagiste", False, ("D Marie",)),
        (BAC_PRO, "Agroéquipement", False, ("C Marie",)),
        (BAC_PRO, "Forêt", False, ("B Marie",)),
        (BAC_PRO, "Forêt", True, ("A Marie",)),
        (BTSA, "Analyse", False, ("E Marie",)),
    ]
    assert groups[3].heading == "Forêt — admis au second groupe"
    assert groups[3].counted_heading == "Forêt — admis au second groupe (1)"


def test_unknown_result_labels_are_kept_in_their_own_group_with_the_label_shown():
    rows = [row("A", resultat="Admis au rattrapage"), row("B", resultat=""), row("C")]
    groups = compose(rows)
    assert [g.heading for g in groups] == [
        "Forêt",
        "Forêt — admis au rattrapage",
        "Forêt — résultat non précisé",
    ]
    assert all(g.second_group for g in groups[1:])


def test_rows_can_be_dataclasses_and_missing_fields_do_not_crash():
    rows = [
        ResultRow(BAC_PRO, FORET, "", "DUPONT", "Marie", "Admission"),
        {"filiere": BAC_PRO, "nom": "DURAND", "resultat": "Admission"},
    ]
    groups = compose(rows)
    assert groups == [
        Group(diploma=BAC_PRO, option="", names=("DURAND",)),
        Group(diploma=BAC_PRO, option=FORET, names=("DUPONT Marie",)),
    ]
    assert groups[0].heading == "Admis"
