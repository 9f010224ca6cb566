"""The data.education.gouv.fr stand-in: its data, its Explore API paths and shapes, its faults,
and the real client against it in this process."""

import time

import pytest
from django.test import Client

from results.sources.education import EducationClient, OpenDataUnavailable
from sandbox import education, odsql
from sandbox.communes import COMMUNES
from sandbox.departements import DEPARTEMENTS
from sandbox.models import Fault
from tests.django_transport import DjangoTransport

EXPLORE = "/api/explore/v2.1/catalog/datasets"
ANNUAIRE = f"{EXPLORE}/{education.ANNUAIRE}"
LYCEES_PRO = f"{EXPLORE}/{education.LYCEES_PRO}"
AGRICULTURAL_30 = 'code_departement="030" AND lycee_agricole="1"'
QUOTA_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def get(path, **params):
    return Client().get(path, params)


def education_fault(kind, **fields):
    return Fault.objects.create(kind=kind, endpoint=Fault.Endpoint.EDUCATION, **fields)


# --- the data -------------------------------------------------------------------------------


def test_every_departement_has_communes_and_agricultural_and_other_lycees():
    assert set(COMMUNES) == {d.code for d in DEPARTEMENTS}
    for departement in DEPARTEMENTS:
        lycees = education.lycees(departement.code)
        agricultural = [lycee for lycee in lycees if lycee.kind.agricultural]
        assert 1 <= len(agricultural) <= 4, departement.code
        assert agricultural[0].public
        assert len(lycees) - len(agricultural) >= 2, departement.code
        assert {lycee.commune for lycee in lycees} <= set(COMMUNES[departement.code])


def test_uais_are_unique_and_carry_their_check_letter():
    uais = [r["identifiant_de_l_etablissement"] for r in education.annuaire()]
    assert len(uais) == len(set(uais))
    for uai in uais:
        assert len(uai) == 8
        assert uai[7] == education.UAI_KEY[int(uai[:7]) % 23]
    # A real one: the lycée Chaptal, Paris.
    assert education.uai("75", 663) == "0750663N"
    assert education.uai("2A", 12).startswith("620")


def test_it_elides_before_vowels_and_articles():
    assert [education.of(c) for c in ("Nîmes", "Alès", "Le Vigan", "Les Andelys", "Évreux")] == [
        "de Nîmes",
        "d'Alès",
        "du Vigan",
        "des Andelys",
        "d'Évreux",
    ]


def test_lycees_pro_results_cover_vocational_lycees_and_few_agricultural_ones():
    rows = education.lycees_pro()
    by_uai = {lycee.uai: lycee for d in DEPARTEMENTS for lycee in education.lycees(d.code)}
    assert {row["annee"][:4] for row in rows} == {"2022", "2023", "2024", "2025"}
    assert all(by_uai[row["uai"]].kind.voies[2] for row in rows)
    departements = {row["code_departement"] for row in rows}
    assert departements == {d.code.zfill(3) for d in DEPARTEMENTS}
    agricultural = {row["code_departement"] for row in rows if by_uai[row["uai"]].kind.agricultural}
    assert 0 < len(agricultural) < len(DEPARTEMENTS) / 5
    assert all(row["presents_total"] >= education.IVAL_THRESHOLD for row in rows)
    assert all(row["va_reu_total"] is None for row in rows if row["code_departement"] == "976")


# --- paths and shapes -----------------------------------------------------------------------


def test_records_answer_a_page_with_the_total_and_the_quota_headers(db):
    response = get(f"{ANNUAIRE}/records", limit=5)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert set(data) == {"total_count", "results"}
    assert data["total_count"] == len(education.annuaire())
    assert len(data["results"]) == 5
    assert all(header in response for header in QUOTA_HEADERS)
    assert int(response["X-RateLimit-Reset"]) > time.time()


def test_records_default_to_ten(db):
    assert len(get(f"{ANNUAIRE}/records").json()["results"]) == 10


def test_the_agricultural_filter_uses_the_annuaires_three_character_code(db):
    data = get(f"{ANNUAIRE}/records", where=AGRICULTURAL_30, limit=100).json()
    expected = [lycee.uai for lycee in education.lycees("30") if lycee.kind.agricultural]
    assert sorted(r["identifiant_de_l_etablissement"] for r in data["results"]) == sorted(expected)
    assert data["total_count"] == len(expected)
    assert {r["code_departement"] for r in data["results"]} == {"030"}
    assert {r["lycee_agricole"] for r in data["results"]} == {"1"}
    everything = get(f"{ANNUAIRE}/records", where='code_departement="030"', limit=100).json()
    assert everything["total_count"] > data["total_count"]
    # "30" is not how the annuaire writes the Gard.
    assert get(f"{ANNUAIRE}/records", where='code_departement="30"').json()["total_count"] == 0


