"""Benchmark: the space estimate against real lists, on a full sandbox session.

For every département and deliberation day (one insert each) of the sandbox's session:
- the exact estimate (the names known) is compared with the PDF actually built: its pages from
  the file, its columns from where the text sits (pdftotext -bbox);
- the estimate from the calendar alone (candidates × rates) is compared with the exact size,
  with the default rates and with rates learned from real lists. The sandbox holds one session,
  so "last session" is emulated by cross-fitting: each half of the départements is estimated
  with rates learned from the other half's lists;
- the plan of all départements is timed (caches cleared first);
- building every insert is timed on its own (`session_build_s`), the way results.inserts builds
  one minus the database: compose, paginate, render as PDF/X-4 with a printer's profile,
  thumbnails; in one worker process per core, as Celery's prefork workers do.

Prints, as its last lines:
    session_build_s: S                (building the session's inserts, every core busy)
    estimate_exact_mismatches: N      (sections in inserts whose estimate differs from the PDF)
    estimate_error_default_columns: X (mean absolute error per insert, in columns)
    estimate_error_learned_columns: Y
    plan_all_departements_s: S
"""

import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()

from layouts import estimate as estimate_module  # noqa: E402
from layouts.compose import compose  # noqa: E402
from layouts.estimate import estimate_from_counts, learn_rates  # noqa: E402
from layouts.measure import font_metrics  # noqa: E402
from layouts.paginate import paginate  # noqa: E402
from layouts.pdf import PrintOptions, render_pdf  # noqa: E402
from layouts.profile import BERLINER  # noqa: E402
from layouts.thumbnails import page_thumbnails  # noqa: E402
from results.day.forecast import insert_title, plan  # noqa: E402
from results.store.rates import Rates  # noqa: E402
from sandbox import data  # noqa: E402

START = date(2026, 6, 16)
AFTER_SESSION = datetime(2026, 12, 31, tzinfo=ZoneInfo("Europe/Paris"))
PROFILE = BERLINER
ICC_PATH = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
TITLE_NAME = "La Gazette du Midi"


def inserts():
    """(code, name, day, sections of the day with their candidates, result rows of the day)."""
    for dept in data.DEPARTEMENTS:
        rows = defaultdict(list)
        for row in data.results(dept.code, START, AFTER_SESSION):
            rows[(row["filiere"], row["option"])].append(row)
        by_day = defaultdict(list)
        for section in data.sections(dept.code, START):
            by_day[section.date].append(section)
        for day, sections in sorted(by_day.items()):
            day_rows = [r for s in sections for r in rows[(s.filiere, s.option)]]
            yield dept.code, dept.name, day, sections, day_rows


def pdf_size(pdf):
    """(pages, columns holding text) of a built insert, read from the file."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        html = subprocess.run(
            ["pdftotext", "-bbox", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    pitch = PROFILE.column_width_pt + PROFILE.gutter_pt
    left = PROFILE.column_x_pt(0)
    bottom = PROFILE.line_y_pt(PROFILE.lines_per_column)
    columns, page = set(), 0
    for line in html.splitlines():
        line = line.strip()
        if line.startswith("<page"):
            page += 1
        elif line.startswith("<word"):
            attrs = dict(part.split("=", 1) for part in line[6:].split(">")[0].split())
            x_min, y_min, y_max = (float(attrs[k].strip('"')) for k in ("xMin", "yMin", "yMax"))
            # Title words (18 pt) span every column, and the folio sits below the type area.
            if y_max - y_min > 1.6 * PROFILE.font_size_pt or y_min > bottom:
                continue
            # +1 pt: the file rounds positions, a word at a column edge must stay in it.
            columns.add((page, int((x_min - left + 1) // pitch)))
    return page, len(columns)


def build_insert(args):
    """One insert built as results.inserts.build_insert does, minus the database: the title's
    printer profile makes it PDF/X-4; INSERT_RENDER_PROCESSES' default is one per core."""
    name, day, rows, section_count = args
    heading = insert_title(name, day.year)
    pagination = paginate(PROFILE, compose(rows), title=heading)
    pdf = render_pdf(
        pagination,
        footer=f"{TITLE_NAME} — {heading}",
        options=PrintOptions(icc_profile=ICC_PATH.read_bytes()),
        processes=os.cpu_count() or 1,
    )
    page_thumbnails(pdf)
    return pagination.size, pdf, section_count


