"""A few unreadable rows never hold back the good ones: they are set aside, shown to the
editors and erased by the purge; an answer broken as a whole still changes nothing."""

import io
import logging
from datetime import date, datetime

import httpx2
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from results import tasks
from results.deliberation import jobs, runs
from results.deliberation.retention import purge
from results.models import (
    AuditEvent,
    CalendarRow,
    Departement,
    Fetch,
    HeldRow,
    Insert,
    Job,
    Notice,
    Result,
)
from results.sources.arpent import ArpentClient, ArpentPayloadError
from results.store.sync import sync_calendar, sync_results
from tests import world
from tests.upstream import json_response
from tests.world import CGEA, FORET

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
NOW = datetime(2026, 7, 1, 18, 0).astimezone()
# The prénoms of the unreadable row: shown to editors on the pages, nowhere else.
PLANTED = "Zéphyrine Qwoplante"


@pytest.fixture
def gard_calendar(gard):
    world.calendar(gard, FORET, CGEA, day=DAY, candidates=1600)


@pytest.fixture
def arpent(monkeypatch, upstream, client_for):
    """The app's ARPENT clients reach the test's fake upstream, one attempt per call."""

    def client(**_):
        return client_for(upstream, max_attempts=1)

    monkeypatch.setattr(ArpentClient, "from_settings", staticmethod(client))
    return upstream


@pytest.fixture(autouse=True)
def _after_the_juries():
    with time_machine.travel(NOW, tick=False):
        yield


def row(section, i, **fields):
    filiere, option = section
    return {
        "filiere": filiere,
        "option": option,
        "specialite": "",
        "departement": "30",
        "nom": f"CANDIDAT{i:04d}",
        "prenoms": "Marie",
        "resultat": "Admission",
        **fields,
    }


def three_thousand_rows_one_without_surname():
    rows = [row(FORET if i <= 1500 else CGEA, i) for i in range(1, 3001)]
    rows[1499] = {k: v for k, v in row(FORET, 1500, prenoms=PLANTED).items() if k != "nom"}
    return rows


def fetch(gard, title=None):
    """A fetch job as a worker runs it; returns its build jobs."""
    job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard, title=title)
    _, builds = runs.run_fetch(jobs.claim(job.pk))
    return builds


def test_one_row_without_surname_among_3000_leaves_2999_stored_and_printed_and_1_held(
    gard_calendar, title, gard, arpent
):
    arpent.answer("/resultats", json_response(three_thousand_rows_one_without_surname()))
    builds = fetch(gard)
    assert Result.objects.filter(departement=gard).count() == 2999
    held = HeldRow.objects.get()
    assert (held.endpoint, held.line, held.field) == ("resultats", 1500, "nom")
    assert held.reason == "champ « nom » manquant"
    assert held.values["prenoms"] == PLANTED
    [build] = builds
    runs.run_build(jobs.claim(build.pk))
    insert = Insert.objects.get()
    assert insert.names_count == 2999
    fetched = Fetch.objects.get()
    assert fetched.outcome == Fetch.Outcome.CHANGED
    assert "1 ligne illisible mise de côté" in fetched.summary


def test_the_editors_get_a_notice_without_the_rows_values(
    gard_calendar, title, gard, arpent, caplog
):
    caplog.set_level(logging.DEBUG)
    arpent.answer("/resultats", json_response(three_thousand_rows_one_without_surname()))
    fetch(gard, title)
    notice = Notice.objects.get(title=title)
    assert "1 ligne illisible mise de côté" in notice.text
    said = [
        *Notice.objects.values_list("text", flat=True),
        *AuditEvent.objects.values_list("summary", flat=True),
        *(str(d) for d in AuditEvent.objects.values_list("details", flat=True)),
        *Job.objects.values_list("message", flat=True),
        *Fetch.objects.values_list("summary", flat=True),
        caplog.text,
    ]
    assert not [text for text in said if "Qwoplante" in text]


def test_the_same_rows_set_aside_again_send_no_second_notice(gard_calendar, title, gard, arpent):
    rows = three_thousand_rows_one_without_surname()[:20] + [
        {k: v for k, v in row(FORET, 21).items() if k != "nom"}
    ]
    arpent.answer("/resultats", json_response(rows))
    fetch(gard)
    fetch(gard)
    assert Notice.objects.filter(title=title).count() == 1
    assert HeldRow.objects.count() == 1


