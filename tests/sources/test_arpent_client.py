"""The ARPENT client: typed records, clear errors on bad payloads, retries on transient ones."""

import json
from datetime import date

import httpx2
import pytest

from results.sources.arpent import ArpentPayloadError, ArpentRefused, ArpentUnavailable
from tests.conftest import fixture_bytes
from tests.upstream import json_response


def test_it_parses_a_calendar_into_typed_rows(upstream, client_for):
    upstream.answer("/calendriers", json_response(fixture_bytes("calendriers_30.json")))
    answer = client_for(upstream).calendar("30")
    assert answer.status == 200
    assert len(answer.records) == 3
    first = answer.records[0]
    assert first.nb_candidats == 84
    assert first.date_delib == date(2026, 7, 3)
    assert first.departement == "30"
    assert upstream.requests[0].url.params["departement"] == "30"
    assert len(answer.content_hash) == 64


def test_it_parses_results_and_keeps_names_as_received(upstream, client_for):
    upstream.answer("/resultats", json_response(fixture_bytes("resultats_30.json")))
    records = client_for(upstream).results("30").records
    assert [r.nom for r in records][:2] == ["GRANGER", "N'DIAYE"]
    assert records[1].prenoms == "Marie-Ève"
    assert records[4].nom == "CŒUR"
    assert records[5].specialite == ""  # null upstream
    assert records[0].specialite == "Spécialité : Vigne et vin"


def test_it_sends_the_api_key_when_configured(upstream, client_for):
    upstream.answer("/calendriers", json_response(b"[]"))
    client_for(upstream, api_key="secret", api_key_header="X-Gateway-Key").calendar("30")
    assert upstream.requests[0].headers["X-Gateway-Key"] == "secret"


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"<html><body>Maintenance</body></html>", "pas du JSON valide"),
        (fixture_bytes("resultats_30.json")[:200], "pas du JSON valide"),
        (b'{"status": 200}', "une liste était attendue"),
        (b"[1, 2]", "ligne 1 : un objet était attendu"),
    ],
)
def test_it_rejects_a_body_that_is_not_a_list_of_objects(upstream, client_for, body, expected):
    upstream.answer("/resultats", json_response(body))
    with pytest.raises(ArpentPayloadError, match=expected) as caught:
        client_for(upstream).results("30")
    assert caught.value.status == 200
    assert caught.value.body == body


def test_it_sets_aside_a_row_missing_a_field_with_its_line_and_field(upstream, client_for):
    rows = fixture_bytes("resultats_30.json").replace(b'"nom": "MARTIN", ', b"", 1)
    upstream.answer("/resultats", json_response(rows))
    answer = client_for(upstream).results("30")
    assert len(answer.records) == len(json.loads(rows)) - 1
    [bad] = answer.bad_rows
    assert (bad.line, bad.field, bad.reason) == (3, "nom", "champ « nom » manquant")


def test_it_sets_aside_a_count_that_is_not_a_number(upstream, client_for):
    upstream.answer(
        "/calendriers",
        json_response(
            fixture_bytes("calendriers_30.json").replace(
                b'"nbCandidats": 84', b'"nbCandidats": "beaucoup"'
            )
        ),
    )
    [bad] = client_for(upstream).calendar("30").bad_rows
    assert bad.field == "nbCandidats"


def test_it_sets_aside_a_bad_date(upstream, client_for):
    upstream.answer(
        "/calendriers",
        json_response(fixture_bytes("calendriers_30.json").replace(b"2026-07-03", b"03/07/2026")),
    )
    [bad] = client_for(upstream).calendar("30").bad_rows
    assert bad.field == "dateDelib"


def test_it_rejects_rows_of_another_departement(upstream, client_for):
    upstream.answer("/resultats", json_response(fixture_bytes("resultats_30.json")))
    with pytest.raises(ArpentPayloadError, match="département « 30 » au lieu de « 34 »"):
        client_for(upstream).results("34")


def test_it_retries_server_errors_with_backoff_then_succeeds(upstream, client_for, sleeps):
    upstream.answer(
        "/calendriers",
        httpx2.Response(503),
        httpx2.Response(502, text="<html>Bad gateway</html>"),
        json_response(b"[]"),
    )
    answer = client_for(upstream).calendar("30")
    assert answer.records == []
    assert len(sleeps) == 2
    assert 0.3 < sleeps[0] < sleeps[1] < 1.5


def test_it_honours_retry_after_on_429(upstream, client_for, sleeps):
    upstream.answer(
        "/calendriers", httpx2.Response(429, headers={"Retry-After": "7"}), json_response(b"[]")
    )
    client_for(upstream).calendar("30")
    assert sleeps == [7.0]


def test_it_gives_up_after_its_attempts_with_a_transient_error(upstream, client_for, sleeps):
    upstream.answer("/resultats", httpx2.Response(500, json={"status": 500}))
    with pytest.raises(ArpentUnavailable, match="HTTP 500") as caught:
        client_for(upstream, max_attempts=3).results("30")
    assert caught.value.status == 500
    assert len(sleeps) == 2
    assert len(upstream.requests) == 3


def test_it_hands_a_long_retry_after_back_to_the_caller(upstream, client_for, sleeps):
    upstream.answer("/resultats", httpx2.Response(429, headers={"Retry-After": "600"}))
    with pytest.raises(ArpentUnavailable) as caught:
        client_for(upstream, max_wait=30).results("30")
    assert caught.value.retry_after == 600
    assert sleeps == []


def test_it_retries_timeouts_and_network_errors(upstream, client_for, sleeps):
    upstream.answer(
        "/resultats",
        httpx2.ReadTimeout("slow"),
        httpx2.ConnectError("refused"),
        json_response(b"[]"),
    )
    assert client_for(upstream).results("30").records == []
    assert len(sleeps) == 2


def test_it_does_not_retry_a_refusal(upstream, client_for, sleeps):
    upstream.answer("/resultats", httpx2.Response(401, json={"status": 401}))
    with pytest.raises(ArpentRefused, match="HTTP 401"):
        client_for(upstream).results("30")
    assert sleeps == []
    assert len(upstream.requests) == 1


def test_it_keeps_the_leading_zero_of_numeric_departement_ids(upstream, client_for):
    upstream.answer(
        "/departements",
        json_response(b'[{"id": 1, "libelle": "Ain", "region": "Auvergne-Rh\\u00f4ne-Alpes"}]'),
    )
    assert client_for(upstream).departements().records[0].code == "01"
