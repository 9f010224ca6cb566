"""End to end on real processes: the sandbox releases results, the scheduler's job fetches them,
a worker builds the PDF insert, and the PDF holds the released names."""

import subprocess

import pytest
from django.contrib.auth import get_user_model

from results.arpent import ArpentClient
from results.models import Insert, Job, Result, Title
from results.sync import sync_calendar, sync_referentials
from sandbox import clock, data

from .processes import celery_processes, child_env, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOZERE = "48"


def test_released_results_are_fetched_by_the_scheduler_and_printed(live_server, tmp_path, settings):
    settings.ARPENT_BASE_URL = f"{live_server.url}/arpent-resultats-api"
    # Today becomes Lozère's first deliberation day; its first jury finishes in a few seconds.
    rehearsal = clock.rehearse(LOZERE, lead_seconds=4)
    with ArpentClient.from_settings() as client:
        sync_referentials(client)
        sync_calendar(client, LOZERE)
    title = Title.objects.create(name="La Gazette de Lozère", slug="gazette")
    title.departements.add(LOZERE)
    title.members.add(get_user_model().objects.create_user("redac"))

    env = child_env(live_server.url, tmp_path, RESULTS_POLL_INTERVAL_S=2, RESULTS_POLL_FROM_HOUR=0)
    with celery_processes(env, tmp_path, beat=True):
        insert = wait_for(
            lambda: Insert.objects.filter(title=title, departement=LOZERE).first(),
            timeout=120,
            message="the first insert of Lozère",
        )

    released = data.results(LOZERE, rehearsal["session_start"], clock.now())
    first_day = [
        s for s in data.sections(LOZERE, rehearsal["session_start"]) if s.date == rehearsal["date"]
    ]
    assert released, "the sandbox released nothing"
    fetches = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS, departement=LOZERE)
    assert fetches.exists()
    assert all(job.requested_by is None for job in fetches)  # the scheduler, not a person
    assert fetches.exclude(slot=None).count() == fetches.count()
    assert Result.objects.filter(departement=LOZERE).exists()

    text = subprocess.run(
        ["pdftotext", "-layout", insert.pdf.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Lozère" in text
    stored = list(Result.objects.filter(departement=LOZERE).values_list("nom", "prenoms"))
    assert len(stored) >= insert.names_count > 0
    for nom, prenoms in stored[:25]:
        assert nom.upper() in text
        assert prenoms.split()[0] in text
    # Only sections whose jury has deliberated can have been printed.
    published_options = set(Result.objects.values_list("option", flat=True))
    assert published_options <= {s.option for s in first_day}
