"""Failures of the services the app depends on, survived: the database, the file storage and
the upstream (ARPENT)."""

from datetime import date

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse

from results.models import CalendarRow, Departement, Result

pytestmark = [pytest.mark.django_db, pytest.mark.faults]

DAY = date(2026, 7, 3)
FORET = ("Baccalauréat Professionnel", "Forêt")


@pytest.fixture
def gard():
    gard = Departement.objects.create(code="30", name="Gard")
    CalendarRow.objects.create(
        departement=gard, filiere=FORET[0], option=FORET[1], date_delib=DAY, nb_candidats=20
    )
    Result.objects.create(
        departement=gard,
        filiere=FORET[0],
        option=FORET[1],
        nom="DUPONTEL",
        prenoms="Camille",
        resultat="Admission",
    )
    return gard


def refused(*args, **kwargs):
    raise OperationalError("connection to server at 'db' failed: Connection refused")


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_a_view_that_cannot_reach_the_database_answers_503(editor, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    monkeypatch.setattr("results.views._title", refused)
    assert_unavailable_page(client.get(reverse("title", args=["gazette"])))


def test_a_page_answers_503_when_even_the_session_cannot_be_read(editor, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    # Every query fails: the login check's session lookup, before any view runs.
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refused)
    assert_unavailable_page(client.get(reverse("home")))


def test_other_errors_still_get_the_500_page(editor, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(editor)
    monkeypatch.setattr("results.views._title", lambda *args: 1 / 0)
    response = client.get(reverse("title", args=["gazette"]))
    assert response.status_code == 500
    assert "Erreur du serveur" in response.content.decode()
