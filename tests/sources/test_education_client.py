"""The data.education.gouv.fr client: typed records, clear errors on bad payloads, retries on
transient failures, and the portal's quota headers honoured."""

import json
import time

import httpx2
import pytest

from results.sources.education import (
    ANNUAIRE,
    LYCEES_PRO,
    SOURCE,
    EducationClient,
    EstablishmentEntry,
    LyceeResultEntry,
    OpenDataError,
    OpenDataPayloadError,
    OpenDataUnavailable,
    from_ods_departement,
    to_ods_departement,
)
from tests.conftest import FIXTURES, FakeUpstream
from tests.upstream import json_response

RECORDS = "/records"
EXPORT = "/exports/json"


def fixture_bytes(name):
    return (FIXTURES / "education" / name).read_bytes()


@pytest.fixture
def portal():
    return FakeUpstream()


@pytest.fixture
def client(portal, sleeps):
    return EducationClient(
        "http://portal.test", transport=httpx2.MockTransport(portal), sleep=sleeps.append
    )


@pytest.mark.parametrize(
    "ours, annuaire", [("30", "030"), ("01", "001"), ("2A", "02A"), ("2B", "02B"), ("971", "971")]
)
def test_it_converts_departement_codes_both_ways(ours, annuaire):
    assert to_ods_departement(ours) == annuaire
    assert from_ods_departement(annuaire) == ours


@pytest.mark.parametrize("value, ours", [("30", "30"), (30, "30"), (7, "07"), ("2b", "2B")])
def test_it_reads_unpadded_departement_codes_too(value, ours):
    assert from_ods_departement(value) == ours


def test_it_refuses_what_is_not_a_departement_code():
    # Our codes only: nothing else may reach an ODSQL where clause.
    for bad in ("3", '30" OR "1"="1', "20", "96", "977", "0300", "", None, True):
        with pytest.raises(ValueError):
            to_ods_departement(bad)
    for bad in ("0300", "ABC", "", None, 3.0, True):
        with pytest.raises(ValueError):
            from_ods_departement(bad)


def test_it_lists_the_agricultural_establishments_of_a_departement(portal, client):
    portal.answer(f"{ANNUAIRE}{RECORDS}", json_response(fixture_bytes("annuaire_records_30.json")))
    establishments = client.agricultural_establishments("30")
    assert establishments[0] == EstablishmentEntry(
        uai="0300120W",
        name="EPLEFPA de Nîmes-Rodilhan",
        kind="Lycée",
        commune="Rodilhan",
        departement="30",
        public=True,
        agricultural=True,
        nature="LYCEE ENSEIGNT GENERAL TECHNOLOGIQUE ET PROFESSIONNEL AGRICOLE",
    )
    assert [e.public for e in establishments] == [True, False, False]
    assert establishments[1].agricultural  # the flag as the number 1
    assert establishments[2].nature == ""  # null upstream
    request = portal.requests[0]
    assert request.url.path == f"/api/explore/v2.1/catalog/datasets/{ANNUAIRE}/records"
    assert request.url.params["where"] == 'code_departement="030" AND lycee_agricole="1"'
    assert request.url.params["limit"] == "100"
    assert request.url.params["offset"] == "0"
    assert request.url.params["order_by"].startswith("nom_etablissement")
    assert "nom_commune" in request.url.params["select"].split(",")


def annuaire_row(number):
    return {
        "identifiant_de_l_etablissement": f"030{number:04d}A",
        "nom_etablissement": f"Maison familiale rurale n° {number}",
        "type_etablissement": "Lycée",
        "statut_public_prive": "Privé",
        "libelle_nature": "MAISON FAMILIALE RURALE",
        "nom_commune": "Alès",
        "code_departement": "030",
        "lycee_agricole": "1",
    }


def test_it_pages_through_records_by_a_hundred(portal, client):
    rows = [annuaire_row(n) for n in range(150)]
    portal.answer(
        RECORDS,
        json_response({"total_count": 150, "results": rows[:100]}),
        json_response({"total_count": 150, "results": rows[100:]}),
    )
    assert len(client.agricultural_establishments("30")) == 150
    assert [r.url.params["offset"] for r in portal.requests] == ["0", "100"]


def test_it_numbers_records_across_pages_in_errors(portal, client):
    rows = [annuaire_row(n) for n in range(150)]
    del rows[120]["nom_commune"]
    portal.answer(
        RECORDS,
        json_response({"total_count": 150, "results": rows[:100]}),
        json_response({"total_count": 150, "results": rows[100:]}),
    )
    with pytest.raises(OpenDataPayloadError) as caught:
        client.agricultural_establishments("30")
    message = str(caught.value)
    assert ANNUAIRE in message
    assert "enregistrement 121 : champ « nom_commune » manquant" in message


def test_it_stops_when_records_cannot_reach_every_row(portal, client):
    portal.answer(RECORDS, json_response({"total_count": 12_000, "results": [annuaire_row(1)]}))
    with pytest.raises(OpenDataError, match="exports") as caught:
        client.agricultural_establishments("30")
    assert not isinstance(caught.value, OpenDataPayloadError | OpenDataUnavailable)
    assert len(portal.requests) == 1


