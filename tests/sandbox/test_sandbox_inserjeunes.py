"""The InserJeunes stand-in over HTTP: figures for any code, upstream's 404s and 400s, faults,
and the real client reaching it in this process."""

from io import StringIO

import pytest
from django.core.management import call_command

from results.sources.inserjeunes import InserJeunesClient, InserJeunesUnavailable
from sandbox import inserjeunes
from sandbox.models import Fault
from tests import world
from tests.django_transport import DjangoTransport

API = "/api/inserjeunes"
# The endpoint of both routes' faults.
INSERJEUNES = Fault.Endpoint.INSERJEUNES
CODE = "40321104"
A6_FIELDS = {
    "millesime",
    "code_certification",
    "code_certification_type",
    "code_formation_diplome",
    "filiere",
    "libelle",
    "diplome",
    "nb_annee_term",
    "nb_sortant",
    "nb_poursuite_etudes",
    "nb_en_emploi_6_mois",
    "taux_en_emploi_6_mois",
    "taux_en_formation",
    "taux_autres_6_mois",
    "_meta",
}
BOOM = {"statusCode", "error", "message"}

pytestmark = pytest.mark.django_db


def national(client, code=CODE, **params):
    return client.get(f"{API}/certifications/{code}", params)


def regional(client, region="76", code=CODE, **params):
    return client.get(f"{API}/regionales/{region}/certifications/{code}", params)


def find_code(accept, kind="cfd"):
    """The first stand-in code (CFD or MEFSTAT11) whose certification passes `accept`."""
    for n in range(10_000):
        code = f"403{n:05d}" if kind == "cfd" else f"276{n:08d}"
        cert = inserjeunes.certification(code)
        if cert is not None and accept(cert):
            return code
    raise AssertionError("no such code")


def test_national_figures_have_upstreams_fields_and_need_no_login(client):
    response = national(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert A6_FIELDS <= set(body)
    assert body["code_certification"] == CODE
    assert body["code_certification_type"] == "cfd"
    assert body["filiere"] == "apprentissage"
    assert body["diplome"] == {"code": "4", "libelle": "BAC PRO AG"}
    assert body["_meta"]["titre"] == f"Certification {CODE}"
    assert "region" not in body


def test_the_latest_national_vintage_is_the_default(client):
    assert national(client).json()["millesime"] == "2024"
    assert national(client, millesime="2021").json()["millesime"] == "2021"


def test_figures_are_the_same_on_every_call_and_differ_between_codes(client):
    assert national(client).json() == national(client).json()
    leavers = {national(client, f"4032110{n}").json()["nb_annee_term"] for n in range(5)}
    assert len(leavers) > 1


def test_counts_and_rates_agree_and_stay_realistic():
    for n in range(400):
        cert = inserjeunes.certification(f"{n:08d}")
        for millesime in cert.national_vintages:
            stats = inserjeunes.national(cert, millesime)
            leavers = stats["nb_annee_term"]
            assert 10 <= leavers <= 3000
            assert stats["nb_sortant"] + stats["nb_poursuite_etudes"] == leavers
            assert stats["nb_en_emploi_6_mois"] <= stats["nb_en_emploi_24_mois"]
            assert stats["nb_en_emploi_24_mois"] <= stats["nb_sortant"]
            if leavers < 20:
                assert stats["taux_en_emploi_6_mois"] is None
                continue
            employed, further = stats["taux_en_emploi_6_mois"], stats["taux_en_formation"]
            assert 35 <= employed <= 75
            assert 20 <= further <= 65
            assert employed + further + stats["taux_autres_6_mois"] == 100
            assert further == round(100 * stats["nb_poursuite_etudes"] / leavers)


def test_small_cohorts_have_their_rates_withheld_with_upstreams_message(client):
    code = find_code(lambda c: inserjeunes.national(c, "2024")["nb_annee_term"] < 20)
    body = national(client, code, millesime="2024").json()
    assert body["nb_annee_term"] < 20
    assert body["taux_en_emploi_6_mois"] is None
    assert body["taux_en_formation"] is None
    assert body["_meta"]["messages"] == [inserjeunes.WITHHELD]


def test_a_vintage_without_figures_is_a_404_naming_those_there_are(client):
    response = national(client, millesime="2019")
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "Pas de données pour le millésime",
        "data": {"millesime": "2019", "millesimesDisponible": ["2021", "2022", "2023", "2024"]},
    }