def test_the_rows_set_aside_are_shown_on_the_departement_and_insert_pages(
    gard_calendar, client, editor, title, gard, arpent
):
    arpent.answer("/resultats", json_response(three_thousand_rows_one_without_surname()))
    [build] = fetch(gard)
    runs.run_build(jobs.claim(build.pk))
    client.force_login(editor)
    for url in (
        reverse("departement", args=[title.slug, "30"]),
        reverse("insert", args=[title.slug, "30", DAY.isoformat()]),
    ):
        page = client.get(url).content.decode()
        assert "Lignes mises de côté" in page
        assert '<td class="num">1500</td><td>nom</td><td>champ « nom » manquant</td>' in page
        assert PLANTED in page


def test_a_section_with_an_unreadable_row_keeps_the_lines_it_had(
    gard_calendar, gard, upstream, client_for
):
    rows = [row(FORET, i) for i in range(1, 11)]
    upstream.answer(
        "/resultats", json_response(rows), json_response([*rows[:4], {"nom": 3}, *rows[5:]])
    )
    client = client_for(upstream)
    sync_results(client, "30")
    report = sync_results(client, "30")
    assert Result.objects.count() == 10
    assert report.set_aside == 1
    assert HeldRow.objects.get().line == 5


def test_a_row_read_correctly_again_leaves_the_rows_set_aside(
    gard_calendar, gard, upstream, client_for
):
    rows = [row(FORET, i) for i in range(1, 11)]
    broken = [*rows[:4], {**rows[4], "nom": None}, *rows[5:]]
    upstream.answer("/resultats", json_response(broken), json_response(rows))
    client = client_for(upstream)
    sync_results(client, "30")
    assert Result.objects.count() == 9
    sync_results(client, "30")
    assert Result.objects.count() == 10
    assert not HeldRow.objects.exists()


def test_an_answer_mostly_unreadable_is_refused_and_changes_nothing(
    gard_calendar, gard, upstream, client_for
):
    good = [row(FORET, i) for i in range(1, 11)]
    broken = [{k: v for k, v in r.items() if k != "nom"} for r in good[:6]] + good[6:]
    upstream.answer(
        "/resultats", json_response(good[:4] + [{**good[4], "nom": []}]), json_response(broken)
    )
    client = client_for(upstream)
    sync_results(client, "30")
    before = sorted(Result.objects.values_list("nom", flat=True))
    with pytest.raises(ArpentPayloadError, match="6 lignes illisibles sur 10 : réponse refusée"):
        sync_results(client, "30")
    assert sorted(Result.objects.values_list("nom", flat=True)) == before
    assert HeldRow.objects.get().line == 5
    assert Fetch.objects.filter(outcome=Fetch.Outcome.FAILED).count() == 1


def test_an_empty_answer_while_results_are_known_still_changes_nothing(
    gard_calendar, gard, upstream, client_for
):
    upstream.answer(
        "/resultats", json_response([row(FORET, 1), row(FORET, 2), {"nom": "X"}]), json_response([])
    )
    client = client_for(upstream)
    sync_results(client, "30")
    assert sync_results(client, "30").outcome == Fetch.Outcome.REJECTED
    assert Result.objects.count() == 2
    assert HeldRow.objects.count() == 1


def test_a_body_that_is_not_json_still_changes_nothing(gard_calendar, gard, upstream, client_for):
    upstream.answer(
        "/resultats",
        json_response([row(FORET, 1)]),
        httpx2.Response(200, content=b"<html>erreur</html>"),
    )
    client = client_for(upstream)
    sync_results(client, "30")
    with pytest.raises(ArpentPayloadError, match="pas du JSON"):
        sync_results(client, "30")
    assert Result.objects.count() == 1


def test_the_purge_erases_the_rows_set_aside_with_the_results(
    gard_calendar, gard, upstream, client_for
):
    upstream.answer("/resultats", json_response(three_thousand_rows_one_without_surname()[:10]))
    broken = [*three_thousand_rows_one_without_surname()[:3], {**row(FORET, 4), "nom": None}]
    upstream.answers["/resultats"] = [json_response(broken)]
    sync_results(client_for(upstream), "30")
    assert HeldRow.objects.count() == 1
    report = purge(force=True)
    assert not HeldRow.objects.exists()
    assert not Result.objects.exists()
    assert report.others["held_rows"] == 1
    assert "1 ligne mise de côté supprimée" in str(report)


