"""Queries of the busiest pages whose SQL the ORM composes once per parameters, then reuses.

On the insert and département pages, composing each small query (filters, subqueries,
joins) cost the ORM more CPU than the database took to answer it. So a query is written as a
function of hashable parameters (a slug, a code, a title's id) that returns a queryset, and its
SQL is composed once per function and parameters: a few hundred at most, kept in a bounded
cache. Only the SQL is kept, never an answer: nothing shown can be stale. The small questions
a page asks besides its rows (a count, a date, a flag) ride on its title query.
"""

import functools

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL


def scalar(build, *args, output_field):
    """The one value of `build(*args)` (a queryset of one column and at most one row), as an
    annotation; NULL when it has no row."""
    sql, params = _composed(build, args)
    return RawSQL(sql, params, output_field=output_field)


def exists(build, *args):
    """Whether `build(*args)` has a row, as an annotation."""
    sql, params = _composed(build, args)
    return RawSQL(f"EXISTS ({sql})", params, output_field=BooleanField())


def rows(build, *args):
    """The model instances of `build(*args)`, as the queryset would give them (no
    select_related: the queryset must not use it)."""
    sql, params = _composed(build, args)
    return list(_model(build, args).objects.raw(sql, params))


@functools.lru_cache(maxsize=1024)
def _composed(build, args):
    return build(*args).query.sql_with_params()


@functools.lru_cache(maxsize=1024)
def _model(build, args):
    return build(*args).model
