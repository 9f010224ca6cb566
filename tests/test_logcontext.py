"""Log lines name the title, département and job of the work in progress."""

import logging
from datetime import date

import pytest

from results import logcontext, tasks
from results.deliberation import runs
from results.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(caplog):
    """caplog's handler gets the filter the settings put on the console handler."""
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(logcontext.ContextFilter())
    return caplog


def about(record):
    return (record.title, record.departement, record.job)


def test_a_line_logged_during_a_build_names_its_title_departement_and_job(
    fields, monkeypatch, title, gard
):
    job = Job.objects.create(
        kind=Job.Kind.BUILD_INSERT, title=title, departement=gard, day=date(2026, 7, 3)
    )
    monkeypatch.setattr(runs, "run_build", lambda job: logging.getLogger("x").info("building"))

    tasks.build_insert(job.pk)

    [line] = [r for r in fields.records if r.getMessage() == "building"]
    assert about(line) == ("gazette", "30", str(job.pk))


def test_a_line_logged_outside_a_job_has_dashes(fields):
    logging.getLogger("x").info("idle")

    assert about(fields.records[-1]) == ("-", "-", "-")


def test_the_fields_are_reset_after_the_run_even_when_it_fails(fields, monkeypatch, title, gard):
    job = Job.objects.create(kind=Job.Kind.BUILD_INSERT, title=title, departement=gard)

    def broken(job):
        raise RuntimeError("boom")

    monkeypatch.setattr(runs, "run_build", broken)
    with pytest.raises(RuntimeError):
        tasks.build_insert(job.pk)
    logging.getLogger("x").info("after")

    assert about(fields.records[-1]) == ("-", "-", "-")


def test_a_job_already_taken_is_logged_with_its_id(fields, title, gard):
    job = Job.objects.create(kind=Job.Kind.BUILD_INSERT, status=Job.Status.DONE, title=title)

    tasks.build_insert(job.pk)

    assert about(fields.records[-1]) == ("-", "-", str(job.pk))


def test_the_console_handler_shows_the_fields():
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert any(isinstance(f, logcontext.ContextFilter) for f in handler.filters)
    record = logging.LogRecord(
        "results.deliberation.jobs", logging.INFO, __file__, 1, "built", (), None
    )
    with logcontext.bind(title_slug="gazette", departement_code="30", job_id=7):
        handler.filter(record)
    assert "[title=gazette dept=30 job=7] built" in handler.format(record)
