"""The request budget shared by every worker, in the database or in Redis."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from results.deliberation import budget
from results.deliberation.polling import budget_key, schedule_polls
from results.models import CalendarRow, Job, RequestBudget

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 7, 3)
NOW = datetime.combine(DAY, time(8), tzinfo=PARIS)
# The only Redis database the tests may use on this machine.
TEST_REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture(params=["database", "redis"])
def store(request, settings):
    """Each test runs with the database's budget, then with Redis's."""
    if request.param == "redis":
        settings.REDIS_URL = TEST_REDIS
        settings.CELERY_TASK_DEFAULT_QUEUE = f"budget-test-{uuid.uuid4().hex}"
        yield request.param
        budget.forget()
    else:
        settings.REDIS_URL = ""
        yield request.param


@pytest.fixture
def gard_calendar(gard, title):
    """The shared Gard, followed by the shared title, deliberating on DAY."""
    CalendarRow.objects.create(
        departement=gard,
        filiere="Baccalauréat Professionnel",
        option="Forêt",
        date_delib=DAY,
        nb_candidats=40,
    )
    return gard


def test_a_budget_grants_its_limit_then_refuses(store):
    granted = [budget.take("host/30/day", 3, 3600, NOW) for _ in range(5)]

    assert granted == [True, True, True, False, False]
    assert budget.spent("host/30/day", NOW) >= 3


def test_each_key_has_its_own_budget(store):
    assert budget.take("host/30/day", 1, 3600, NOW)
    assert budget.take("host/34/day", 1, 3600, NOW)
    assert not budget.take("host/30/day", 1, 3600, NOW)


def test_a_spent_budget_in_the_database_is_granted_again_once_its_period_is_over(settings):
    settings.REDIS_URL = ""
    assert budget.take("k", 1, 60, NOW)
    assert not budget.take("k", 1, 60, NOW + timedelta(seconds=59))

    assert budget.take("k", 1, 60, NOW + timedelta(seconds=61))
    assert RequestBudget.objects.get(key="k").used == 1


def test_many_workers_at_once_never_spend_more_than_a_redis_budget(settings):
    settings.REDIS_URL = TEST_REDIS
    settings.CELERY_TASK_DEFAULT_QUEUE = f"budget-test-{uuid.uuid4().hex}"
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            granted = list(pool.map(lambda _: budget.take("race", 50, 60), range(200)))
    finally:
        budget.forget()

    assert granted.count(True) == 50


def test_two_schedulers_never_poll_more_than_the_days_budget(store, gard, gard_calendar, settings):
    settings.RESULTS_POLL_BUDGET = 4
    settings.RESULTS_POLL_WINDOW = "08:00-24:00"
    polls = []
    for step in range(10):
        moment = NOW + timedelta(seconds=40 * step + 1)
        # Two beats (two servers) send every tick; the slot and the budget are shared.
        polls += schedule_polls(moment) + schedule_polls(moment + timedelta(seconds=1))

    assert len(polls) == 4
    assert Job.objects.filter(kind=Job.Kind.FETCH_RESULTS).count() == 4


def test_a_poll_over_budget_is_skipped_not_failed_and_the_next_day_polls_again(
    store, gard, gard_calendar, settings
):
    settings.RESULTS_POLL_BUDGET = 1
    settings.RESULTS_POLL_WINDOW = "00:00-24:00"
    assert len(schedule_polls(NOW)) == 1

    assert schedule_polls(NOW + timedelta(seconds=40)) == []
    assert not Job.objects.filter(status=Job.Status.FAILED).exists()
    next_day = DAY + timedelta(days=1)
    CalendarRow.objects.filter(departement=gard).update(date_delib=next_day)
    assert len(schedule_polls(NOW + timedelta(days=1))) == 1


def test_the_budget_is_kept_per_upstream_host_and_day(settings):
    settings.ARPENT_BASE_URL = "https://ensagri.api.agriculture.gouv.fr/arpent-resultats-api"

    assert budget_key("30", DAY) == "ensagri.api.agriculture.gouv.fr/30/2026-07-03"
