"""The web tier's headroom: the plan and the département page are computed once per state of
their data, and any change shows at once (the progress panel: test_progress_panel.py)."""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from layouts.profile import BERLINER
from results.day import planning as day_planning
from results.day.removals import matching_results
from results.deliberation.corrections import confirm_removal
from results.models import (
    CalendarRow,
    Departement,
    DiplomaRate,
    Establishment,
    Fetch,
    PrintProfile,
    Removal,
    Result,
)
from results.store import opendata

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
FORET = ("Baccalauréat Professionnel", "Forêt")


@pytest.fixture(autouse=True)
def gard_calendar(gard):
    """Every test here reads the shared Gard's plan: one section deliberating on DAY."""
    CalendarRow.objects.create(
        departement=gard, filiere=FORET[0], option=FORET[1], date_delib=DAY, nb_candidats=40
    )


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


def publish(departement, nom, prenoms="Camille"):
    return Result.objects.create(
        departement=departement,
        filiere=FORET[0],
        option=FORET[1],
        nom=nom,
        prenoms=prenoms,
        resultat="Admission",
    )


def plan_url():
    return reverse("planning", args=["gazette"])


def departement_url():
    return reverse("departement", args=["gazette", "30"])


def counting_plans():
    """Counts the computations of a plan, letting them run."""
    return mock.patch.object(day_planning, "plan", side_effect=day_planning.plan, autospec=True)


# --- the plan and the département page ------------------------------------------------------


def test_the_plan_is_computed_once_while_its_data_is_unchanged(logged_in, title, gard):
    publish(gard, "MARTIN")
    with counting_plans() as computed:
        first = logged_in.get(plan_url())
        second = logged_in.get(plan_url())
    assert computed.call_count == 1
    assert "1 noms" in first.content.decode() and "1 noms" in second.content.decode()


def test_the_departement_page_computes_its_plan_once_while_its_data_is_unchanged(
    logged_in, title, gard
):
    with counting_plans() as computed:
        logged_in.get(departement_url())
        logged_in.get(departement_url())
    assert computed.call_count == 1


def test_new_results_show_on_the_plan_and_the_departement_page_at_once(logged_in, title, gard):
    publish(gard, "MARTIN")
    for url in (plan_url(), departement_url()):
        assert "1 noms" in logged_in.get(url).content.decode()
    # As a sync stores them: the section deleted and created again, in bulk.
    Result.objects.filter(departement=gard).delete()
    Result.objects.bulk_create(
        [
            Result(departement=gard, filiere=FORET[0], option=FORET[1], nom=n, prenoms="A")
            for n in ("MARTIN", "PETIT", "DURAND")
        ]
    )
    for url in (plan_url(), departement_url()):
        assert "3 noms" in logged_in.get(url).content.decode()


def test_a_calendar_count_changed_in_bulk_shows_at_once(logged_in, title, gard):
    assert ">40<" in logged_in.get(plan_url()).content.decode()
    CalendarRow.objects.filter(departement=gard).update(nb_candidats=75, updated_at=timezone.now())
    assert ">75<" in logged_in.get(plan_url()).content.decode()
    assert ">75<" in logged_in.get(departement_url()).content.decode()


def test_a_new_fetch_record_changes_the_stamp(title, gard):
    before = day_planning.plan_stamp(title, ["30"])
    Fetch.objects.create(endpoint="calendriers", departement_code="30", outcome="unchanged")
    assert day_planning.plan_stamp(title, ["30"]) != before


def test_a_rate_edited_in_place_changes_the_plan_at_once(logged_in, title, gard):
    rate = DiplomaRate.objects.create(
        filiere=FORET[0], pass_rate=Decimal("0.900"), consent_rate=Decimal("0.900")
    )
    before = logged_in.get(plan_url()).content
    DiplomaRate.objects.filter(pk=rate.pk).update(pass_rate=Decimal("0.300"))
    assert logged_in.get(plan_url()).content != before


