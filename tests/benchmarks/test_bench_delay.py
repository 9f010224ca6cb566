"""bench-delay: today's juries released over a few real minutes, under the default schedule,
measured per section, and it cannot hang."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from benchmarks import delay
from results.deliberation.polling import day_schedule, requests_per_departement_day
from results.models import CalendarRow, Departement, Job, Result, Title
from sandbox import clock, data
from tests.django_transport import DjangoTransport

pytestmark = pytest.mark.django_db


def seconds_of_day(moment):
    local = timezone.localtime(moment)
    return local.hour * 3600 + local.minute * 60 + local.second


def test_the_benchmark_makes_the_busiest_day_today_and_releases_none_of_it_before_t0():
    sections = delay.prepare(DjangoTransport())

    today = timezone.localdate()
    _, codes = delay.busiest()
    assert len(sections) >= 20
    assert {s.date for s in sections} == {today}
    assert {s.departement for s in sections} == set(codes)
    assert CalendarRow.objects.filter(date_delib=today).count() == len(sections)
    for code in codes:
        released = data.results(code, clock.session_start(), clock.now())
        assert not [
            r
            for r in released
            if (r["filiere"], r["option"])
            in {(s.filiere, s.option) for s in sections if s.departement == code}
        ]


def test_the_default_schedule_learns_from_the_earlier_days_to_poll_now_within_its_budget():
    delay.prepare(DjangoTransport())

    schedule = day_schedule(timezone.localdate())
    now = seconds_of_day(timezone.now())
    assert schedule.in_window(now)
    assert schedule.in_window(min(now + delay.RELEASE_WINDOW_S, 24 * 3600 - 1))
    assert requests_per_departement_day(schedule) <= 288


def test_the_release_spreads_todays_juries_over_at_most_ten_real_minutes():
    sections = delay.prepare(DjangoTransport())

    released = delay.release(sections)

    moments = sorted(released.released_at.values())
    assert delay.RELEASE_WINDOW_S <= 600
    assert (moments[-1] - moments[0]).total_seconds() <= delay.RELEASE_WINDOW_S
    assert len(set(moments)) > len(moments) // 2
    assert moments[0] >= timezone.now() - timedelta(seconds=5)


def test_a_sections_delay_runs_to_the_first_build_started_once_its_results_were_stored():
    nord = Departement.objects.create(code="59", name="Nord")
    title = Title.objects.create(name="Bench", slug="bench")
    t0 = timezone.now()
    today = timezone.localdate()
    section = data.Section("59", 0, "Baccalauréat Professionnel", "Forêt", 10, today, t0)
    Result.objects.create(
        departement=nord,
        filiere=section.filiere,
        option=section.option,
        nom="DUPONT",
        prenoms="Marie",
        resultat="Admission",
        fetched_at=t0 + timedelta(seconds=30),
    )
    for created, finished in ((20, 50), (31, 36)):  # one started before, one after the fetch
        Job.objects.create(
            kind=Job.Kind.BUILD_INSERT,
            title=title,
            departement=nord,
            day=today,
            status=Job.Status.DONE,
            created_at=t0 + timedelta(seconds=created),
            finished_at=t0 + timedelta(seconds=finished),
        )
    release = delay.Release([section], {delay.key(section): t0})

    assert delay.delays_s(release) == {delay.key(section): 36.0}
    assert delay.missing(release) == []


def test_percentiles_are_taken_by_nearest_rank():
    values = list(range(1, 21))

    assert delay.percentile(values, 50) == 10
    assert delay.percentile(values, 95) == 19


def test_a_run_past_its_timeout_says_what_it_still_waits_for_and_exits_non_zero(
    monkeypatch, capsys
):
    today = timezone.localdate()
    section = data.Section("59", 0, "Baccalauréat Professionnel", "Forêt", 10, today, None)

    def stuck(run):
        run.release = delay.Release([section], {delay.key(section): timezone.now()})
        Job.objects.create(
            kind=Job.Kind.FETCH_RESULTS,
            departement=Departement.objects.create(code="59", name="Nord"),
            slot="poll-1",
        )
        run.phase = "releasing and building"
        delay.wait_until_built(run.release)

    monkeypatch.setattr(delay, "TIMEOUT_S", 1)
    monkeypatch.setattr(delay, "measure", stuck)

    with pytest.raises(SystemExit) as exited:
        delay.main()

    assert exited.value.code == 1
    report = capsys.readouterr().err
    assert "not done after 1 s, while releasing and building" in report
    assert "still waiting for the PDF with 59 Baccalauréat Professionnel / Forêt" in report
    assert "(fetch_results ): queued" in report


def test_a_run_that_would_cross_midnight_is_refused_with_the_reason(settings):
    late = timezone.make_aware(datetime(2026, 7, 3, 23, 50))  # Paris

    assert delay.before_midnight(late) == (
        "midnight (Paris) in 10 min: the day would end under the run; run it after."
    )
    assert delay.before_midnight(late - timedelta(hours=1)) == ""
