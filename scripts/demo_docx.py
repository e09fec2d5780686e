"""Make the demo portal's Word attachment from the seed report (run once; the .docx is committed).

    OGI_SHARED=/work/shared .venv/bin/python scripts/demo_docx.py

Renders /work/shared/corpus/seed/boai-2024.txt (博爱县人民政府2024年政府信息公开工作年度报告, the
project's seed report: prose lines, tables as tab-separated rows) into
crawler/demo/sites/demo/zwgk/zfxxgk/zfxxgknb/202501/P020250120_boai2024.docx: every line without a tab becomes a paragraph, every
run of tab-separated lines one Word table with one cell per tab-separated field, exactly as
printed (nothing merged, nothing corrected). The product never runs this script and never reads
the shared corpus; tests/test_demo_end_to_end.py checks that the committed file parses to the
seed's truth values.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import docx
from docx.shared import Pt

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "corpus" / "seed" / "boai-2024.txt"
OUT = (ROOT / "crawler" / "demo" / "sites" / "demo" / "zwgk" / "zfxxgk" / "zfxxgknb" / "202501"
       / "P020250120_boai2024.docx")


def render(text: str) -> docx.Document:
    doc = docx.Document()
    doc.core_properties.title = "博爱县人民政府2024年政府信息公开工作年度报告"
    doc.core_properties.author = "ogi-archive demo (rendered from the published report text)"
    # python-docx stamps the current time: fixed, so that a re-run gives the same document
    import datetime
    stamp = datetime.datetime(2025, 1, 20, 9, 0, 0)
    doc.core_properties.created = doc.core_properties.modified = stamp
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if "\t" not in lines[i]:
            if lines[i].strip():
                doc.add_paragraph(lines[i].strip())
            i += 1
            continue
        block = []
        while i < len(lines) and "\t" in lines[i]:
            block.append(lines[i].split("\t"))
            i += 1
        width = max(len(r) for r in block)
        table = doc.add_table(rows=len(block), cols=width)
        table.style = "Table Grid"
        for r, cells in enumerate(block):
            for c, value in enumerate(cells):
                cell = table.cell(r, c)
                cell.text = value.strip()
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(9)
    return doc


def main() -> int:
    if not SEED.is_file():
        print(f"{SEED}: not found (set OGI_SHARED)", file=sys.stderr)
        return 2
    OUT.parent.mkdir(parents=True, exist_ok=True)
    render(SEED.read_text("utf-8")).save(OUT)
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
