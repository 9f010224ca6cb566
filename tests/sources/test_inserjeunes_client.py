"""The InserJeunes client: typed rates, None without figures, retries on transient errors."""

import json

import httpx2
import pytest

from results.sources.inserjeunes import (
    SOURCE,
    EmploymentRates,
    InserJeunesClient,
    InserJeunesError,
    InserJeunesPayloadError,
    InserJeunesUnavailable,
)
from tests.conftest import FIXTURES

NATIONAL = "/api/inserjeunes/certifications/40321104"
REGIONAL = "/api/inserjeunes/regionales/76/certifications/40321104"


def fixture(name):
    return (FIXTURES / "inserjeunes" / name).read_bytes()


def answer(name_or_body, status=200, **headers):
    body = fixture(name_or_body) if name_or_body.endswith(".json") else name_or_body.encode()
    return httpx2.Response(
        status,
        content=body,
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )


@pytest.fixture
def inserjeunes(sleeps):
    def make(upstream, **options):
        return InserJeunesClient(
            "https://exposition.inserjeunes.test",
            transport=httpx2.MockTransport(upstream),
            sleep=sleeps.append,
            **options,
        )

    return make


def test_it_reads_the_national_rates_of_a_certification(upstream, inserjeunes):
    upstream.answer(NATIONAL, answer("certification_40321104.json"))
    rates = inserjeunes(upstream).national("40321104")
    assert rates == EmploymentRates(
        code="40321104",
        millesime="2024",
        region_code="",
        region_name="",
        label="CONDUITE ET GESTION DE L'ENTREPRISE AGRICOLE",
        filiere="apprentissage",
        leavers=1212,
        employment_6m=41.0,
        further_study=42.0,
        withheld=False,
    )
    assert rates.scope == "national"
    request = upstream.requests[0]
    assert request.url.path == NATIONAL
    assert "millesime" not in request.url.params
    assert "x-api-key" not in request.headers


def test_it_asks_for_the_vintage_given(upstream, inserjeunes):
    upstream.answer(NATIONAL, answer("certification_2023.json"))
    rates = inserjeunes(upstream).national("40321104", millesime="2023")
    assert upstream.requests[0].url.params["millesime"] == "2023"
    assert (rates.millesime, rates.employment_6m, rates.further_study) == ("2023", 39.0, 42.0)


def test_it_reads_the_regional_rates_with_the_regions_name(upstream, inserjeunes):
    upstream.answer(REGIONAL, answer("regionale_76_40321104.json"))
    rates = inserjeunes(upstream).regional("76", "40321104", millesime="2023_2024")
    assert rates.scope == "régional"
    assert (rates.region_code, rates.region_name) == ("76", "Occitanie")
    assert (rates.millesime, rates.leavers) == ("2023_2024", 214)
    assert (rates.employment_6m, rates.further_study) == (44.9, 41.1)
    assert upstream.requests[0].url.params["millesime"] == "2023_2024"


def test_a_year_asked_of_a_region_is_the_period_ending_with_it(upstream, inserjeunes):
    upstream.answer(REGIONAL, answer("regionale_76_40321104.json"))
    inserjeunes(upstream).regional("76", "40321104", millesime="2024")
    assert upstream.requests[0].url.params["millesime"] == "2023_2024"


def test_rates_withheld_by_the_source_are_none_and_flagged(upstream, inserjeunes):
    upstream.answer("/certifications/32321206", answer("certification_withheld.json"))
    rates = inserjeunes(upstream).national("32321206")
    assert rates.withheld
    assert rates.leavers == 14
    assert rates.employment_6m is None
    assert rates.further_study is None


def test_rates_sent_for_fewer_than_20_leavers_are_not_kept(upstream, inserjeunes):
    body = b'{"millesime": "2024", "nb_annee_term": 19, "taux_en_emploi_6_mois": 50}'
    upstream.answer(NATIONAL, httpx2.Response(200, content=body))
    rates = inserjeunes(upstream).national("40321104")
    assert rates.withheld
    assert rates.employment_6m is None


def test_a_missing_vintage_is_asked_again_with_the_latest_available(upstream, inserjeunes):
    upstream.answer(
        NATIONAL,
        answer("no_data_for_vintage.json", 404),
        answer("certification_2023.json"),
    )
    rates = inserjeunes(upstream).national("40321104", millesime="2024")
    assert rates.millesime == "2023"
    assert [r.url.params.get("millesime") for r in upstream.requests] == ["2024", "2023"]


