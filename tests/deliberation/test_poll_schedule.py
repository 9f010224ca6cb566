"""The poll schedule: which départements are due when, the window, the requests of a day."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings

from results.deliberation.polling import (
    day_schedule,
    departements_to_poll,
    requests_per_departement_day,
    schedule_polls,
)
from results.deliberation.schedule import DAY_S, Schedule, parse_window, place_window
from results.models import CalendarRow, Fetch, Job, Result

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 7, 3)
SECTION = ("Baccalauréat Professionnel", "Forêt")


@pytest.fixture
def gard_calendar(gard, title):
    """The shared Gard, followed by the shared title, deliberating on DAY."""
    CalendarRow.objects.create(
        departement=gard, filiere=SECTION[0], option=SECTION[1], date_delib=DAY, nb_candidats=40
    )
    return gard


def at(hour, minute=0, second=0, day=DAY):
    return datetime.combine(day, time(hour, minute, second), tzinfo=PARIS)


def seconds(hour, minute=0):
    return hour * 3600 + minute * 60


def changed_on_earlier_days(*moments):
    """Past fetch records: results changed at these (hour, minute) on the days before DAY."""
    for back, (hour, minute) in enumerate(moments, start=1):
        Fetch.objects.create(
            endpoint="resultats",
            departement_code="30",
            started_at=at(hour, minute, day=DAY - timedelta(days=back)),
            outcome=Fetch.Outcome.CHANGED,
        )


def publish(gard, fetched_at):
    Result.objects.create(
        departement=gard,
        filiere=SECTION[0],
        option=SECTION[1],
        nom="DUPONT",
        prenoms="Marie",
        resultat="Admission",
        fetched_at=fetched_at,
    )


def test_the_default_schedule_sends_at_most_288_requests_per_departement_and_day():
    schedule = day_schedule(DAY)

    assert requests_per_departement_day(schedule) <= 288
    assert django_settings.RESULTS_POLL_BUDGET == 288


def test_the_default_schedule_polls_every_40_seconds_or_less_in_its_window():
    schedule = day_schedule(DAY)
    start, end = schedule.window
    dense = [t for t in schedule.moments() if start <= t < end]

    assert end - start >= 2 * 3600
    assert max(b - a for a, b in zip(dense, dense[1:], strict=False)) <= 40
    # A release waits at most an interval for its poll, plus the beat's tick: 45 s, leaving
    # 15 s of the minute for the fetch and the build.
    assert schedule.interval_s + django_settings.RESULTS_POLL_TICK_S <= 45


def test_outside_the_window_a_departement_is_polled_every_half_hour_from_eight():
    schedule = day_schedule(DAY)
    start, end = schedule.window
    sparse = [t for t in schedule.moments() if not start <= t < end]

    assert min(sparse) == seconds(8)
    assert all(t % 1800 == 0 for t in sparse)


def test_the_beat_asks_more_often_than_the_schedule_polls():
    assert django_settings.RESULTS_POLL_TICK_S <= django_settings.RESULTS_POLL_INTERVAL_S
    beat = django_settings.CELERY_BEAT_SCHEDULE["poll-results"]
    assert beat["schedule"] == django_settings.RESULTS_POLL_TICK_S


def test_the_window_is_learned_from_the_hours_results_changed_on_earlier_days():
    changed_on_earlier_days((16, 0), (16, 20), (16, 40), (17, 0), (15, 50), (9, 0))

    start, end = day_schedule(DAY).window

    assert start <= seconds(15, 50) and seconds(17) < end
    assert not start <= seconds(9) < end


def test_without_history_the_window_is_centred_on_the_middle_of_the_juries_day():
    start, end = day_schedule(DAY).window

    assert (start + end) // 2 == seconds(13, 30)


def test_a_learned_window_is_never_longer_than_the_budget_allows_however_spread_the_history():
    changed_on_earlier_days(*[(hour, 0) for hour in range(9, 19)])

    schedule = day_schedule(DAY)

    assert requests_per_departement_day(schedule) <= 288


def test_a_window_near_midnight_stays_within_the_day():
    assert place_window([60] * 10, 3 * 3600, seconds(13)) == (0, 3 * 3600)
    assert place_window([DAY_S - 60] * 10, 3 * 3600, seconds(13)) == (DAY_S - 3 * 3600, DAY_S)


def test_a_forced_window_is_read_as_paris_hours_and_a_bad_one_is_explained_in_french():
    assert parse_window("10:00-24:00") == (seconds(10), DAY_S)
    with pytest.raises(ValueError, match="doit être une plage HH:MM-HH:MM"):
        parse_window("10h-19h")
    with pytest.raises(ValueError, match="la fin doit suivre le début"):
        parse_window("19:00-10:00")


def test_the_slot_is_the_latest_moment_of_the_schedule_before_now():
    schedule = Schedule((seconds(12), seconds(13)), 40, 1800, seconds(8))

    assert schedule.slot_at(seconds(7, 59)) is None
    assert schedule.slot_at(seconds(8, 10)) == seconds(8)
    assert schedule.slot_at(seconds(12) + 45) == seconds(12) + 40
    assert schedule.slot_at(seconds(13, 10)) == seconds(13)


def test_in_its_window_a_waiting_departement_is_polled_again_40_seconds_later(gard, gard_calendar):
    start, _ = day_schedule(DAY).window
    first = at(0) + timedelta(seconds=start + 1)

    assert len(schedule_polls(first)) == 1
    assert schedule_polls(first + timedelta(seconds=20)) == []  # same slot
    assert len(schedule_polls(first + timedelta(seconds=40))) == 1


def test_outside_its_window_a_waiting_departement_is_polled_once_per_half_hour(gard, gard_calendar):
    assert departements_to_poll(at(8, 0, 3)) == ["30"]
    assert len(schedule_polls(at(8, 0, 3))) == 1
    assert schedule_polls(at(8, 20)) == []
    assert len(schedule_polls(at(8, 30, 1))) == 1


def test_every_list_shown_before_the_embargo_gets_one_poll_once_it_lifts(
    gard, gard_calendar, settings
):
    settings.RESULTS_EMBARGO_TIME = "14:00"
    publish(gard, fetched_at=at(11))  # all of today's lists, shown early: nothing is missing

    assert departements_to_poll(at(13, 59)) == []
    polls = schedule_polls(at(14, 0, 4))
    assert [job.slot for job in polls] == [f"embargo-{DAY}"]
    Job.objects.filter(pk=polls[0].pk).update(status=Job.Status.DONE)
    assert departements_to_poll(at(14, 0, 9)) == []
    assert departements_to_poll(at(16)) == []


def test_lists_shown_after_the_embargo_moment_need_no_extra_poll(gard, gard_calendar, settings):
    settings.RESULTS_EMBARGO_TIME = "14:00"
    publish(gard, fetched_at=at(14, 30))

    assert departements_to_poll(at(15)) == []
