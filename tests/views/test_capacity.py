"""The web tier's headroom: the progress poll answers 204 while unchanged, the plan and the
département page are computed once per state of their data, and any change shows at once."""

import re
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
    Job,
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


def running_build(title, departement, progress=10):
    return Job.objects.create(
        kind=Job.Kind.BUILD_INSERT,
        title=title,
        departement=departement,
        day=DAY,
        status=Job.Status.RUNNING,
        progress=progress,
        message="Mise en page",
    )


def status_url():
    return reverse("insert_status", args=["gazette", "30", DAY])


def plan_url():
    return reverse("planning", args=["gazette"])


def departement_url():
    return reverse("departement", args=["gazette", "30"])


def counting_plans():
    """Counts the computations of a plan, letting them run."""
    return mock.patch.object(day_planning, "plan", side_effect=day_planning.plan, autospec=True)


# --- the progress panel ---------------------------------------------------------------------


def next_poll(panel):
    """The URL the panel's htmx asks next, with the version it shows."""
    return re.search(r'hx-get="([^"]+)"', panel.content.decode()).group(1)


def test_the_progress_poll_is_answered_204_while_its_jobs_are_unchanged(logged_in, title, gard):
    running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    assert first.status_code == 200 and "?version=" in next_poll(first)
    again = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    # htmx keeps the panel it shows on a 204, and polls on.
    assert again.status_code == 204 and again.content == b""


def test_the_insert_page_gives_its_panel_the_version_it_shows(logged_in, title, gard):
    running_build(title, gard)
    page = logged_in.get(reverse("insert", args=["gazette", "30", DAY]))
    assert logged_in.get(next_poll(page), headers={"HX-Request": "true"}).status_code == 204


def test_a_client_holding_the_panel_gets_304_while_unchanged(logged_in, title, gard):
    running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    again = logged_in.get(status_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_a_job_that_moves_on_gives_the_panel_again_at_once(logged_in, title, gard):
    job = running_build(title, gard, progress=10)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    Job.objects.filter(pk=job.pk).update(progress=60, message="Rendu des pages")
    after = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    assert after.status_code == 200
    assert next_poll(after) != next_poll(first)
    assert b'value="60"' in after.content and "Rendu des pages" in after.content.decode()


def test_a_new_fetch_of_the_departement_gives_the_panel_again(logged_in, title, gard):
    running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, message="Résultats du 30")
    after = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    assert after.status_code == 200 and "Résultats du 30" in after.content.decode()


def test_the_panel_ends_the_poll_once_the_work_is_done_whatever_version_it_holds(
    logged_in, title, gard
):
    job = running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, progress=100)
    done = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    assert done.status_code == 286 and done["HX-Refresh"] == "true"


def test_no_cache_keeps_the_panel_nor_the_pages(logged_in, title, gard):
    running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    unchanged = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    for response in (first, unchanged, logged_in.get(plan_url())):
        assert response["Cache-Control"] == "private, no-store"


def test_another_titles_editor_gets_404_whatever_version_they_send(
    client, logged_in, title, gard, django_user_model
):
    running_build(title, gard)
    url = next_poll(logged_in.get(status_url(), headers={"HX-Request": "true"}))
    stranger = django_user_model.objects.create_user("autre", password="pw")
    client.force_login(stranger)
    answer = client.get(url, headers={"HX-Request": "true"})
    assert answer.status_code == 404 and "ETag" not in answer


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


def test_the_unchanged_progress_poll_costs_four_queries_or_three_with_sessions_in_redis(
    logged_in, title, gard, settings
):
    running_build(title, gard)
    url = next_poll(logged_in.get(status_url(), headers={"HX-Request": "true"}))
    # The session (read from Redis when REDIS_URL is set: newsroom.sessions), the user, the
    # title with the followed département, the jobs.
    session_query = 0 if settings.SESSION_ENGINE == "newsroom.sessions" else 1
    assert queries(logged_in, url, HX_Request="true") == 3 + session_query


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