def check_insert(args):
    """Compare a built insert's PDF with its exact estimate; its sections if they differ."""
    estimated, pdf, section_count = args
    pages, columns = pdf_size(pdf)
    return 0 if (pages, columns) == (estimated.pages, estimated.columns) else section_count


def main():
    if not ICC_PATH.exists():
        sys.exit(f"{ICC_PATH} is missing: run scripts/setup --test")
    font_metrics(False), font_metrics(True)
    all_inserts = list(inserts())
    print(
        f"sandbox session: {len(all_inserts)} inserts (département × day), "
        f"{sum(len(i[4]) for i in all_inserts)} names"
    )

    # Every insert built, then its exact estimate checked against its PDF, in worker processes.
    started = time.perf_counter()
    jobs = [
        (name, day, rows, len(sections)) for _, name, day, sections, rows in all_inserts if rows
    ]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        built = list(pool.map(build_insert, jobs, chunksize=8))
        session_build_s = time.perf_counter() - started
        mismatches = sum(pool.map(check_insert, built, chunksize=8))
    print(
        f"built {len(jobs)} PDF/X-4 inserts with thumbnails in {session_build_s:.1f} s, "
        f"built and checked in {time.perf_counter() - started:.1f} s"
    )

    # Calendar-only estimates with default and with cross-fitted learned rates.
    halves = [set(), set()]
    for i, dept in enumerate(data.DEPARTEMENTS):
        halves[i % 2].add(dept.code)
    tallies = [[], []]
    for code, _, _, sections, rows in all_inserts:
        printed = defaultdict(int)
        for row in rows:
            printed[(row["filiere"], row["option"])] += 1
        half = 0 if code in halves[0] else 1
        for s in sections:
            tallies[half].append((s.filiere, s.nb_candidats, printed[(s.filiere, s.option)]))
    learned = [learn_rates(tallies[1]), learn_rates(tallies[0])]  # each half from the other
    default_rates = Rates({}, {}, None)
    errors_default, errors_learned = [], []
    for code, name, day, sections, rows in all_inserts:
        title = insert_title(name, day.year)
        exact = paginate(PROFILE, compose(rows), title=title).size.columns if rows else 0
        rates = Rates({}, learned[0 if code in halves[0] else 1], 2025)
        for chosen, errors in ((default_rates, errors_default), (rates, errors_learned)):
            sections_counts = [
                (s.filiere, s.option, chosen.expected(s.filiere, s.nb_candidats)) for s in sections
            ]
            guess = estimate_from_counts(PROFILE, sections_counts, title).columns
            errors.append(abs(guess - exact))

    # The plan of every département, from a cold cache.
    estimate_module._estimate_from_counts.cache_clear()
    font_metrics(False).known.clear()
    font_metrics(True).known.clear()
    calendar, departements = [], {}
    for dept in data.DEPARTEMENTS:
        departements[dept.code] = SimpleNamespace(code=dept.code, name=dept.name)
        for r in data.calendar(dept.code, START):
            calendar.append(
                SimpleNamespace(
                    departement_id=dept.code,
                    filiere=r["filiere"],
                    option=r["option"],
                    nb_candidats=r["nbCandidats"],
                    date_delib=date.fromisoformat(r["dateDelib"]),
                    last_change="",
                    previous_nb_candidats=None,
                    previous_date=None,
                )
            )
    calendar.sort(key=lambda r: (r.date_delib, r.departement_id))
    started = time.perf_counter()
    plan(PROFILE, default_rates, calendar, departements)
    plan_s = time.perf_counter() - started

    print(f"learned printed shares: { {k[:28]: round(v, 3) for k, v in learned[0].items()} }")
    print(f"session_build_s: {session_build_s:.1f}")
    print(f"estimate_exact_mismatches: {mismatches}")
    print(f"estimate_error_default_columns: {sum(errors_default) / len(errors_default):.3f}")
    print(f"estimate_error_learned_columns: {sum(errors_learned) / len(errors_learned):.3f}")
    print(f"plan_all_departements_s: {plan_s:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
