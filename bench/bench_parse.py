"""Parse benchmark: time per document of the parser (parsers.parse.parse_bytes, and the
`ogi parse` CLI) per document kind against the floor, measured in the same run:

    HTML  lxml.html parsing the same bytes
    PDF   pypdfium2 reading every page's characters with their boxes and its path objects with
          their bounds (`pdfium_floor_ms_per_doc`, the target's floor: parse <= 3x), and, as
          before, pdfplumber extracting the tables of the same pages (`floor_ms_per_doc`)
    DOCX  python-docx opening the same file
    text  decoding the same bytes (reading the text)

    .venv/bin/python bench/bench_parse.py [--repeat 3] [--no-cli] [--reports 1300000] [--mix ...]

Then a national re-parse estimate (`national_reparse`): the ms/doc of each kind measured in this
run, weighted by an assumed national mix of document kinds (--mix; default and reasons in
DEFAULT_MIX), times --reports, gives CPU-hours; divided by this machine's cores, wall hours
(`ogi build --jobs N` parses in N processes).

--baseline REV also parses the same documents with the parsers of commit REV (its files, in a
subprocess, best of --repeat, before and after this code's turn, the faster kept):
`baseline_ms_per_doc` and `vs_baseline` (its time over this code's: >= 1, no slower) per kind.

Documents: ../shared/corpus (real reports) when present, else documents generated here from a
synthetic report (bench/_docs.py). Each figure is the best of --repeat runs per document,
summed over the kind's documents, divided by their number.
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, SHARED, export_baseline, report, timed

from parsers.parse import detect_kind, parse_bytes

KIND_ORDER = ("html", "pdf", "docx", "text")


def corpus_documents() -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {k: [] for k in KIND_ORDER}
    corpus = SHARED / "corpus"
    for p in sorted(list(corpus.glob("real/*")) + list(corpus.glob("seed/*"))):
        if p.suffix.lower() in (".tsv",) or p.name.startswith("MANIFEST"):
            continue
        kind = detect_kind(p.read_bytes()[:4096], p.name)
        if kind in out:
            out[kind].append(p)
    return out


def generated_documents(tmp: Path) -> dict[str, list[Path]]:
    from _docs import write_documents

    return write_documents(tmp)


# How the ~1.3M reports published since 2019 reach the archive (../shared/spec/portals.md,
# format-research.md §8.3): "most often the page body itself, with HTML tables"; "often a PDF or
# DOC/DOCX/WPS attachment is linked as well or instead"; "PDFs are mostly text-layer PDFs made by
# WPS, Word or Jisupdf ... scans and image PDFs exist"; 图片版 variants "sometimes". One document
# parsed per report: a page body with tables is parsed as HTML, a report only as an attachment
# as that attachment. No national count of kinds was found: these shares are an assumption.
DEFAULT_MIX = {"html": 0.55, "pdf": 0.35, "docx": 0.07, "scanned": 0.03, "text": 0.0}
# Scanned reports go through OCR, which this benchmark does not run: bench/bench_ocr.py measured
# 1.53 s/page on 5.3-page reports (docs/benchmarks.md, OCR section) -> ~8 s/doc by default.
OCR_S_PER_DOC = 8.0


def pdfium_floor(data: bytes) -> None:
    """The PDF engine's own speed: every page's characters with their boxes (textpage) and its
    path objects (the rulings) with their bounds, through pypdfium2's public API."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(data)
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            n = textpage.count_chars()
            textpage.get_text_range()
            for k in range(n):
                textpage.get_charbox(k)
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
                obj.get_bounds()
            textpage.close()
            page.close()
    finally:
        doc.close()


def national_estimate(rows: dict, mix: dict, reports: int, ocr_s_per_doc: float) -> dict:
    """CPU-hours and wall hours on this machine to re-parse `reports` documents of this mix."""
    import os

    per_kind = {}
    ms = 0.0
    for kind, share in mix.items():
        if kind == "scanned":
            kind_ms = 1000 * ocr_s_per_doc
        else:
            row = rows.get(kind)
            if not isinstance(row, dict):
                continue
            kind_ms = row["parse_ms_per_doc"]
        per_kind[kind] = {"share": share, "ms_per_doc": kind_ms,
                          "cpu_hours": round(reports * share * kind_ms / 3.6e6, 1)}
        ms += share * kind_ms
    cores = os.cpu_count() or 1
    text_layer = {k: v for k, v in per_kind.items() if k != "scanned"}
    cpu_text = sum(v["cpu_hours"] for v in text_layer.values())
    cpu_all = reports * ms / 3.6e6
    return {
        "reports": reports, "mix": mix, "per_kind": per_kind,
        "ocr_s_per_doc_assumed": ocr_s_per_doc,
        "mean_ms_per_doc": round(ms, 1),
        "cpu_hours_without_ocr": round(cpu_text, 1),
        "cpu_hours": round(cpu_all, 1),
        "cores": cores,
        "wall_hours_without_ocr": round(cpu_text / cores, 1),
        "wall_hours": round(cpu_all / cores, 1),
    }


def _mix(text: str) -> dict:
    out = {}
    for part in text.split(","):
        k, _, v = part.partition("=")
        out[k.strip()] = float(v)
    return out


BASELINE_PARSE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from parsers.parse import parse_bytes
docs, repeat = json.loads(sys.argv[2]), int(sys.argv[3])
out = {}
for kind, path in docs:
    data = open(path, "rb").read()
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            parse_bytes(data, name=path)
        except TypeError:  # an older signature
            parse_bytes(data)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    out[kind] = out.get(kind, 0.0) + best
