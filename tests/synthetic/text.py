"""Text renderers: tab-separated (as the seed boai-2024.txt), pipe-delimited markdown, and one cell
per line (page text copied from a portal)."""
from __future__ import annotations

import random

from .model import Report, Table


def _prose(report: Report) -> list[tuple[str, object]]:
    return [(b.kind, b.table if b.kind == "table" else b.text) for b in report.blocks]


def _table_lines(t: Table, style: str, rng: random.Random) -> list[str]:
    fill = "label" if style != "lines" and rng.random() < 0.25 else "blank"
    matrix = t.text_matrix(fill=fill)
    if fill == "label":
        # a text export that repeats merged labels never repeats a merged value (one printed number)
        for r, row in enumerate(t.grid):
            for c, cell in enumerate(row):
                if cell is None:
                    orr, oc = t.origin_of(r, c)
                    if t.grid[orr][oc].kind == "value":
                        matrix[r][c] = ""
    out: list[str] = []
    if style == "tsv":
        out = ["\t".join(row) for row in matrix]
    elif style == "pipe":
        for i, row in enumerate(matrix):
            out.append("| " + " | ".join(row) + " |")
            if i == 0 and rng.random() < 0.6:
                out.append("|" + "|".join(["---"] * len(row)) + "|")
    else:  # one cell per line; blank cells have no line
        for row in matrix:
            out.extend(c for c in row if c.strip())
    return out


def render(report: Report, style: str, seed: int = 0) -> bytes:
    """style: tsv | pipe | lines."""
    rng = random.Random(f"text-{report.seed}-{style}-{seed}")
    lines: list[str] = []
    for kind, obj in _prose(report):
        if kind == "table":
            lines.extend(_table_lines(obj, style, rng))
        else:
            lines.append(obj)
        if kind != "table" or rng.random() < 0.7:
            lines.append("")
    text = "\n".join(lines) + "\n"
    if rng.random() < 0.3:
        text = text.replace("\n", "\r\n")
    encoding = rng.choice(["utf-8", "utf-8", "gb18030", "utf-8-sig"])
    return text.encode(encoding)