def test_refine_select_and_order_by(db):
    data = get(
        f"{ANNUAIRE}/records",
        refine=["code_departement:030", 'lycee_agricole:"1"'],
        select="nom_etablissement, nom_commune",
        order_by="nom_etablissement desc",
        limit=100,
    ).json()
    names = [r["nom_etablissement"] for r in data["results"]]
    assert names == sorted(names, reverse=True)
    assert set(data["results"][0]) == {"nom_etablissement", "nom_commune"}


def test_exports_return_every_matching_row_as_a_bare_array(db):
    response = get(f"{LYCEES_PRO}/exports/json")
    assert response.status_code == 200
    assert len(response.json()) == len(education.lycees_pro()) > odsql.RECORDS_MAX_LIMIT
    assert all(header in response for header in QUOTA_HEADERS)
    rows = get(
        f"{LYCEES_PRO}/exports/json",
        where='(code_departement="030" OR code_departement="30") AND year(annee)=2024',
        order_by="libelle_uai",
    ).json()
    assert rows
    assert {(r["code_departement"], r["annee"][:4]) for r in rows} == {("030", "2024")}
    assert [r["libelle_uai"] for r in rows] == sorted(r["libelle_uai"] for r in rows)


def test_the_latest_session_of_a_departement(db):
    data = get(
        f"{LYCEES_PRO}/records",
        select="annee",
        where='code_departement="030"',
        order_by="annee desc",
        limit=1,
    ).json()
    assert data["results"] == [{"annee": "2025-01-01T00:00:00+00:00"}]


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": -2}, {"limit": "many"}])
def test_a_limit_above_a_hundred_is_refused_like_the_portal_does(db, params):
    response = get(f"{ANNUAIRE}/records", **params)
    assert response.status_code == 400
    assert response.json()["error_code"] == "InvalidRESTParameterError"
    assert set(response.json()) == {"error_code", "message"}
    assert "X-RateLimit-Remaining" in response


def test_records_stop_at_offset_plus_limit_of_ten_thousand(db):
    assert get(f"{ANNUAIRE}/records", offset=9900, limit=100).json()["results"] == []
    response = get(f"{ANNUAIRE}/records", offset=9901, limit=100)
    assert response.status_code == 400
    assert response.json()["error_code"] == "InvalidRESTParameterError"
    assert "10000" in response.json()["message"]


@pytest.mark.parametrize(
    "where",
    [
        'nom = "x"',
        'startswith(uai, "030")',
        'code_departement = "030" AND',
        'code_departement "030"',
        "(lycee_agricole = '1'",
    ],
)
def test_a_where_clause_the_stand_in_cannot_read_is_an_odsql_error(db, where):
    response = get(f"{ANNUAIRE}/records", where=where)
    assert response.status_code == 400
    assert response.json()["error_code"] == "ODSQLError"


def test_an_unknown_dataset_is_a_404_in_the_portals_shape(db):
    response = get(f"{EXPLORE}/fr-en-lycees-agricoles/records")
    assert response.status_code == 404
    assert set(response.json()) == {"error_code", "message"}
    assert "X-RateLimit-Limit" in response


def test_it_exports_json_only_and_reads_only(db):
    assert get(f"{ANNUAIRE}/exports/csv").status_code == 400
    assert Client().post(f"{ANNUAIRE}/records").status_code == 405


def test_the_where_clause_language():
    rows = [{"a": "1", "n": 3, "d": "2024-01-01"}, {"a": "2", "n": 5, "d": None}]
    fields = rows[0].keys()

    def matching(text):
        return [row["a"] for row in rows if odsql.where(text, fields)(row)]

    assert matching("") == ["1", "2"]
    assert matching('a="1" OR n >= 5') == ["1", "2"]
    assert matching('NOT (a = "1") and n = 5') == ["2"]
    assert matching('a IN ("2", "3")') == ["2"]
    assert matching("year(d) = 2024") == ["1"]
    assert matching("a = 1") == ["1"]
    assert matching("d != '2024-01-01'") == ["2"]


