"""Verified additions: E3 asked with the title's contract key, the additif, no trace of the
credentials, failures rate-limited. The sandbox's E3 answers in process (test client)."""

import json
import logging
from datetime import datetime

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.urls import reverse

from results.day.additions import NotVerified, verify_and_add
from results.editions.builds import build_version
from results.models import Addition, AuditEvent, CalendarRow, Result
from results.sources.arpent import ArpentClient
from sandbox import clock, data
from sandbox.credentials import credentials
from sandbox.diplomas import ADMITTED, FAILED
from tests.django_transport import DjangoTransport
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

CODE = "48"


@pytest.fixture(autouse=True)
def after_the_session(settings):
    # Every jury of the sandbox's default session has deliberated.
    clock.set_clock(datetime(2026, 7, 20, 12, 0, tzinfo=data.PARIS))
    settings.SANDBOX_CONTRACT_KEY = "gazette-contract-key"
    settings.ARPENT_CONTRACT_KEYS = {"gazette": "gazette-contract-key"}
    settings.ARPENT_MAX_ATTEMPTS = 1


@pytest.fixture
def sandbox_arpent(monkeypatch):
    """ARPENT clients that reach the sandbox in this process."""
    transport = DjangoTransport()

    def client(**overrides):
        return ArpentClient(
            "http://testserver/arpent-resultats-api", transport=transport, max_attempts=1
        )

    monkeypatch.setattr(ArpentClient, "from_settings", staticmethod(client))
    return client


@pytest.fixture
def lozere_calendar(title, lozere):
    """The title follows Lozère alone, whose calendar is the sandbox's default session."""
    title.departements.set([lozere])
    for section in data.sections(CODE, clock.session_start()):
        CalendarRow.objects.get_or_create(
            departement=lozere,
            filiere=section.filiere,
            option=section.option,
            date_delib=section.date,
            defaults={"nb_candidats": 10},
        )


def sandbox_candidate(code=CODE, *, resultat=ADMITTED, consent=False):
    """(section, candidate, ina, numGestion) of a sandbox candidate."""
    for section in data.sections(code, clock.session_start()):
        for candidate in data.cohort(code, section.option_index):
            if candidate.resultat == resultat and candidate.consent == consent:
                ina, num = credentials(code, section.option_index, candidate.index)
                return section, candidate, ina, num
    raise AssertionError("no such candidate in the sandbox")


def everything_stored():
    """Every row of every model, serialized: what a database dump would show."""
    return "".join(
        serializers.serialize("json", model.objects.all()) for model in apps.get_models()
    )


def test_a_verified_candidate_is_printed_in_the_additif_and_the_credentials_leave_no_trace(
    lozere_calendar,
    client,
    title,
    editor,
    sandbox_arpent,
    caplog,
    capfd,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    section, person, ina, num = sandbox_candidate()
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("additions", args=["gazette"]), {"ina": ina, "num_gestion": num.lower()}
        )
    assert response.status_code == 302
    addition = Addition.objects.get()
    assert (addition.nom, addition.prenoms, addition.day) == (
        person.nom,
        person.prenoms,
        section.date,
    )
    assert addition.verified_by == editor

    insert, created = build_version(title, addition.departement, section.date)
    text = pdf_text(insert.pdf.path)
    assert "Additif" in text and person.nom.upper() in text
    assert insert.content[-1]["diploma"] == "Additif"
    assert insert.content[-1]["option"].startswith(section.filiere)

    stored = everything_stored()
    for secret in (ina, num, num.lower()):
        assert secret not in stored
        assert secret not in caplog.text
    out, err = capfd.readouterr()
    assert ina not in out + err and num not in out + err
    event = AuditEvent.objects.get(action=AuditEvent.Action.ADDITION_VERIFIED)
    assert person.nom not in json.dumps([event.summary, event.details])


def test_a_candidate_the_transcript_shows_failed_is_refused(
    lozere_calendar, title, editor, sandbox_arpent
):
    _, _, ina, num = sandbox_candidate(resultat=FAILED)
    with pytest.raises(NotVerified, match="ne montre pas d.admission pour cette session"):
        verify_and_add(title, ina, num, editor)
    assert not Addition.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ADDITION_REFUSED).count() == 1


def test_a_candidate_already_in_the_published_list_is_not_added_twice(
    lozere_calendar, title, editor, sandbox_arpent
):
    section, person, ina, num = sandbox_candidate(consent=True)
    Result.objects.create(
        departement_id=CODE,
        filiere=section.filiere,
        option=section.option,
        nom=person.nom,
        prenoms=person.prenoms,
        resultat="Admission",
    )
    with pytest.raises(NotVerified, match="figure déjà dans la liste publiée"):
        verify_and_add(title, ina, num, editor)


def test_a_candidate_of_a_departement_the_title_does_not_follow_is_refused(
    lozere_calendar, title, editor, sandbox_arpent, gard
):
    _, _, ina, num = sandbox_candidate("30")
    with pytest.raises(NotVerified, match="que ce titre ne suit pas"):
        verify_and_add(title, ina, num, editor)


def test_failed_verifications_are_limited_per_editor(
    lozere_calendar, title, editor, sandbox_arpent, settings
):
    settings.ADDITION_FAILURE_LIMIT = 3
    other = get_user_model().objects.create_user("collegue", password="pw")
    title.members.add(other)
    _, _, ina, num = sandbox_candidate()
    for _ in range(3):
        with pytest.raises(NotVerified, match="Aucun relevé de notes"):
            verify_and_add(title, "0000000A", num, editor)
    with pytest.raises(NotVerified, match="Trop de vérifications échouées"):
        verify_and_add(title, ina, num, editor)
    assert not Addition.objects.exists()
    # The limit is the editor's own: a colleague still verifies.
    assert verify_and_add(title, ina, num, other).verified_by == other


def test_a_title_without_a_contract_key_is_told_so_without_calling_upstream(
    lozere_calendar, title, editor, settings
):
    settings.ARPENT_CONTRACT_KEYS = {}
    with pytest.raises(NotVerified, match="pas de clé de contrat"):
        verify_and_add(title, "1234567A", "0000000000A", editor)


def test_a_refused_contract_key_is_the_administrators_problem_not_a_failure(
    lozere_calendar, title, editor, sandbox_arpent, settings
):
    settings.ARPENT_CONTRACT_KEYS = {"*": "wrong-key"}
    settings.ADDITION_FAILURE_LIMIT = 1
    _, _, ina, num = sandbox_candidate()
    for _ in range(2):
        with pytest.raises(NotVerified, match="refuse la clé de contrat"):
            verify_and_add(title, ina, num, editor)


def test_malformed_credentials_are_refused_by_the_form_and_never_shown_back(
    lozere_calendar, client, title, editor
):
    client.force_login(editor)
    response = client.post(
        reverse("additions", args=["gazette"]), {"ina": "12AB", "num_gestion": "9876543210"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "L&#x27;INA compte 7 chiffres et une lettre" in page
    assert "12AB" not in page and "9876543210" not in page