def test_it_reads_the_latest_session_of_lycee_pro_results(portal, client):
    portal.answer(
        f"{LYCEES_PRO}{RECORDS}", json_response(fixture_bytes("lycees_pro_latest_30.json"))
    )
    portal.answer(
        f"{LYCEES_PRO}{EXPORT}", json_response(fixture_bytes("lycees_pro_export_30_2025.json"))
    )
    results = client.lycee_pro_results("30")
    assert results[0] == LyceeResultEntry(
        uai="0300116N",
        name="LP PAUL ELUARD",
        commune="NIMES",
        departement="30",
        public=True,
        session=2025,
        candidates=88,
        success_rate=76.0,
        value_added=-6.0,
    )
    assert results[1].value_added is None
    assert results[1].success_rate == 92.5
    # The old files' text values, and a département without its leading zero.
    assert (results[2].candidates, results[2].success_rate, results[2].value_added) == (
        23,
        87.5,
        3.0,
    )
    assert results[2].public is False
    latest, export = portal.requests
    assert latest.url.params["order_by"] == "annee desc"
    assert latest.url.params["limit"] == "1"
    assert export.url.path.endswith(f"/{LYCEES_PRO}/exports/json")
    assert export.url.params["where"] == (
        '(code_departement="030" OR code_departement="30") AND year(annee)=2025'
    )


def test_it_asks_for_a_given_session_in_one_call(portal, client):
    portal.answer(EXPORT, json_response(fixture_bytes("lycees_pro_export_30_2025.json")))
    assert len(client.lycee_pro_results("30", session=2025)) == 3
    assert len(portal.requests) == 1


def test_it_has_no_results_for_a_departement_absent_from_the_dataset(portal, client):
    portal.answer(RECORDS, json_response({"total_count": 0, "results": []}))
    assert client.lycee_pro_results("976") == []
    assert portal.requests[0].url.params["where"] == 'code_departement="976"'


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"<html>Maintenance</html>", "pas du JSON valide"),
        (b'{"results": []}', "objet {total_count, results} attendu"),
        (b'{"total_count": "3", "results": []}', "objet {total_count, results} attendu"),
        (b'{"total_count": 1, "results": [3]}', "enregistrement 1 : un objet était attendu"),
        (b"[]", "objet {total_count, results} attendu"),
    ],
)
def test_it_rejects_records_that_are_not_the_documented_shape(portal, client, body, expected):
    portal.answer(RECORDS, json_response(body))
    with pytest.raises(OpenDataPayloadError, match=expected) as caught:
        client.agricultural_establishments("30")
    assert caught.value.status == 200
    assert caught.value.body == body


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'{"total_count": 3, "results": []}', "une liste était attendue, reçu dict"),
        (b'[{"uai": "0300116N"}, "x"]', "enregistrement 2 : un objet était attendu"),
        (fixture_bytes("lycees_pro_export_30_2025.json")[:300], "pas du JSON valide"),
    ],
)
def test_it_rejects_an_export_that_is_not_a_list_of_objects(portal, client, body, expected):
    portal.answer(EXPORT, json_response(body))
    with pytest.raises(OpenDataPayloadError, match=expected):
        client.lycee_pro_results("30", session=2025)


def exported_row(**changes):
    row = json.loads(fixture_bytes("lycees_pro_export_30_2025.json"))[0]
    row.update(changes)
    return [row]


@pytest.mark.parametrize(
    "row, expected",
    [
        (exported_row(taux_reu_total="beaucoup"), "« taux_reu_total » : nombre attendu"),
        (exported_row(taux_reu_total=112), "« taux_reu_total » : valeur hors limites"),
        (exported_row(presents_total=12.5), "« presents_total » : entier attendu"),
        (exported_row(va_reu_total=[1]), "« va_reu_total » : nombre attendu"),
        (exported_row(secteur="associatif"), "« secteur » : « associatif » inconnu"),
        (exported_row(annee="2024-01-01T00:00:00+00:00"), "session 2024 au lieu de 2025"),
        (exported_row(annee="l'an dernier"), "« annee » : date ou année attendue"),
        (exported_row(code_departement="034"), "département « 34 » au lieu de « 30 »"),
        (exported_row(code_departement="Gard"), "« code_departement » : code de département"),
        (exported_row(uai=""), "« uai » vide"),
    ],
)
def test_it_names_the_dataset_record_and_field_of_a_bad_value(portal, client, row, expected):
    portal.answer(EXPORT, json_response(row))
    with pytest.raises(OpenDataPayloadError) as caught:
        client.lycee_pro_results("30", session=2025)
    assert f"{LYCEES_PRO} (département 30, session 2025) : enregistrement 1" in str(caught.value)
    assert expected in str(caught.value)


