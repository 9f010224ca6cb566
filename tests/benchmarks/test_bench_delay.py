"""bench-delay: every day it releases is one the embargo lets print, and it cannot hang."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from benchmarks import delay
from results.day.content import results_of_day, section_days
from results.day.embargo import release_moment
from results.models import CalendarRow, Departement, Insert, Job, Title
from results.sources.arpent import ArpentClient
from results.store.sync import sync_results
from sandbox import clock, data
from tests.django_transport import DjangoTransport

pytestmark = pytest.mark.django_db


def sandbox_client():
    return ArpentClient("http://testserver/arpent-resultats-api", transport=DjangoTransport())


def test_the_benchmark_makes_today_nords_last_deliberation_day_and_releases_nothing_before_t0():
    sections = delay.prepare(DjangoTransport())

    today = timezone.localdate()
    dates = set(
        CalendarRow.objects.filter(departement=delay.CODE).values_list("date_delib", flat=True)
    )
    assert max(dates) == today
    assert len(dates) == len({s.date for s in sections}) > 1
    assert data.results(delay.CODE, clock.session_start(), clock.now()) == []


def test_every_day_released_at_t0_prints_its_results_under_the_default_embargo():
    sections = delay.prepare(DjangoTransport())
    released_at = delay.release(sections)
    with sandbox_client() as client:
        sync_results(client, delay.CODE)

    nord = Departement.objects.get(code=delay.CODE)
    days = section_days([delay.CODE])
    printed = {
        day: len(results_of_day(nord, day, days, released_at)) for day in {s.date for s in sections}
    }
    assert all(printed.values())
    expected = delay.expect(sections, released_at)
    assert expected.days == sorted(printed)
    assert expected.held_back == {}
    assert expected.names == sum(printed.values())


def test_a_day_the_embargo_still_holds_back_at_t0_is_named_and_not_waited_for(settings):
    settings.RESULTS_EMBARGO_TIME = "23:59"
    sections = delay.prepare(DjangoTransport())
    today = timezone.localdate()
    noon = timezone.make_aware(datetime.combine(today, datetime.min.time())) + timedelta(hours=12)

    expected = delay.expect(sections, noon)

    assert today not in expected.days
    assert expected.days == sorted({s.date for s in sections} - {today})
    assert expected.held_back == {today: noon + timedelta(hours=11, minutes=59)}


def test_a_run_past_its_timeout_says_what_it_still_waits_for_and_exits_non_zero(
    monkeypatch, capsys
):
    # What the benchmark did before: wait for a later day's insert, which the embargo holds back.
    tomorrow = timezone.localdate() + timedelta(days=1)

    def stuck(run):
        run.expected = delay.Expected(names=1344, days=[tomorrow])
        Job.objects.create(
            kind=Job.Kind.BUILD_INSERT,
            departement=Departement.objects.create(code=delay.CODE, name="Nord"),
            day=tomorrow,
            status=Job.Status.DONE,
            message="Aucun résultat publié pour ce jour : pas d'encart à générer.",
        )
        run.phase = "building the inserts"
        delay.wait_until_built(run.expected)

    monkeypatch.setattr(delay, "TIMEOUT_S", 1)
    monkeypatch.setattr(delay, "measure", stuck)

    with pytest.raises(SystemExit) as exited:
        delay.main()

    assert exited.value.code == 1
    report = capsys.readouterr().err
    assert "not done after 1 s, while building the inserts" in report
    assert (
        f"still waiting for the insert of {tomorrow} (held back by the embargo until "
        f"{release_moment(tomorrow)})" in report
    )
    assert "still waiting for names stored: 0 of 1344" in report
    assert f"build of {tomorrow}: Aucun résultat publié pour ce jour" in report


def test_the_delay_counts_from_the_poll_that_saw_the_release_not_an_earlier_empty_one():
    nord = Departement.objects.create(code=delay.CODE, name="Nord")
    title = Title.objects.create(name="Bench", slug="bench")
    t0 = timezone.now()
    for seconds in (0, 10):  # the empty poll that proved the processes up, then the one at T0
        Job.objects.create(
            kind=Job.Kind.FETCH_RESULTS,
            departement=nord,
            status=Job.Status.DONE,
            created_at=t0 + timedelta(seconds=seconds),
        )
    day = timezone.localdate()
    Job.objects.create(
        kind=Job.Kind.BUILD_INSERT,
        title=title,
        departement=nord,
        day=day,
        created_at=t0 + timedelta(seconds=12),
    )
    Insert.objects.create(
        title=title,
        departement=nord,
        day=day,
        number=1,
        created_at=t0 + timedelta(seconds=15),
        pdf="inserts/bench.pdf",
        names_count=1,
        pages=1,
        columns=1,
        lines=1,
        content_hash="0",
    )

    assert delay.poll_to_pdf_s(delay.Expected(names=1, days=[day])) == 5.0
