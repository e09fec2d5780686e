"""OCR time per page: the real Huai'an PDFs rasterised (pdftoppm) into image-only PDFs and read
back by OCR (parsers.readers.ocr), with the accuracy reached against the truth files.

    OGI_SHARED=/work/shared .venv/bin/python bench/bench_ocr.py [--dpi 200] [--jobs 1] [--noisy]
    OGI_SHARED=/work/shared .venv/bin/python bench/bench_ocr.py --scan --dpi 150 [--seeds 0 1 2]

--scan degrades every page as photocopies and photos look (tests/scans.degrade_scan: skewed 1-3
degrees, uneven light, a red seal over the table, speckle, shadowed edges, JPEG quality 40), once
per seed, and counts the fields right, left null and wrong, and the wrong ones no failing check
flags.

Prints one line per document and a `BENCH {json}` line (seconds per page, per document, accuracy).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers.parse import parse_bytes  # noqa: E402
from parsers.readers.ocr import OcrOptions  # noqa: E402
from tests import scans  # noqa: E402

DOCS = ["huaian-city-2024", "huaian-hongze-2023", "huaian-hongze-2024"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--noisy", action="store_true")
    ap.add_argument("--scan", action="store_true", help="all the scan degradations (degrade_scan)")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0])
    a = ap.parse_args()
    corpus = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")) / "corpus"
    out = []
    runs = [(doc, seed) for doc in DOCS for seed in (a.seeds if a.scan else [None])]
    for doc, seed in runs:
        if a.scan:
            pages = scans.degraded_pages((corpus / "real" / f"{doc}.pdf").read_bytes(), a.dpi, seed=seed)
        else:
            pages = scans.rasterise((corpus / "real" / f"{doc}.pdf").read_bytes(), a.dpi)
        if a.noisy:
            pages = [scans.degrade(p, i) for i, p in enumerate(pages)]
        pdf = scans.image_pdf(pages, a.dpi)
        t0 = time.perf_counter()
        r = parse_bytes(pdf, name=doc, ocr=OcrOptions(jobs=a.jobs))
        secs = time.perf_counter() - t0
        truth = json.loads((corpus / "truth" / f"{doc}.json").read_text())["values"]
        right = sum(1 for f, v in truth.items() if r["values"].get(f) == v)
        null = sum(1 for f, v in truth.items() if r["values"].get(f) is None and v is not None)
        wrong = [f for f, v in truth.items() if r["values"].get(f) not in (None, v)]
        failing = {f for c in r.get("checks", []) if c.get("ok") is False for f in c.get("fields", [])}
        holding = {f for c in r.get("checks", []) if c.get("ok") is True for f in c.get("fields", [])}
        unflagged = [f for f in wrong if f not in failing]
        passing = [f for f in unflagged if f in holding]  # wrong, and a check over it holds
        row = {"doc": doc, "seed": seed, "pages": len(pages), "seconds": round(secs, 2),
               "per_page": round(secs / len(pages), 2), "page_seconds": r["ocr"]["page_seconds"],
               "fields": len(truth), "right": right, "null": null, "wrong": len(wrong),
               "wrong_unflagged": unflagged, "wrong_passing": passing, "accuracy": round(right / len(truth), 4)}
        print(f"{doc}{'' if seed is None else f' seed {seed}'}: {len(pages)} pages, {secs:.1f} s "
              f"({secs / len(pages):.2f} s/page), {right}/{len(truth)} cells right, {null} null, "
              f"{len(wrong)} wrong ({len(unflagged)} not flagged by a failing check, {len(passing)} in a "
              "check that holds)")
        out.append(row)
    per_page = sum(r["seconds"] for r in out) / sum(r["pages"] for r in out)
    fields = sum(r["fields"] for r in out)
    right = sum(r["right"] for r in out)
    print(f"all: {right}/{fields} fields right ({100 * right / fields:.2f} %), "
          f"{sum(r['wrong'] for r in out)} wrong, "
          f"{sum(len(r['wrong_unflagged']) for r in out)} wrong and not flagged by a failing check, "
          f"{sum(len(r['wrong_passing']) for r in out)} of them in a check that holds")
    print("BENCH " + json.dumps({"bench": "ocr", "dpi": a.dpi, "jobs": a.jobs, "noisy": a.noisy, "scan": a.scan,
                                 "seeds": a.seeds if a.scan else None,
                                 "seconds_per_page": round(per_page, 2), "accuracy": round(right / fields, 4),
                                 "docs": out}, ensure_ascii=False))


if __name__ == "__main__":
    main()
