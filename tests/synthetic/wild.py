"""Renderers of the text forms real report pages take after an HTML-to-text conversion (the wild
corpus, ../shared/corpus/wild): pipe rows without outer pipes, one cell per line ended by ` |` with
empty cells as bare `|` lines, cells separated by `|` lines, a `|` line before every row, cells
separated by blank lines with empty cells dropped, rows with single-space separators and empty
cells dropped (also with the head cells run together, as a PDF's text line prints them:
信息内容本年处理决定数量), and flattened text with the cells run together. Each can be cut off at a random
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

STYLES = ("pipe-bare", "pipe-continued", "cell-bar", "cell-sep", "cell-marker", "cell-marker-heads",
          "cell-blankline", "spaced", "spaced-heads-run-on", "flattened")
# styles in which an empty cell leaves no trace: a row holding one cannot be read with certainty
DROPS_BLANKS = {"cell-blankline", "spaced", "spaced-heads-run-on"}
# traditional character -> as mirror sites print it with its pinyin (数量 -> 數(shù)量)
PINYIN = {"數": "數(shù)", "項": "項(xiàng)", "規": "規(guī)", "內": "內(nèi)", "請": "請(qǐng)", "對": "對(duì)"}


@dataclass
class Rendered:
    data: bytes
    certain: set  # field ids whose row is printed completely and unambiguously
    printed: set  # field ids printed at all before the cut (the others must be null)
    title_kept: bool
    style: str
    format: str = ""  # the format the printed tables show (table 二's blocks whose header is printed)
    format_certain: bool = True  # False: a mixed table 二 cut where either format can be read


# page furniture printed with bars, above the report (a script switch, a byline, tools)
FURNITURE = ["简体 | 繁体", "作者: | 来源:本网 | 时间:{date}", "【字体：大 | 中 | 小】",
             "打印本页 | 关闭窗口", "首页 | 政务公开 | 政府信息公开年报"]


def _rows(t: Table) -> list[list[tuple[str, str | None]]]:
    """Each grid row as its printed cells (origins only): (text, field id or None)."""
    out = []
    for row in t.grid:
        cells = [(c.text, c.fid if c.kind == "value" else None) for c in row if c is not None]
        out.append(cells)
    return out


def _head_row(t: Table, k: int) -> bool:
    """A row of column heads only (信息内容 | 本年制发件数 | …)."""
    cells = [c for c in t.grid[k] if c is not None and c.text.strip()]
    return bool(cells) and all(c.kind == "head" for c in cells) and len(cells) >= 2


def _broken(text: str, rng: random.Random) -> str:
    """A head cell broken over two lines as a narrow column prints it (本年新 / 制作数量)."""
    bare = re.sub(r"\s", "", text)
    if len(bare) < 5 or rng.random() < 0.5:
        return text
    i = rng.randint(2, len(bare) - 2)
    return bare[:i] + "\n" + bare[i:]


def _continued(cells: list[tuple[str, str | None]], rng: random.Random, head: bool) -> list[str]:
    """A pipe row continued over several lines: a head cell broken inside (the line then ends
    without its pipe), or, once a value is printed, each empty cell on a line `|` of its own
    and each value after one on a line `| 25 |` of its own."""
    texts = [t for t, _ in cells]
    if head:
        return (" | ".join(_broken(t, rng) for t in texts) + " |").split("\n")
    lines: list[str] = []
    pieces: list[str] = []
    seen_value = after_gap = False
    for t, fid in cells:
        if seen_value and (not t or after_gap):
            if pieces:
                lines.append(" ".join(pieces))
                pieces = []
            lines.append(f"| {t} |" if t else "|")
            after_gap = after_gap or not t
            continue
        pieces.append(f"{t} |" if t else "|")
        seen_value = seen_value or bool(fid and t)
    if pieces:
        lines.append(" ".join(pieces))
    return lines


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
    furniture = rng.choice(FURNITURE).format(date=f"{report.year + 1}-01-2{rng.randint(0, 8)}") \
        if rng.random() < 0.4 else None
    lines: list[str] = []
    row_of_line: list[int | None] = []  # per line: the table row it prints, if any
    certain_rows: list[set] = []  # per table row: its fields, if it can be read with certainty
    row_fids: list[set] = []

    block_at: list[list] = []  # [caption, first line of its header row]

    def add(text: str, row: int | None = None) -> None:
        lines.append(text)
        row_of_line.append(row)

    if rng.random() < 0.4:
        add("首页 > 政务公开 > 政府信息公开年报")
    if furniture:
        add(furniture)
    for b in report.blocks:
        if b.kind == "title" and not title_kept:
            continue
        if b.kind != "table":
            add(b.text)
            continue
        rows = _rows(b.table)
        for k, cells in enumerate(rows):
            if b.table.name == "t2" and cells and "第二十条" in cells[0][0]:
                block_at.append([cells[0][0], None])  # a block's caption: its header row follows
            elif b.table.name == "t2" and block_at and block_at[-1][1] is None:
                block_at[-1][1] = len(lines)  # the header row starts here
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
            if style == "pipe-continued":
                printed_lines = _continued(cells, rng, _head_row(b.table, k))
            elif style == "spaced-heads-run-on" and _head_row(b.table, k):
                # a PDF's text line: the head cells run together without a space
                # (信息内容本年处理决定数量), the other rows single-spaced
                printed_lines = ["".join(re.sub(r"\s", "", t) for t, _ in cells)]
            elif style == "cell-marker-heads" and _head_row(b.table, k):
                # each head cell on a row of its own, a bar before each
                printed_lines = [x for t in (t for t, _ in cells) for x in (["|", f"{t} |"] if t else [])]
            else:
                printed_lines = _row_lines(cells, {"cell-marker-heads": "cell-marker",
                                                   "spaced-heads-run-on": "spaced"}.get(style, style))
            for text in printed_lines:
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
        # a row is complete when its last line is printed and a line with text after it too (a
        # cell-per-line row cut after its last cell, or after bars that may be its empty cells,
        # cannot be told from a row whose cells continue)
        if at and any(lines[j].replace("|", "").strip() for j in range(at[-1] + 1, cut)):
            complete |= fids
    # the format a parse can tell: that of the table-二 blocks whose header is printed (at least
    # begun); when blocks of both formats are printed about as often (within one), or none is,
    # table 三's (六) rows or the report's own format decide, and a mixed, cut table 二 may be
    # read either way (format_certain False)
    header_rows = {r for r, fids in enumerate(row_fids) if not fids}
    shown = []
    caption_versions = dict((_norm_caption(c), v) for c, v in report.t2_blocks)
    for caption, start in block_at:
        if start is None or start >= cut or row_of_line[start] not in header_rows:
            continue
        shown.append(caption_versions.get(_norm_caption(caption), report.version))
    fmt, format_certain = report.version, True
    if shown:
        count = {v: shown.count(v) for v in ("2021", "2019")}
        top = max(count, key=lambda v: (count[v], v == report.version))
        fmt = top
        format_certain = len(set(shown)) == 1 or abs(count["2021"] - count["2019"]) >= 2
    text = "\n".join(lines[:cut]) + "\n"
    if style in ("cell-bar", "cell-marker", "pipe-bare", "pipe-continued") and rng.random() < 0.25:
        text = _traditional(text, rng)
    return Rendered(text.encode("utf-8"), complete, printed, title_kept, style, fmt, format_certain)


def _norm_caption(caption: str) -> str:
    return re.sub(r"\s", "", caption).replace("(", "（").replace(")", "）")
