"""Renderers of the text forms real report pages take after an HTML-to-text conversion (the wild
corpus, ../shared/corpus/wild): pipe rows without outer pipes, one cell per line ended by ` |` with
empty cells as bare `|` lines, cells separated by `|` lines, a `|` line before every row, cells
separated by blank lines with empty cells dropped, rows with single-space separators and empty
cells dropped, and flattened text with the cells run together. Each can be cut off at a random
line (an excerpt that stops mid-table), lose its title, carry page furniture (a breadcrumb, a
发布日期 line), or be a traditional-character copy with pinyin inserted into labels.

`render` returns the bytes and what a correct parse must give: the fields whose row was printed
completely and unambiguously (to be extracted exactly), every other field being allowed to be
null but never a different number.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from .model import Report, Table

STYLES = ("pipe-bare", "cell-bar", "cell-sep", "cell-marker", "cell-blankline", "spaced", "flattened")
# styles in which an empty cell leaves no trace: a row holding one cannot be read with certainty
DROPS_BLANKS = {"cell-blankline", "spaced"}
# traditional character -> as mirror sites print it with its pinyin (数量 -> 數(shù)量)
PINYIN = {"數": "數(shù)", "項": "項(xiàng)", "規": "規(guī)", "內": "內(nèi)", "請": "請(qǐng)", "對": "對(duì)"}


@dataclass
class Rendered:
    data: bytes
    certain: set  # field ids whose row is printed completely and unambiguously
    printed: set  # field ids printed at all before the cut (the others must be null)
    title_kept: bool
    style: str


def _rows(t: Table) -> list[list[tuple[str, str | None]]]:
    """Each grid row as its printed cells (origins only): (text, field id or None)."""
    out = []
    for row in t.grid:
        cells = [(c.text, c.fid if c.kind == "value" else None) for c in row if c is not None]
        out.append(cells)
    return out


def _row_lines(cells: list[tuple[str, str | None]], style: str) -> list[str]:
    texts = [t for t, _ in cells]
    if style == "pipe-bare":
        return [" | ".join(texts) + " |"]
    if style == "cell-bar":
        return [f"{t} |" if t else "|" for t in texts]
    if style == "cell-sep":  # the bar after every cell; an empty cell is nothing between two bars
        return [x for t in texts for x in ([t, "|"] if t else ["|"])]
    if style == "cell-marker":  # a bar before every row; an empty cell is a pipe on the line before
        out = ["|"]
        for t in texts:
            if t:
                out.append(f"{t} |")
            else:
                out[-1] += " |"
        return out
    if style == "cell-blankline":
        return [x for t in texts if t for x in (t, "")]
    if style == "spaced":  # the converter's single spaces are the only separators left
        return [" ".join(re.sub(r"\s", "", t) for t in texts if t)]
    if style == "flattened":
        return ["".join(re.sub(r"\s", "", t) for t in texts)]
    raise ValueError(style)


def _traditional(text: str, rng: random.Random) -> str:
    """A mirror site's copy: traditional characters, pinyin inserted after some of them."""
    import opencc

    out = opencc.OpenCC("s2t").convert(text)
    for trad, annotated in PINYIN.items():
        if rng.random() < 0.6:
            out = out.replace(trad, annotated)
    return out


def render(report: Report, style: str, seed: int = 0) -> Rendered:
    rng = random.Random(f"wild-{report.seed}-{style}-{seed}")
    title_kept = rng.random() < 0.6
    lines: list[str] = []
    row_of_line: list[int | None] = []  # per line: the table row it prints, if any
    certain_rows: list[set] = []  # per table row: its fields, if it can be read with certainty
    row_fids: list[set] = []

    def add(text: str, row: int | None = None) -> None:
        lines.append(text)
        row_of_line.append(row)

    if rng.random() < 0.4:
        add("首页 > 政务公开 > 政府信息公开年报")
    for b in report.blocks:
        if b.kind == "title" and not title_kept:
            continue
        if b.kind != "table":
            add(b.text)
            continue
        rows = _rows(b.table)
        for k, cells in enumerate(rows):
            fids = {f for _, f in cells if f}
            blank = any(f and not t for t, f in cells)
            readable = style != "flattened" and not (style in DROPS_BLANKS and blank)
            # empty cells around the values (a merged label's other positions, padding to the
            # table's width; in a stream of cells, the empty cells opening the next row too)
            # cannot be told from blank values unless the row's first and last values are printed
            vidx = [i for i, (_, f) in enumerate(cells) if f]
            if vidx and style not in DROPS_BLANKS:
                last_label = max((i for i, (t, f) in enumerate(cells) if t and not f), default=-1)
                surplus = len(cells) - (last_label + 1) - len(vidx)
                if style in ("cell-bar", "cell-sep") and k + 1 < len(rows):
                    nxt = rows[k + 1]
                    surplus += next((i for i, (t, _) in enumerate(nxt) if t), len(nxt))
                if surplus and not (cells[vidx[0]][0] and cells[vidx[-1]][0]):
                    readable = False
            certain_rows.append(fids if readable else set())
            row_fids.append(fids)
            for text in _row_lines(cells, style):
                add(text, len(certain_rows) - 1)
    cut = len(lines)
    # the first row that prints values: an excerpt that stops before it shows no table at all
    first_row = next((i for i, r in enumerate(row_of_line) if r is not None and row_fids[r]), 0)
    if rng.random() < 0.5:  # an excerpt that stops at a random line inside the tables
        cut = rng.randint(min(first_row + 2, len(lines)), len(lines))
    complete: set = set()
    printed: set = set()
    for r, fids in enumerate(certain_rows):
        at = [i for i, x in enumerate(row_of_line) if x == r]
        if at and at[0] < cut:
            printed |= row_fids[r]
        # a row is complete when its last line is printed and the next line too (a cell-per-line
        # row cut after its last cell cannot be told from a row whose cells continue)
        if at and at[-1] + 1 < cut:
            complete |= fids
    text = "\n".join(lines[:cut]) + "\n"
    if style in ("cell-bar", "cell-marker", "pipe-bare") and rng.random() < 0.25:
        text = _traditional(text, rng)
    return Rendered(text.encode("utf-8"), complete, printed, title_kept, style)
