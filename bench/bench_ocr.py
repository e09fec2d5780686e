"""OCR time per page: the real Huai'an PDFs rasterised (pdftoppm) into image-only PDFs and read
back by OCR (parsers.readers.ocr), with the accuracy reached against the truth files.

    OGI_SHARED=/work/shared .venv/bin/python bench/bench_ocr.py [--dpi 200] [--jobs 1] [--noisy]

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
    a = ap.parse_args()
    corpus = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")) / "corpus"
    out = []
    for doc in DOCS:
        pages = scans.rasterise((corpus / "real" / f"{doc}.pdf").read_bytes(), a.dpi)
        if a.noisy:
            pages = [scans.degrade(p, i) for i, p in enumerate(pages)]
        pdf = scans.image_pdf(pages, a.dpi)
        t0 = time.perf_counter()
        r = parse_bytes(pdf, name=doc, ocr=OcrOptions(jobs=a.jobs))
        secs = time.perf_counter() - t0
        truth = json.loads((corpus / "truth" / f"{doc}.json").read_text())["values"]
        right = sum(1 for f, v in truth.items() if r["values"].get(f) == v)
        row = {"doc": doc, "pages": len(pages), "seconds": round(secs, 2),
               "per_page": round(secs / len(pages), 2), "page_seconds": r["ocr"]["page_seconds"],
               "accuracy": round(right / len(truth), 4)}
        print(f"{doc}: {len(pages)} pages, {secs:.1f} s ({secs / len(pages):.2f} s/page), "
              f"{right}/{len(truth)} cells right")
        out.append(row)
    per_page = sum(r["seconds"] for r in out) / sum(r["pages"] for r in out)
    print("BENCH " + json.dumps({"bench": "ocr", "dpi": a.dpi, "jobs": a.jobs, "noisy": a.noisy,
                                 "seconds_per_page": round(per_page, 2), "docs": out}))


if __name__ == "__main__":
    main()