def test_a_closed_diploma_has_no_latest_vintage(client):
    code = find_code(lambda c: c.last == 2 and c.first == 0 and inserjeunes.has_regional(c, "76"))
    # Nationally the default is the latest the diploma has; regionally, the latest period.
    assert national(client, code).json()["millesime"] == "2023"
    response = regional(client, code=code)
    assert response.status_code == 404
    assert response.json()["data"] == {
        "millesime": "2023_2024",
        "millesimesDisponible": ["2020_2021", "2021_2022", "2022_2023"],
    }


def test_regional_figures_name_their_region_and_period(client):
    code = find_code(lambda c: inserjeunes.has_regional(c, "76") and c.last == 3)
    body = regional(client, code=code).json()
    assert A6_FIELDS <= set(body)
    assert body["region"] == {"code": "76", "nom": "Occitanie"}
    assert body["millesime"] == "2023_2024"
    assert regional(client, code=code, millesime="2022").json()["millesime"] == "2021_2022"


def test_the_agricultural_school_track_has_no_regional_figures(client):
    code = find_code(lambda c: True, kind="mef11")
    assert national(client, code).json()["filiere"] == "agricole"
    response = regional(client, code=code)
    assert response.status_code == 404
    assert response.json()["message"] == "Pas de données disponibles"


def test_about_a_third_of_apprenticeship_codes_have_no_regional_figures():
    certs = [inserjeunes.certification(f"{n:08d}") for n in range(600)]
    share = sum(not c.has_regional for c in certs) / len(certs)
    assert 0.25 < share < 0.42


@pytest.mark.parametrize("region", ["00", "06"])
def test_regions_outside_inserjeunes_have_no_figures(client, region):
    code = find_code(lambda c: c.has_regional)
    assert regional(client, region, code).json()["message"] == "Pas de données disponibles"


def test_codes_ending_in_z_are_unknown_everywhere(client):
    response = national(client, "4032110Z")
    assert response.status_code == 404
    assert set(response.json()) == BOOM
    assert response.json()["message"] == "Certification inconnue"
    assert regional(client, code="4032110Z").json()["message"] == "Pas de données disponibles"


@pytest.mark.parametrize(
    "path, params, kind",
    [
        (f"{API}/certifications/4032110", {}, "code_certification.invalid"),
        (f"{API}/certifications/40321104.svg", {}, "code_certification.invalid"),
        (f"{API}/certifications/{CODE}", {"millesime": "24"}, "string.pattern.base"),
        (f"{API}/certifications/{CODE}", {"vue": "filieres"}, "object.unknown"),
        (f"{API}/regionales/99/certifications/{CODE}", {}, "any.only"),
    ],
)
def test_a_malformed_request_is_a_validation_error(client, path, params, kind):
    response = client.get(path, params)
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Erreur de validation"
    assert body["statusCode"] == 400
    assert [d["type"] for d in body["details"]] == [kind]


def test_an_api_key_is_accepted_and_ignored(client):
    path = f"{API}/certifications/{CODE}"
    assert client.get(path, headers={"x-api-key": "anything"}).status_code == 200
    assert national(client, apiKey="anything").status_code == 200


# --- faults ------------------------------------------------------------------------------------


def test_an_http_error_fault_answers_a_boom_error(client):
    world.fault("http_error", INSERJEUNES, status=503, remaining=1)
    response = national(client)
    assert response.status_code == 503
    assert response.json() == {
        "statusCode": 503,
        "error": "Service Unavailable",
        "message": "Erreur du service",
    }
    assert national(client).status_code == 200


