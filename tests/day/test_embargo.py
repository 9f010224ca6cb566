"""The embargo: nothing of a section is built before its deliberation moment."""

from contextlib import nullcontext
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from results.day.embargo import release_moment
from results.deliberation import runs
from results.deliberation.runs import held_back_today
from results.editions.builds import build_version
from results.models import Job, Result
from results.store.sync import SyncReport
from tests import world
from tests.world import FORET

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 7, 3)


@pytest.fixture
def gard_calendar(gard):
    world.calendar(gard, FORET, day=DAY, candidates=9)


def publish(gard, nom, *, at):
    Result.objects.create(
        departement=gard,
        filiere=FORET[0],
        option=FORET[1],
        nom=nom,
        prenoms="Marie",
        resultat="Admission",
        fetched_at=at,
    )


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def test_a_list_the_upstream_shows_the_day_before_is_held_until_its_day(gard_calendar, title, gard):
    publish(gard, "DUPONT", at=at(date(2026, 7, 2), 18))
    with time_machine.travel(at(date(2026, 7, 2), 23, 59)):
        assert build_version(title, gard, DAY) == (None, False)
    with time_machine.travel(at(DAY, 0, 1)):
        insert, created = build_version(title, gard, DAY)
    assert created and insert.names_count == 1


def test_the_moment_is_configurable(gard_calendar, title, gard, settings):
    settings.RESULTS_EMBARGO_TIME = "14:00"
    assert release_moment(DAY) == at(DAY, 14)
    publish(gard, "DUPONT", at=at(DAY, 9))
    with time_machine.travel(at(DAY, 13, 59)):
        assert build_version(title, gard, DAY) == (None, False)
    with time_machine.travel(at(DAY, 14)):
        assert build_version(title, gard, DAY)[1]


def test_a_section_missing_from_the_calendar_prints_on_the_day_it_arrived(
    gard_calendar, title, gard
):
    Result.objects.create(
        departement=gard,
        filiere="Brevet de Technicien Supérieur Agricole",
        option="Aquaculture",
        nom="MARTIN",
        prenoms="Paul",
        resultat="Admission",
        fetched_at=at(date(2026, 7, 1), 10),
    )
    with time_machine.travel(at(date(2026, 7, 1), 11)):
        insert, created = build_version(title, gard, date(2026, 7, 1))
    assert created and insert.names_count == 1


def test_an_unreadable_moment_setting_is_a_clear_configuration_error(
    gard_calendar, title, gard, settings
):
    settings.RESULTS_EMBARGO_TIME = "2 pm"
    with pytest.raises(ImproperlyConfigured, match="RESULTS_EMBARGO_TIME"):
        release_moment(DAY)


def test_the_first_poll_after_the_moment_builds_lists_the_upstream_showed_early(
    gard_calendar, title, gard, monkeypatch
):
    publish(gard, "DUPONT", at=at(date(2026, 7, 2), 18))
    unchanged = SyncReport("unchanged", rows=1)
    monkeypatch.setattr("results.deliberation.runs.sync_results", lambda client, code: unchanged)
    monkeypatch.setattr(runs.ArpentClient, "from_settings", lambda: nullcontext())
    with time_machine.travel(at(DAY, 9)):
        assert held_back_today(title, gard, "30")
        runs.run_fetch(Job.objects.create(kind=Job.Kind.FETCH_RESULTS, departement=gard))
        build = Job.objects.get(kind=Job.Kind.BUILD_INSERT)
        assert (build.title, build.departement, build.day) == (title, gard, DAY)
        build_version(title, gard, DAY)
        # Built after the moment: later unchanged polls build nothing more.
        assert not held_back_today(title, gard, "30")
        assert timezone.localdate() == DAY
