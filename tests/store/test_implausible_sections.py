"""Implausible sections (more admitted than candidates, mostly duplicated rows) are stored but
held from print until an editor confirms them on the insert page."""

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from results.day.content import insert_content
from results.deliberation import jobs, runs
from results.models import (
    AuditEvent,
    Insert,
    Job,
    Notice,
    Result,
    SectionHold,
)
from results.sources.arpent import ArpentClient
from results.store.holds import implausibility
from results.store.sync import sync_results
from tests import world
from tests.upstream import json_response
from tests.world import CGEA, FORET

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
NOW = datetime(2026, 7, 1, 18, 0).astimezone()


@pytest.fixture
def gard_calendar(gard):
    """Two sections of the Gard, of 10 and 40 candidates."""
    world.calendar(gard, FORET, day=DAY, candidates=10)
    world.calendar(gard, CGEA, day=DAY, candidates=40)


@pytest.fixture
def arpent(monkeypatch, upstream, client_for):
    def client(**_):
        return client_for(upstream, max_attempts=1)

    monkeypatch.setattr(ArpentClient, "from_settings", staticmethod(client))
    return upstream


@pytest.fixture(autouse=True)
def _after_the_juries():
    with time_machine.travel(NOW, tick=False):
        yield


def rows(section, count, start=1):
    filiere, option = section
    return [
        {
            "filiere": filiere,
            "option": option,
            "specialite": "",
            "departement": "30",
            "nom": f"ZQNOM{i:03d}",
            "prenoms": "Léa",
            "resultat": "Admission",
        }
        for i in range(start, start + count)
    ]


def fetch(gard):
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
    _, builds = runs.run_fetch(jobs.claim(job.pk))
    return builds


def build_all():
    for job in Job.objects.filter(kind=Job.Kind.BUILD_INSERT, status=Job.Status.QUEUED):
        runs.run_build(jobs.claim(job.pk))


def printed_options(title, gard):
    _, groups = insert_content(title, gard, DAY)
    return {group.option for group in groups}


@pytest.mark.parametrize(
    ("rows_", "distinct", "candidates", "held"),
    [
        (15, 15, 10, False),  # the margin: candidates + 5
        (16, 16, 10, True),
        (16, 16, None, False),  # not in the calendar: no count to compare with
        (6, 3, 40, True),  # a list sent twice: half duplicates
        (6, 4, 40, False),
        (2, 1, 40, False),  # two homonyms are no sign of anything
    ],
)
def test_a_section_is_implausible_beyond_the_margin_or_mostly_duplicated(
    rows_, distinct, candidates, held
):
    assert bool(implausibility(rows_, distinct, candidates)) is held


def test_more_admitted_than_candidates_holds_the_section_out_of_the_build(
    gard_calendar, title, gard, arpent
):
    arpent.answer("/resultats", json_response(rows(FORET, 16) + rows(CGEA, 30, start=100)))
    fetch(gard)
    assert Result.objects.count() == 46
    hold = SectionHold.objects.get()
    assert (hold.filiere, hold.option) == FORET
    assert hold.reason == "16 admis pour 10 candidats au calendrier"
    assert printed_options(title, gard) == {CGEA[1]}
    build_all()
    assert Insert.objects.get().names_count == 30
    notice = Notice.objects.get(title=title, text__contains="section retenue")
    assert "16 admis pour 10 candidats" in notice.text


def test_a_section_mostly_duplicated_is_held(gard_calendar, title, gard, arpent):
    arpent.answer("/resultats", json_response(rows(CGEA, 8) * 2))
    fetch(gard)
    assert SectionHold.objects.get().reason == "8 lignes sur 16 en double exact"
    assert printed_options(title, gard) == set()


