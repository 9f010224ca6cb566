"""Parts of pages kept in the cache under a stamp of their data, rendered again once it moves."""

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

# The stamp in the key says when a fragment is stale; the timeout only frees the memory of
# fragments whose stamp moved on.
TIMEOUT_S = 3600


def fragment(template, key, context):
    """The HTML of `template`, kept under `key` (a tuple naming everything it shows).

    `context` is called only on a miss: it is what costs. The fragment must be the same for
    every user who may see it (no CSRF token, no user-specific link in it), and `key` must
    change with any data it shows: the callers put a stamp of their data in it.
    """
    parts = (template, translation.get_language(), *key)
    name = "fragment:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    html = cache.get(name)
    if html is None:
        html = render_to_string(template, context())
        cache.set(name, html, TIMEOUT_S)
    return mark_safe(html)  # our own template's output, escaped as it was rendered


# Stamps in the shared cache can fail to move (Redis away at the moment of a write): what is kept
# under them is trusted this long at most.
STAMPED_TIMEOUT_S = 60


def stamped(stamp, key, compute):
    """What `compute()` gives (a small dict, HTML included), kept in this process's cache while
    the shared change stamp the caller read stands (results.changes: `stamp` is its value, None
    where there are no stamps, and then it is computed each time). `key` names everything else
    it depends on; the language is added.

    The caller reads the stamp before this computes: a write in between moves it again, and
    the next call computes afresh.
    """
    if stamp is None:
        return compute()
    parts = (stamp, translation.get_language(), *key)
    name = "stamped:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, STAMPED_TIMEOUT_S)
    return value