def test_a_missing_default_vintage_is_also_asked_again(upstream, inserjeunes):
    upstream.answer(
        NATIONAL,
        answer("no_data_for_vintage.json", 404),
        answer("certification_2023.json"),
    )
    rates = inserjeunes(upstream).national("40321104")
    assert rates.millesime == "2023"
    assert [r.url.params.get("millesime") for r in upstream.requests] == [None, "2023"]


def test_the_latest_vintage_is_asked_only_once(upstream, inserjeunes):
    upstream.answer(NATIONAL, answer("no_data_for_vintage.json", 404))
    assert inserjeunes(upstream).national("40321104", millesime="2024") is None
    assert len(upstream.requests) == 2


def test_a_missing_vintage_with_nothing_offered_instead_is_no_data(upstream, inserjeunes):
    body = json.dumps(
        {
            "statusCode": 404,
            "error": "Not Found",
            "message": "Pas de données pour le millésime",
            "data": {"millesime": "2024", "millesimesDisponible": []},
        }
    )
    upstream.answer(NATIONAL, answer(body, 404))
    assert inserjeunes(upstream).national("40321104", millesime="2024") is None
    assert len(upstream.requests) == 1


@pytest.mark.parametrize(
    "path, fixture_name, call",
    [
        (NATIONAL, "unknown_certification.json", lambda c: c.national("40321104")),
        (REGIONAL, "no_regional_data.json", lambda c: c.regional("76", "40321104")),
    ],
)
def test_an_unknown_certification_is_no_data(upstream, inserjeunes, path, fixture_name, call):
    upstream.answer(path, answer(fixture_name, 404))
    assert call(inserjeunes(upstream)) is None
    assert len(upstream.requests) == 1


def test_a_404_that_is_not_the_apis_own_is_an_error(upstream, inserjeunes):
    # A wrong INSERJEUNES_BASE_URL must not pass for "no figures" on every diploma.
    upstream.answer(NATIONAL, httpx2.Response(404, content=b"<html>Not Found</html>"))
    with pytest.raises(InserJeunesError, match="HTTP 404") as caught:
        inserjeunes(upstream).national("40321104")
    assert type(caught.value) is InserJeunesError


def test_a_validation_error_is_a_refusal_and_is_not_retried(upstream, inserjeunes):
    upstream.answer(NATIONAL, answer("validation_error.json", 400))
    with pytest.raises(InserJeunesError, match="HTTP 400 : Erreur de validation") as caught:
        inserjeunes(upstream).national("40321104")
    assert type(caught.value) is InserJeunesError
    assert caught.value.status == 400
    assert len(upstream.requests) == 1


def test_it_waits_as_long_as_retry_after_says_then_succeeds(upstream, inserjeunes, sleeps):
    limited = '{"statusCode": 429, "error": "Too Many Requests", "message": "Rate limit"}'
    upstream.answer(
        NATIONAL,
        answer(limited, 429, **{"Retry-After": "7"}),
        answer("certification_40321104.json"),
    )
    rates = inserjeunes(upstream).national("40321104")
    assert rates.employment_6m == 41.0
    assert sleeps == [7.0]


def test_without_retry_after_it_honours_the_rate_limit_reset(upstream, inserjeunes, sleeps):
    upstream.answer(
        NATIONAL,
        answer("{}", 429, **{"RateLimit-Reset": "3"}),
        answer("certification_40321104.json"),
    )
    inserjeunes(upstream).national("40321104")
    assert sleeps == [3.0]


def test_a_retry_after_longer_than_it_may_wait_gives_up_at_once(upstream, inserjeunes, sleeps):
    upstream.answer(NATIONAL, answer("{}", 429, **{"Retry-After": "600"}))
    with pytest.raises(InserJeunesUnavailable) as caught:
        inserjeunes(upstream).national("40321104")
    assert caught.value.retry_after == 600.0
    assert caught.value.status == 429
    assert sleeps == []


def test_server_errors_are_retried_then_reported_unavailable(upstream, inserjeunes, sleeps):
    upstream.answer(NATIONAL, answer("{}", 503))
    with pytest.raises(InserJeunesUnavailable, match="HTTP 503.*3 essai") as caught:
        inserjeunes(upstream).national("40321104")
    assert caught.value.status == 503
    assert len(upstream.requests) == 3
    assert len(sleeps) == 2
    assert sleeps[0] < sleeps[1]