def test_the_editor_sees_why_on_the_insert_page_and_confirms_it(
    gard_calendar, client, editor, title, gard, arpent, django_capture_on_commit_callbacks
):
    arpent.answer("/resultats", json_response(rows(FORET, 16) + rows(CGEA, 30, start=100)))
    fetch(gard)
    build_all()
    client.force_login(editor)
    page_url = reverse("insert", args=[title.slug, "30", DAY.isoformat()])
    page = client.get(page_url).content.decode()
    assert "Sections retenues avant impression" in page
    assert "16 admis pour 10 candidats au calendrier" in page
    hold = SectionHold.objects.get()
    confirm = reverse("confirm_section", args=[title.slug, "30", DAY.isoformat(), hold.pk])
    assert f'action="{confirm}"' in page
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = client.post(confirm)
    assert response.status_code == 302 and response.url == page_url
    hold.refresh_from_db()
    assert hold.confirmed_by == editor and not hold.is_held
    [build] = Job.objects.filter(kind=Job.Kind.BUILD_INSERT, status=Job.Status.QUEUED)
    assert (build.day, build.departement_id, build.requested_by) == (DAY, "30", editor)
    # The build goes to a worker once committed (with Redis, the job's change stamp moves too).
    assert [c.__qualname__ for c in sent if "dispatch" in c.__qualname__] == [
        "dispatch.<locals>.deliver"
    ]
    build_all()
    assert Insert.objects.order_by("-number").first().names_count == 46
    assert printed_options(title, gard) == {FORET[1], CGEA[1]}
    page = client.get(page_url).content.decode()
    assert "Sections retenues avant impression" not in page


def test_the_departement_page_leads_to_the_insert_page_where_it_is_confirmed(
    gard_calendar, client, editor, title, gard, arpent
):
    arpent.answer("/resultats", json_response(rows(FORET, 16)))
    fetch(gard)
    client.force_login(editor)
    page = client.get(reverse("departement", args=[title.slug, "30"])).content.decode()
    insert = reverse("insert", args=[title.slug, "30", DAY.isoformat()])
    assert "Sections retenues avant impression" in page
    assert f'href="{insert}#sections-retenues"' in page
    assert "À confirmer sur la page de l'encart du 1 juillet" in page
    # The form is on the insert page only.
    assert 'action="/journal/' not in page.split("sections-retenues")[1].split("</section>")[0]


def test_the_confirmation_is_audited_without_a_name(
    gard_calendar, client, editor, title, gard, arpent
):
    arpent.answer("/resultats", json_response(rows(FORET, 16)))
    fetch(gard)
    client.force_login(editor)
    hold = SectionHold.objects.get()
    client.post(reverse("confirm_section", args=[title.slug, "30", DAY.isoformat(), hold.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.SECTION_CONFIRMED)
    assert event.username == "redac" and event.departement_code == "30"
    assert "Forêt" in event.summary and "16 admis pour 10 candidats" in event.summary
    trail = [
        *AuditEvent.objects.values_list("summary", flat=True),
        *(str(d) for d in AuditEvent.objects.values_list("details", flat=True)),
        *Notice.objects.values_list("text", flat=True),
        *Job.objects.values_list("message", flat=True),
    ]
    assert not [text for text in trail if "ZQNOM" in text]


def test_a_second_confirmation_says_the_section_is_no_longer_held(
    gard_calendar, client, editor, title, gard, arpent
):
    arpent.answer("/resultats", json_response(rows(FORET, 16)))
    fetch(gard)
    client.force_login(editor)
    hold = SectionHold.objects.get()
    url = reverse("confirm_section", args=[title.slug, "30", DAY.isoformat(), hold.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "plus retenue" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SECTION_CONFIRMED).count() == 1


def test_only_a_member_of_a_following_title_may_confirm(gard_calendar, client, title, gard, arpent):
    arpent.answer("/resultats", json_response(rows(FORET, 16)))
    fetch(gard)
    stranger = get_user_model().objects.create_user("autre", password="pw")
    client.force_login(stranger)
    hold = SectionHold.objects.get()
    url = reverse("confirm_section", args=[title.slug, "30", DAY.isoformat(), hold.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code in (404, 405)
    assert SectionHold.objects.get().is_held


def test_a_corrected_list_releases_the_hold_and_a_new_implausible_one_holds_again(
    gard_calendar, gard, upstream, client_for
):
    upstream.answer(
        "/resultats",
        json_response(rows(FORET, 16)),
        json_response(rows(FORET, 9)),
        json_response(rows(FORET, 30)),
    )
    client = client_for(upstream)
    sync_results(client, "30")
    assert SectionHold.objects.get().is_held
    sync_results(client, "30")
    assert not SectionHold.objects.exists()
    report = sync_results(client, "30")
    assert SectionHold.objects.get().reason == "30 admis pour 10 candidats au calendrier"
    assert "section retenue avant impression" in str(report)
