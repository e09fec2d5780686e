"""Plain text and markdown -> Document.

Tables are recognised as runs of lines split by tabs (text exports of HTML pages, the seed) or by
pipes (markdown and PDF-to-markdown extractions). Lines with neither are prose. Text whose table
cells were run together without separators cannot be split reliably: it yields no grid for those
lines, and the mapper then reports the tables as not found instead of guessing.
"""
from __future__ import annotations

import re

from ..document import Cell, Document, Grid, UnreadableDocument
from ..encoding_basic import decode_text_basic

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
    return Document(kind="text", text=text, grids=grids)


def read(data: bytes, *, name: str, limits=None) -> Document:
    max_bytes = getattr(limits, "max_bytes", None) or 20 * 1024 * 1024
    if len(data) > max_bytes:
        raise UnreadableDocument(f"text file is {len(data)} bytes, over the {max_bytes}-byte limit")
    text, _encoding = decode_text_basic(data)
    if not text.strip():
        raise UnreadableDocument("empty document: no text")
    return parse_text(text)