print(json.dumps(out))
"""


def baseline_seconds(src: Path, docs: dict[str, list[Path]], repeat: int) -> dict[str, float]:
    """Seconds the parsers of an earlier commit (its files in `src`) take on the documents, per
    kind (each document's best of `repeat`, summed), in a subprocess importing those files."""
    pairs = [(kind, str(p)) for kind in KIND_ORDER for p in docs.get(kind) or []]
    out = subprocess.run([sys.executable, "-c", BASELINE_PARSE, str(src), json.dumps(pairs), str(repeat)],
                         cwd=src, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"baseline {src.name} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def floor(kind: str, data: bytes) -> None:
    if kind == "html":
        import lxml.html

        lxml.html.document_fromstring(data)
    elif kind == "pdf":
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_tables()
    elif kind == "docx":
        import docx

        docx.Document(io.BytesIO(data))
    else:  # text: reading the bytes as text
        data.decode("utf-8", errors="replace")


def _floor_safe(kind, data):
    try:
        floor(kind, data)
    except ImportError:
        data.decode("utf-8", errors="replace")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-cli", action="store_true", help="skip timing the `ogi parse` CLI")
    ap.add_argument("--generated", action="store_true", help="use generated documents even when the corpus is present")
    ap.add_argument("--reports", type=int, default=1_300_000, help="reports in the national re-parse estimate")
    ap.add_argument("--mix", type=_mix, default=DEFAULT_MIX,
                    help="national mix of document kinds, e.g. html=0.55,pdf=0.35,docx=0.07,scanned=0.03")
    ap.add_argument("--ocr-s-per-doc", type=float, default=OCR_S_PER_DOC,
                    help="OCR seconds per scanned report (bench_ocr.py), for the estimate")
    ap.add_argument("--baseline", metavar="REV", default=None,
                    help="also parse the same documents with the parsers of commit REV")
    args = ap.parse_args(argv)

    docs = {} if args.generated or not (SHARED / "corpus").is_dir() else corpus_documents()
    source = "../shared/corpus"
    if not any(docs.values()):
        import tempfile

        docs = generated_documents(Path(tempfile.mkdtemp(prefix="ogi-bench-parse-")))
        source = "generated (bench/_docs.py)"
    elif not any(p.name and "template" not in p.name for p in docs.get("docx", [])):
        # the corpus's only DOCX is a blank template: add the demo report as a DOCX
        import tempfile

        gen = generated_documents(Path(tempfile.mkdtemp(prefix="ogi-bench-parse-")))
        docs["docx"] = docs.get("docx", []) + gen["docx"]
        source += " + the demo report as DOCX (bench/_docs.py)"
    figures: dict = {"documents": source}
    base: dict[str, float] = {}
    if args.baseline:
        import tempfile

        src = export_baseline(args.baseline, Path(tempfile.mkdtemp(prefix="ogi-bench-parse-")))
        base = baseline_seconds(src, docs, args.repeat)  # before this code's turn ...
    ogi = ROOT / ".venv" / "bin" / "ogi"
    for kind in KIND_ORDER:
        paths = docs.get(kind) or []
        if not paths:
            figures[kind] = "no documents of this kind"
            continue
        t_parse = t_floor = t_pdfium = 0.0
        statuses = []
        for p in paths:
            data = p.read_bytes()
            dt, res = timed(parse_bytes, data, name=str(p), repeat=args.repeat)
            t_parse += dt
            statuses.append(f"{p.name}:{res.get('document_kind')}/{res.get('format')}")
            t_floor += timed(_floor_safe, kind, data, repeat=args.repeat)[0]
            if kind == "pdf":
                t_pdfium += timed(pdfium_floor, data, repeat=args.repeat)[0]
        n = len(paths)
        row = {
            "documents": n, "files": statuses,
            "parse_ms_per_doc": round(1000 * t_parse / n, 1),
            "floor_ms_per_doc": round(1000 * t_floor / n, 1),
            "ratio_to_floor": round(t_parse / t_floor, 2) if t_floor else None,
        }
        if kind == "pdf":
            row["pdfplumber_floor_ms_per_doc"] = row["floor_ms_per_doc"]
            row["pdfium_floor_ms_per_doc"] = round(1000 * t_pdfium / n, 1)
            row["ratio_to_pdfium_floor"] = round(t_parse / t_pdfium, 2) if t_pdfium else None
        if not args.no_cli and ogi.exists():
            t0 = time.perf_counter()
            proc = subprocess.run([str(ogi), "parse", *map(str, paths)], capture_output=True, cwd=ROOT)
            row["ogi_parse_cli_ms_per_doc"] = round(1000 * (time.perf_counter() - t0) / n, 1)
            row["ogi_parse_exit"] = proc.returncode
        figures[kind] = row
    if args.baseline:
        after = baseline_seconds(src, docs, args.repeat)  # ... and after it: the faster kept
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
                                capture_output=True, text=True).stdout.strip()
        figures["baseline"] = commit or args.baseline
        for kind, seconds in base.items():
            row = figures.get(kind)
            if isinstance(row, dict):
                best = min(seconds, after.get(kind, seconds))
                row["baseline_ms_per_doc"] = round(1000 * best / row["documents"], 1)
                row["vs_baseline"] = round(row["baseline_ms_per_doc"] / row["parse_ms_per_doc"], 2)
    figures["targets"] = "PDF parse <= 3 x pypdfium2 floor, HTML parse <= 2 x lxml floor"
    figures["national_reparse"] = national_estimate(figures, args.mix, args.reports, args.ocr_s_per_doc)
    report("parse", figures)
    return figures


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
