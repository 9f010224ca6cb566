"""The sandbox over HTTP: endpoints, clock, faults, E3 and the management command."""

import json
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from sandbox import clock, data
from sandbox.credentials import credentials
from sandbox.diplomas import ADMITTED, FAILED
from sandbox.faults import claim
from sandbox.models import Fault
from tests import world

API = "/arpent-resultats-api/api/arpent-resultats"
CALENDRIERS = f"{API}/resultats-grand-public/calendriers"
RESULTATS = f"{API}/resultats-grand-public/resultats"
CREDENTIALS = f"{API}/audit-notes/credentials"
START = data.DEFAULT_SESSION_START
SPRING_ERROR = {"timestamp", "status", "error", "message", "path"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def after_the_session():
    # Every section of the default session has deliberated, whatever today's date is.
    clock.set_clock(datetime(2026, 7, 20, 12, 0, tzinfo=data.PARIS))


@pytest.fixture
def contract_key(settings):
    settings.SANDBOX_CONTRACT_KEY = "contract-key"
    settings.ARPENT_API_KEY_HEADER = "X-Api-Key"
    return {"HTTP_X_API_KEY": "contract-key"}


def candidate(code="30", resultat=ADMITTED):
    for section in data.sections(code, clock.session_start()):
        for c in data.cohort(code, section.option_index):
            if c.resultat == resultat:
                ina, num = credentials(code, section.option_index, c.index)
                return section, c, {"ina": ina, "numGestion": num}
    raise AssertionError(resultat)


def post_credentials(client, body, **headers):
    payload = body if isinstance(body, str) else json.dumps(body)
    return client.post(CREDENTIALS, payload, content_type="application/json", **headers)


def test_e1_lists_the_calendar_of_a_departement_without_login(client):
    response = client.get(CALENDRIERS, {"departement": "30"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == data.calendar("30", START)
    assert set(response.json()[0]) == {
        "filiere",
        "option",
        "departement",
        "nbCandidats",
        "dateDelib",
    }


def test_e2_lists_the_published_results_of_a_departement(client):
    response = client.get(RESULTATS, {"departement": "30"})
    assert response.status_code == 200
    rows = response.json()
    assert rows and rows == data.results("30", START, clock.now())
    assert set(rows[0]) == {
        "filiere",
        "option",
        "specialite",
        "departement",
        "nom",
        "prenoms",
        "resultat",
    }
    assert "É" in response.content.decode() or "\\u00c9" in response.content.decode()


def test_a_missing_departement_is_a_spring_400(client):
    for url in (CALENDRIERS, RESULTATS):
        response = client.get(url)
        assert response.status_code == 400
        body = response.json()
        assert set(body) == SPRING_ERROR
        assert body["status"] == 400 and body["error"] == "Bad Request" and body["path"] == url


def test_an_unknown_or_empty_departement_is_an_empty_list(client):
    for code in ("20", "99", ""):
        assert client.get(CALENDRIERS, {"departement": code}).json() == []
        assert client.get(RESULTATS, {"departement": code}).json() == []


def test_e1_lists_a_section_before_its_moment_and_e2_only_after(client):
    first = data.sections("30", START)[0]
    key = {"filiere": first.filiere, "option": first.option}

    clock.set_clock(first.moment - timedelta(minutes=1))
    calendar = client.get(CALENDRIERS, {"departement": "30"}).json()
    assert any(
        row["filiere"] == key["filiere"] and row["option"] == key["option"] for row in calendar
    )
    assert client.get(RESULTATS, {"departement": "30"}).json() == []

    clock.set_clock(first.moment + timedelta(minutes=1))
    rows = client.get(RESULTATS, {"departement": "30"}).json()
    assert rows and all(
        row["option"] == first.option for row in rows if row["filiere"] == first.filiere
    )
    assert any(row["option"] == first.option for row in rows)


def test_the_clock_runs_at_its_speed():
    real = datetime(2026, 11, 23, 10, 0, tzinfo=data.PARIS)
    virtual = datetime(2026, 6, 23, 17, 0, tzinfo=data.PARIS)
    with time_machine.travel(real, tick=False) as traveller:
        clock.set_clock(virtual, speed=60)
        traveller.shift(timedelta(seconds=10))
        assert clock.now() == virtual + timedelta(minutes=10)


def test_without_a_clock_the_sandbox_runs_on_real_time_and_the_default_session():
    clock.reset()
    with time_machine.travel(datetime(2026, 6, 20, 8, 0, tzinfo=data.PARIS), tick=False):
        assert clock.now() == datetime(2026, 6, 20, 8, 0, tzinfo=data.PARIS)
        assert clock.session_start() == date(2026, 6, 16)


def test_rehearse_makes_today_a_deliberation_day_with_the_first_release_ahead(client):
    # Late in the evening, so that a wrong date (UTC, or the first moment's day) would show.
    real = datetime(2026, 11, 23, 23, 30, tzinfo=data.PARIS)
    with time_machine.travel(real, tick=False) as traveller:
        done = clock.rehearse("30", lead_seconds=5)
        today = date(2026, 11, 23)
        assert done["date"] == today
        assert done["first_moment"].date() == today
        assert clock.now() == done["first_moment"] - timedelta(seconds=5)
        calendar = client.get(CALENDRIERS, {"departement": "30"}).json()
        assert min(row["dateDelib"] for row in calendar) == today.isoformat()
        assert client.get(RESULTATS, {"departement": "30"}).json() == []

        traveller.shift(timedelta(seconds=5))
        rows = client.get(RESULTATS, {"departement": "30"}).json()
        assert rows
        assert clock.now().astimezone(data.PARIS).date() == today


def test_rehearse_refuses_an_unknown_departement():
    with pytest.raises(ValueError):
        clock.rehearse("20")


def test_referentials_have_the_third_party_shapes(client):
    diplomes = client.get(f"{API}/diplomes").json()
    assert set(diplomes[0]) == {"examenId", "filiereId", "filiere", "option"}
    sessions = client.get(f"{API}/sessions").json()
    assert sessions[-1]["libelle"] == "Session Normale 2026"
    assert set(sessions[0]) == {"id", "libelle"}
    departements = client.get(f"{API}/departements").json()
    assert len(departements) == 101
    gard = next(d for d in departements if d["id"] == "30")
    assert gard == {
        "id": "30",
        "libelle": "Gard",
        "regionId": "76",
        "region": "Occitanie",
        "autoriteAcademiqueId": gard["autoriteAcademiqueId"],
        "autoriteAcademique": "DRAAF Occitanie",
    }
    autorites = client.get(f"{API}/autorites-academiques").json()
    assert set(autorites[0]) == {
        "id",
        "libelle",
        "adresse",
        "codePostal",
        "bp",
        "commune",
        "telephone",
        "email",
        "fax",
        "departements",
    }
    assert sorted(c for a in autorites for c in a["departements"]) == sorted(
        d["id"] for d in departements
    )


def test_e6_is_a_swagger_2_document_of_the_endpoints(client):
    doc = client.get("/arpent-resultats-api/v2/api-docs", {"group": "arpent-resultats"}).json()
    assert doc["swagger"] == "2.0"
    assert doc["basePath"] == "/arpent-resultats-api"
    assert "/api/arpent-resultats/resultats-grand-public/resultats" in doc["paths"]
    assert "post" in doc["paths"]["/api/arpent-resultats/audit-notes/credentials"]


# --- Faults ---------------------------------------------------------------------------------


def test_latency_delays_then_answers_normally(client, slept):
    world.fault("latency", delay_ms=1500)
    response = client.get(RESULTATS, {"departement": "30"})
    assert slept == [1.5]
    assert response.status_code == 200 and response.json()


def test_timeout_sleeps_longer_than_the_client_waits(client, slept, settings):
    settings.ARPENT_TIMEOUT_S = 2
    world.fault("timeout")
    client.get(RESULTATS, {"departement": "30"})
    assert slept == [7.0]


def test_http_error_answers_a_spring_error_with_the_status_asked(client):
    world.fault("http_error", status=502)
    world.fault("http_error", remaining=1)
    response = client.get(RESULTATS, {"departement": "30"})
    assert response.status_code == 502
    assert set(response.json()) == SPRING_ERROR
    Fault.objects.filter(status=502).delete()
    assert client.get(RESULTATS, {"departement": "30"}).status_code == 503


def test_html_error_answers_a_gateway_page(client):
    world.fault("html_error")
    response = client.get(RESULTATS, {"departement": "30"})
    assert response.status_code == 502
    assert response["Content-Type"].startswith("text/html")
    assert b"<html>" in response.content


def test_rate_limit_answers_429_with_retry_after(client):
    world.fault("rate_limit", retry_after=7)
    response = client.get(RESULTATS, {"departement": "30"})
    assert response.status_code == 429
    assert response["Retry-After"] == "7"


def test_truncated_answers_half_a_json_document(client):
    full = client.get(RESULTATS, {"departement": "30"}).content
    world.fault("truncated")
    response = client.get(RESULTATS, {"departement": "30"})
    assert response.status_code == 200
    assert full.startswith(response.content) and len(response.content) < len(full)
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_non_json_answers_plain_text_with_200(client):
    world.fault("non_json")
    response = client.get(RESULTATS, {"departement": "30"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_empty_answers_an_empty_list_where_there_was_data(client):
    world.fault("empty")
    assert client.get(RESULTATS, {"departement": "30"}).json() == []


def test_missing_field_drops_one_field_of_one_row(client):
    full = client.get(RESULTATS, {"departement": "30"}).json()
    world.fault("missing_field")
    rows = client.get(RESULTATS, {"departement": "30"}).json()
    assert len(rows) == len(full)
    assert sum("nom" not in row for row in rows) == 1
    world.fault("missing_field", endpoint="calendriers", field="nbCandidats")
    calendar = client.get(CALENDRIERS, {"departement": "30"}).json()
    assert sum("nbCandidats" not in row for row in calendar) == 1


def test_duplicate_rows_repeats_some_rows(client):
    full = client.get(RESULTATS, {"departement": "30"}).json()
    world.fault("duplicate_rows")
    rows = client.get(RESULTATS, {"departement": "30"}).json()
    assert len(full) < len(rows)
    assert [row for i, row in enumerate(rows) if i == 0 or row != rows[i - 1]] == full


def test_a_fault_stops_when_its_remaining_count_runs_out(client):
    fault = world.fault("http_error", remaining=2)
    statuses = [client.get(RESULTATS, {"departement": "30"}).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    fault.refresh_from_db()
    assert fault.remaining == 0


def test_a_fault_without_count_lasts_until_cleared(client):
    world.fault("empty")
    for _ in range(3):
        assert client.get(RESULTATS, {"departement": "30"}).json() == []
    call_command("sandbox", "fault", "clear")
    assert client.get(RESULTATS, {"departement": "30"}).json()


def test_a_fault_hits_only_its_endpoint_and_departement(client):
    world.fault("http_error", departement="30")
    assert client.get(RESULTATS, {"departement": "30"}).status_code == 503
    assert client.get(RESULTATS, {"departement": "34"}).status_code == 200
    assert client.get(CALENDRIERS, {"departement": "30"}).status_code == 200
    assert client.get(f"{API}/diplomes").status_code == 200


def test_a_fault_on_every_endpoint_hits_referentials_too(client):
    world.fault("http_error", endpoint="*")
    assert client.get(f"{API}/diplomes").status_code == 503
    assert client.get(CALENDRIERS, {"departement": "30"}).status_code == 503


def test_the_last_use_of_a_fault_goes_to_one_request_only():
    world.fault("empty", remaining=1)
    assert claim("resultats", "30") is not None
    assert claim("resultats", "30") is None


# --- E3 -------------------------------------------------------------------------------------


def test_e3_wants_an_api_key(client, contract_key):
    _, _, body = candidate()
    assert post_credentials(client, body).status_code == 401
    assert post_credentials(client, body, HTTP_X_API_KEY="wrong").status_code == 401
    response = post_credentials(client, body, **contract_key)
    assert response.status_code == 200


def test_e3_takes_any_key_when_no_contract_key_is_set(client, settings):
    if hasattr(settings, "SANDBOX_CONTRACT_KEY"):
        del settings.SANDBOX_CONTRACT_KEY
    settings.ARPENT_API_KEY_HEADER = "X-Gateway-Key"
    _, _, body = candidate()
    assert post_credentials(client, body, HTTP_X_API_KEY="anything").status_code == 401
    assert post_credentials(client, body, HTTP_X_GATEWAY_KEY="anything").status_code == 200


def test_e3_answers_400_to_a_malformed_body(client, contract_key):
    for body in ("{not json", [], {"ina": "1234567A"}, {"ina": 1234567, "numGestion": "x"}):
        response = post_credentials(client, body, **contract_key)
        assert response.status_code == 400
        assert set(response.json()) == SPRING_ERROR


def test_e3_answers_404_to_unknown_credentials(client, contract_key):
    _, _, body = candidate()
    body["ina"] = "0000000A"
    assert post_credentials(client, body, **contract_key).status_code == 404


def test_e3_answers_the_signed_transcript_of_a_candidate(client, contract_key):
    section, person, body = candidate()
    response = post_credentials(client, body, **contract_key)
    transcript = response.json()
    assert set(transcript) == {
        "ina",
        "nom",
        "prenoms",
        "session",
        "examen",
        "resultat",
        "notes",
        "dateDeliberation",
        "signature",
    }
    assert transcript["ina"] == body["ina"] and "numGestion" not in transcript
    assert (transcript["nom"], transcript["prenoms"]) == (person.nom, person.prenoms)
    assert transcript["session"] == "Session Normale 2026"
    assert transcript["examen"] == {
        "filiere": section.filiere,
        "option": section.option,
        "specialite": person.specialite,
        "departement": "30",
    }
    assert transcript["dateDeliberation"] == section.date.isoformat()
    assert set(transcript["notes"][0]) == {"epreuve", "note", "coefficient"}


def test_e3_answers_for_failed_candidates_too(client, contract_key):
    _, _, body = candidate(resultat=FAILED)
    assert post_credentials(client, body, **contract_key).json()["resultat"] == "Ajourné"


def test_e3_answers_404_before_the_deliberation(client, contract_key):
    section, _, body = candidate()
    clock.set_clock(section.moment - timedelta(seconds=1))
    assert post_credentials(client, body, **contract_key).status_code == 404
    clock.set_clock(section.moment)
    assert post_credentials(client, body, **contract_key).status_code == 200


def test_e3_needs_no_csrf_token(contract_key):
    _, _, body = candidate()
    client = Client(enforce_csrf_checks=True)
    assert post_credentials(client, body, **contract_key).status_code == 200


def test_e3_takes_its_own_faults(client, contract_key):
    world.fault("rate_limit", endpoint="credentials", retry_after=3)
    _, _, body = candidate()
    response = post_credentials(client, body, **contract_key)
    assert response.status_code == 429 and response["Retry-After"] == "3"


# --- The command ----------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command("sandbox", *args, stdout=out)
    return out.getvalue()


def test_the_command_sets_and_shows_the_clock():
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=data.PARIS), tick=False):
        out = run("clock", "--set", "2026-06-23 17:00", "--speed", "60")
        assert "2026-06-23 17:00:00" in out and "x60" in out
        assert clock.now() == datetime(2026, 6, 23, 17, 0, tzinfo=data.PARIS)
    assert "real time" in run("clock", "--reset")


def test_the_command_refuses_bad_input():
    for args in (
        ("clock", "--set", "23/06/2026"),
        ("fault", "add", "meteor"),
        ("fault", "add", "http_error", "--endpoint", "nowhere"),
        ("fault", "add", "http_error", "--status", "200"),
        ("rehearse", "--departement", "20"),
        ("credentials", "--departement", "99"),
    ):
        with pytest.raises(CommandError):
            run(*args)


def test_the_command_adds_lists_and_clears_faults():
    out = run(
        "fault",
        "add",
        "rate_limit",
        "--endpoint",
        "resultats",
        "--departement",
        "30",
        "--times",
        "3",
        "--retry-after",
        "5",
    )
    assert "rate_limit" in out
    fault = Fault.objects.get()
    assert (fault.endpoint, fault.departement, fault.remaining, fault.retry_after) == (
        "resultats",
        "30",
        3,
        5,
    )
    assert "rate_limit on resultats 30 (3 left)" in run("fault", "list")
    run("fault", "clear")
    assert not Fault.objects.exists()


def test_the_command_rehearses_a_departement():
    out = run("rehearse", "--departement", "30", "--lead", "10")
    assert "Département 30" in out
    today = datetime.now(data.PARIS).date()
    assert any(s.date == today for s in data.sections("30", clock.session_start()))


def test_the_command_prints_credentials_that_e3_accepts(client, contract_key):
    out = run("credentials", "--departement", "30", "--limit", "2", "--non-consenting")
    lines = out.strip().splitlines()
    assert len(lines) == 2
    ina, num = (part.split("=")[1] for part in lines[0].split()[:2])
    response = post_credentials(client, {"ina": ina, "numGestion": num}, **contract_key)
    assert response.status_code == 200
    _, person = data.find_candidate(ina, num, clock.session_start())
    assert person.resultat != FAILED and not person.consent


def test_the_huge_fault_streams_a_json_list_made_as_it_is_sent():
    from sandbox.faults import huge_list

    chunks = huge_list([{"nom": "A"}, {"nom": "B"}], size=200_000)
    assert next(chunks) == b"["
    body = b"[" + b"".join(chunks)
    assert 200_000 - 70_000 <= len(body) <= 200_000 + 70_000
    rows = json.loads(body)
    assert rows[:3] == [{"nom": "A"}, {"nom": "B"}, {"nom": "A"}]