def calendar_row(**fields):
    return {
        "filiere": FORET[0],
        "option": FORET[1],
        "departement": "30",
        "nbCandidats": 52,
        "dateDelib": "2026-07-07",
        **fields,
    }


def test_a_count_given_as_a_numeric_string_is_read_as_a_number(upstream, client_for):
    Departement.objects.create(code="30", name="Gard")
    upstream.answer("/calendriers", json_response([calendar_row(nbCandidats="52")]))
    report = sync_calendar(client_for(upstream), "30")
    assert report.changed and report.set_aside == 0
    assert CalendarRow.objects.get().nb_candidats == 52


def test_a_date_with_a_time_part_is_read_as_its_day(upstream, client_for):
    Departement.objects.create(code="30", name="Gard")
    upstream.answer("/calendriers", json_response([calendar_row(dateDelib="2026-07-07T00:00:00")]))
    sync_calendar(client_for(upstream), "30")
    assert CalendarRow.objects.get().date_delib == date(2026, 7, 7)


def test_an_unreadable_calendar_row_is_set_aside_and_the_others_stored(
    gard_calendar, client, editor, title, gard, upstream, client_for
):
    rows = [
        calendar_row(option="Forêt"),
        calendar_row(option="Aménagements paysagers", nbCandidats="beaucoup"),
        calendar_row(option="Productions horticoles"),
    ]
    upstream.answer("/calendriers", json_response(rows))
    report = sync_calendar(client_for(upstream), "30")
    assert report.set_aside == 1
    assert CalendarRow.objects.filter(date_delib=date(2026, 7, 7)).count() == 2
    held = HeldRow.objects.get()
    assert (held.endpoint, held.line, held.field) == ("calendriers", 2, "nbCandidats")
    client.force_login(editor)
    page = client.get(reverse("departement", args=[title.slug, "30"])).content.decode()
    assert "entier positif attendu, reçu un texte" in page


def calendar_with_an_unreadable_row():
    """Three calendar rows, the second's count unreadable; its option is planted, to show that
    nothing of the row reaches a notice."""
    return [
        calendar_row(option="Forêt"),
        calendar_row(option="Option Qwoplante", nbCandidats="beaucoup"),
        calendar_row(option="Productions horticoles"),
    ]


@pytest.fixture
def referentials(arpent):
    """Empty referentials, which the daily refresh reads before the calendars."""
    for path in ("/departements", "/diplomes", "/sessions"):
        arpent.answer(path, json_response([]))


def test_a_calendar_row_set_aside_gives_each_follower_one_notice_with_its_count_only(
    title, other_title, editor, gard, arpent, mailoutbox, django_capture_on_commit_callbacks
):
    arpent.answer("/calendriers", json_response(calendar_with_an_unreadable_row()))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.refresh_calendar("30")
    assert HeldRow.objects.get().values["option"] == "Option Qwoplante"
    notices = list(Notice.objects.order_by("title__slug"))
    assert [notice.title for notice in notices] == [other_title, title]
    for notice in notices:
        assert "Gard (30) — calendrier ARPENT : 1 ligne illisible mise de côté" in notice.text
    [mail] = mailoutbox
    assert mail.subject == "[La Gazette du Midi] Lignes du calendrier mises de côté pour Gard"
    said = [*(notice.text for notice in notices), mail.subject, mail.body]
    assert not [text for text in said if "Qwoplante" in text or "beaucoup" in text]


def test_the_same_calendar_answer_again_gives_no_second_notice(title, gard, arpent, referentials):
    arpent.answer("/calendriers", json_response(calendar_with_an_unreadable_row()))
    tasks.refresh_calendars()
    tasks.refresh_calendars()
    assert Notice.objects.filter(title=title).count() == 1
    assert HeldRow.objects.count() == 1


def test_a_clean_calendar_gives_no_notice(title, gard, arpent, referentials):
    arpent.answer("/calendriers", json_response([calendar_row()]))
    tasks.refresh_calendars()
    assert CalendarRow.objects.count() == 1
    assert not Notice.objects.exists()


def test_the_fetch_command_tells_the_followers_of_a_calendar_row_set_aside(title, gard, arpent):
    arpent.answer("/calendriers", json_response(calendar_with_an_unreadable_row()))
    arpent.answer("/resultats", json_response([]))
    call_command("fetch", "30", stdout=io.StringIO())
    notice = Notice.objects.get(title=title)
    assert "calendrier ARPENT : 1 ligne illisible mise de côté" in notice.text
