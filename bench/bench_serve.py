"""Serve benchmark: the pages researchers open, as they meet them: right after `ogi serve` starts
(OS page cache dropped where the machine allows it) and under concurrent readers; the start-up
time, the archive's size on disk, and the peak memory of building and serving it.

    .venv/bin/python bench/bench_serve.py --reports 100000 --dir /tmp/ogi-bench   # build, then serve
    .venv/bin/python bench/bench_serve.py --db /tmp/ogi-national/synthetic-1300000.db --clients 8

The mix (pages()): the home page and its search; the reports table with its facets, unfiltered
and filtered by a year; the wide views; a report page; the `values` and `checks` pages
unfiltered and filtered by an agency, a year and a field (values: a field id, and a field with
a year; checks: a rule id, and the failing checks); a report's sections; the search box of
search_index for a rare word; every canned query of metadata.yml, `search` for common phrases
(政府信息公开 …, in every report) and a rare word (a township's name, in its own reports only).
A page of one agency, report, year, field, rule or word has up to 100 addresses drawn from the
archive, and each request opens one of them at random: readers look at different agencies, so
a page is measured on many addresses, not on one answered again from memory (`ogi serve` keeps
the pages it made: crawler/web/response_cache.py; `--cache-mb 0` measures without).

Three measurements, each on a freshly started server (immutable, as `ogi serve` serves a built
archive), each after dropping the OS page cache (`sync; echo 3 > /proc/sys/vm/drop_caches`,
root only; `cache_dropped` says whether it was):

* start-up: seconds from starting `ogi serve` until it answers (`serve_startup_s`);
* cold, one reader: every page fetched once, in the mix's order (`cold_ms`: a page's first view);
* cold, N readers: --clients readers start together, each fetching every page of the mix
  --rounds times in its own random order, pausing --think seconds on average between pages
  (0: no pause); every request counts, the first (cold) ones included: `p50_ms`, `p95_ms`,
  `max_ms` per page, `status` the worst HTTP status met.

Every request's HTTP status and body size are kept; a page that times out or fails shows it.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import resource
import socket
import subprocess
import sys
import threading
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
    except OSError:  # a time-out or a dropped connection: counted, as a reader meets it
        body, status = b"", 599
    return time.perf_counter() - t0, status, len(body)


def drop_caches() -> bool:
    """Empty the OS page cache (root only): the next reads come from the disk."""
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


# Words a reader types into a search box: phrases every report prints, and narrower ones
COMMON_TERMS = ("政府信息公开", "依申请公开", "行政复议", "主动公开", "年度报告", "政府信息",
                "行政诉讼", "不予公开", "办理结果", "工作要点")


def pages(db: Path, choices: int = 100, seed: int = 25) -> dict[str, list[str]]:
    """The mix: each page of it with the addresses readers open for it. A page of one agency,
    year, field, rule, report or search word has up to `choices` of them, drawn from the archive
    (each request takes one at random: readers look at different agencies, not all at one); an
    unfiltered page has its one address."""
    import sqlite3

    meta = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    dbmeta = meta["databases"]["archive"]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rng = random.Random(seed)
    n = con.execute("select max(key) from reports").fetchone()[0] or 1

    def sample(sql: str, k: int = choices) -> list:
        """Values of `sql` (one column, filtered by reports r) of reports at random keys."""
        keys = sorted({rng.randint(1, n) for _ in range(k * 3)})
        out = []
        for key in keys:
            row = con.execute(sql + " and r.key >= ? order by r.key limit 1", [key]).fetchone()
            if row and row[0] and row[0] not in out:
                out.append(row[0])
        rng.shuffle(out)
        return out[:k]

    reports = sample("select r.id from reports r where r.format is not null")
    agencies = sample("select r.agency_id from reports r where 1")
    names = sample("select r.agency from reports r where 1")
    towns = sample("select r.agency from reports r where r.level = '乡级'") or names
    years = [y for (y,) in con.execute("select distinct year from reports where year is not null "
                                       "order by year")]
    rules = [r for (r,) in con.execute("select distinct rule_id from check_rules where kind = 'report' "
                                       "order by rule_id")]
    fields = [f for (f,) in con.execute("select field_id from field_keys order by key")]
    con.close()
    fields = rng.sample(fields, min(choices, len(fields)))
    rules = rng.sample(rules, min(choices, len(rules)))
    q = urllib.parse.quote
    enc = urllib.parse.urlencode
    out = {"home": ["/"], "home search": ["/?" + enc({"q": t}) for t in COMMON_TERMS],
           "reports (facets)": ["/archive/reports"],
           "t2_wide": ["/archive/t2_wide"], "t3_wide": ["/archive/t3_wide"],
           # a page filtered by a facet value (a click on it): facets summed from facet_cube
           "reports of one year (facets)": [f"/archive/reports?year={y}" for y in years],
           # one report's page: its tables, checks, earlier years and peers
           "report page": ["/-/report/" + q(r, safe="/") for r in reports],
           "report_sections of a report": ["/archive/report_sections?report_id=" + q(r) for r in reports],
           "values": ["/archive/values"],
           "values of an agency": [f"/archive/values?agency_id={q(a)}" for a in agencies],
           "values of a year": [f"/archive/values?year={y}" for y in years],
           "values of a field": [f"/archive/values?field_id={q(f)}" for f in fields],
           "values of a field and year": [f"/archive/values?field_id={q(f)}&year={rng.choice(years)}"
                                          for f in fields],
           "checks": ["/archive/checks"],
           "checks of an agency": [f"/archive/checks?agency_id={q(a)}" for a in agencies],
           "checks of a year": [f"/archive/checks?year={y}" for y in years],
           "checks of a rule": [f"/archive/checks?rule_id={q(r)}" for r in rules],
           "failing checks (status=fail)": ["/archive/checks?status=fail"],
           "search box, a rare word": ["/archive/search_index?_search=" + q(t) for t in towns]}
    for qname, spec in (dbmeta.get("queries") or {}).items():
        needed = sorted(set(re.findall(r"(?<!:):([a-z_]+)", spec["sql"])))
        label = f"query {qname}" + (" (a common phrase)" if qname == "search" else "")
        if qname == "search":  # phrases in every report; a township's name in its own reports
            out[label] = [f"/archive/search?{enc({'q': t})}" for t in COMMON_TERMS]
            out["query search (a rare word)"] = [f"/archive/search?{enc({'q': t})}" for t in towns]
        elif "agency" in needed:
            out[label] = [f"/archive/{qname}?" + enc({p: (a if p == "agency" else "1") for p in needed})
                          for a in names]
        else:
            out[label] = [f"/archive/{qname}" + (f"?{enc({p: '1' for p in needed})}" if needed else "")]
    return {name: paths for name, paths in out.items() if paths}


class Server:
    """`ogi serve` on a free port, started and stopped by the bench."""

    def __init__(self, db: Path, workers: int = 1, cache_mb: int | None = None):
        self.db = db
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([OGI, "serve", "--db", str(db), "--port", str(self.port),
                                      "--workers", str(workers)]
                                     + ([] if cache_mb is None else ["--cache-mb", str(cache_mb)]),
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        while True:
            try:
                urllib.request.urlopen(self.base + "/-/versions.json", timeout=2).read()
                break
            except OSError:
                if time.perf_counter() - t0 > 600 or self.proc.poll() is not None:
                    self.stop()
                    raise SystemExit("ogi serve did not start: " + (self.proc.stderr.read() or "")[-2000:])
                time.sleep(0.05)
        self.startup = time.perf_counter() - t0

    def rss_mb(self) -> int:
        """Peak RSS of the server, its worker processes summed."""
        total = 0
        for pid in [self.proc.pid] + _children(self.proc.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        return round(total / 1024)

    def stop(self) -> None:
        import os
        import signal

        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        try:  # worker processes left behind by a server that did not stop them
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().split(") ")[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def concurrent(base: str, mix: dict[str, list[str]], clients: int, rounds: int,
               think: float = 0.0, seed: int = 1) -> dict:
    """`clients` readers at once, each fetching every page `rounds` times in its own order (one
    of the page's addresses at random), pausing between pages a random time of mean `think`
    seconds (exponential; 0: no pause)."""
    times: dict[str, list[float]] = {name: [] for name in mix}
    status: dict[str, int] = {name: 200 for name in mix}
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def reader(i: int) -> None:
        order = [name for _ in range(rounds) for name in mix]
        rng = random.Random(seed * 1000 + i)
        rng.shuffle(order)
        start.wait()
        for name in order:
            if think:
                time.sleep(rng.expovariate(1 / think))
            dt, st, _ = fetch(base + rng.choice(mix[name]))
            with lock:
                times[name].append(dt)
                if st != 200:
                    status[name] = max(status[name], st)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    out = {name: {"status": status[name], "requests": len(ts),
                  "p50_ms": round(percentile(ts, 50) * 1000), "p95_ms": round(percentile(ts, 95) * 1000),
                  "max_ms": round(max(ts) * 1000)} for name, ts in times.items()}
    return {"pages": out, "requests": sum(len(t) for t in times.values()), "seconds": round(wall, 1),
            "requests_per_s": round(sum(len(t) for t in times.values()) / wall, 1)}


def serve_and_measure(db: Path, clients: int, rounds: int, workers: int = 1, think: float = 0.0,
                      cache_mb: int | None = None) -> dict:
    mix = pages(db)
    figures: dict = {"mix": {name: paths[0] for name, paths in mix.items()},
                     "addresses": {name: len(paths) for name, paths in mix.items()},
                     "workers": workers, "think_s": think}
    # 1. start-up, then each page once, cold, one reader
    dropped = drop_caches()
    server = Server(db, workers, cache_mb)
    figures["cache_dropped"] = dropped
    figures["serve_startup_s"] = round(server.startup, 2)
    cold = {}
    try:
        for name, paths in mix.items():
            dt, st, size = fetch(server.base + paths[0])
            cold[name] = {"cold_ms": round(dt * 1000), "status": st, "bytes": size}
    finally:
        rss = server.rss_mb()
        server.stop()
    # 2. a fresh server, cold, `clients` readers at once
    drop_caches()
    server = Server(db, workers, cache_mb)
    figures["serve_startup_s_second"] = round(server.startup, 2)
    try:
        conc = concurrent(server.base, mix, clients, rounds, think)
    finally:
        rss = max(rss, server.rss_mb())
        server.stop()
    for name, row in conc["pages"].items():
        cold[name].update(row)
        cold[name]["status"] = max(cold[name]["status"], row["status"])
    figures.update({"clients": clients, "rounds": rounds, "pages": cold,
                    "concurrent_requests": conc["requests"], "concurrent_seconds": conc["seconds"],
                    "requests_per_s": conc["requests_per_s"], "serve_peak_rss_mb": rss})
    return figures


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_archive_args(ap, reports=1000, directory="/tmp/ogi-bench")
    ap.add_argument("--clients", type=int, default=8, help="readers at once (default 8)")
    ap.add_argument("--rounds", type=int, default=4,
                    help="times each reader fetches every page of the mix (default 4)")
    ap.add_argument("--workers", type=int, default=1, help="ogi serve --workers (default 1)")
    ap.add_argument("--think", type=float, default=0.0,
                    help="mean seconds a reader pauses between pages (default 0: none)")
    ap.add_argument("--cache-mb", type=int, default=None,
                    help="ogi serve --cache-mb (default: its own; 0: no response cache)")
    ap.add_argument("--requests", type=int, default=None, help=argparse.SUPPRESS)  # former option
    args = ap.parse_args(argv)
    figures: dict = {}
    db = args.db
    if db is None:
        db = synthetic_db(args)
        figures.update(build(db, args.reports))
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    figures["reports"] = con.execute("select count(*) from reports").fetchone()[0]
    try:  # the build's count (a count of 260M cells takes minutes)
        row = con.execute("select n from table_counts where tbl = 'cells'").fetchone()
    except sqlite3.Error:
        row = None
    figures["value_rows"] = row[0] if row else con.execute("select count(*) from cells").fetchone()[0]
    con.close()
    size = db.stat().st_size
    figures["size_on_disk_mb"] = round(size / 2**20)
    figures["bytes_per_report"] = round(size / max(1, figures["reports"]))
    figures.update(serve_and_measure(db, args.clients, args.rounds, args.workers, args.think,
                                     args.cache_mb))
    figures["cache_mb"] = args.cache_mb
    pages_ = figures["pages"]
    figures["worst_p95_ms"] = max(p["p95_ms"] for p in pages_.values())
    figures["worst_cold_ms"] = max(p["cold_ms"] for p in pages_.values())
    figures["pages_over_300ms_p95"] = sorted(n for n, p in pages_.items() if p["p95_ms"] > 300)
    figures["pages_not_200"] = sorted(n for n, p in pages_.items() if p["status"] != 200)
    figures["target"] = ("every page p95 <= 300 ms from cold under 8 concurrent readers; "
                         "ogi serve listening in <= 5 s (1.3M reports)")
    report("serve", figures)
    return figures


if __name__ == "__main__":
    main()
