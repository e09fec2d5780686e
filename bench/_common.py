"""Shared helpers of the bench/ scripts: machine facts, timing, figures printed one per line."""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the shared corpus: OGI_SHARED as for the tests, else ../shared beside the checkout
SHARED = Path(os.environ.get("OGI_SHARED") or ROOT.parent / "shared")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "ram_gb": round(mem / 2**30, 1), "cpu": cpu,
            "python": platform.python_version()}


def timed(fn, *args, repeat: int = 1, **kw) -> tuple[float, object]:
    """Best wall time of `repeat` runs (seconds) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t0)
    return best, out


def percentile(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def report(bench: str, figures: dict) -> None:
    """Print the figures readably and as one JSON line (`BENCH {...}`) for docs and scripts."""
    print(f"== {bench}")
    for k, v in figures.items():
        print(f"  {k}: {v}")
    print("BENCH " + json.dumps({"bench": bench, **figures, "machine": machine()}, ensure_ascii=False))
    sys.stdout.flush()


def add_archive_args(ap, *, reports: int, directory: str) -> None:
    """The arguments of a bench that reads an archive: an existing one (--db) or a synthetic one
    of --reports reports built in --dir."""
    ap.add_argument("--db", type=Path, help="an existing archive.db (else --reports builds one)")
    ap.add_argument("--reports", type=int, default=reports)
    ap.add_argument("--dir", type=Path, default=Path(directory))


def synthetic_db(args) -> Path:
    """Where a bench builds its synthetic archive of args.reports reports (the directory made)."""
    args.dir.mkdir(parents=True, exist_ok=True)
    return args.dir / f"synthetic-{args.reports}.db"


def export_baseline(rev: str, tmp: Path) -> Path:
    """The files of commit `rev` (git archive) in a directory of their own (an earlier
    loader or parser measured beside this code: bench_load, bench_parse --baseline)."""
    import subprocess

    src = tmp / f"baseline-{rev}"
    if not src.exists():
        src.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    return src
