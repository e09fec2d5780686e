"""Load benchmark: values per second into archive.db through crawler.db.load against a bare
`executemany` of the same rows into the same schema (the floor), measured in the same run.
The rows include the search index's (row id, segmented text): the loader indexes as it writes.

    .venv/bin/python bench/bench_load.py --reports 2000

The reports come from the synthetic generator (testbed/synthetic_archive.py) and are generated
before the clock starts; both sides write fresh databases in one transaction per batch.
"""
from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from _common import report

from crawler.db import build as build_module
from crawler.db import load, regions, search, texts
from testbed import synthetic_archive as synthetic


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temp dir)")
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
    db_path.unlink(missing_ok=True)
    db = build_module.open_db(db_path)
    t0 = time.perf_counter()
    for i in range(0, len(items), args.batch):
        load.load_many(db, items[i:i + args.batch], agencies=extras)
    t_load = time.perf_counter() - t0
    loaded = db.execute("select count(*) from cells").fetchone()[0]
    # the same rows, read back, for the floor
    tables = {}
    # what the load writes: the compact cells and check results (values and checks are views)
    for t in ("reports", "cells", "check_results", "search_index", "captures",
              "agencies", "field_keys", "flag_sets", "printed_labels", "check_rules"):
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

    t_bare_values = bare(["cells"])
    t_bare_all = bare(list(tables))
    figures = {
        "reports": len(items), "values": n_values, "values_loaded": loaded,
        "load_s": round(t_load, 3), "load_values_per_s": round(n_values / t_load),
        "floor_all_rows_s": round(t_bare_all, 3),
        "floor_all_rows_values_per_s": round(n_values / t_bare_all),
        "floor_values_only_s": round(t_bare_values, 3),
        "floor_values_only_values_per_s": round(n_values / t_bare_values),
        "ratio_to_floor": round(t_bare_all / t_load, 3),
        "ratio_to_values_only_floor": round(t_bare_values / t_load, 3),
        "target": ">= 0.5 x bare executemany of the same rows",
    }
    report("load", figures)
    return figures


if __name__ == "__main__":
    main()
