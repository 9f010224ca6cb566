"""`manage.py fetch`: an operator fetches calendars and results by hand, one line per call."""

import pytest
from django.core.management import CommandError, call_command

from results.models import Fetch, Job, Result
from results.sources.arpent import ArpentClient
from sandbox.models import Fault

from .django_transport import DjangoTransport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(monkeypatch):
    """ARPENT clients that reach the sandbox in this process, without waiting between tries."""

    def client(**overrides):
        return ArpentClient(
            "http://testserver/arpent-resultats-api",
            transport=DjangoTransport(),
            max_attempts=1,
        )

    monkeypatch.setattr(ArpentClient, "from_settings", staticmethod(client))


def fetch(*codes):
    """(exit code, printed lines) of `manage.py fetch codes…`."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("fetch", *codes, stdout=out, no_color=True)
    except CommandError as error:
        return error.returncode, out.getvalue().splitlines(), str(error)
    return 0, out.getvalue().splitlines(), ""


def test_it_fetches_calendar_and_results_and_prints_a_line_per_call(lozere, gard):
    code, lines, _ = fetch("48", "30")
    assert code == 0
    assert [line.split(" — ")[:2] for line in lines[:4]] == [
        ["48 Lozère", "calendrier : réussi"],
        ["48 Lozère", "résultats : réussi"],
        ["30 Gard", "calendrier : réussi"],
        ["30 Gard", "résultats : réussi"],
    ]
    assert "lignes" in lines[0]
    assert lines[-1] == "4 appel(s) réussi(s)."
    # Recorded as the workers record them: a fetch per call, a finished fetch job each.
    assert Fetch.objects.filter(outcome=Fetch.Outcome.FAILED).count() == 0
    assert Fetch.objects.filter(endpoint="calendriers").count() == 2
    assert Fetch.objects.filter(endpoint="resultats").count() == 2
    jobs = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS)
    assert [job.status for job in jobs] == [Job.Status.DONE] * 2


def test_a_failed_call_is_printed_and_the_exit_code_is_1(lozere, gard):
    Fault.objects.create(
        endpoint="resultats", departement="30", kind=Fault.Kind.HTTP_ERROR, status=503
    )
    code, lines, error = fetch("48", "30")
    assert code == 1
    assert lines[2].startswith("30 Gard — calendrier : réussi")
    assert lines[3].startswith("30 Gard — résultats : échec — ARPENT résultats")
    assert "HTTP 503" in lines[3]
    assert error == "1 appel(s) sur 4 en échec."
    assert Job.objects.get(departement=gard).status == Job.Status.FAILED


def test_an_answer_past_the_cap_is_a_failed_call_that_stores_nothing(lozere, settings):
    settings.UPSTREAM_MAX_BYTES = 100
    code, lines, _ = fetch("48")
    assert code == 1
    assert len(lines) == 2
    assert all("réponse trop volumineuse (plus de 100 octets)" in line for line in lines)
    assert not Result.objects.exists()
    assert not Fetch.objects.exclude(payload="").exists()


def test_an_unknown_departement_stops_before_any_call(lozere):
    code, lines, error = fetch("48", "99")
    assert code == 2
    assert lines == []
    assert "Département(s) inconnu(s) : 99" in error
    assert not Fetch.objects.exists()


def test_the_sandboxs_huge_answer_is_cut_short_and_the_call_fails(lozere, settings):
    settings.UPSTREAM_MAX_BYTES = 1024 * 1024
    Fault.objects.create(endpoint="resultats", kind=Fault.Kind.HUGE)
    code, lines, _ = fetch("48")
    assert code == 1
    assert lines[0].startswith("48 Lozère — calendrier : réussi")
    assert lines[1].startswith("48 Lozère — résultats : échec — ARPENT résultats")
    assert "réponse trop volumineuse (plus de 1 Mo)" in lines[1]
    assert not Result.objects.exists()