def test_a_rate_limit_fault_says_when_to_come_back(client):
    world.fault("rate_limit", INSERJEUNES, retry_after=12, remaining=1)
    response = regional(client)
    assert response.status_code == 429
    assert response["Retry-After"] == "12"


def test_a_timeout_fault_outlasts_the_inserjeunes_client(client, slept, settings):
    settings.INSERJEUNES_TIMEOUT_S = 3
    world.fault("timeout", INSERJEUNES, remaining=1)
    national(client)
    assert slept == [8.0]


def test_garbage_faults_apply_to_inserjeunes_too(client):
    world.fault("non_json", INSERJEUNES, remaining=1)
    world.fault("truncated", INSERJEUNES, remaining=1)
    assert national(client)["Content-Type"].startswith("text/plain")
    truncated = national(client)
    assert truncated.status_code == 200
    with pytest.raises(ValueError):
        truncated.json()


def test_inserjeunes_faults_leave_arpent_alone_and_the_other_way_round(client):
    arpent_sessions = "/arpent-resultats-api/api/arpent-resultats/sessions"
    world.fault("http_error", INSERJEUNES)
    assert client.get(arpent_sessions).status_code == 200
    Fault.objects.all().delete()
    Fault.objects.create(kind="http_error", endpoint="referentiels")
    assert client.get(arpent_sessions).status_code == 503
    assert national(client).status_code == 200


def test_the_stand_in_can_be_down_until_the_fault_is_cleared(client):
    # What "InserJeunes is down during a build" looks like: every route, every time.
    down = world.fault("http_error", INSERJEUNES, status=503)
    assert {national(client).status_code for _ in range(5)} == {503}
    assert regional(client).status_code == 503
    down.delete()
    assert national(client).status_code == 200


def test_the_sandbox_command_adds_inserjeunes_faults():
    out = StringIO()
    call_command("sandbox", "fault", "add", "http_error", "--endpoint", "inserjeunes", stdout=out)
    assert Fault.objects.get().endpoint == "inserjeunes"


# --- the real client, in this process ---------------------------------------------------------


@pytest.fixture
def reach_the_stand_in():
    sleeps = []
    with InserJeunesClient(
        "http://testserver", transport=DjangoTransport(), sleep=sleeps.append
    ) as client:
        client.sleeps = sleeps
        yield client


def test_the_client_reads_the_stand_ins_national_and_regional_figures(reach_the_stand_in):
    code = find_code(lambda c: inserjeunes.has_regional(c, "76") and c.last == 3)
    cert = inserjeunes.certification(code)
    expected = inserjeunes.national(cert, "2024")
    rates = reach_the_stand_in.national(code)
    assert (rates.millesime, rates.leavers) == ("2024", expected["nb_annee_term"])
    assert rates.employment_6m == expected["taux_en_emploi_6_mois"]
    assert rates.scope == "national"
    here = reach_the_stand_in.regional("76", code)
    assert (here.scope, here.region_name, here.millesime) == ("régional", "Occitanie", "2023_2024")


def test_the_client_falls_back_as_the_app_will(reach_the_stand_in):
    agricultural = find_code(lambda c: True, kind="mef11")
    assert reach_the_stand_in.regional("76", agricultural) is None
    assert reach_the_stand_in.national(agricultural).filiere == "agricole"
    assert reach_the_stand_in.national("4032110Z") is None
    closed = find_code(lambda c: c.last == 2 and inserjeunes.has_regional(c, "76"))
    assert reach_the_stand_in.regional("76", closed).millesime == "2022_2023"
    small = find_code(lambda c: inserjeunes.national(c, "2024")["nb_annee_term"] < 20)
    assert reach_the_stand_in.national(small).withheld


def test_the_client_reports_the_stand_in_down_as_unavailable(reach_the_stand_in):
    world.fault("http_error", INSERJEUNES, status=503)
    with pytest.raises(InserJeunesUnavailable):
        reach_the_stand_in.national(CODE)
    assert len(reach_the_stand_in.sleeps) == 2
