"""Benchmark: store a 20,000-row results payload, bulk sync against one ORM call per row.

Runs on the configured database (DATABASE_URL). Prints, as its last lines:
    sync_rows_per_s: N
    sync_speedup_vs_row_by_row: R
Both paths parse the same payload through the same client; only the storing differs.
"""

import json
import os
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()

import httpx2  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from results.models import Departement, Result  # noqa: E402
from results.sources.arpent import ArpentClient  # noqa: E402
from results.store.sync import sync_results  # noqa: E402
from sandbox import data  # noqa: E402

ROWS = 20_000
BENCH_CODE = "999"  # no real département has this code; its rows are removed afterwards


def payload():
    """20,000 realistic rows from the sandbox's session, relabelled to the bench département."""
    after_session = datetime(2026, 12, 31, tzinfo=ZoneInfo("Europe/Paris"))
    rows = []
    for dept in (d.code for d in data.DEPARTEMENTS):
        rows.extend(data.results(dept, date(2026, 6, 16), after_session))
        if len(rows) >= ROWS:
            break
    rows = [dict(row, departement=BENCH_CODE) for row in rows[:ROWS]]
    assert len(rows) == ROWS, f"only {len(rows)} rows generated"
    return json.dumps(rows, ensure_ascii=False).encode()


def client(body):
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, content=body))
    return ArpentClient("http://bench.invalid", transport=transport)


def clear():
    Result.objects.filter(departement_id=BENCH_CODE).delete()


def bulk(body):
    clear()
    started = time.perf_counter()
    report = sync_results(client(body), BENCH_CODE)
    elapsed = time.perf_counter() - started
    assert report.created == ROWS, report
    return elapsed


def row_by_row(body):
    clear()
    started = time.perf_counter()
    records = client(body).results(BENCH_CODE).records
    with transaction.atomic():
        seen = {}
        for r in records:
            key = (r.filiere, r.option, r.specialite, r.nom, r.prenoms)
            Result.objects.create(
                departement_id=BENCH_CODE,
                filiere=r.filiere,
                option=r.option,
                specialite=r.specialite,
                nom=r.nom,
                prenoms=r.prenoms,
                resultat=r.resultat,
                occurrence=seen.get(key, 0),
            )
            seen[key] = seen.get(key, 0) + 1
    return time.perf_counter() - started


def main():
    Departement.objects.get_or_create(code=BENCH_CODE, defaults={"name": "Banc d'essai"})
    body = payload()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"payload: {ROWS} rows, {len(body) / 1e6:.1f} MB")
    try:
        bulk_s = min(bulk(body) for _ in range(2))
        naive_s = row_by_row(body)
    finally:
        clear()
        Departement.objects.filter(code=BENCH_CODE).delete()
    print(f"bulk sync: {bulk_s:.2f} s; row by row: {naive_s:.2f} s")
    print(f"sync_rows_per_s: {ROWS / bulk_s:.0f}")
    print(f"sync_speedup_vs_row_by_row: {naive_s / bulk_s:.1f}")


if __name__ == "__main__":
    main()
