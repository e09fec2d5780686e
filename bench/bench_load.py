"""Load benchmark: values per second into archive.db through crawler.db.load against a bare
`executemany` of the same rows into the same schema (the floor), measured in the same run.
The rows include the search index's (row id, segmented text): the loader indexes as it writes.

    .venv/bin/python bench/bench_load.py --reports 2000
    .venv/bin/python bench/bench_load.py --reports 5000 --baseline 5e39476   # and an earlier loader

The reports come from the synthetic generator (testbed/synthetic_archive.py; with OGI_SHARED
their texts are drawn from the real reports) and are generated before the clock starts; both
sides write fresh databases in one transaction per batch. --baseline REV also loads the same
reports with the loader of commit REV (its files exported from git into a temporary directory,
run in a subprocess): `baseline_load_s` against `load_s` says whether loading got slower.
"""
from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, export_baseline, report

from crawler.db import build as build_module
from crawler.db import load, regions, search, texts
from testbed import synthetic_archive as synthetic


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temp dir)")
    ap.add_argument("--baseline", metavar="REV", default=None,
                    help="also load the same reports with the loader of this git commit")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each side, interleaved; the best of each counts (a shared machine)")
    args = ap.parse_args(argv)
    tmp = args.dir or Path(tempfile.mkdtemp(prefix="ogi-bench-load-"))
    tmp.mkdir(parents=True, exist_ok=True)

    items, extras = [], {}
    for ag, res, cap in synthetic.generate(args.reports):
        items.append((res, cap))
        extras[(ag["name"], ag["region_code"])] = ag
    n_values = sum(len(r["values"]) for r, _ in items)

    # the loader's one lookup read once a process (the portal registry: ~0.5 s), not per report
    regions.registry_entries()

    # 1. the project's load path: load.load_many (= load_parsed's rows, batched)
    db_path = tmp / "load.db"

    def run_load():
        db_path.unlink(missing_ok=True)
        db = build_module.open_db(db_path)
        t0 = time.perf_counter()
        for i in range(0, len(items), args.batch):
            load.load_many(db, items[i:i + args.batch], agencies=extras)
        dt = time.perf_counter() - t0
        return db, dt

    loads, floors, floors_values, baselines = [], [], [], []
    db, t = run_load()
    loads.append(t)
    loaded = db.execute("select count(*) from cells").fetchone()[0]
    # the same rows, read back, for the floor
    tables = {}
    # what the load writes: the compact cells and check results (values and checks are views)
    for t in ("reports", "cells", "check_results", "search_index", "captures",
              "agencies", "field_keys", "flag_sets", "printed_labels", "cell_places", "check_rules"):
        # the stored columns (search_index computes text, part, heading and year from them)
        cols = [r[1] for r in db.execute(f'pragma table_xinfo("{t}")') if r[6] == 0]
        cur = db.execute(f'select {", ".join(chr(34) + c + chr(34) for c in cols)} from "{t}"')
        tables[t] = (cols, cur.fetchall())
    # and the search index's rows: the loader indexes each text as it writes it (the
    # segmentation and the compression are the loader's work; the floor inserts their output)
    tables["search_index_fts"] = (["rowid", "tokens"],
                                  [(i, search.index_text(text)) for i, text in
                                   db.execute("select id, text from search_index")])
    db.close()

    # 2. the floor: bare executemany of exactly those rows into the same (empty) schema
    def bare(which):
        path = tmp / "bare.db"
        path.unlink(missing_ok=True)
        build_module.open_db(path).close()
        conn = sqlite3.connect(path, isolation_level=None)
        texts.register(conn)  # search_index's generated text column names it
        conn.execute("pragma cache_size = -262144")  # the same page cache as crawler.db.build.open_db
        for t in which:  # opening the archive filled the field keys (the views name them)
            if t != "search_index_fts":  # empty, and a delete would read its content table
                conn.execute(f'delete from "{t}"')
        t0 = time.perf_counter()
        for t in which:
            cols, rows = tables[t]
            sql = f'insert into "{t}" (' + ",".join(f'"{c}"' for c in cols) + ") values (" + ",".join("?" * len(cols)) + ")"
            for i in range(0, len(rows), args.batch * 200):
                conn.execute("begin")
                conn.executemany(sql, rows[i:i + args.batch * 200])
                conn.execute("commit")
        dt = time.perf_counter() - t0
        conn.close()
        return dt

    if args.baseline:
        src = export_baseline(args.baseline, tmp)
    for k in range(args.repeat):
        if k:
            db, t = run_load()
            db.close()
            loads.append(t)
        floors_values.append(bare(["cells"]))
        floors.append(bare(list(tables)))
        if args.baseline:
            baselines.append(baseline(src, items, extras, tmp, args.batch))
    t_load, t_bare_all, t_bare_values = min(loads), min(floors), min(floors_values)
    figures = {
        "reports": len(items), "values": n_values, "values_loaded": loaded,
        "section_chars_per_report": round(sum(len(t) for r, _ in items for t in r["sections"].values())
                                          / max(1, len(items))),
        "db_mb": round(db_path.stat().st_size / 2**20, 1),
        "load_s": round(t_load, 3), "load_values_per_s": round(n_values / t_load),
        "floor_all_rows_s": round(t_bare_all, 3),
        "floor_all_rows_values_per_s": round(n_values / t_bare_all),
        "floor_values_only_s": round(t_bare_values, 3),
        "floor_values_only_values_per_s": round(n_values / t_bare_values),
        "ratio_to_floor": round(t_bare_all / t_load, 3),
        "ratio_to_values_only_floor": round(t_bare_values / t_load, 3),
        "target": ">= 0.5 x bare executemany of the same rows",
    }
    figures["runs"] = {"load_s": [round(x, 2) for x in loads], "floor_s": [round(x, 2) for x in floors]}
    if args.baseline:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
                                capture_output=True, text=True).stdout.strip()
        figures.update({"baseline": commit, "baseline_load_s": round(min(baselines), 3),
                        "baseline_db_mb": round((tmp / "baseline.db").stat().st_size / 2**20, 1),
                        "load_vs_baseline": round(min(baselines) / t_load, 3)})
        figures["runs"]["baseline_load_s"] = [round(x, 2) for x in baselines]
    report("load", figures)
    return figures


BASELINE_LOAD = """
import pickle, sys, time
sys.path.insert(0, sys.argv[1])
from crawler.db import build, load, regions
with open(sys.argv[2], "rb") as fh:
    items, extras = pickle.load(fh)
regions.registry_entries()
db = build.open_db(sys.argv[3])
t0 = time.perf_counter()
for i in range(0, len(items), int(sys.argv[4])):
    load.load_many(db, items[i:i + int(sys.argv[4])], agencies=extras)
print(time.perf_counter() - t0)
"""


def baseline(src: Path, items, extras, tmp: Path, batch: int) -> float:
    """Seconds the loader of an earlier commit (its files in `src`) takes on the same reports,
    in a subprocess importing those files."""
    import pickle

    data = tmp / "items.pickle"
    if not data.exists():
        with open(data, "wb") as fh:
            pickle.dump((items, extras), fh)
    db = tmp / "baseline.db"
    db.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", BASELINE_LOAD, str(src), str(data), str(db), str(batch)],
                         cwd=src, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"baseline {src.name} failed: {out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
