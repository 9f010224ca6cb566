"""Sync: idempotent, atomic, and never wiping good data on a bad answer."""

import httpx2
import pytest

from results.models import CalendarRow, Fetch, Result
from results.sources.arpent import ArpentPayloadError, ArpentUnavailable
from results.store.sync import store_results, sync_calendar, sync_results
from tests.conftest import fixture_bytes, fixture_json
from tests.upstream import json_response

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(Result.objects.values_list("id", "nom", "prenoms", "resultat", "occurrence"))


def test_it_stores_results_with_homonyms_kept_apart(gard, upstream, client_for):
    upstream.answer("/resultats", json_response(fixture_bytes("resultats_30.json")))
    report = sync_results(client_for(upstream), "30")
    assert report.changed
    assert report.created == 7
    martins = Result.objects.filter(nom="MARTIN", prenoms="Léa")
    assert sorted(martins.values_list("occurrence", flat=True)) == [0, 1]
    fetch = Fetch.objects.get()
    assert fetch.outcome == Fetch.Outcome.CHANGED
    assert fetch.row_count == 7
    assert fetch.http_status == 200
    assert "GRANGER" in fetch.payload
    assert len(fetch.content_hash) == 64


def test_the_same_answer_twice_changes_nothing_and_says_so(gard, upstream, client_for):
    upstream.answer("/resultats", json_response(fixture_bytes("resultats_30.json")))
    sync_results(client_for(upstream), "30")
    before = snapshot()
    report = sync_results(client_for(upstream), "30")
    assert report.outcome == Fetch.Outcome.UNCHANGED
    assert "rien de nouveau" in str(report)
    assert snapshot() == before
    second = Fetch.objects.order_by("-started_at").first()
    assert second.outcome == Fetch.Outcome.UNCHANGED
    assert second.payload == ""  # the payload is kept once per distinct content


def test_the_same_rows_in_another_order_change_nothing(gard, upstream, client_for):
    rows = fixture_json("resultats_30.json")
    upstream.answer("/resultats", json_response(rows), json_response(list(reversed(rows))))
    client = client_for(upstream)
    sync_results(client, "30")
    before = snapshot()
    assert sync_results(client, "30").outcome == Fetch.Outcome.UNCHANGED
    assert snapshot() == before


def test_new_names_in_a_section_are_added_and_others_untouched(gard, upstream, client_for):
    rows = fixture_json("resultats_30.json")
    extra = dict(rows[5], nom="ZOLA", prenoms="Émile")
    upstream.answer("/resultats", json_response(rows), json_response([*rows, extra]))
    client = client_for(upstream)
    sync_results(client, "30")
    bac_pro_ids = set(
        Result.objects.filter(filiere="Baccalauréat Professionnel").values_list("id", flat=True)
    )
    report = sync_results(client, "30")
    assert (report.created, report.deleted) == (1, 0)
    assert Result.objects.filter(nom="ZOLA").exists()
    # The Bac pro section did not change, so its rows were not rewritten.
    assert bac_pro_ids == set(
        Result.objects.filter(filiere="Baccalauréat Professionnel").values_list("id", flat=True)
    )


@pytest.mark.parametrize(
    "bad",
    [
        httpx2.Response(200, content=b'[{"filiere": "Baccalaur'),
        httpx2.Response(200, content=b"<html>Erreur</html>", headers={"Content-Type": "text/html"}),
        json_response([{"filiere": "BTSA", "option": "x", "departement": "30"}]),
    ],
)
def test_a_malformed_answer_alters_no_stored_row(gard, upstream, client_for, bad):
    upstream.answer("/resultats", json_response(fixture_bytes("resultats_30.json")), bad)
    client = client_for(upstream)
    sync_results(client, "30")
    before = snapshot()
    with pytest.raises(ArpentPayloadError):
        sync_results(client, "30")
    assert snapshot() == before
    failed = Fetch.objects.order_by("-started_at").first()
    assert failed.outcome == Fetch.Outcome.FAILED
    assert failed.payload == bad.content.decode()
    assert failed.summary


def test_an_unavailable_upstream_is_recorded_and_alters_nothing(gard, upstream, client_for):
    upstream.answer(
        "/resultats", json_response(fixture_bytes("resultats_30.json")), httpx2.Response(503)
    )
    client = client_for(upstream, max_attempts=2)
    sync_results(client, "30")
    before = snapshot()
    with pytest.raises(ArpentUnavailable):
        sync_results(client, "30")
    assert snapshot() == before
    failed = Fetch.objects.order_by("-started_at").first()
    assert (failed.outcome, failed.http_status) == (Fetch.Outcome.FAILED, 503)


def test_an_empty_answer_where_we_hold_results_is_rejected(gard, upstream, client_for):
    upstream.answer(
        "/resultats", json_response(fixture_bytes("resultats_30.json")), json_response([])
    )
    client = client_for(upstream)
    sync_results(client, "30")
    before = snapshot()
    report = sync_results(client, "30")
    assert report.outcome == Fetch.Outcome.REJECTED
    assert "7 résultats sont enregistrés" in str(report)
    assert snapshot() == before