def test_a_new_default_profile_changes_the_plan_at_once(logged_in, title, gard):
    before = logged_in.get(plan_url()).content.decode()
    assert "Berliner" in before
    fields = {**BERLINER.to_dict(), "name": "Tabloïd maison"}
    PrintProfile.objects.create(title=title, **fields, is_default=True)
    assert "Tabloïd maison" in logged_in.get(plan_url()).content.decode()


def test_a_departement_followed_in_addition_shows_on_the_plan_at_once(logged_in, title, gard):
    herault = Departement.objects.create(code="34", name="Hérault", region_code="76")
    CalendarRow.objects.create(
        departement=herault, filiere=FORET[0], option=FORET[1], date_delib=DAY, nb_candidats=9
    )
    assert "Hérault" not in logged_in.get(plan_url()).content.decode()
    title.departements.add(herault)
    assert "Hérault" in logged_in.get(plan_url()).content.decode()


def test_the_plan_shows_the_admins_link_to_admins_only(client, title, editor, title_admin):
    Departement.objects.create(code="34", name="Hérault")
    CalendarRow.objects.all().delete()  # an empty plan offers to choose départements
    client.force_login(editor)
    choose = reverse("choose", args=["gazette"])
    assert choose not in client.get(plan_url()).content.decode()
    client.force_login(title_admin)
    assert choose in client.get(plan_url()).content.decode()


def test_a_confirmed_removal_takes_the_name_off_the_list_at_once(logged_in, title, gard, editor):
    publish(gard, "MARTIN", "Léa")
    publish(gard, "PETIT", "Hugo")
    results = reverse("results_list", args=["gazette", "30"])
    assert "MARTIN" in logged_in.get(results).content.decode()
    logged_in.get(plan_url())
    logged_in.get(departement_url())
    removal = Removal.objects.create(
        title=title,
        departement=gard,
        nom="MARTIN",
        prenoms="Léa",
        received_on=DAY,
        channel=Removal.Channel.EMAIL,
    )
    confirm_removal(removal, [r.pk for r in matching_results(removal)], editor)
    for url in (results, plan_url(), departement_url()):
        assert "MARTIN" not in logged_in.get(url).content.decode()
    assert "PETIT" in logged_in.get(results).content.decode()


# --- queries --------------------------------------------------------------------------------


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code in (200, 204), url
    return len(captured)


def test_the_unchanged_plan_costs_a_few_queries_whatever_its_size(logged_in, title, gard):
    for n in range(8):
        dept = Departement.objects.create(code=str(40 + n), name=f"D{n}")
        title.departements.add(dept)
        CalendarRow.objects.create(
            departement=dept, filiere=FORET[0], option=f"O{n}", date_delib=DAY, nb_candidats=9
        )
        publish(dept, f"NOM{n}")
    logged_in.get(plan_url())
    # The session, the user, the title with the admin check, its départements, the stamp.
    assert queries(logged_in, plan_url()) <= 5


def test_establishments_stored_by_an_open_data_fetch_show_at_once(logged_in, title, gard):
    assert "LEGTA de Nîmes" not in logged_in.get(departement_url()).content.decode()
    # As the open-data sync stores them: the rows, and the fetch's record.
    Establishment.objects.create(
        departement=gard, uai="0300001A", name="LEGTA de Nîmes", public=True
    )
    Fetch.objects.create(
        endpoint=opendata.ESTABLISHMENTS, departement_code="30", outcome=Fetch.Outcome.CHANGED
    )
    assert "LEGTA de Nîmes" in logged_in.get(departement_url()).content.decode()


def test_the_departement_page_counts_its_results_at_once(logged_in, title, gard):
    assert "0 admis publié" in logged_in.get(departement_url()).content.decode()
    publish(gard, "MARTIN")
    publish(gard, "PETIT")
    assert "2 admis publiés" in logged_in.get(departement_url()).content.decode()
