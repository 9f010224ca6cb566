"""Removal requests: matching, homonyms, confirmation, every later build and export, CSV import."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from results.day.content import insert_content
from results.day.removal_csv import parse
from results.day.removals import matching_results
from results.deliberation.corrections import confirm_removal
from results.editions.builds import build_version
from results.models import AuditEvent, Insert, Job, Removal, Result, Title
from results.store.objections import identity, without_objected
from tests import world
from tests.pdfs import pdf_text
from tests.world import CGEA, FORET

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)


@pytest.fixture
def gard_calendar(gard):
    world.calendar(gard, FORET, CGEA, day=DAY, candidates=50)


def publish(departement, section, nom, prenoms, specialite=""):
    return Result.objects.create(
        departement=departement,
        filiere=section[0],
        option=section[1],
        specialite=specialite,
        nom=nom,
        prenoms=prenoms,
        resultat="Admission",
        occurrence=Result.objects.filter(
            departement=departement, filiere=section[0], nom=nom, prenoms=prenoms
        ).count(),
    )


def request_removal(title, departement, nom, prenoms, **fields):
    return Removal.objects.create(
        title=title,
        departement=departement,
        nom=nom,
        prenoms=prenoms,
        received_on=date(2026, 7, 2),
        channel=Removal.Channel.EMAIL,
        **fields,
    )


def printed_names(title, departement):
    _, groups = insert_content(title, departement, DAY)
    return [name for group in groups for name in group.names]


def test_matching_ignores_case_accents_and_extra_spaces(gard_calendar, title, gard):
    line = publish(gard, FORET, "N'DIAYE", "Marie-Ève")
    publish(gard, FORET, "NDIAYE", "Paul")
    removal = request_removal(title, gard, "  n'diaye ", "marie  eve")
    assert matching_results(removal) == [line]


def test_a_request_limited_to_a_diploma_ignores_the_same_name_elsewhere(gard_calendar, title, gard):
    publish(gard, FORET, "DUPONT", "Marie")
    vigne = publish(gard, CGEA, "DUPONT", "Marie")
    removal = request_removal(title, gard, "Dupont", "Marie", filiere=CGEA[0], option=CGEA[1])
    assert matching_results(removal) == [vigne]


def test_a_confirmed_removal_takes_the_name_out_of_the_next_version_and_every_export(
    gard_calendar, client, title, gard, editor, django_capture_on_commit_callbacks
):
    publish(gard, FORET, "N'DIAYE", "Marie-Ève")
    publish(gard, FORET, "MARTIN", "Paul")
    first, _ = build_version(title, gard, DAY)
    assert "N'DIAYE Marie-Ève" in pdf_text(first.pdf.path)

    removal = request_removal(title, gard, "ndiaye", "marie eve")
    client.force_login(editor)
    url = reverse("removal", args=["gazette", removal.pk])
    page = client.get(url).content.decode()
    assert "N&#x27;DIAYE Marie-Ève" in page and "1 ligne publiée correspond" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"lines": [matching_results(removal)[0].pk]})
    assert response.status_code == 302
    removal.refresh_from_db()
    assert removal.is_confirmed and removal.lines[0]["nom"] == "N'DIAYE"
    # The source data is untouched: the removal lives beside it.
    assert Result.objects.filter(nom="N'DIAYE").exists()
    # The version that printed the name is withdrawn, its files gone, and a rebuild queued.
    first.refresh_from_db()
    assert first.is_withdrawn and not Path(first.pdf.path).exists()
    assert Job.objects.filter(kind=Job.Kind.BUILD_INSERT, day=DAY, requested_by=editor).exists()
    for name in ("download", "export_csv", "export_tagged_text"):
        assert client.get(reverse(name, args=["gazette", first.pk])).status_code == 410

    second, created = build_version(title, gard, DAY)
    assert created and second.number == 2
    assert "N'DIAYE" not in pdf_text(second.pdf.path) and "MARTIN Paul" in pdf_text(second.pdf.path)
    csv = client.get(reverse("export_csv", args=["gazette", second.pk])).content.decode("utf-8-sig")
    tagged = client.get(reverse("export_tagged_text", args=["gazette", second.pk])).content
    assert "MARTIN" in csv and "N'DIAYE" not in csv
    assert "N'DIAYE" not in tagged.decode("utf-16")
    listing = client.get(reverse("results_list", args=["gazette", "30"])).content.decode()
    assert "MARTIN" in listing and "DIAYE" not in listing
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REMOVAL_CONFIRMED).count() == 1


def test_a_removal_survives_every_reimport(gard_calendar, title, gard, editor):
    publish(gard, FORET, "DUPONT", "Marie")
    publish(gard, FORET, "MARTIN", "Paul")
    removal = request_removal(title, gard, "DUPONT", "Marie")
    confirm_removal(removal, [r.pk for r in matching_results(removal)], editor)
    # The upstream sends the section again: new rows, same lines.
    Result.objects.all().delete()
    publish(gard, FORET, "DUPONT", "Marie")
    publish(gard, FORET, "MARTIN", "Paul")
    assert printed_names(title, gard) == ["MARTIN Paul"]


def test_homonyms_in_the_requested_diploma_are_left_out_too_but_not_elsewhere(
    gard_calendar, title, gard, editor
):
    # The objection keeps a hash of the name, not the line: it cannot tell two people of the
    # same name apart within the scope asked for, and leaving both out is the safe side.
    publish(gard, FORET, "DUPONT", "Marie", specialite="Gestion forestière")
    picked = publish(gard, FORET, "DUPONT", "Marie", specialite="Travaux forestiers")
    publish(gard, CGEA, "DUPONT", "Marie")
    removal = request_removal(title, gard, "DUPONT", "Marie", filiere=FORET[0], option=FORET[1])
    assert len(matching_results(removal)) == 2
    confirm_removal(removal, [picked.pk], editor)
    _, groups = insert_content(title, gard, DAY)
    assert [(g.option, g.names) for g in groups] == [(CGEA[1], ("DUPONT Marie",))]


def test_two_identical_lines_one_picked_leaves_neither_printed(gard_calendar, title, gard, editor):
    first = publish(gard, FORET, "DUPONT", "Marie")
    publish(gard, FORET, "DUPONT", "Marie")
    removal = request_removal(title, gard, "DUPONT", "Marie")
    confirm_removal(removal, [first.pk], editor)
    assert printed_names(title, gard) == []


def test_a_removal_confirmed_before_publication_applies_when_the_name_appears(
    gard_calendar, title, gard, editor
):
    removal = request_removal(title, gard, "Dupont", "Marie")
    assert confirm_removal(removal, [], editor) == ([], [])
    publish(gard, FORET, "DUPONT", "Marie")
    publish(gard, FORET, "MARTIN", "Paul")
    assert printed_names(title, gard) == ["MARTIN Paul"]


def test_a_removal_applies_only_to_its_own_title(gard_calendar, title, gard, editor):
    other = Title.objects.create(name="L'Autre Journal", slug="autre")
    other.departements.add(gard)
    publish(gard, FORET, "DUPONT", "Marie")
    removal = request_removal(title, gard, "DUPONT", "Marie")
    confirm_removal(removal, [r.pk for r in matching_results(removal)], editor)
    assert printed_names(title, gard) == []
    assert printed_names(other, gard) == ["DUPONT Marie"]


def test_a_removal_after_the_final_mark_makes_a_new_version_and_outdates_the_final(
    gard_calendar, client, title, gard, editor, django_capture_on_commit_callbacks
):
    publish(gard, FORET, "DUPONT", "Marie")
    publish(gard, FORET, "MARTIN", "Paul")
    final, _ = build_version(title, gard, DAY)
    client.force_login(editor)
    client.post(reverse("mark_final", args=["gazette", final.pk]))
    removal = request_removal(title, gard, "DUPONT", "Marie")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_removal(removal, [r.pk for r in matching_results(removal)], editor)
    second, created = build_version(title, gard, DAY)
    assert created and second.number == 2 and second.names_count == 1
    final.refresh_from_db()
    assert final.is_final and final.is_withdrawn
    page = client.get(reverse("insert", args=["gazette", "30", DAY])).content.decode()
    assert "le bon à tirer est dépassé" in page
    old = client.get(reverse("insert", args=["gazette", "30", DAY]) + "?version=1")
    assert "Retirée le" in old.content.decode()


def test_a_withdrawn_version_is_rebuilt_even_when_the_content_is_the_same(
    gard_calendar, title, gard, editor
):
    # A name printed in another département's section only: the version is withdrawn anyway
    # (it printed the name), and the rebuild must give a downloadable version again.
    publish(gard, FORET, "DUPONT", "Marie")
    first, _ = build_version(title, gard, DAY)
    Insert.objects.filter(pk=first.pk).update(withdrawn_at=first.created_at)
    second, created = build_version(title, gard, DAY)
    assert created and second.number == 2


def test_picked_lines_that_changed_meanwhile_are_refused(
    gard_calendar, client, title, gard, editor
):
    line = publish(gard, FORET, "DUPONT", "Marie")
    removal = request_removal(title, gard, "DUPONT", "Marie")
    line.delete()
    publish(gard, FORET, "DUPONT", "Marie")
    client.force_login(editor)
    response = client.post(reverse("removal", args=["gazette", removal.pk]), {"lines": [line.pk]})
    assert response.status_code == 400
    assert "La liste publiée a changé" in response.content.decode()
    removal.refresh_from_db()
    assert not removal.is_confirmed


def test_an_editor_records_a_request_and_is_shown_its_matches(
    gard_calendar, client, title, gard, editor
):
    publish(gard, FORET, "DUPONT", "Marie")
    client.force_login(editor)
    response = client.post(
        reverse("removals", args=["gazette"]),
        {
            "nom": "dupont",
            "prenoms": "marie",
            "departement": "30",
            "diploma": f"{FORET[0]}\x1f{FORET[1]}",
            "received_on": "2026-07-02",
            "channel": "courrier",
            "note": "Lettre de la mère",
        },
    )
    removal = Removal.objects.get()
    assert response["Location"] == reverse("removal", args=["gazette", removal.pk])
    assert (removal.filiere, removal.option, removal.created_by) == (*FORET, editor)
    assert "1 ligne publiée correspond" in client.get(response["Location"]).content.decode()


def test_a_request_form_with_mistakes_says_what_is_wrong(
    gard_calendar, client, title, gard, editor
):
    client.force_login(editor)
    response = client.post(
        reverse("removals", args=["gazette"]),
        {"nom": "", "departement": "75", "received_on": "2999-01-01", "channel": "pigeon"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Removal.objects.exists()
    assert "Choisissez un département suivi par le titre." in page
    assert "La date de réception ne peut être dans le futur." in page
    assert "Canal inconnu." in page


def test_the_pure_filter_leaves_out_every_spelling_of_the_name_within_its_scope():
    rows = [
        {"filiere": "F", "option": "O", "nom": "N'Diaye", "prenoms": "Marie-Ève Anne"},
        {"filiere": "F", "option": "O", "nom": "NDIAYE", "prenoms": "anne  marie eve"},
        {"filiere": "F", "option": "P", "nom": "NDIAYE", "prenoms": "Marie Eve Anne"},
        {"filiere": "G", "option": "O", "nom": "NDIAYE", "prenoms": "Marie Eve Anne"},
        {"filiere": "F", "option": "O", "nom": "NDIAYE", "prenoms": "Paul"},
    ]

    class Objected:
        identity = identity("n diaye", "Anne Marie-Eve")
        filiere, option = "f", "o "

    assert without_objected(rows, [Objected]) == rows[2:]
    Objected.option = ""
    assert without_objected(rows, [Objected]) == rows[3:]
    Objected.filiere = ""
    assert without_objected(rows, [Objected]) == rows[4:]


CSV_HEADER = "nom;prenoms;departement;diplome;option;recue_le;canal;note\n"


def test_a_valid_csv_file_is_imported_as_requests_to_confirm(
    gard_calendar, client, title, gard, editor
):
    data = (
        CSV_HEADER
        + f"DUPONT;Marie;30;{FORET[0]};{FORET[1]};02/07/2026;courrier;\n"
        + "N'DIAYE;Marie-Ève;30;Bac pro;;2026-07-03;E-mail;via le site\n"
    ).encode()
    client.force_login(editor)
    response = client.post(
        reverse("import_removals", args=["gazette"]),
        {"file": SimpleUploadedFile("retraits.csv", data, "text/csv")},
    )
    assert response.status_code == 302
    removals = Removal.objects.order_by("nom")
    assert [(r.nom, r.filiere, r.option, r.channel) for r in removals] == [
        ("DUPONT", *FORET, "courrier"),
        ("N'DIAYE", FORET[0], "", "courriel"),
    ]
    assert not any(r.is_confirmed for r in removals)
    assert AuditEvent.objects.get(action=AuditEvent.Action.REMOVALS_IMPORTED).details == {
        "count": 2
    }


def test_a_csv_file_with_bad_lines_reports_each_and_imports_nothing(
    gard_calendar, client, title, gard, editor
):
    data = (
        CSV_HEADER
        + "DUPONT;Marie;30;;;02/07/2026;courrier;\n"
        + ";Paul;30;;;02/07/2026;courrier;\n"
        + "MARTIN;Paul;75;;;02/07/2026;courrier;\n"
        + "MARTIN;Paul;30;Licence;;31/02/2026;pigeon;\n"
        + "trop;de;colonnes;;;;;;;\n"
    ).encode("cp1252")
    client.force_login(editor)
    response = client.post(
        reverse("import_removals", args=["gazette"]),
        {"file": SimpleUploadedFile("retraits.csv", data, "text/csv")},
    )
    page = response.content.decode()
    assert response.status_code == 400 and not Removal.objects.exists()
    assert "4 erreurs : rien n'a été importé." in page
    assert "Ligne 3 : nom manquant." in page
    assert "Ligne 4 : département « 75 » non suivi par ce titre." in page
    assert "Ligne 5 : diplôme inconnu « Licence » ; date illisible « 31/02/2026 »" in page
    assert "canal inconnu « pigeon »" in page
    assert "Ligne 6 : 10 colonne(s) au lieu de 8." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Fichier vide"),
        (b"nom;prenoms\n", "colonne(s) manquante(s) : departement, recue_le, canal"),
        (CSV_HEADER.encode(), "Aucune demande dans le fichier."),
        (b"\xff\xfe\x00\x00" * 10, "Fichier refusé"),
        (b"x" * (1024 * 1024 + 1), "Fichier trop gros"),
    ],
)
def test_a_csv_file_that_cannot_be_read_says_why(gard_calendar, title, data, message):
    parsed = parse(data, title, today=date(2026, 7, 10))
    assert not parsed.requests
    assert any(message in error for error in parsed.errors), parsed.errors


def test_an_upload_that_is_not_a_csv_file_is_refused(gard_calendar, client, title, editor):
    client.force_login(editor)
    response = client.post(
        reverse("import_removals", args=["gazette"]),
        {"file": SimpleUploadedFile("retraits.pdf", b"%PDF-1.7", "application/pdf")},
    )
    assert response.status_code == 400
    assert "Seuls les fichiers .csv" in response.content.decode()