# --- faults ---------------------------------------------------------------------------------


def test_a_fault_without_a_count_keeps_the_stand_in_down(db):
    education_fault(Fault.Kind.HTTP_ERROR, status=503)
    for _ in range(3):
        response = get(f"{LYCEES_PRO}/exports/json")
        assert response.status_code == 503
        assert set(response.json()) == {"error_code", "message"}
    # ARPENT's stand-in is another endpoint: still up.
    assert Client().get("/arpent-resultats-api/api/arpent-resultats/diplomes").status_code == 200


def test_a_fault_can_be_kept_to_one_departement(db):
    education_fault(Fault.Kind.HTTP_ERROR, status=502, departement="30")
    assert get(f"{ANNUAIRE}/records", where=AGRICULTURAL_30).status_code == 502
    assert get(f"{ANNUAIRE}/records", where='code_departement="034"').status_code == 200


def test_a_short_rate_limit_says_when_to_come_back(db):
    education_fault(Fault.Kind.RATE_LIMIT, retry_after=2, remaining=1)
    response = get(f"{ANNUAIRE}/records")
    assert response.status_code == 429
    assert response["Retry-After"] == "2"
    assert response["X-RateLimit-Remaining"] == "0"
    assert int(response["X-RateLimit-Reset"]) <= time.time() + 2
    assert response.json()["errorcode"] == 10005
    assert get(f"{ANNUAIRE}/records").status_code == 200


def test_a_spent_daily_quota_resets_at_midnight_utc(db):
    education_fault(Fault.Kind.RATE_LIMIT)
    response = get(f"{ANNUAIRE}/records")
    assert response.status_code == 429
    assert "Retry-After" not in response
    assert int(response["X-RateLimit-Reset"]) % 86400 == 0
    assert 0 < int(response["X-RateLimit-Reset"]) - time.time() <= 86400


def test_payload_faults_apply_to_the_stand_in_too(db):
    education_fault(Fault.Kind.MISSING_FIELD, field="libelle_uai", remaining=1)
    rows = get(f"{LYCEES_PRO}/exports/json").json()
    assert sum("libelle_uai" not in row for row in rows) == 1
    education_fault(Fault.Kind.NON_JSON, remaining=1)
    assert get(f"{LYCEES_PRO}/exports/json")["Content-Type"].startswith("text/plain")


# --- the real client against the stand-in ---------------------------------------------------


@pytest.fixture
def stand_in(db, sleeps):
    with EducationClient(
        "http://testserver", transport=DjangoTransport(), sleep=sleeps.append
    ) as client:
        yield client


def test_the_client_reads_the_stand_in(stand_in):
    establishments = stand_in.agricultural_establishments("30")
    expected = [lycee for lycee in education.lycees("30") if lycee.kind.agricultural]
    assert sorted(e.uai for e in establishments) == sorted(lycee.uai for lycee in expected)
    assert [e.name for e in establishments] == sorted(e.name for e in establishments)
    assert all(e.agricultural and e.departement == "30" for e in establishments)

    results = stand_in.lycee_pro_results("30")
    assert results
    assert {r.session for r in results} == {2025}
    assert {r.departement for r in results} == {"30"}
    vocational = {lycee.uai for lycee in education.lycees("30") if lycee.kind.voies[2]}
    assert {r.uai for r in results} <= vocational
    assert stand_in.lycee_pro_results("2A", session=2022)[0].departement == "2A"
    assert all(r.value_added is None for r in stand_in.lycee_pro_results("976"))


def test_the_client_finds_the_stand_in_down(stand_in, sleeps):
    education_fault(Fault.Kind.HTTP_ERROR, status=503)
    with pytest.raises(OpenDataUnavailable) as caught:
        stand_in.lycee_pro_results("30")
    assert caught.value.status == 503
    assert len(sleeps) == 2


def test_the_client_waits_out_a_short_rate_limit(stand_in, sleeps):
    education_fault(Fault.Kind.RATE_LIMIT, retry_after=1, remaining=1)
    assert stand_in.agricultural_establishments("48")
    assert sleeps == [1.0]


def test_the_client_gives_up_on_a_spent_quota_at_once(stand_in, sleeps):
    education_fault(Fault.Kind.RATE_LIMIT)
    with pytest.raises(OpenDataUnavailable) as caught:
        stand_in.agricultural_establishments("48")
    assert sleeps == []
    assert caught.value.retry_after > 0