def test_it_rejects_an_unknown_status_or_flag_in_the_annuaire(portal, client):
    rows = json.loads(fixture_bytes("annuaire_records_30.json"))
    rows["results"][2]["lycee_agricole"] = "oui"
    portal.answer(RECORDS, json_response(rows))
    with pytest.raises(OpenDataPayloadError, match="enregistrement 3 : champ « lycee_agricole »"):
        client.agricultural_establishments("30")


def test_it_ignores_unknown_fields_but_not_missing_ones(portal, client):
    row = exported_row(nouveau_champ="x")[0]
    del row["va_reu_total"]
    portal.answer(EXPORT, json_response([row]))
    with pytest.raises(OpenDataPayloadError, match="champ « va_reu_total » manquant"):
        client.lycee_pro_results("30", session=2025)


def test_it_waits_as_long_as_retry_after_says_then_retries(portal, client, sleeps):
    portal.answer(
        RECORDS,
        json_response({"errorcode": 10005}, 429, **{"Retry-After": "3"}),
        json_response(fixture_bytes("annuaire_records_30.json")),
    )
    assert len(client.agricultural_establishments("30")) == 3
    assert sleeps == [3.0]


def test_it_gives_up_after_three_503s(portal, client, sleeps):
    portal.answer(
        RECORDS, json_response(b"<html>503</html>", 503), json_response(b"<html>503</html>", 503)
    )
    with pytest.raises(OpenDataUnavailable, match=r"indisponible \(HTTP 503\) après 3 essai") as e:
        client.agricultural_establishments("30")
    assert e.value.status == 503
    assert len(portal.requests) == 3
    assert len(sleeps) == 2
    assert sleeps[0] < sleeps[1]  # backoff


def test_it_retries_timeouts_and_network_errors(portal, client, sleeps):
    portal.answer(
        RECORDS,
        httpx2.ReadTimeout("slow"),
        httpx2.ConnectError("refused"),
        json_response(fixture_bytes("annuaire_records_30.json")),
    )
    assert len(client.agricultural_establishments("30")) == 3
    assert len(sleeps) == 2


def test_it_does_not_wait_for_a_quota_that_resets_hours_later(portal, client, sleeps):
    reset = int(time.time()) + 3 * 3600
    spent = {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(reset),
    }
    portal.answer(RECORDS, json_response({"errorcode": 10005}, 429, **spent))
    with pytest.raises(OpenDataUnavailable) as caught:
        client.agricultural_establishments("30")
    assert len(portal.requests) == 1
    assert sleeps == []
    assert caught.value.status == 429
    assert 3 * 3600 - 60 < caught.value.retry_after <= 3 * 3600


def test_it_waits_for_a_quota_that_resets_in_a_moment(portal, client, sleeps):
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 5)}
    portal.answer(
        RECORDS,
        json_response({"errorcode": 10005}, 429, **spent),
        json_response(fixture_bytes("annuaire_records_30.json")),
    )
    client.agricultural_establishments("30")
    assert len(sleeps) == 1
    assert 3 < sleeps[0] <= 5


def test_a_spent_quota_outweighs_a_shorter_retry_after(portal, client, sleeps):
    headers = {
        "Retry-After": "2",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(time.time()) + 3600),
    }
    portal.answer(RECORDS, json_response({"errorcode": 10002}, 429, **headers))
    with pytest.raises(OpenDataUnavailable):
        client.agricultural_establishments("30")
    assert sleeps == []


def test_remaining_calls_alone_do_not_slow_a_successful_call(portal, client, sleeps):
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)}
    portal.answer(RECORDS, json_response(fixture_bytes("annuaire_records_30.json"), **headers))
    assert len(client.agricultural_establishments("30")) == 3
    assert sleeps == []


def test_a_refusal_is_not_retried_and_carries_the_portal_message(portal, client, sleeps):
    body = {"error_code": "ODSQLError", "message": "ODSQL query is malformed: Unknown field: x"}
    portal.answer(RECORDS, json_response(body, 400))
    with pytest.raises(OpenDataError, match="HTTP 400 : ODSQLError ODSQL query is malformed") as e:
        client.agricultural_establishments("30")
    assert type(e.value) is OpenDataError
    assert e.value.status == 400
    assert sleeps == []


def test_it_is_built_from_settings(settings):
    settings.EDUCATION_BASE_URL = "https://data.education.gouv.fr"
    settings.EDUCATION_TIMEOUT_S = 4
    settings.EDUCATION_MAX_ATTEMPTS = 2
    with EducationClient.from_settings(max_wait=5) as built:
        assert str(built.http.base_url) == "https://data.education.gouv.fr"
        assert built.http.timeout.read == 4
        assert (built.max_attempts, built.max_wait) == (2, 5)


def test_every_dataset_has_an_attribution():
    assert str(SOURCE[ANNUAIRE]) == (
        "data.education.gouv.fr — Annuaire de l'éducation, Licence Ouverte 2.0"
    )
    assert SOURCE[LYCEES_PRO].url.endswith(f"/explore/dataset/{LYCEES_PRO}/")
