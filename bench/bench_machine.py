"""The machine and the code a run of bench/run.sh measured: CPU, memory, free disk, load,
versions, the commit. One BENCH line, first in results.jsonl (bench/summary.py prints it)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from importlib import metadata

from _common import ROOT, report


def main() -> dict:
    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or None
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip())
    figures = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "commit": commit, "uncommitted_changes": dirty,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "disk_free_gb": round(shutil.disk_usage("/tmp").free / 1e9, 1),
        "versions": {"python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
                     **{p: version(p) for p in ("datasette", "scrapy", "pdfplumber", "pypdfium2",
                                                "lxml", "sqlite-utils")}},
    }
    report("machine", figures)
    return figures


if __name__ == "__main__":
    main()
