"""Crawl benchmark: pages per minute of the real spider (`ogi crawl`, a subprocess) against the
local portal simulator (testbed/, the TRS test bed, enlarged with --bodies) with
politeness switched off, against `scrapy bench` run on the same machine in the same run.

    .venv/bin/python bench/bench_crawl.py [--bodies 150] [--bench-seconds 10]

Politeness off: no delay, no AutoThrottle, 16 requests at a time per domain (the archive's
defaults are one at a time with AutoThrottle, as real portals deserve). Pages = every request
the simulator answered (list pages, detail pages, attachments, robots.txt); the minute is the
run's own start-to-finish time from its run summary (process start-up excluded, as scrapy
bench's figure excludes it too).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report


def _ts(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def spider_rate(bodies: int, concurrency: int) -> dict:
    from testbed import beds, serve

    from tests.portal_fixtures import OGI, last_run

    saved = list(beds.BODIES)
    beds.BODIES[:] = saved + [f"第{k}工作局" for k in range(max(0, bodies - len(saved)))]
    try:
        with serve("trs") as base:
            archive = Path(tempfile.mkdtemp(prefix="ogi-bench-crawl-"))
            cmd = OGI + ["crawl", "--url", base.url(base.site.column_path), "--archive", str(archive),
                         "--allow-private", "--delay", "0", "--max-pages", "100000",
                         "--set", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
                         "--set", f"CONCURRENT_REQUESTS={concurrency}", "--set", "LOG_LEVEL=WARNING"]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                                  env=dict(os.environ, OGI_CONTACT="bench@localhost"))
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                raise SystemExit(f"ogi crawl failed ({proc.returncode}): {proc.stderr[-2000:]}")
            run = last_run(archive)
            pages = len(base.site.log)
    finally:
        beds.BODIES[:] = saved
    secs = _ts(run["finished"]) - _ts(run["started"])
    return {"requests_served": pages, "reports_found": run["counts"]["reports_found"],
            "run_seconds": round(secs, 2), "process_seconds": round(wall, 2),
            "pages_per_min": round(pages / secs * 60)}


def scrapy_bench(seconds: int) -> dict:
    scrapy = Path(sys.executable).with_name("scrapy")
    with tempfile.TemporaryDirectory() as tmp:  # outside the project: Scrapy's default settings
        proc = subprocess.run([str(scrapy), "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
                              capture_output=True, text=True, cwd=tmp)
    log = proc.stderr
    got = re.search(r"'response_received_count': (\d+)", log)
    el = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not got or not el:
        raise SystemExit(f"scrapy bench printed no stats: {log[-2000:]}")
    rates = [int(x) for x in re.findall(r"\(at (\d+) pages/min\)", log)]
    n, secs = int(got.group(1)), float(el.group(1))
    return {"pages": n, "seconds": secs, "pages_per_min": round(n / secs * 60),
            "peak_logged_pages_per_min": max(rates) if rates else None}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bodies", type=int, default=150, help="agencies of the simulated county (x6 years of reports)")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--bench-seconds", type=int, default=10)
    args = ap.parse_args(argv)
    spider = spider_rate(args.bodies, args.concurrency)
    floor = scrapy_bench(args.bench_seconds)
    figures = {"spider": spider, "scrapy_bench": floor,
               "ratio_to_floor": round(spider["pages_per_min"] / floor["pages_per_min"], 3),
               "ratio_to_floor_peak_minute": (round(spider["pages_per_min"] / floor["peak_logged_pages_per_min"], 3)
                                              if floor["peak_logged_pages_per_min"] else None),
               "target": ">= 0.8 x scrapy bench"}
    report("crawl", figures)
    return figures


if __name__ == "__main__":
    main()
