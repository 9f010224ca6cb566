"""The progress panel every open insert page polls every 2 s: answered 204 while its jobs are
unchanged (from the shared cache without a query when there is one, results.changes), and any
change to a job shows at the next poll."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from results.models import ALL_DEPARTEMENTS, Job

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)


@pytest.fixture(params=["with_shared_cache", "without_shared_cache"])
def either_cache(request):
    return request.getfixturevalue(request.param)


# What the editors see holds with a shared cache and without one.
either = pytest.mark.usefixtures("either_cache")


@pytest.fixture
def logged_in(client, editor):
    client.force_login(editor)
    return client


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


def status_url(scope="30"):
    return reverse("insert_status", args=["gazette", scope, DAY])


def poll(client, url):
    return client.get(url, headers={"HX-Request": "true"})


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = poll(client, url)
    return response, len(captured)


def next_poll(panel):
    """The URL the panel's htmx asks next, with the version it shows."""
    return re.search(r'hx-get="([^"]+)"', panel.content.decode()).group(1)


@either
def test_the_progress_poll_is_answered_204_while_its_jobs_are_unchanged(logged_in, title, gard):
    running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    assert first.status_code == 200 and "?version=" in next_poll(first)
    again = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    # htmx keeps the panel it shows on a 204, and polls on.
    assert again.status_code == 204 and again.content == b""


@either
def test_the_insert_page_gives_its_panel_the_version_it_shows(logged_in, title, gard):
    running_build(title, gard)
    page = logged_in.get(reverse("insert", args=["gazette", "30", DAY]))
    assert logged_in.get(next_poll(page), headers={"HX-Request": "true"}).status_code == 204


@either
def test_a_client_holding_the_panel_gets_304_while_unchanged(logged_in, title, gard):
    running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    again = logged_in.get(status_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


@either
def test_a_job_that_moves_on_gives_the_panel_again_at_once(logged_in, title, gard):
    job = running_build(title, gard, progress=10)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    Job.objects.filter(pk=job.pk).update(progress=60, message="Rendu des pages")
    after = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    assert after.status_code == 200
    assert next_poll(after) != next_poll(first)
    assert b'value="60"' in after.content and "Rendu des pages" in after.content.decode()


@either
def test_a_new_fetch_of_the_departement_gives_the_panel_again(logged_in, title, gard):
    running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, message="Résultats du 30")
    after = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    assert after.status_code == 200 and "Résultats du 30" in after.content.decode()


@either
def test_the_panel_ends_the_poll_once_the_work_is_done_whatever_version_it_holds(
    logged_in, title, gard
):
    job = running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, progress=100)
    done = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    assert done.status_code == 286 and done["HX-Refresh"] == "true"


@either
def test_no_cache_keeps_the_panel_nor_the_pages(logged_in, title, gard):
    running_build(title, gard)
    first = logged_in.get(status_url(), headers={"HX-Request": "true"})
    unchanged = logged_in.get(next_poll(first), headers={"HX-Request": "true"})
    page = logged_in.get(reverse("insert", args=["gazette", "30", DAY]))
    for response in (first, unchanged, page):
        assert response["Cache-Control"] == "private, no-store"


@either
def test_another_titles_editor_gets_404_whatever_version_they_send(
    client, logged_in, title, gard, django_user_model
):
    running_build(title, gard)
    url = next_poll(logged_in.get(status_url(), headers={"HX-Request": "true"}))
    stranger = django_user_model.objects.create_user("autre", password="pw")
    client.force_login(stranger)
    answer = client.get(url, headers={"HX-Request": "true"})
    assert answer.status_code == 404 and "ETag" not in answer


@either
def test_a_logged_out_session_is_sent_to_the_login_page_whatever_version_it_sends(
    logged_in, title, gard
):
    running_build(title, gard)
    url = next_poll(poll(logged_in, status_url()))
    assert poll(logged_in, url).status_code == 204
    logged_in.logout()
    answer = poll(logged_in, url)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))


