"""Parse benchmark: time per document of the parser (parsers.parse.parse_bytes, and the
`ogi parse` CLI) per document kind against the floor, measured in the same run:

    HTML  lxml.html parsing the same bytes
    PDF   pdfplumber extracting the tables of the same pages
    DOCX  python-docx opening the same file
    text  decoding the same bytes (reading the text)

    .venv/bin/python bench/bench_parse.py [--repeat 3] [--no-cli]

Documents: ../shared/corpus (real reports) when present, else documents generated here from a
synthetic report (bench/_docs.py). Each figure is the best of --repeat runs per document,
summed over the kind's documents, divided by their number.
"""
from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, SHARED, report, timed

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
    ogi = ROOT / ".venv" / "bin" / "ogi"
    for kind in KIND_ORDER:
        paths = docs.get(kind) or []
        if not paths:
            figures[kind] = "no documents of this kind"
            continue
        t_parse = t_floor = 0.0
        statuses = []
        for p in paths:
            data = p.read_bytes()
            dt, res = timed(parse_bytes, data, name=str(p), repeat=args.repeat)
            t_parse += dt
            statuses.append(f"{p.name}:{res.get('document_kind')}/{res.get('format')}")
            t_floor += timed(_floor_safe, kind, data, repeat=args.repeat)[0]
        n = len(paths)
        row = {
            "documents": n, "files": statuses,
            "parse_ms_per_doc": round(1000 * t_parse / n, 1),
            "floor_ms_per_doc": round(1000 * t_floor / n, 1),
            "ratio_to_floor": round(t_parse / t_floor, 2) if t_floor else None,
        }
        if not args.no_cli and ogi.exists():
            t0 = time.perf_counter()
            proc = subprocess.run([str(ogi), "parse", *map(str, paths)], capture_output=True, cwd=ROOT)
            row["ogi_parse_cli_ms_per_doc"] = round(1000 * (time.perf_counter() - t0) / n, 1)
            row["ogi_parse_exit"] = proc.returncode
        figures[kind] = row
    figures["targets"] = "parse <= 1.5 x PDF floor, <= 2 x HTML floor"
    report("parse", figures)
    return figures


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
