"""Plain text and markdown -> Document.

Tables are recognised as runs of lines split by tabs (text exports of HTML pages, the seed) or by
pipes (markdown and PDF-to-markdown extractions). Lines with neither are prose. Text whose table
cells were run together without separators cannot be split reliably: it yields no grid for those
lines, and the mapper then reports the tables as not found instead of guessing.
"""
from __future__ import annotations

import io
import re

from ..document import Cell, Document, Grid, UnreadableDocument
from ..encoding import decode
from ..numbers import is_value_token

_MD_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _split(line: str) -> list[str] | None:
    if "\t" in line:
        return line.split("\t")
    s = line.strip()
    if s.startswith("|") and s.count("|") >= 2:
        if _MD_RULE.match(s):
            return []  # a markdown header rule: part of the table, no cells
        return [c.strip() for c in s.strip("|").split("|")]
    return None


MAX_CELL_LINE = 45  # longer lines are prose, never a table cell


def _cell_per_line_grids(text: str) -> list[Grid]:
    """Tables printed one cell per line (河包镇-style page text). A run of label lines followed by
    value lines is a row whose label is the last label line; the earlier label lines of the run
    form a header row. Lines longer than MAX_CELL_LINE are prose and end the table."""
    grids: list[Grid] = []
    rows: list[list[Cell]] = []
    labels: list[str] = []
    values: list[str] = []

    def emit() -> None:
        nonlocal labels, values
        if values:
            if len(labels) > 1:
                rows.append([Cell(t) for t in labels[:-1]])
            rows.append([Cell(t) for t in labels[-1:] + values])
        elif labels:
            rows.append([Cell(t) for t in labels])
        labels, values = [], []

    def flush() -> None:
        nonlocal rows
        emit()
        if len(rows) > 1:
            grids.append(Grid(rows, index=len(grids)))
        rows = []

    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if len(s) > MAX_CELL_LINE:
            flush()
        elif is_value_token(s):
            values.append(s)
        else:
            if values:
                emit()
            labels.append(s)
    flush()
    return [g for g in grids if any(len(r) > 2 for r in g.rows)]


def parse_text(text: str) -> Document:
    grids: list[Grid] = []
    current: list[list[Cell]] = []
    for line in text.splitlines():
        cells = _split(line)
        if cells is None:
            if current:
                grids.append(Grid(current, index=len(grids)))
                current = []
            continue
        if cells:
            current.append([Cell(c.strip()) for c in cells])
    if current:
        grids.append(Grid(current, index=len(grids)))
    if not grids:
        grids = _cell_per_line_grids(text)
    return Document(kind="text", text=text, grids=grids)


def _check_cells(text: str, max_cells: int) -> None:
    """Refuse text whose tables would hold more than `max_cells` cells, counted before any line
    is split (45 MB of tabs would otherwise become 45 million cells)."""
    split = short = 0
    for line in io.StringIO(text, newline=None):  # lazily: no list of millions of lines
        if "\t" in line:
            split += line.count("\t") + 1
        elif line.lstrip().startswith("|"):
            split += line.count("|")
        elif 0 < len(line.strip()) <= MAX_CELL_LINE:
            short += 1  # a cell when the tables are printed one cell per line
        if split > max_cells or short > max_cells:
            raise UnreadableDocument(f"tables have more cells than the limit (max_cells="
                                     f"{max_cells})")


def read(data: bytes, *, name: str, limits=None) -> Document:
    max_bytes = getattr(limits, "max_bytes", None) or 20 * 1024 * 1024
    if len(data) > max_bytes:
        raise UnreadableDocument(f"text file is {len(data)} bytes, over the {max_bytes}-byte limit")
    text, _encoding, warnings = decode(data)
    if not text.strip():
        raise UnreadableDocument("empty document: no text")
    _check_cells(text, getattr(limits, "max_cells", None) or 200_000)
    doc = parse_text(text)
    doc.warnings.extend(warnings)
    return doc
