"""No candidate data where nothing erases it: distinctive values planted through the addition,
removal and fetch flows (success and every refusal) are searched for in every table and in the
logs. A name may sit only in the rows that exist to print or honour it."""

import json
import logging
from datetime import date, datetime

import httpx2
import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from results.day.removals import StaleMatches
from results.deliberation import jobs, runs
from results.deliberation.corrections import confirm_removal
from results.editions.builds import build_version
from results.models import (
    Addition,
    AuditEvent,
    Fetch,
    Insert,
    Job,
    Removal,
    Result,
)
from results.sources.arpent import ArpentClient
from results.tasks import fetch_results
from tests import world
from tests.world import CGEA, FORET

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 1)
# After every jury of DAY, before the late one a transcript may name.
NOW = datetime(2026, 7, 20, 12, 0).astimezone()
LATE_DAY = date(2026, 7, 25)

# The planted values: found anywhere, they can only have come from these flows.
NOM = "ZQXWPLANT"
PRENOMS = "Qwelline Zoéplante"
NAME_TOKENS = (NOM, "Qwelline", "Zoéplante", "Zoeplante")
INA = "7391046Q"
NUM_GESTION = "0482957316K"
NON_ADMISSION = "Ajourné QXWREFUS"
CREDENTIALS = (INA, NUM_GESTION)
# The rows that exist to print a name or to honour a candidate's request.
NAME_HOLDERS = {Result, Removal, Addition, Insert}


@pytest.fixture
def gard_calendar(gard):
    world.calendar(gard, FORET, CGEA, day=DAY, candidates=50)