def test_a_few_server_errors_are_absorbed_by_the_retries(upstream, inserjeunes):
    upstream.answer(
        REGIONAL,
        answer("{}", 502),
        answer("{}", 503),
        answer("regionale_76_40321104.json"),
    )
    assert inserjeunes(upstream).regional("76", "40321104").region_name == "Occitanie"


def test_timeouts_and_network_errors_are_transient(upstream, inserjeunes):
    upstream.answer(
        NATIONAL,
        httpx2.ReadTimeout("slow"),
        httpx2.ConnectError("refused"),
    )
    with pytest.raises(InserJeunesUnavailable, match="connexion impossible"):
        inserjeunes(upstream, max_attempts=2).national("40321104")


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"<html>Maintenance</html>", "pas du JSON valide"),
        (b"[]", "un objet était attendu"),
        (b'{"nb_annee_term": 40}', "« millesime » manquant"),
        (b'{"millesime": "2024", "taux_en_emploi_6_mois": "41 %"}', "pourcentage attendu"),
        (b'{"millesime": "2024", "taux_en_formation": 140}', "pourcentage attendu"),
        (b'{"millesime": "2024", "nb_annee_term": -3}', "entier positif attendu"),
        (b'{"millesime": "2024", "_meta": {"messages": "trop peu"}}', "liste attendue"),
    ],
)
def test_it_rejects_a_body_that_is_not_the_contracts(upstream, inserjeunes, body, expected):
    upstream.answer(NATIONAL, httpx2.Response(200, content=body))
    with pytest.raises(InserJeunesPayloadError, match=expected) as caught:
        inserjeunes(upstream).national("40321104")
    assert caught.value.body == body


def test_it_rejects_figures_for_another_region(upstream, inserjeunes):
    upstream.answer("/regionales/84/certifications/40321104", answer("regionale_76_40321104.json"))
    with pytest.raises(InserJeunesPayloadError, match="région « 76 » au lieu de « 84 »"):
        inserjeunes(upstream).regional("84", "40321104")


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.national("4032110"),
        lambda c: c.national("40321104 "),
        lambda c: c.national("cfd:40321104"),
        lambda c: c.national("../../admin"),
        lambda c: c.national(40321104),
        lambda c: c.national("40321104", millesime="2023_2024"),
        lambda c: c.regional("99", "40321104"),
        lambda c: c.regional("5", "40321104"),
        lambda c: c.regional("76", "403211"),
        lambda c: c.regional("76", "40321104", millesime="2022_2024"),
    ],
)
def test_bad_input_is_refused_before_any_request(upstream, inserjeunes, call):
    with pytest.raises(ValueError):
        call(inserjeunes(upstream))
    assert upstream.requests == []


def test_an_eleven_character_mefstat11_is_accepted(upstream, inserjeunes):
    upstream.answer("/certifications/27621407510", answer("certification_2023.json"))
    assert inserjeunes(upstream).national("27621407510").code == "27621407510"


def test_the_api_key_is_sent_as_x_api_key_when_set(upstream, inserjeunes):
    upstream.answer(NATIONAL, answer("certification_40321104.json"))
    inserjeunes(upstream, api_key="cle").national("40321104")
    assert upstream.requests[0].headers["x-api-key"] == "cle"


def test_from_settings_reads_the_inserjeunes_settings(settings):
    settings.INSERJEUNES_BASE_URL = "https://exposition.example.test"
    settings.INSERJEUNES_API_KEY = "cle"
    settings.INSERJEUNES_TIMEOUT_S = 4.0
    settings.INSERJEUNES_MAX_ATTEMPTS = 2
    with InserJeunesClient.from_settings(max_wait=5.0) as client:
        assert str(client.http.base_url) == "https://exposition.example.test"
        assert client.http.headers["x-api-key"] == "cle"
        assert client.http.timeout.read == 4.0
        assert (client.max_attempts, client.max_wait) == (2, 5.0)


def test_the_source_line_names_the_producers_and_the_licence():
    assert SOURCE.startswith("Source : InserJeunes")
    assert "DEPP" in SOURCE and "Licence Ouverte" in SOURCE
