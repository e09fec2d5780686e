"""Replicate the report-level rows of a synthetic archive K times into a new archive.db, so the
pages that read reports, agencies, checks and coverage can be timed at a national report count
(1.3M) when the full values table (260M rows) cannot be built on this machine in the time.

    .venv/bin/python bench/replicate.py --src /tmp/ogi-bench/100k.db --dst /tmp/ogi-bench/1.3M-reports.db --factor 13

Copy k (1..K-1) of every agency and report gets the id suffix "~k" (agencies sort after their
original, so the first page of the wide views shows originals); values, sections and the search
index are copied once (the originals', or with --values-reports only those of the first reports
in agency order), checks in full for the originals and only the
non-passing ones for the copies (what failing_checks and carry_mismatch read). Timed pages that
read values (the wide views, agency_by_year) therefore see national-size reports and indexes
but a values table of the source's size: docs/benchmarks.md says which figure is which.
"""
from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts the project on sys.path)

from crawler.db import build as build_module
from crawler.db import load, schema


def cols(con, table):
    return [r[1] for r in con.execute(f'pragma table_info("{table}")')]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, required=True)
    ap.add_argument("--dst", type=Path, required=True)
    ap.add_argument("--factor", type=int, default=13)
    ap.add_argument("--values-reports", type=int, default=None,
                    help="copy the values of only the first N reports in agency order (the wide "
                         "views' first pages); default: all of the source's values")
    args = ap.parse_args(argv)
    src = build_module.open_db(args.src)  # brings the source to the current migrations
    if not src.execute("select count(*) from province_year_totals").fetchone()[0]:
        with src.atomic():
            build_module.refresh_totals(src)
    src.close()
    args.dst.unlink(missing_ok=True)
    build_module.open_db(args.dst).close()
    con = sqlite3.connect(args.dst, isolation_level=None)
    con.execute("pragma cache_size = -1000000")
    con.execute("attach ? as src", [str(args.src)])
    t0 = time.perf_counter()
    con.execute("begin")
    for t in ("captures", "crawl_runs", "fields", "archive_info", "report_sections", "search_index",
              "province_year_totals", "values", "checks"):
        c = ",".join(f'"{x}"' for x in cols(con, t))
        where = ""
        if t == "values" and args.values_reports is not None:  # the first reports in agency order
            where = (" where report_id in (select id from src.reports indexed by idx_reports_agency_order"
                     f" order by agency_id, year, id limit {int(args.values_reports)})")
        con.execute(f'insert into "{t}" ({c}) select {c} from src."{t}"{where}')
        print(f"  {t}: copied ({time.perf_counter() - t0:.0f}s)", flush=True)
    ac = cols(con, "agencies")
    rc = cols(con, "reports")
    kc = cols(con, "checks")
    for k in range(args.factor):
        sfx = f"~{k}" if k else ""
        sel = ",".join(("id || :s" if x == "id" else ("name || :s" if x == "name" else f'"{x}"')) for x in ac)
        con.execute(f'insert into agencies ({",".join(ac)}) select {sel} from src.agencies', {"s": sfx})
        if not k:
            con.execute(f'insert into reports ({",".join(rc)}) select {",".join(rc)} from src.reports')
            continue
        sel = ",".join({"id": "replace(id, agency_id, agency_id || :s)", "agency_id": "agency_id || :s",
                        "agency": "agency || :s", "url": "url || :s"}.get(x, f'"{x}"') for x in rc)
        con.execute(f'insert into reports ({",".join(rc)}) select {sel} from src.reports', {"s": sfx})
        sel = ",".join({"report_id": "replace(report_id, agency_id, agency_id || :s)",
                        "agency_id": "agency_id || :s",
                        "previous_report_id": "replace(previous_report_id, agency_id, agency_id || :s)"}.get(x, f'"{x}"')
                       for x in kc)
        con.execute(f'insert into checks ({",".join(kc)}) select {sel} from src.checks where status != \'pass\'',
                    {"s": sfx})
        print(f"  copy {k}: {time.perf_counter() - t0:.0f}s", flush=True)
    con.execute("commit")
    con.execute("detach src")
    con.close()
    db = build_module.open_db(args.dst)
    with db.atomic():
        load.rebuild_search(db)  # the index holds segmented text (crawler.db.segment)
        build_module.write_archive_info(db, None)
        schema.refresh_coverage(db)  # derived from the replicated agencies and reports
        build_module.analyze(db)
    build_module.refresh_facet_counts(db)  # of the replicated tables, as every build ends
    db.close()
    print(f"done in {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