@pytest.fixture
def arpent(monkeypatch, upstream, client_for, settings):
    """The app's ARPENT clients reach the test's fake upstream, one attempt per call."""
    settings.ARPENT_CONTRACT_KEYS = {"gazette": "gazette-contract-key"}

    def client(**_):
        return client_for(upstream, max_attempts=1)

    monkeypatch.setattr(ArpentClient, "from_settings", staticmethod(client))
    return upstream


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    # Quieted in the settings: here every line they would write is searched too.
    for name in ("httpx2", "httpcore2", "weasyprint"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture(autouse=True)
def _at_the_end_of_the_session():
    with time_machine.travel(NOW, tick=False):
        yield


def transcript(*, examen=None, **fields):
    """E3's answer for the planted candidate, admitted in Forêt unless told otherwise."""
    body = {
        "ina": INA,
        "nom": NOM,
        "prenoms": PRENOMS,
        "session": "Session Normale 2026",
        "examen": {
            "filiere": FORET[0],
            "option": FORET[1],
            "specialite": "",
            "departement": "30",
            **(examen or {}),
        },
        "resultat": "Admission",
        "notes": [{"epreuve": "E1", "note": 12.5, "coefficient": 1}],
        "dateDeliberation": DAY.isoformat(),
    }
    body.update(fields)
    return httpx2.Response(200, json=body)


def upstream_error(status):
    """A Spring error that quotes the credentials, as an upstream might."""
    message = f"ina {INA} / numGestion {NUM_GESTION} : {NOM} {PRENOMS}"
    return httpx2.Response(status, json={"status": status, "message": message})


# Every way E3 can answer that refuses the addition, and what the editor is told.
REFUSALS = [
    (upstream_error(401), "refuse la clé de contrat"),
    (upstream_error(404), "Aucun relevé de notes"),
    (upstream_error(400), "Aucun relevé de notes"),
    (upstream_error(503), "Vérification impossible"),
    (httpx2.Response(200, text=f"<html>{NOM} {NON_ADMISSION}</html>"), "Vérification impossible"),
    (httpx2.Response(200, json={"nom": NOM, "resultat": NON_ADMISSION}), "Vérification impossible"),
    (transcript(nom=[NOM]), "Vérification impossible"),
    (transcript(prenoms={"usuel": PRENOMS}), "Vérification impossible"),
    (transcript(resultat=[NON_ADMISSION]), "Vérification impossible"),
    (transcript(resultat=None), "Vérification impossible"),
    (transcript(examen={"departement": "48"}), "que ce titre ne suit pas"),
    (transcript(session="Session Normale 2025", dateDeliberation="2025-07-01"), "session 2026"),
    (transcript(resultat=NON_ADMISSION), "ne montre pas d&#x27;admission pour cette session"),
    (transcript(dateDeliberation=LATE_DAY.isoformat()), "pas encore délibéré"),
    (transcript(), "figure déjà dans la liste publiée"),
]


def add(client, answer, upstream):
    upstream.answers = {"audit-notes/credentials": [answer]} if answer is not None else {}
    return client.post(
        reverse("additions", args=["gazette"]),
        {"ina": INA.lower(), "num_gestion": NUM_GESTION.lower()},
    )


def assert_refused(response, told):
    page = response.content.decode()
    assert response.status_code == 400, page
    assert told in page
    # The editor is told what went wrong, never the candidate's result or credentials.
    for value in (NON_ADMISSION, "QXWREFUS", *CREDENTIALS):
        assert value.casefold() not in page.casefold()


def try_every_addition(client, upstream, settings):
    """Every refusal of a verified addition, its success, then the refusals that follow."""
    settings.ADDITION_FAILURE_LIMIT = 100
    for answer, told in REFUSALS:
        assert_refused(add(client, answer, upstream), told)
    vigne = {"filiere": CGEA[0], "option": CGEA[1]}
    assert add(client, transcript(examen=vigne), upstream).status_code == 302
    assert Addition.objects.get().nom == NOM
    assert_refused(add(client, transcript(examen=vigne), upstream), "figure déjà dans les ajouts")
    settings.ARPENT_CONTRACT_KEYS = {}
    assert_refused(add(client, None, upstream), "pas de clé de contrat")
    settings.ARPENT_CONTRACT_KEYS = {"gazette": "gazette-contract-key"}
    settings.ADDITION_FAILURE_LIMIT = 1
    assert_refused(add(client, transcript(), upstream), "Trop de vérifications échouées")


def removal_csv(*lines):
    header = "nom;prenoms;departement;diplome;option;recue_le;canal;note\n"
    return SimpleUploadedFile("retraits.csv", (header + "".join(lines)).encode(), "text/csv")


def try_every_removal_step(client, title, gard, published):
    """A request recorded (after a form with mistakes), matched, refused as stale, confirmed
    (withdrawing the version that printed it), confirmed again; a CSV file with bad lines,
    then a good one."""
    request = {
        "nom": NOM.lower(),
        "prenoms": PRENOMS,
        "departement": "30",
        "diploma": f"{FORET[0]}\x1f{FORET[1]}",
        "received_on": "2026-07-02",
        "channel": "courriel",
        "note": f"Courriel de {PRENOMS} {NOM}",
    }
    url = reverse("removals", args=["gazette"])
    assert not client.post(url, {**request, "received_on": "2999-01-01"}).has_header("Location")
    client.post(url, request)
    removal = Removal.objects.get()
    page_url = reverse("removal", args=["gazette", removal.pk])
    assert NOM in client.get(page_url).content.decode()
    assert client.post(page_url, {"lines": [published.pk + 1000]}).status_code == 400
    other = Result.objects.create(
        departement=gard, filiere=CGEA[0], option=CGEA[1], nom="AUTRE", prenoms="Paul"
    )
    with pytest.raises(StaleMatches):
        confirm_removal(removal, [other.pk], None)
    assert client.post(page_url, {"lines": [published.pk]}).status_code == 302
    assert client.post(page_url, {"lines": [published.pk]}).status_code == 302
    assert Removal.objects.get().is_confirmed

    imports = reverse("import_removals", args=["gazette"])
    bad = client.post(
        imports,
        {
            "file": removal_csv(
                f"{NOM};{PRENOMS};30;Licence {NOM};;02/07/2026;{NOM};\n",
                f"{NOM};{PRENOMS};75;;;31/02/2026;courrier;{INA}\n",
                f"{NOM};{PRENOMS};30;;;02/07/2999;courrier;\n",
                f"{NOM};{PRENOMS};30\n",
            )
        },
    )
    assert bad.status_code == 400 and NOM in bad.content.decode()
    line = f"{NOM};{PRENOMS};30;;;02/07/2026;courrier;lettre de {NOM}\n"
    good = client.post(imports, {"file": removal_csv(line)})
    assert good.status_code == 302
    assert Removal.objects.count() == 2


def run_queued_builds():
    for job in Job.objects.filter(kind=Job.Kind.BUILD_INSERT, status=Job.Status.QUEUED):
        runs.run_build(jobs.claim(job.pk))


def stored_rows():
    """(model, every row of it as text) for every table the app and its libraries hold."""
    for model in apps.get_models(include_auto_created=True):
        rows = list(model.objects.values())
        yield model, json.dumps(rows, ensure_ascii=False, default=str).casefold()


def assert_nothing_kept(logs, capfd):
    """The credentials and the non-admission nowhere; the name only where it is printed or
    honoured: not in the audit trail, notices, jobs, failures or logs."""
    out, err = capfd.readouterr()
    written = (logs.text + out + err).casefold()
    for value in (*CREDENTIALS, NON_ADMISSION, "QXWREFUS", *NAME_TOKENS):
        assert value.casefold() not in written, value
    for model, text in stored_rows():
        for value in (*CREDENTIALS, NON_ADMISSION, "QXWREFUS"):
            assert value.casefold() not in text, (model.__name__, value)
        if model not in NAME_HOLDERS:
            for value in NAME_TOKENS:
                assert value.casefold() not in text, (model.__name__, value, text)


def test_planted_names_credentials_and_results_stay_out_of_the_trail_the_logs_and_the_jobs(
    gard_calendar,
    client,
    title,
    gard,
    editor,
    arpent,
    settings,
    logs,
    capfd,
    django_capture_on_commit_callbacks,
):
    published = Result.objects.create(
        departement=gard,
        filiere=FORET[0],
        option=FORET[1],
        nom=NOM,
        prenoms=PRENOMS,
        resultat="Admission",
    )
    build_version(title, gard, DAY)
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=False):
        try_every_addition(client, arpent, settings)
        try_every_removal_step(client, title, gard, published)
        run_queued_builds()

    assert Insert.objects.filter(withdrawn_at__isnull=False).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ADDITION_REFUSED).count() == 16
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REMOVAL_CONFIRMED).exists()
    assert_nothing_kept(logs, capfd)


def test_a_fetch_that_cannot_read_a_line_names_the_field_not_its_value(
    gard_calendar, gard, arpent, logs, capfd
):
    row = {
        "filiere": FORET[0],
        "option": FORET[1],
        "specialite": "",
        "departement": "30",
        "nom": NOM,
        "prenoms": PRENOMS,
        "resultat": NON_ADMISSION,
    }
    for broken in ({"nom": [NOM]}, {"prenoms": [PRENOMS]}, {"resultat": [NON_ADMISSION]}):
        arpent.answers = {"resultats": [httpx2.Response(200, json=[{**row, **broken}])]}
        job = Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard)
        fetch_results.apply(args=[job.pk])
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED
        assert "texte attendu, reçu une liste" in job.message
    # The raw answers are kept for diagnosis until the retention purge, like the results.
    Fetch.objects.update(payload="")
    assert_nothing_kept(logs, capfd)
