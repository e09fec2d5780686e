"""Build benchmark: `ogi build` of a WARC archive (parse + load of every capture) with one
process against `--jobs 2` (parsing in worker processes), same archive, same run.

    .venv/bin/python bench/bench_build.py [--copies 10]

The archive holds --copies copies of every document bench_parse.py uses (../shared/corpus or
generated), each with its own address and bytes, so each is a separate report to parse.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, SHARED, report

from bench_parse import corpus_documents, generated_documents


def write_archive(root: Path, docs: dict[str, list[Path]], copies: int) -> int:
    from warcio.warcwriter import WARCWriter

    from tests.test_db_archive import RUN, _record

    (root / "warc").mkdir(parents=True)
    (root / "runs").mkdir()
    ctypes = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "text": "text/plain; charset=utf-8",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    n = 0
    with open(root / "warc" / f"{RUN}-bench-0.warc.gz", "wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        for k in range(copies):
            for kind, paths in docs.items():
                for p in paths:
                    body = p.read_bytes() + (b"\n" * (k + 1) if kind in ("text", "html", "pdf") else b"")
                    if kind == "docx" and k:  # a zip with trailing bytes still opens; keep bytes distinct
                        body = body + b"\0" * k
                    url = f"http://127.0.0.1/bench/{k}/{p.name}"
                    _record(w, fh, url, body, ctypes[kind], f"2025-03-01T01:{n % 60:02d}:00Z", "report",
                            f"测试{k}县人民政府", f"4108{k % 100:02d}", f"测试{k}县人民政府2024年政府信息公开工作年度报告")
                    n += 1
    (root / "runs" / f"{RUN}.json").write_text(json.dumps(
        {"run_id": RUN, "spider": "bench", "started": "2025-03-01T00:58:00Z",
         "finished": "2025-03-02T01:01:00Z", "status": "finished"}), encoding="utf-8")
    return n


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--generated", action="store_true")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ogi-bench-build-"))
    docs = {} if args.generated or not (SHARED / "corpus").is_dir() else corpus_documents()
    if not any(docs.values()):
        docs = generated_documents(tmp / "docs")
    n = write_archive(tmp / "archive", docs, args.copies)
    ogi = str(Path(sys.executable).with_name("ogi"))
    figures: dict = {"documents": n}
    for jobs in (1, 2):
        db = tmp / f"jobs{jobs}.db"
        t0 = time.perf_counter()
        proc = subprocess.run([ogi, "build", "--archive", str(tmp / "archive"), "--db", str(db),
                               "--jobs", str(jobs)], capture_output=True, text=True, cwd=ROOT)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"ogi build failed: {proc.stderr[-2000:]}")
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
        figures[f"jobs_{jobs}"] = {"seconds": round(dt, 2), "docs_per_s": round(n / dt, 2),
                                   "parsed": summary["parsed"], "failed": summary["failed"]}
    figures["speedup_jobs_2"] = round(figures["jobs_1"]["seconds"] / figures["jobs_2"]["seconds"], 2)
    figures["build_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    report("build", figures)
    return figures


if __name__ == "__main__":
    main()
