"""The build steps that make a report one report and flag copies and outliers, at scale.

    .venv/bin/python bench/bench_documents.py --reports 100000 --dir /tmp/ogi-bench

Builds a synthetic archive of --reports reports through the normal load path (testbed.
synthetic_archive, derived step left out), then loads --forms of them a second time as another
form (another address, the same numbers and a shorter text: the report's attachment) and
--versions of them as an earlier payload of their address with one cell changed, and times
each new step of the derived data on it:

* sketches: the loader's cost of sketching one report (tables' digests, prose MinHash), measured
  on the generated reports outside the database;
* documents.refresh: the canonical document of every report (only agency-years with more than
  one document are read);
* documents.refresh_diffs: version_diffs and revised_cells;
* flags: tables_identical, prose_near_duplicate, outliers (the synthetic prose is drawn from one
  pool of template sentences, so prose buckets are large: a hard case for the bucketing).

and the size of what they store (report_sketches, report_flags, documents, version_diffs).
"""
from __future__ import annotations

import argparse
import copy
import sqlite3
import time

from _common import add_archive_args, report, synthetic_db


def sizes(db_path) -> dict:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("select name, sum(pgsize) from dbstat group by name").fetchall()
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    by = dict(rows)
    want = ("report_sketches", "idx_report_sketches_hash", "report_flags", "documents",
            "document_texts", "version_diffs", "cells", "reports")
    return {k: round((by.get(k) or 0) / 2**20, 2) for k in want}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_archive_args(ap, reports=10_000, directory="/tmp/ogi-bench")
    ap.add_argument("--forms", type=float, default=0.02, help="share loaded again as another form")
    ap.add_argument("--versions", type=float, default=0.01, help="share with an earlier payload")
    args = ap.parse_args()

    from crawler.db import build, documents, flags, load, sketches
    from testbed import synthetic_archive as synthetic

    path = args.db or synthetic_db(args).with_name(f"documents-{args.reports}.db")
    if args.db is None:
        path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        synthetic.write(path, args.reports, derived=False)
        load_s = time.perf_counter() - t0
    else:
        load_s = None

    made = [(res, cap) for _, res, cap in synthetic.generate(args.reports)]
    # the loader's sketching cost per report (in memory: what load._stage adds)
    sample = made[: min(len(made), 5000)]
    t0 = time.perf_counter()
    for res, _ in sample:
        sketches.rows(1, res["values"], res.get("sections") or {})
    sketch_ms = (time.perf_counter() - t0) / len(sample) * 1000

    db = build.open_db(path)
    n_forms, n_versions = int(len(made) * args.forms), int(len(made) * args.versions)
    extra = []
    for res, cap in made[:n_forms]:
        other = copy.deepcopy(res)
        other["sha256"] = ("f" + res["sha256"])[:64]
        other["kind"] = "pdf"
        other["sections"] = {k: v[: len(v) // 2] for k, v in (res.get("sections") or {}).items()}
        extra.append((other, {**cap, "url": cap["url"] + ".pdf", "final_url": cap["url"] + ".pdf",
                              "sha256": other["sha256"]}, None))
    for res, cap in made[n_forms:n_forms + n_versions]:
        old = copy.deepcopy(res)
        old["sha256"] = ("e" + res["sha256"])[:64]
        fid = "t3.new.total"
        old["values"][fid] = (old["values"].get(fid) or 0) + 7
        extra.append((old, {**cap, "sha256": old["sha256"], "fetched_at": "2019-01-01T00:00:00+00:00"},
                      old["sha256"]))
    t0 = time.perf_counter()
    with db.atomic():
        for res, cap, version in extra:
            load.load_parsed(db, res, cap, version=version)
    extra_s = time.perf_counter() - t0

    def step(fn):
        t = time.perf_counter()
        with db.atomic():
            out = fn(db)
        return round(time.perf_counter() - t, 2), out

    refresh_s, moved = step(documents.refresh)
    diffs_s, n_diffs = step(documents.refresh_diffs)
    reps = flags._reports(db.conn)
    t = time.perf_counter()
    table_rows = flags.table_flags(db.conn, reps)
    table_s = time.perf_counter() - t
    t = time.perf_counter()
    prose_rows = flags.prose_flags(db.conn, reps)
    prose_s = time.perf_counter() - t
    t = time.perf_counter()
    outlier_rows = flags.outlier_flags(db.conn, reps)
    outlier_s = time.perf_counter() - t
    flags_s, counts = step(flags.refresh)
    again_s, _ = step(documents.refresh)  # an incremental build with nothing new
    n_reports = db.execute("select count(*) from reports").fetchone()[0]
    n_docs = db.execute("select count(*) from documents").fetchone()[0]
    db.close()
    report("documents_and_flags", {
        "archive": str(path), "reports": n_reports, "other_documents": n_docs,
        "synthetic_load_s": None if load_s is None else round(load_s, 1),
        "sketch_ms_per_report": round(sketch_ms, 3),
        "extra_documents_loaded_s": round(extra_s, 2),
        "documents_refresh_s": refresh_s, "documents_moved": moved,
        "documents_refresh_again_s": again_s,
        "version_diffs_s": diffs_s, "version_diff_rows": n_diffs,
        "flags_tables_s": round(table_s, 2), "flags_prose_s": round(prose_s, 2),
        "flags_outliers_s": round(outlier_s, 2), "flags_refresh_total_s": flags_s,
        "flags": counts, "table_flag_rows": len(table_rows), "prose_flag_rows": len(prose_rows),
        "outlier_flag_rows": len(outlier_rows),
        "sizes_mb": sizes(path),
    })


if __name__ == "__main__":
    main()