def test_a_section_missing_from_the_answer_is_kept(gard):
    from results.sources.arpent import ResultEntry

    def entry(filiere, nom):
        return ResultEntry(filiere, "Option", "", "30", nom, "Léa", "Admission")

    store_results("30", [entry("BTSA", "A"), entry("CAPa", "B")])
    report = store_results("30", [entry("BTSA", "A")])
    assert report.outcome == Fetch.Outcome.UNCHANGED
    assert "absente" in str(report)
    assert Result.objects.filter(nom="B").exists()


def test_a_section_or_answer_made_only_of_left_out_rows_is_neither_missing_nor_empty(gard):
    from results.sources.arpent import ResultEntry

    def entry(filiere, nom):
        return ResultEntry(filiere, "Option", "", "30", nom, "Léa", "Admission")

    store_results("30", [entry("BTSA", "A"), entry("CAPa", "B")])
    objected = entry("CAPa", "B")
    # Its section is in the answer, with no row left to store: the stored row goes.
    report = store_results("30", [entry("BTSA", "A"), objected], left_out=[objected])
    assert (report.outcome, report.deleted, report.left_out) == (Fetch.Outcome.CHANGED, 1, 1)
    assert "absente" not in str(report)
    assert not Result.objects.filter(nom="B").exists()
    # An answer of left-out rows only is not an empty answer: what it does not list is kept.
    report = store_results("30", [objected], left_out=[objected])
    assert report.outcome == Fetch.Outcome.UNCHANGED and "absente" in str(report)
    assert Result.objects.filter(nom="A").exists()


def test_a_calendar_is_stored_then_updated_in_place(gard, upstream, client_for):
    rows = fixture_json("calendriers_30.json")
    moved = [dict(rows[0], nbCandidats=90), *rows[1:]]
    upstream.answer("/calendriers", json_response(rows), json_response(rows), json_response(moved))
    client = client_for(upstream)
    assert sync_calendar(client, "30").created == 3
    assert sync_calendar(client, "30").outcome == Fetch.Outcome.UNCHANGED
    report = sync_calendar(client, "30")
    assert (report.created, report.updated) == (0, 1)
    assert CalendarRow.objects.get(nb_candidats=90).filiere == "Baccalauréat Professionnel"


def test_an_empty_calendar_never_wipes_the_known_one(gard, upstream, client_for):
    rows = fixture_json("calendriers_30.json")
    upstream.answer("/calendriers", json_response(rows), json_response([]))
    client = client_for(upstream)
    sync_calendar(client, "30")
    assert sync_calendar(client, "30").outcome == Fetch.Outcome.REJECTED
    assert CalendarRow.objects.count() == 3


def test_calendar_changes_are_flagged_for_the_desk(gard, upstream, client_for):
    rows = fixture_json("calendriers_30.json")
    bac_pro, btsa, capa = rows
    later = [
        dict(bac_pro, dateDelib="2026-07-06"),  # moved
        dict(btsa, nbCandidats=45),  # count changed
        capa,
        dict(capa, option="Métiers de l'agriculture", nbCandidats=12),  # new
    ]
    upstream.answer("/calendriers", json_response(rows), json_response(later))
    client = client_for(upstream)
    sync_calendar(client, "30")
    assert set(CalendarRow.objects.values_list("last_change", flat=True)) == {""}

    report = sync_calendar(client, "30")
    assert (report.created, report.updated) == (1, 2)
    moved = CalendarRow.objects.get(filiere=bac_pro["filiere"])
    assert moved.last_change == CalendarRow.Change.MOVED
    assert (str(moved.date_delib), str(moved.previous_date)) == ("2026-07-06", "2026-07-03")
    counted = CalendarRow.objects.get(option="Viticulture-œnologie")
    assert (counted.last_change, counted.previous_nb_candidats, counted.nb_candidats) == (
        CalendarRow.Change.COUNT,
        41,
        45,
    )
    assert CalendarRow.objects.get(option="Métiers de l'agriculture").last_change == "new"
    assert CalendarRow.objects.get(option="Jardinier paysagiste").last_change == ""
    assert CalendarRow.objects.count() == 4


def test_a_calendar_row_missing_from_an_answer_is_kept_and_flagged(gard, upstream, client_for):
    rows = fixture_json("calendriers_30.json")
    upstream.answer(
        "/calendriers", json_response(rows), json_response(rows[1:]), json_response(rows)
    )
    client = client_for(upstream)
    sync_calendar(client, "30")
    report = sync_calendar(client, "30")
    assert "1 lignes absentes" in str(report)
    flagged = CalendarRow.objects.get(filiere=rows[0]["filiere"])
    assert flagged.missing_since is not None
    sync_calendar(client, "30")
    flagged.refresh_from_db()
    assert flagged.missing_since is None
