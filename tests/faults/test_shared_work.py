"""Several Celery processes on one broker and one database: two workers share a deliberation
day's work and do none of it twice; two schedulers started by mistake poll and build once."""

import re
from collections import Counter
from datetime import time

import pytest

from layouts.versions import snapshot
from results.day.content import insert_content, profile_for
from results.editions.builds import content_hash, print_options
from results.models import Job
from tests.deliberation_day import (
    LOZERE,
    PYRENEES_ORIENTALES,
    assert_one_fetch_per_departement_and_slot,
    assert_one_upstream_call_per_run,
    assert_one_version_per_new_content,
    deliberation_day,
    jobs_run,
)
from tests.processes import celery_processes, child_env, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_two_workers_share_a_deliberation_day_and_do_no_job_twice(live_server, tmp_path, settings):
    """Two machines' workers take the jobs of one broker: each job runs once, on one of them,
    and the day's last versions are what a single build of the stored results gives."""
    day = deliberation_day(live_server, settings, speed=2400)  # 09:30 to 17:45 in 13 s
    env = child_env(live_server.url, tmp_path, RESULTS_POLL_INTERVAL_S=2, RESULTS_POLL_FROM_HOUR=0)
    with celery_processes(env, tmp_path, workers=2, beats=1):
        day.begin()
        wait_for(day.is_printed, timeout=120, interval=1, message="the whole day printed")

    runs = [jobs_run(tmp_path / "worker-1.log"), jobs_run(tmp_path / "worker-2.log")]
    assert all(runs), f"a worker did nothing: {runs}"
    done = Job.objects.filter(status=Job.Status.DONE).values_list("pk", flat=True)
    assert runs[0] + runs[1] == Counter(done)  # every finished job ran once, on one worker
    assert set(runs[0]).isdisjoint(runs[1])
    builds = Job.objects.filter(kind=Job.Kind.BUILD_INSERT)
    assert set(builds.values_list("status", "attempts")) == {(Job.Status.DONE, 0)}
    # The only failures are the truncated bodies the upstream served, one job each.
    failed = Job.objects.filter(status=Job.Status.FAILED)
    assert set(failed.values_list("kind", "departement")) <= {
        (Job.Kind.FETCH_RESULTS, PYRENEES_ORIENTALES)
    }
    assert failed.count() == 2
    assert_one_fetch_per_departement_and_slot()
    assert_one_upstream_call_per_run(day.codes)
    assert_one_version_per_new_content(day)

    for title, code in [(day.separate, c) for c in day.codes] + [(day.combined, None)]:
        latest = day.latest(title, code)
        heading, groups = insert_content(title, latest.departement, day.today)
        assert latest.heading == heading
        assert latest.content == snapshot(groups)
        assert latest.content_hash == content_hash(
            heading, groups, profile_for(title), print_options(title)
        )


def test_two_schedulers_started_by_mistake_poll_and_build_once(live_server, tmp_path, settings):
    """Two beats send every poll twice; each département is fetched once per poll slot, and
    each new content makes one version."""
    # Lozère's juries publish at 15:50 and 17:45: two hours of sandbox time, 6 s.
    day = deliberation_day(live_server, settings, codes=(LOZERE,), start=time(15, 45), speed=1200)
    env = child_env(live_server.url, tmp_path, RESULTS_POLL_INTERVAL_S=2, RESULTS_POLL_FROM_HOUR=0)
    with celery_processes(env, tmp_path, workers=1, beats=2):
        day.begin()
        wait_for(day.is_printed, timeout=90, interval=1, message="the whole day printed")

    sends = [
        (tmp_path / f"beat-{n}.log").read_text().count("Sending due task poll-results")
        for n in (1, 2)
    ]
    assert all(sends), f"a scheduler sent nothing: {sends}"
    # Both schedulers' polls ran, more of them than there were slots to fetch: the second send
    # of a slot came and made nothing (the slot already taken, or the unique constraint).
    worker_log = (tmp_path / "worker-1.log").read_text()
    polls_run = len(re.findall(r"results\.tasks\.poll_results\[[^\]]+\] succeeded", worker_log))
    slots = Job.objects.filter(kind=Job.Kind.FETCH_RESULTS).values("slot").distinct().count()
    assert polls_run > slots, (polls_run, slots)
    assert_one_fetch_per_departement_and_slot()
    assert_one_upstream_call_per_run(day.codes)
    assert_one_version_per_new_content(day)
    assert len(day.versions(day.separate, LOZERE)) <= len(day.sections[LOZERE])
