"""Serve benchmark: p50/p95 latency of the Datasette pages researchers use, the archive's size
on disk, and the peak memory of building and serving it.

    .venv/bin/python bench/bench_serve.py --reports 100000 --dir /tmp/ogi-bench   # build, then serve
    .venv/bin/python bench/bench_serve.py --db /tmp/ogi-bench/100k.db             # serve an existing one

Pages: the home page, the reports table with its facets (metadata.yml) unfiltered and filtered
by one year (both from the facet counts of the build, crawler.db.facet_counts), the wide views
(t2_wide, t3_wide), a report page (/-/report/<id>) and every canned query of metadata.yml, each fetched --requests times over
real HTTP from `ogi serve` (immutable, as served); the first fetch of each page is reported
apart (cold) and left out of p50/p95. The build is the synthetic generator through the load
path (testbed/synthetic_archive.py), its peak RSS read from the kernel.
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import yaml
from _common import ROOT, add_archive_args, percentile, report, synthetic_db

OGI = str(Path(sys.executable).with_name("ogi"))


def build(db: Path, reports: int) -> dict:
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "testbed.synthetic_archive", "--db", str(db),
                           "--reports", str(reports)], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"generator failed: {proc.stderr[-2000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, largest child so far
    return {"build_seconds": round(time.perf_counter() - t0, 1), "build_peak_rss_mb": round(rss / 1024),
            "generator": json.loads(proc.stdout.strip().splitlines()[-1])}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 120) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    return time.perf_counter() - t0, status, len(body)


def pages(db: Path) -> dict[str, str]:
    import sqlite3

    meta = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    dbmeta = meta["databases"]["archive"]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    agency = con.execute("select agency from reports order by id limit 1 offset 7").fetchone()
    report = con.execute("select id from reports where format is not null order by id "
                         "limit 1 offset 7").fetchone()
    year = con.execute("select year from reports where year is not null order by year desc "
                       "limit 1 offset (select count(*) / 3 from reports)").fetchone()
    con.close()
    agency = agency[0] if agency else "人民政府"
    params = {"agency": agency, "q": "政府信息"}
    out = {"home": "/", "home search": "/?" + urllib.parse.urlencode({"q": "政府信息"}),
           "reports (facets)": "/archive/reports",
           "t2_wide": "/archive/t2_wide", "t3_wide": "/archive/t3_wide"}
    if year:  # a page filtered by a facet value (a click on it): facets summed from facet_cube
        out["reports of one year (facets)"] = f"/archive/reports?year={year[0]}"
    if report:  # one report's page: its tables, checks, earlier years and peers
        out["report page"] = "/-/report/" + urllib.parse.quote(report[0], safe="/")
    for name, q in (dbmeta.get("queries") or {}).items():
        needed = sorted(set(re.findall(r"(?<!:):([a-z_]+)", q["sql"])))
        qs = urllib.parse.urlencode({p: params.get(p, "1") for p in needed})
        out[f"query {name}"] = f"/archive/{name}" + (f"?{qs}" if qs else "")
        if name == "search":  # "政府信息" is in every title (the worst case); a name is selective
            out["query search (an agency name)"] = f"/archive/{name}?" + urllib.parse.urlencode({"q": agency})
    return out


def serve_and_measure(db: Path, requests: int) -> dict:
    port = free_port()
    proc = subprocess.Popen([OGI, "serve", "--db", str(db), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.perf_counter()
        while True:  # Datasette counts the tables before it listens: ~80 s at national size
            try:
                fetch(base + "/-/versions.json", timeout=2)
                break
            except OSError:
                if time.perf_counter() - t0 > 600 or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        startup = time.perf_counter() - t0
        results = {}
        for name, path in pages(db).items():
            cold, status, size = fetch(base + path)
            times = [fetch(base + path)[0] for _ in range(requests)]
            results[name] = {"status": status, "bytes": size, "cold_ms": round(cold * 1000),
                             "p50_ms": round(percentile(times, 50) * 1000, 1),
                             "p95_ms": round(percentile(times, 95) * 1000, 1)}
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"pages": results, "serve_startup_s": round(startup, 1), "serve_peak_rss_mb": round(hwm / 1024)}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_archive_args(ap, reports=1000, directory="/tmp/ogi-bench")
    ap.add_argument("--requests", type=int, default=20)
    args = ap.parse_args(argv)
    figures: dict = {}
    db = args.db
    if db is None:
        db = synthetic_db(args)
        figures.update(build(db, args.reports))
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    figures["reports"] = con.execute("select count(*) from reports").fetchone()[0]
    figures["value_rows"] = con.execute("select count(*) from cells").fetchone()[0]
    con.close()
    size = db.stat().st_size
    figures["size_on_disk_mb"] = round(size / 2**20)
    figures["bytes_per_report"] = round(size / max(1, figures["reports"]))
    figures.update(serve_and_measure(db, args.requests))
    worst = max(p["p95_ms"] for p in figures["pages"].values())
    figures["worst_p95_ms"] = worst
    figures["target"] = "every page p95 <= 300 ms at 1.3M reports"
    report("serve", figures)
    return figures


if __name__ == "__main__":
    main()
