"""A page's facts: small subqueries its title query carries, their SQL composed by the ORM once.

A page asks a handful of small questions besides its main rows (removals to confirm, the
retention date, whether anything is held). Carried by the title query they cost no round trip
each; composed by the ORM on every request they cost more than the database takes to answer
them, so their SQL is composed once per question and parameters (a slug, a code: a few hundred
at most) and reused. Only the SQL is kept, never an answer: nothing can be stale.
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


@functools.lru_cache(maxsize=1024)
def _composed(build, args):
    return build(*args).query.sql_with_params()