@either
def test_an_anonymous_poll_is_sent_to_the_login_page(client, logged_in, title, gard):
    running_build(title, gard)
    url = next_poll(poll(logged_in, status_url()))
    client.cookies.clear()
    answer = poll(client, url)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))


@either
def test_a_heartbeat_leaves_the_panel_as_it_is(logged_in, title, gard):
    job = running_build(title, gard)
    url = next_poll(poll(logged_in, status_url()))
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert poll(logged_in, url).status_code == 204


@either
def test_the_combined_inserts_panel_follows_every_departement(logged_in, title, gard):
    Job.objects.create(kind=Job.Kind.BUILD_INSERT, title=title, day=DAY, status=Job.Status.RUNNING)
    url = next_poll(poll(logged_in, status_url(ALL_DEPARTEMENTS)))
    assert poll(logged_in, url).status_code == 204
    Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, message="Résultats du 30")
    after = poll(logged_in, url)
    assert after.status_code == 200 and "Résultats du 30" in after.content.decode()


# --- what a poll costs ---------------------------------------------------------------------


def test_with_a_shared_cache_the_unchanged_poll_costs_no_query(
    with_shared_cache, logged_in, title, gard
):
    running_build(title, gard)
    url = next_poll(poll(logged_in, status_url()))
    answer, count = queries(logged_in, url)
    assert answer.status_code == 204 and count == 0


def test_without_a_shared_cache_the_unchanged_poll_costs_four_queries(
    without_shared_cache, logged_in, title, gard
):
    running_build(title, gard)
    url = next_poll(poll(logged_in, status_url()))
    answer, count = queries(logged_in, url)
    # The session, the user, the title with the followed département, the jobs.
    assert answer.status_code == 204 and count == 4


def test_a_poll_after_a_change_is_computed_once_then_answered_from_the_cache(
    with_shared_cache, logged_in, title, gard
):
    job = running_build(title, gard)
    url = next_poll(poll(logged_in, status_url()))
    Job.objects.filter(pk=job.pk).update(progress=70)
    moved = poll(logged_in, url)
    answer, count = queries(logged_in, next_poll(moved))
    assert moved.status_code == 200 and answer.status_code == 204 and count == 0


def test_the_combined_inserts_panel_is_computed_at_each_poll(
    with_shared_cache, logged_in, title, gard
):
    Job.objects.create(kind=Job.Kind.BUILD_INSERT, title=title, day=DAY, status=Job.Status.RUNNING)
    url = next_poll(poll(logged_in, status_url(ALL_DEPARTEMENTS)))
    answer, count = queries(logged_in, url)
    assert answer.status_code == 204 and count > 0


def test_with_the_shared_cache_away_the_poll_is_computed(
    with_shared_cache, logged_in, title, gard, monkeypatch
):
    running_build(title, gard)
    url = next_poll(poll(logged_in, status_url()))

    def away(*args, **kwargs):
        raise ConnectionError("Redis away")

    monkeypatch.setattr(with_shared_cache, "get_many", away)
    answer, count = queries(logged_in, url)
    assert answer.status_code == 204 and count > 0


# --- the jobs on the insert and département pages -------------------------------------------


def insert_url():
    return reverse("insert", args=["gazette", "30", DAY])


def departement_url():
    return reverse("departement", args=["gazette", "30"])


@either
@pytest.mark.parametrize("url", [insert_url, departement_url], ids=["insert", "departement"])
def test_the_pages_show_a_job_as_it_moves_on(logged_in, title, gard, url):
    job = running_build(title, gard, progress=10)
    first = logged_in.get(url()).content.decode()
    assert '<ul class="jobs">' in first and 'value="10"' in first
    assert '<ul class="jobs">' in logged_in.get(url()).content.decode()  # kept, not escaped
    Job.objects.filter(pk=job.pk).update(progress=80, message="Rendu des pages")
    after = logged_in.get(url()).content.decode()
    assert 'value="80"' in after and "Rendu des pages" in after
    Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, message="Résultats du 30")
    assert "Résultats du 30" in logged_in.get(url()).content.decode()
