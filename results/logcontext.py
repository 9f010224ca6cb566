"""What a log line is about: the title, département and job of the work in progress."""

import contextlib
import contextvars
import logging

UNSET = "-"

title = contextvars.ContextVar("log_title", default=UNSET)
departement = contextvars.ContextVar("log_departement", default=UNSET)
job = contextvars.ContextVar("log_job", default=UNSET)


@contextlib.contextmanager
def bind(*, title_slug=None, departement_code=None, job_id=None):
    """Within the block, every log record names what is given (None leaves a field as it was).

    Context variables, not thread-locals: a worker child runs one task after another, and the
    block's exit resets them so that a task never inherits its predecessor's fields.
    """
    tokens = [
        (var, var.set(str(value)))
        for var, value in ((title, title_slug), (departement, departement_code), (job, job_id))
        if value is not None
    ]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind_job(job_row):
    """The fields of a results.models.Job (loaded with its title, as jobs.claim does)."""
    return bind(
        title_slug=job_row.title.slug if job_row.title_id else None,
        departement_code=job_row.departement_id,
        job_id=job_row.pk,
    )


class ContextFilter(logging.Filter):
    """Adds `title`, `departement` and `job` to every record, "-" outside a job's run."""

    def filter(self, record):
        record.title = title.get()
        record.departement = departement.get()
        record.job = job.get()
        return True
