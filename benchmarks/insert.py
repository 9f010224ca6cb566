"""Benchmark: a 20,000-name PDF/X-4 insert from our pagination, against a naive WeasyPrint render.

The insert: the sandbox's first 20,000 printed names (all départements' sections in order, as
one list), composed, paginated on the Berliner grid and rendered with ghostscript's CMYK
profile as output intent: WeasyPrint renders the page furniture, the lines are written into
the PDF (in parts by os.cpu_count() processes only from 100 pages, see layouts/pdf.py). The naive
render: the same groups as one HTML document, a <div> per name in CSS columns
(column-count: 6) on the same page, fonts and output intent, WeasyPrint paginating it, as a
newcomer would write it. Each runs in a fresh process, so that neither's memory (WeasyPrint
never gives it back) pollutes the other's figures; peak memory is the largest peak resident
set of the insert's processes (the builder and each render worker). Both PDFs are checked
(pages, fonts embedded; the insert also by our PDF/X-4 preflight) so a broken render cannot
look fast.

Prints, as its last lines:
    insert_names: 20000
    insert_s: S                  (compose, paginate, render the furniture, draw the lines)
    naive_s: N                   (build the HTML, render it)
    insert_speedup_vs_naive: R
    insert_peak_rss_mb: M
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from layouts.compose import compose
from layouts.paginate import paginate
from layouts.pdf import BLACK, FONT_FAMILY, PrintOptions, part_count, render_pdf
from layouts.preflight import preflight_errors
from layouts.profile import BERLINER
from sandbox import data

NAMES = 20_000
PROFILE = BERLINER
ICC_PATH = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
TITLE = "Résultats des examens de l'enseignement agricole — session 2026"
FOOTER = "La Gazette du Midi — supplément résultats"


def rows():
    """The first 20,000 names the sandbox's session publishes."""
    after_session = datetime(2026, 12, 31, tzinfo=ZoneInfo("Europe/Paris"))
    found = []
    for dept in data.DEPARTEMENTS:
        found.extend(data.results(dept.code, date(2026, 6, 16), after_session))
        if len(found) >= NAMES:
            return found[:NAMES]
    raise RuntimeError(f"the sandbox session has only {len(found)} names")


def build_insert(rows, icc):
    options = PrintOptions(icc_profile=icc)
    pagination = paginate(PROFILE, compose(rows), title=TITLE)
    return render_pdf(pagination, footer=FOOTER, options=options, processes=os.cpu_count() or 1)


def naive_html(groups, icc_path):
    p = PROFILE
    parts, diploma = [f"<h1>{escape(TITLE)}</h1>"], None
    for group in groups:
        if group.diploma != diploma:
            diploma = group.diploma
            parts.append(f"<h2>{escape(diploma)}</h2>")
        parts.append(f"<h3>{escape(group.heading)} ({len(group.names)})</h3>")
        parts.extend(f"<div>{escape(name)}</div>" for name in group.names)
    regular, bold = (
        Path(__file__).resolve().parent.parent / "static" / "fonts" / f"RobotoCondensed-{face}.ttf"
        for face in ("Regular", "Bold")
    )
    style = f"""
@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{regular.as_uri()}"); font-weight: 400; }}
@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{bold.as_uri()}"); font-weight: 700; }}
@color-profile device-cmyk {{ src: url("{icc_path.as_uri()}");
  components: cyan, magenta, yellow, black; }}
@page {{
  size: {p.page_width_mm}mm {p.page_height_mm}mm;
  margin: {p.margin_top_mm}mm {p.margin_right_mm}mm {p.margin_bottom_mm}mm {p.margin_left_mm}mm;
  @bottom-left {{ content: "{FOOTER}"; font: 7pt "{FONT_FAMILY}"; color: {BLACK}; }}
  @bottom-right {{ content: "Page " counter(page) "/" counter(pages); font: 7pt "{FONT_FAMILY}";
    color: {BLACK}; }}
}}
body {{ font: {p.font_size_pt}pt/{p.leading_pt}pt "{FONT_FAMILY}"; color: {BLACK};
  column-count: {p.columns}; column-gap: {p.gutter_mm}mm; margin: 0; }}
h1 {{ column-span: all; font-size: {p.title_size_pt}pt; line-height: 1.15; margin: 0 0 8pt;
  border-bottom: 1.5pt solid {BLACK}; }}
h2 {{ font-size: {p.heading_size_pt}pt; line-height: 1.2; margin: 8pt 0 0;
  border-top: 0.5pt solid {BLACK}; break-after: avoid; }}
h3 {{ font-size: {p.font_size_pt}pt; margin: 8pt 0 0; break-after: avoid; }}
"""
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{escape(TITLE)}'
        f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )


def build_naive(rows, icc):
    with tempfile.TemporaryDirectory() as folder:
        icc_path = Path(folder) / "printer.icc"
        icc_path.write_bytes(icc)
        html = naive_html(compose(rows), icc_path)
        return HTML(string=html).write_pdf(font_config=FontConfiguration(), pdf_variant="pdf/x-4")


def child(kind, out_path):
    """One build in this fresh process; reports its time and peak memory as JSON."""
    names, icc = rows(), ICC_PATH.read_bytes()
    started = time.perf_counter()
    pdf = build_insert(names, icc) if kind == "insert" else build_naive(names, icc)
    seconds = time.perf_counter() - started
    Path(out_path).write_bytes(pdf)
    # Linux reports kilobytes; RUSAGE_CHILDREN is the largest of the finished render workers.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "own_mb": own, "workers_mb": workers}))


def run_child(kind, out_path):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.insert", "--child", kind, str(out_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def checked_pages(path):
    """Pages of a built PDF, after checking every font is embedded."""
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert pages > 0 and rows, f"{path}: {pages} pages, {len(rows)} fonts"
    assert all(row.split()[-5] == "yes" for row in rows), f"{path}: a font is not embedded"
    return pages


def main():
    if not ICC_PATH.exists():
        sys.exit(f"{ICC_PATH} is missing: run scripts/setup --test")
    with tempfile.TemporaryDirectory() as folder:
        insert_path, naive_path = Path(folder) / "insert.pdf", Path(folder) / "naive.pdf"
        insert = run_child("insert", insert_path)
        insert_pages = checked_pages(str(insert_path))
        errors = preflight_errors(insert_path.read_bytes())
        assert not errors, errors
        naive = run_child("naive", naive_path)
        naive_pages = checked_pages(str(naive_path))

    processes = part_count(insert_pages, os.cpu_count() or 1)
    print(
        f"insert: {insert_pages} pages PDF/X-4 in {processes} process(es), "
        f"{insert['seconds']:.1f} s; peak RSS builder {insert['own_mb']:.0f} MB, "
        f"largest worker {insert['workers_mb']:.0f} MB"
    )
    print(
        f"naive: {naive_pages} pages in one WeasyPrint render, {naive['seconds']:.1f} s; "
        f"peak RSS {naive['own_mb']:.0f} MB"
    )
    print(f"insert_names: {NAMES}")
    print(f"insert_s: {insert['seconds']:.2f}")
    print(f"naive_s: {naive['seconds']:.2f}")
    print(f"insert_speedup_vs_naive: {naive['seconds'] / insert['seconds']:.2f}")
    print(f"insert_peak_rss_mb: {max(insert['own_mb'], insert['workers_mb']):.0f}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
