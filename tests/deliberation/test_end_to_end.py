"""End to end on real processes: the sandbox releases results, the scheduler's job fetches them,
a worker builds the PDF insert, and the PDF holds the released names."""

import pikepdf
import pytest
from django.contrib.auth import get_user_model

from results.models import Fetch, Insert, Job, Result, Title
from results.sources.arpent import ArpentClient
from results.store.sync import sync_calendar, sync_referentials
from sandbox import clock, data
from sandbox.models import Fault
from tests.deliberation_day import LOZERE, PYRENEES_ORIENTALES, deliberation_day
from tests.pdfs import pdf_text
from tests.processes import celery_processes, child_env, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


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
    with celery_processes(env, tmp_path, beats=1):
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

    text = pdf_text(insert.pdf.path, layout=True)
    assert "Lozère" in text
    stored = list(Result.objects.filter(departement=LOZERE).values_list("nom", "prenoms"))
    assert len(stored) >= insert.names_count > 0
    for nom, prenoms in stored[:25]:
        assert nom.upper() in text
        assert prenoms.split()[0] in text
    # Only sections whose jury has deliberated can have been printed.
    published_options = set(Result.objects.values_list("option", flat=True))
    assert published_options <= {s.option for s in first_day}


def test_a_deliberation_day_builds_versions_by_itself_as_juries_publish(
    live_server, tmp_path, settings
):
    """Two départements deliberate today, juries publishing from 09:35 to 17:45 (sandbox time,
    ×1200); the upstream fails now and then. With no one clicking, each insert gets a version
    per change of content, never one for a poll that brought nothing new."""
    day = deliberation_day(live_server, settings)

    env = child_env(live_server.url, tmp_path, RESULTS_POLL_INTERVAL_S=2, RESULTS_POLL_FROM_HOUR=0)
    with celery_processes(env, tmp_path, beats=1):
        day.begin()
        wait_for(day.is_printed, timeout=150, interval=1, message="the whole day printed")
        polls_at_the_end = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS).count()

    fetches = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS)
    assert fetches.filter(requested_by__isnull=False).count() == 0  # no one clicked
    # Both faults were served (the 503s retried by the client, the truncated bodies refused),
    # and the day was printed all the same.
    assert list(Fault.objects.values_list("remaining", flat=True)) == [0, 0]
    assert Fetch.objects.filter(
        departement_code=PYRENEES_ORIENTALES, outcome=Fetch.Outcome.FAILED
    ).exists()
    for code in day.codes:
        versions = day.versions(day.separate, code)
        sections = len(day.sections[code])
        # One version per jury at most, however many polls ran: an unchanged poll builds none.
        assert 1 <= len(versions) <= sections, (code, len(versions))
        assert polls_at_the_end > 2 * sections
        assert len({v.content_hash for v in versions}) == len(versions)
        assert all(v.diff["totals"]["names_added"] > 0 for v in versions)
        with pikepdf.open(versions[-1].pdf.path) as pdf:
            assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
        assert versions[-1].pdfx
    day_insert = day.latest(day.combined, None)
    assert day_insert.names_count == sum(day.results(code).count() for code in day.codes)
    assert not day_insert.pdfx  # this title gave no ICC profile
