"""DOCX renderer (python-docx): paragraphs and ruled tables whose merged cells are real Word merges
(w:gridSpan across columns, w:vMerge down rows), labels sometimes split over two paragraphs."""
from __future__ import annotations

import io
import random

from docx import Document
from docx.shared import Pt

from .model import Report, Table


def _set_text(cell, text: str, kind: str, rng: random.Random) -> None:
    paras = [text]
    if kind != "value" and len(text) > 10 and rng.random() < 0.25:  # a label over two paragraphs
        i = rng.randrange(3, len(text) - 2)
        if "\u4e00" <= text[i - 1] <= "\u9fff" and "\u4e00" <= text[i] <= "\u9fff":
            paras = [text[:i], text[i:]]
    cell.paragraphs[0].text = paras[0]
    for p in paras[1:]:
        cell.add_paragraph(p)


def _table(doc, t: Table, rng: random.Random) -> None:
    table = doc.add_table(rows=len(t.grid), cols=t.ncols)
    table.style = "Table Grid"
    cells = table._cells  # row-major, taken once (table.cell() rescans the whole table)
    for r, row in enumerate(t.grid):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            target = cells[r * t.ncols + c]
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(cells[(r + cell.rowspan - 1) * t.ncols + c + cell.colspan - 1])
            if cell.text.strip():
                _set_text(target, cell.text, cell.kind, rng)
            elif cell.text and rng.random() < 0.5:
                target.paragraphs[0].text = cell.text  # a cell holding only spaces


def render(report: Report, seed: int = 0) -> bytes:
    rng = random.Random(f"docx-{report.seed}-{seed}")
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(rng.choice([10.5, 12]))
    for b in report.blocks:
        if b.kind == "title":
            if rng.random() < 0.5:
                doc.add_heading(b.text, level=1)
            else:
                doc.add_paragraph(b.text)
        elif b.kind in ("meta", "heading", "para"):
            doc.add_paragraph(b.text)
        else:
            _table(doc, b.table, rng)
            if rng.random() < 0.5:
                doc.add_paragraph("")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
