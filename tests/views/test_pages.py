"""The editors' pages: login everywhere, one title's data invisible to another, the flows work."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from results.models import Departement, Insert, Job
from tests import world
from tests.world import CGEA

pytestmark = pytest.mark.django_db


@pytest.fixture
def gard_calendar(gard):
    """A section of the Gard and its one admitted candidate, whose name needs escaping."""
    world.calendar(gard, CGEA, day=date(2026, 7, 3), candidates=1200)
    world.admitted(gard, CGEA, ("N'DIAYE", "Marie-Ève"))


@pytest.fixture
def insert(title, gard):
    insert = Insert(
        title=title,
        departement=gard,
        day=date(2026, 7, 1),
        number=1,
        names_count=1,
        pages=1,
        columns=1,
        lines=5,
        content_hash="x",
    )
    insert.pdf.save("encart.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    insert.save()
    return insert


def editor_urls(insert):
    return [
        reverse("title", args=["gazette"]),
        reverse("departement", args=["gazette", "30"]),
        reverse("activity", args=["gazette", "30"]),
        reverse("results_list", args=["gazette", "30"]),
        reverse("download", args=["gazette", insert.pk]),
        reverse("inserts", args=["gazette"]),
        reverse("insert", args=["gazette", "30", insert.day]),
        reverse("insert_status", args=["gazette", "30", insert.day]),
        reverse("export_csv", args=["gazette", insert.pk]),
        reverse("export_tagged_text", args=["gazette", insert.pk]),
    ]


def admin_urls():
    """What changes the whole title's print: its admins' (test_isolation.py walks it all)."""
    return [reverse("choose", args=["gazette"]), reverse("print_settings", args=["gazette"])]


def test_every_page_sends_anonymous_visitors_to_the_login(gard_calendar, client, insert):
    for url in [reverse("home"), *editor_urls(insert), *admin_urls()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_another_titles_editor_gets_404_everywhere(gard_calendar, client, outsider, insert):
    client.force_login(outsider)
    for url in editor_urls(insert) + admin_urls():
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Gard" not in response.content.decode()
    assert client.post(reverse("request_fetch", args=["gazette", "30"])).status_code == 404
    assert client.post(reverse("build", args=["gazette", "30", insert.day])).status_code == 404
    assert client.post(reverse("mark_final", args=["gazette", insert.pk])).status_code == 404
    assert not Job.objects.exists()


def test_the_titles_editor_opens_every_page(gard_calendar, client, editor, insert):
    client.force_login(editor)
    for url in editor_urls(insert):
        assert client.get(url).status_code == 200, url
    for url in admin_urls():
        assert client.get(url).status_code == 403, url


def test_the_titles_admin_opens_the_pages_that_change_its_print(
    gard_calendar, client, title_admin, insert
):
    client.force_login(title_admin)
    for url in admin_urls():
        assert client.get(url).status_code == 200, url


def test_home_goes_straight_to_the_only_title(gard_calendar, client, editor):
    client.force_login(editor)
    assert client.get(reverse("home"))["Location"] == reverse("title", args=["gazette"])


def test_the_departement_page_shows_the_calendar_and_the_space_to_reserve(
    gard_calendar, client, editor
):
    client.force_login(editor)
    page = client.get(reverse("departement", args=["gazette", "30"])).content.decode()
    assert "Vendredi 3 juillet 2026" in page
    assert "1200" in page
    assert "colonne" in page
    assert "Gabarit Berliner, 6 colonnes" in page


def test_choosing_departements_saves_them_and_fetches_new_calendars(
    gard_calendar, client, title_admin, title, django_capture_on_commit_callbacks, monkeypatch
):
    Departement.objects.create(code="48", name="Lozère")
    sent = []
    monkeypatch.setattr("results.views.titles.refresh_calendar.delay", sent.append)
    context_refreshes = []
    monkeypatch.setattr(
        "results.views.titles.refresh_departement_context.delay", context_refreshes.append
    )
    client.force_login(title_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("choose", args=["gazette"]), {"departements": ["30", "48"]})
    assert response.status_code == 302
    assert set(title.departements.values_list("code", flat=True)) == {"30", "48"}
    assert sent == ["48"]
    assert context_refreshes == ["48"]


def test_an_unknown_departement_is_refused_and_nothing_is_saved(
    gard_calendar, client, title_admin, title
):
    client.force_login(title_admin)
    response = client.post(reverse("choose", args=["gazette"]), {"departements": ["30", "ZZ"]})
    assert response.status_code == 200
    assert (
        "Département inconnu" in response.content.decode()
        or "invalide" in response.content.decode()
    )
    assert list(title.departements.values_list("code", flat=True)) == ["30"]


def test_fetching_and_building_start_jobs_for_a_worker(
    gard_calendar, client, editor, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("results.tasks.fetch_results.delay", sent.append)
    monkeypatch.setattr("results.tasks.build_insert.delay", sent.append)
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("request_fetch", args=["gazette", "30"]))
        client.post(reverse("build", args=["gazette", "30", date(2026, 7, 1)]))
    kinds = list(Job.objects.order_by("pk").values_list("kind", "status", "requested_by"))
    assert kinds == [
        (Job.Kind.FETCH_RESULTS, Job.Status.QUEUED, editor.pk),
        (Job.Kind.BUILD_INSERT, Job.Status.QUEUED, editor.pk),
    ]
    assert sent == list(Job.objects.order_by("pk").values_list("pk", flat=True))


def test_starting_a_job_needs_a_post(gard_calendar, client, editor):
    client.force_login(editor)
    assert client.get(reverse("request_fetch", args=["gazette", "30"])).status_code == 405


def test_the_activity_panel_polls_while_a_job_runs_and_stops_after(
    gard_calendar, client, editor, gard, title
):
    client.force_login(editor)
    job = Job.objects.create(kind=Job.Kind.BUILD_INSERT, departement=gard, title=title)
    url = reverse("activity", args=["gazette", "30"])
    busy = client.get(url, headers={"HX-Request": "true"})
    assert busy.status_code == 200
    assert 'hx-trigger="every 1s"' in busy.content.decode()
    job.status = Job.Status.DONE
    job.save()
    idle = client.get(url, headers={"HX-Request": "true"})
    assert idle.status_code == 286  # htmx stops polling
    assert "hx-trigger" not in idle.content.decode()


def test_the_scheduler_jobs_show_on_the_departement_page(gard_calendar, client, editor, gard):
    Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, slot="poll-1")
    client.force_login(editor)
    page = client.get(reverse("departement", args=["gazette", "30"])).content.decode()
    assert "automatique" in page


def test_the_admitted_list_prints_names_as_received(gard_calendar, client, editor):
    client.force_login(editor)
    page = client.get(reverse("results_list", args=["gazette", "30"])).content.decode()
    assert "N&#x27;DIAYE Marie-Ève" in page


def test_the_insert_downloads_as_a_pdf(gard_calendar, client, editor, insert):
    client.force_login(editor)
    response = client.get(reverse("download", args=["gazette", insert.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
