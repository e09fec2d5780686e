"""National scale: build a synthetic archive of --reports reports (1,300,000 = every report since
2019) through the normal load path, and report its build time, peak memory, peak disk and the
size of each part (structured tables and indexes vs the full-text part).

    .venv/bin/python bench/bench_national.py --reports 1300000 --dir /tmp/ogi-national --jobs 2
    .venv/bin/python bench/bench_national.py --db /tmp/ogi-national/synthetic-1300000.db   # sizes only
    # in two stages (each timed, its peak RSS and disk peak measured): load, then derive
    .venv/bin/python bench/bench_national.py --reports 1300000 --dir /tmp/ogi-national --stage load
    .venv/bin/python bench/bench_national.py --reports 1300000 --dir /tmp/ogi-national --stage derive

The build is `python -m testbed.synthetic_archive` in a subprocess (crawler.db.load.load_many, then
the build's derived step: cross-year checks, check status, totals, coverage, the search index);
its peak RSS is read from the kernel (the largest process of the build), the disk peak by
sampling the size of the database and its journal every second. Set OGI_SHARED so the reports
carry texts drawn from the real corpus (testbed/synthetic_prose.py): without it the generator
falls back to a few template sentences, and says so (`prose` in the figures). Then every page of
bench_serve.py can be measured on the result with `bench/bench_serve.py --db`.
"""
from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from _common import ROOT, add_archive_args, report, synthetic_db

from crawler.db import search

# The full-text part: the texts of the reports and of their other documents, and their index;
# everything else is the structured archive (reports, cells, checks, agencies, captures,
# coverage, derived tables).
FULL_TEXT = ("search_index", "document_texts", "text_dictionaries",
             # the layout before migration 0020 (every text twice)
             "report_sections", "sqlite_autoindex_report_sections_1", "idx_search_index_report")


def _files(db: Path) -> list[Path]:
    return [db, Path(f"{db}-journal"), Path(f"{db}-wal"), Path(f"{db}-shm")]


def build(db: Path, reports: int, jobs: int, stage: str = "all") -> dict:
    if stage != "derive":
        for f in _files(db):
            f.unlink(missing_ok=True)
    peak = {"bytes": 0}
    done = threading.Event()

    def measure():
        size = sum(f.stat().st_size for f in _files(db) if f.exists())
        peak["bytes"] = max(peak["bytes"], size)

    def sample():
        while not done.is_set():
            measure()
            done.wait(1.0)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    t0 = time.perf_counter()
    if stage == "derive":
        cmd = [sys.executable, "-m", "testbed.synthetic_archive", "--db", str(db), "--derive-only"]
    else:
        cmd = [sys.executable, "-m", "testbed.synthetic_archive", "--db", str(db),
               "--reports", str(reports), "--jobs", str(jobs)] + (["--no-derived"] if stage == "load" else [])
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    done.set()
    t.join()
    measure()  # a build shorter than the sampling interval: its file is the peak's lower bound
    if proc.returncode != 0:
        raise SystemExit(f"generator failed (exit {proc.returncode})")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, largest process
    gen = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"stage": stage, "build_seconds": round(seconds), "build_minutes": round(seconds / 60, 1),
            "load_seconds": gen.get("load_seconds"), "derived_seconds":
                round(gen["total_seconds"] - gen["load_seconds"]) if "total_seconds" in gen else None,
            "build_peak_rss_gb": round(rss / 2**20, 2), "disk_peak_gb": round(peak["bytes"] / 2**30, 2),
            "disk_peak_mb": round(peak["bytes"] / 2**20),
            "generator": gen}


def sizes(db: Path) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    search.register_functions(con)  # report_sections reads the stored texts (ogi_text)
    parts = dict(con.execute("select name, sum(pgsize) from dbstat group by name").fetchall())
    page = con.execute("pragma page_size").fetchone()[0]
    free = con.execute("pragma freelist_count").fetchone()[0] * page
    out = {"reports": con.execute("select count(*) from reports").fetchone()[0],
           "cells": con.execute("select count(*) from cells").fetchone()[0],
           "check_results": con.execute("select count(*) from check_results").fetchone()[0],
           # section characters a report, over every 1/50th report (each text is read whole)
           "text_chars_per_report_sampled": round(con.execute(
               "select avg(n) from (select sum(length(s.text)) as n from reports r "
               "join report_sections s on s.report_id = r.id where r.key % 50 = 0 "
               "group by r.id)").fetchone()[0] or 0)}
    con.close()
    fts = sum(v for k, v in parts.items() if k.startswith("search_index_fts"))
    text = sum(v for k, v in parts.items() if k in FULL_TEXT)
    structured = sum(parts.values()) - fts - text
    top = sorted(parts.items(), key=lambda kv: -kv[1])[:12]
    out.update({
        "file_bytes": db.stat().st_size, "structured_bytes": structured,
        "file_gb": round(db.stat().st_size / 2**30, 2),
        "structured_gb": round(structured / 2**30, 2),
        "full_text_tables_gb": round(text / 2**30, 2),
        "fts_index_gb": round(fts / 2**30, 2),
        "free_pages_gb": round(free / 2**30, 2),
        "largest": {k: round(v / 2**20) for k, v in top},  # MiB
        "structured_bytes_per_report": round(structured / max(1, out["reports"])),
    })
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_archive_args(ap, reports=2000, directory="/tmp/ogi-national")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--stage", choices=("all", "load", "derive"), default="all",
                    help="all: one build; load: the reports only (no derived data); derive: the "
                         "derived step on the archive a load stage wrote")
    args = ap.parse_args(argv)
    figures: dict = {}
    db = args.db
    if db is None or args.stage == "derive":
        db = db or synthetic_db(args)
        figures.update(build(db, args.reports, args.jobs, args.stage))
    figures.update(sizes(db))
    figures["targets"] = ("whole file <= 20 GB, structured <= 10 GB, build peak RSS <= 8 GB at 1.3M "
                          "reports (GiB: 2**30 bytes; the _bytes figures are exact)")
    report("national", figures)
    return figures


if __name__ == "__main__":
    main()
