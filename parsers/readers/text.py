"""Plain text and markdown -> Document.

Real reports reach the archive as text in many renderings of the same tables (see the wild
corpus): tab-separated rows; pipe rows with or without outer pipes, padded with `||`/`|||`;
one cell per line, the cells ended by ` |`, separated by lines holding only `|`, or separated by
blank lines; empty cells printed as a bare `|` line, as `| |`, or dropped; cells broken over
lines; rows whose cells are separated by single spaces. The reader turns every rendering into
the same thing, rows of cells, using only what the text shows (separators, line ends, which cells
hold values); it knows nothing of the format's labels. The mapper then reads the rows by label.

A rendering is recognised per table region from the shape of its own lines (a page's furniture
printed with bars, `简体 | 繁体`, decides nothing about the table below it): rows that print a
value say pipe or tab rows, values alone on their lines say cells one per line, and a region runs
until the lines say otherwise. Within a region:
- a line with two or more non-empty pipe-separated cells (or tabs) is a row; a row may go on over
  several lines (a cell broken inside, or its empty cells and later values on lines `|` and
  `| 25 |` of their own), and is joined back;
- otherwise lines are single cells, and a line that holds only pipes is either a separator
  between cells (when the cell lines themselves carry no pipe), an empty cell (when they end
  with ` |`), or the start of a row (when a bar stands before every row; of two bars before a
  row the first is the previous row's empty cell); a line of two or more pipes is row padding
  and ends the row;
- in a run of single cells, a row is a run of label cells followed by its value cells.
Text whose cells were run together without any separator (`规章000`) cannot be split reliably:
those lines yield no cells, and a warning names them instead of a guess.
"""
from __future__ import annotations

import io
import re

from ..document import Cell, Document, Grid, UnreadableDocument
from ..encoding import decode
from ..numbers import is_value_token

_MD_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BARS = re.compile(r"^[|\s]+$")
_SECTION = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_SPACED_BARS = re.compile(r"\|\s+\|")
_SENTENCE = re.compile(r"[。；;！？]")
# a label immediately followed by two or more digits, nothing between: cells run together
_RUN_TOGETHER = re.compile(r"^.*?[\u4e00-\u9fff）)”](?:[\d.,/\-—–]|无){2,}$")

MAX_CELL_LINE = 45  # longer lines without a pipe are prose, never a table cell
MAX_PIPED_CELL = 400  # a cell ended by ` |` may carry a long annotation (武汉-style labels)

ROWEND = None  # a token: the current row ends here
GRIDEND = ...  # a token: prose between tables


def _pipe_parts(s: str, outer: bool = True) -> list[str]:
    """Cells of a pipe row. With outer pipes (`| a | b |`) the first pipe opens the row; without
    them (`a | b |`), a row that starts with a pipe starts with an empty cell (a merged label)."""
    parts = [p.strip() for p in s.split("|")]
    if outer and parts and parts[0] == "":
        parts = parts[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return parts


def _spaced_row(s: str) -> list[str] | None:
    """`规章 0 0 0` (cells separated by single spaces): a label then one or more values."""
    tokens = s.split()
    # a block header whose heads a PDF's text line ran together (信息内容本年处理决定数量):
    # 信息内容 and the rest, the mapper cuts the heads apart
    if len(tokens) == 1 and s.startswith("信息内容") and 4 < len(s) <= 60 \
            and not any(ch.isdigit() for ch in s):
        return ["信息内容", s[4:]]
    if len(tokens) < 2 or len(s) > 120:
        return None
    k = len(tokens)
    while k > 0 and is_value_token(tokens[k - 1]):
        k -= 1
    if k == 0 and len(tokens) >= 5:
        return tokens  # a row of values only (table 四's fifteen numbers)
    if 0 < k < len(tokens) and not any(is_value_token(t) for t in tokens[:k]):
        label = " ".join(tokens[:k])
        if len(label) <= 90 and not _SENTENCE.search(label) and ":" not in label and "：" not in label:
            return [label, *tokens[k:]]
    # a block header printed the same way: 信息内容 本年新制作数量 本年新公开数量 …
    if tokens[0] == "信息内容" and all(len(t) <= 16 for t in tokens):
        return tokens
    return None


class _Line:
    __slots__ = ("kind", "text", "cells", "pipes_after", "pipes_before")

    def __init__(self, kind, text="", cells=None, pipes_after=0, pipes_before=0):
        self.kind = kind  # blank | bars | row | cell | plain | prose | rule
        self.text = text
        self.cells = cells
        self.pipes_after = pipes_after
        self.pipes_before = pipes_before


def _classify(line: str, outer: bool = True) -> _Line:
    if "\t" in line:  # before the blank test: a row of tab-separated empty cells is a row
        return _Line("row", cells=[c.strip() for c in line.split("\t")])
    s = line.strip()
    if not s:
        return _Line("blank")
    if "|" not in s:
        spaced = _spaced_row(s)
        if spaced:
            return _Line("row", s, cells=spaced)
        if len(s) > MAX_CELL_LINE or _SENTENCE.search(s):
            return _Line("prose", s)
        return _Line("plain", s)
    if _BARS.match(s):
        # `| | | |`: a printed row of empty cells (spaced); `|||`: padding
        if s.count("|") >= 3 and len(_SPACED_BARS.findall(s)) >= 2:
            # `|  |  |` with outer pipes holds one cell fewer than its pipes; ` |  |  |` without
            return _Line("bars", cells=[""] * (s.count("|") - (1 if outer else 0)), pipes_after=s.count("|"))
        return _Line("bars", pipes_after=s.count("|"))
    if _MD_RULE.match(s):
        return _Line("rule")
    parts = _pipe_parts(s, outer)
    filled = [p for p in parts if p]
    # two filled cells, or empty cells printed one by one (`行政规范性文件 |  |  |  |`), make a row;
    # a cell followed by a run of pipes (`0 | ||`) is a cell and the row's padding
    if len(filled) >= 2 or len(_SPACED_BARS.findall(s)) >= 2 \
            or (s.startswith("|") and s.count("|") >= 3 and _SPACED_BARS.search(s)):
        return _Line("row", cells=parts)
    text = filled[0] if filled else ""
    head, _, tail = s.partition(text)
    if len(text) > MAX_PIPED_CELL:
        return _Line("prose", text)
    return _Line("cell", text, cells=parts, pipes_before=head.count("|"), pipes_after=tail.count("|"))


def _is_label(ln: _Line | None) -> bool:
    """A line that starts a row: a label (a cell or line of text that is not a value), or a
    printed row or prose."""
    if ln is None:
        return False
    return ln.kind in ("prose", "row") or (ln.kind in ("cell", "plain") and not is_value_token(ln.text))


def _bars_mark_rows(lines: list[_Line]) -> bool:
    """Single `|` lines that stand before rows (`|`, `规章 |`, `0 |`, `0 |`, `|`, `规范性文件 |`)
    start rows: (nearly) every run of them is followed by a label, and no label follows a value
    without one between. In a run of several (`0 |`, `|`, `|`, `行政规范性文件 |`) the last
    starts the row and the others are the previous row's empty cells."""
    content = [ln for ln in lines if ln.kind not in ("blank", "rule")]
    runs = before_label = 0
    lengths: list[int] = []
    i = 0
    while i < len(content):
        if content[i].kind != "bars" or content[i].pipes_after != 1:
            i += 1
            continue
        j = i
        while j < len(content) and content[j].kind == "bars" and content[j].pipes_after == 1:
            j += 1
        runs += 1
        lengths.append(j - i)
        if j == len(content) or _is_label(content[j]):
            before_label += 1
        i = j
    # and rows start at a bar: a label right after a value line, with no bar between, means the
    # bars are not what starts rows (blank last cells of some rows)
    unmarked = sum(1 for a, b in zip(content, content[1:])
                   if a.kind in ("cell", "plain") and is_value_token(a.text)
                   and b.kind in ("cell", "plain") and not is_value_token(b.text)
                   and not _SECTION.match(b.text))  # a section heading ends the table
    if runs < 2 or before_label < 0.8 * runs:
        return False  # one bar alone does not say what bars mean here
    if max(lengths) == 1:
        return unmarked <= 0.1 * runs
    # runs of two (an empty last cell, then the bar that starts the next row) only where every
    # row starts at a bar and most runs are that bar alone; longer runs are a row's padding
    return unmarked == 0 and max(lengths) == 2 and lengths.count(1) >= 0.6 * runs


def _tokens(lines: list[_Line], rows_style: bool, separator_bars: bool, marker_bars: bool = False) -> list:
    """The document as a stream of cell texts, ROWEND and GRIDEND markers."""
    out: list = []
    buffer: list[str] = []  # separator mode: the lines of the cell being read

    def flush_buffer(force: bool = False) -> None:
        if buffer or force:
            out.append("".join(buffer))
            buffer.clear()

    # with bars marking rows, of two bars before a row the first is the previous row's empty
    # last cell
    content = [i for i, ln in enumerate(lines) if ln.kind not in ("blank", "rule")]
    nxt_of = {a: lines[b] for a, b in zip(content, content[1:])}
    prev_kind = None
    for idx, ln in enumerate(lines):
        k = ln.kind
        if k in ("blank", "rule"):
            continue
        if k == "prose":
            flush_buffer()
            out.extend([ROWEND, GRIDEND])
        elif k == "row" and marker_bars and ln.cells and ln.cells[0] and not any(ln.cells[1:]):
            out.extend(ln.cells)  # rows start at the bars: a label and its empty cells, row goes on
        elif k == "row":
            flush_buffer()
            out.append(tuple(ln.cells))  # a printed row keeps its columns as they are
        elif k == "cell":
            flush_buffer()
            if rows_style:
                # a row of one printed cell and its empty ones (| 二、上年结转… | | | | | | | |)
                out.append(tuple(ln.cells))
            else:
                if ln.pipes_before and not separator_bars:
                    out.append(ROWEND)
                out.append(ln.text)
                if ln.pipes_after >= 2:
                    if marker_bars:  # rows start at the markers: more pipes are empty cells
                        out.extend([""] * (ln.pipes_after - 1))
                    else:
                        out.append(ROWEND)  # `0 | ||`: the cell, then the row's padding
        elif k == "plain":
            if separator_bars:
                # a cell may be broken over lines between two bars (本年新 / 制作数量); longer
                # lines before the table (headings, a title) stay cells of their own
                if buffer and (len(buffer[-1]) > 8 or len(ln.text) > 8):
                    flush_buffer()
                buffer.append(ln.text)
            elif rows_style:
                # between printed rows, a line of text (a heading, a caption) ends the table
                out.extend([GRIDEND, ln.text, ROWEND])
            else:
                out.append(ln.text)
        elif k == "bars":
            if separator_bars:
                if ln.pipes_after >= 2:
                    flush_buffer()
                    out.append(ROWEND)
                else:
                    # two bars with nothing between them enclose an empty cell
                    flush_buffer(force=prev_kind == "bars")
            elif ln.cells and not marker_bars:
                out.append(tuple(ln.cells))  # a printed row of empty cells
            elif marker_bars and ln.pipes_after == 1 and idx in nxt_of and nxt_of[idx].kind == "bars" \
                    and nxt_of[idx].pipes_after == 1:
                out.append("")  # an empty cell of the row (`0 |`, `|`, `|`, `行政规范性文件 |`)
            elif marker_bars:
                out.append(ROWEND)  # the row starts here; `| |`: and opens with an empty cell
                out.extend([""] * (ln.pipes_after - 1))
            elif rows_style:
                out.append(ROWEND)
            elif ln.pipes_after >= 2:
                out.append(ROWEND)
            elif prev_kind == "plain" and out and out[-1] not in (ROWEND, GRIDEND):
                pass  # `行政规范性文件` then `|`: the bar ends the cell above, it is not a cell
            else:
                out.append("")  # a bare `|` between cells ended by ` |`: an empty cell
        prev_kind = k
    flush_buffer()
    if separator_bars and "" in out:
        out = _doubled_bars_end_rows(out)
    return out


def _doubled_bars_end_rows(out: list) -> list:
    """`0`, `|`, `|`, `规范性文件` (石家庄-style): a doubled bar closes every row. It is read so
    only when every row ends that way, with exactly one empty segment before each next row's label
    and (nearly) no row whose last value runs straight into the next label; otherwise the empty
    segments are empty cells."""
    def label(t) -> bool:
        return isinstance(t, str) and t != "" and not is_value_token(t) and not _SECTION.match(t)

    runs_before_labels: list[int] = []
    direct = 0
    i = 0
    while i < len(out):
        if out[i] == "":
            j = i
            while j < len(out) and out[j] == "":
                j += 1
            if j < len(out) and label(out[j]):
                runs_before_labels.append(j - i)
            i = j
            continue
        if i + 1 < len(out) and isinstance(out[i], str) and out[i] and is_value_token(out[i]) and label(out[i + 1]):
            direct += 1
        i += 1
    if runs_before_labels and all(n == 1 for n in runs_before_labels) \
            and direct <= 0.1 * len(runs_before_labels):
        return [ROWEND if t == "" else t for t in out]
    return out


class _Printed(list):
    """A row printed as one line (tabs or pipes): its cells keep their printed positions."""


def _aligned(rows: list[list[str]]) -> bool:
    """The grid's columns line up when every wide row was printed as one line and the rows of
    table width all have the same number of cells (no positions of merged cells dropped)."""
    wide = [r for r in rows if len(r) >= 5]
    if not all(isinstance(r, _Printed) for r in wide):
        return False
    return len({len(r) for r in wide if len(r) >= 8}) <= 1


def _rows(tokens: list) -> list[list[list[str]]]:
    """Group the stream into grids of rows: a run of labels followed by its values is a row;
    the earlier labels of a long run form a header row of their own."""
    grids: list[list[list[str]]] = []
    rows: list[list[str]] = []
    labels: list[str] = []
    values: list[str] = []

    def emit() -> None:
        nonlocal labels, values
        if values:
            if len(labels) > 1:
                rows.append(labels[:-1])
            rows.append(labels[-1:] + values)
        elif labels:
            rows.append(labels)
        labels, values = [], []

    for tok in tokens:
        if tok is ROWEND:
            emit()
        elif isinstance(tok, tuple):
            emit()
            rows.append(_Printed(tok))
        elif tok is GRIDEND:
            emit()
            if rows:
                grids.append(rows)
            rows = []
        elif is_value_token(tok):
            values.append(tok)
        else:
            if values:
                emit()
            labels.append(tok)
    emit()
    if rows:
        grids.append(rows)
    return grids


def _filled_number(cell: str) -> bool:
    """A cell that prints a value (a number or a marker; an empty cell says nothing)."""
    cell = cell.strip()
    return bool(cell) and is_value_token(cell)


def _signal(ln: _Line) -> str | None:
    """What a line says about its table's rendering: a row printing a value among two or more
    cells says `rows`; a value alone on its line says `cells`; anything else nothing (headings,
    header cells, a page's furniture such as `简体 | 繁体`, which prints no value)."""
    if ln.kind == "row":
        filled = [c for c in ln.cells if c.strip()]
        if len(filled) >= 2 and any(_filled_number(c) for c in filled):
            return "rows"
    elif ln.kind == "plain" and _filled_number(ln.text):
        return "cells"
    elif ln.kind == "cell" and _filled_number(ln.text) and not ln.pipes_before:
        return "cells"  # `| 25 |`, a value between pipes, continues a row: no evidence of cells
    return None


def _regions(lines: list[_Line]) -> list[tuple[int, int, str | None]]:
    """The document cut into table regions, each with its rendering: (start, end, style).
    Runs of lines that say the same (`_signal`) make a region; a run of fewer than three such
    lines between runs of the other rendering is part of them (a row continued on a line of its
    own). The lines between two regions (a caption, a table's header) belong to the region after
    them, the lines after the last value to the last region."""
    runs: list[list] = []  # [style, count, first line, last line]
    for i, ln in enumerate(lines):
        sig = _signal(ln)
        if sig is None:
            continue
        if runs and runs[-1][0] == sig:
            runs[-1][1] += 1
            runs[-1][3] = i
        else:
            runs.append([sig, 1, i, i])
    while len(runs) > 1:
        short = min((r for r in runs if r[1] < 3), key=lambda r: r[1], default=None)
        if short is None:
            break
        k = runs.index(short)
        lo, hi = max(0, k - 1), min(len(runs), k + 2)
        other = [r for r in runs[lo:hi] if r is not short]
        style = other[0][0]
        runs[lo:hi] = [[style, sum(r[1] for r in runs[lo:hi]), runs[lo][2], runs[hi - 1][3]]]
        # neighbours of one rendering now side by side join too
        merged: list[list] = []
        for r in runs:
            if merged and merged[-1][0] == r[0]:
                merged[-1][1] += r[1]
                merged[-1][3] = r[3]
            else:
                merged.append(r)
        runs = merged
    if not runs:
        return [(0, len(lines), None)]
    out = []
    start = 0
    for k, (style, _, _, last) in enumerate(runs):
        end = last + 1 if k + 1 < len(runs) else len(lines)
        out.append((start, end, style))
        start = end
    return out


def _continued_rows(raw: list[str], at_end: bool = False) -> tuple[list[str], bool]:
    """Pipe rows continued over several lines, joined back into one line each (in a region
    whose rows mostly end with a pipe):
    - a row whose line does not end with its pipe goes on in the next lines that hold pipes, up
      to one that ends with one: a cell broken over lines (`信息内容 | 本年新` / `制作数量 | 本年新`
      / `公开数量 | 对外公开总数量 |`) is joined back;
    - a line of text without pipes followed by a row whose first cell is a short fragment is
      that cell's start (`（本列数据的勾稽关系为：…等于第三项加第` / `四项之和） | 申请人情况 |`),
      unless it is a numbered heading;
    - in rows without outer pipes, a row ended by its pipe and followed by lines `|` (each an
      empty cell) and `| 25 |` (a value) goes on in them: `一、本年新收… | 25 |`, `|`, `|`,
      `| 25 |` (a row of values alone, `5 |`, too). Where rows go on so, the last row of a
      text that stops (`at_end`: these lines end the document) may go on beyond it: the second
      value returned says so."""
    piped = [r.strip() for r in raw if r.count("|") >= 2 and "\t" not in r and not _BARS.match(r.strip())]
    if not piped or sum(r.endswith("|") for r in piped) < 0.5 * len(piped):
        return raw, False
    outer = sum(r.startswith("|") for r in piped) >= 0.9 * len(piped)

    def piped_row(line: str) -> bool:
        s = line.strip()
        return "|" in s and "\t" not in s and not _BARS.match(s)

    def fragment(line: str) -> bool:  # a row starting with a short piece of a broken cell
        s = line.strip()
        return piped_row(s) and not s.startswith("|") and 0 < len(s.split("|")[0].strip()) <= 12

    def continuation(line: str) -> bool:  # `|` (an empty cell) or `| 25 |` (a value)
        s = line.strip()
        return s == "|" or (s.startswith("|") and s.endswith("|") and s.count("|") == 2
                            and _filled_number(s.strip("|")))

    out: list[str] = []
    uses_continuation = False
    i = 0
    while i < len(raw):
        line = raw[i].rstrip()
        i += 1
        s = line.strip()
        if s and "|" not in s and "\t" not in s and len(s) <= MAX_CELL_LINE * 2 \
                and not _SENTENCE.search(s) and not _SECTION.match(s) \
                and i < len(raw) and fragment(raw[i]):
            line = s + raw[i].strip()  # the first cell broken over lines
            i += 1
        if piped_row(line) and len(_pipe_parts(line.strip())) >= 2:
            k = 0
            while not line.endswith("|") and i < len(raw) and piped_row(raw[i]) and k < 4:
                line = line + raw[i].strip()
                i += 1
                k += 1
        # a row printing a value goes on in the lines after it; a line `| 25 |` no row took
        # opens a row of its own (its pipe opens an empty cell) and goes on too
        cells = _pipe_parts(line.strip(), outer=False)
        if not outer and piped_row(line) and line.endswith("|") and line.strip() != "|" \
                and (continuation(line) or any(_filled_number(c) for c in cells)):
            continued = False
            while i < len(raw):
                nxt = raw[i].strip()
                if not continuation(nxt):
                    break
                line += " |" if nxt == "|" else " " + nxt.strip("|").strip() + " |"
                i += 1
                continued = True
            uses_continuation = uses_continuation or continued
        out.append(line)
    # rows here go on in lines of their own: the text's last row may go on beyond it
    return out, at_end and uses_continuation


def _region_tokens(raw_lines: list[str], style: str | None, last: bool = False) -> tuple:
    """The tokens of one table region, its rendering decided from its own lines; and its lines
    as read (continued rows joined)."""
    cut = False  # the region ends the text inside a row that may go on
    if style == "rows":
        raw_lines, cut = _continued_rows(raw_lines, at_end=last)
    lines = [_classify(line) for line in raw_lines]
    rows = [line.strip() for line, ln in zip(raw_lines, lines) if ln.kind == "row" and "|" in line]
    if rows and sum(r.startswith("|") for r in rows) < 0.9 * len(rows):
        # rows print no outer pipe (markdown prints it on every row): a row starting with one
        # starts with an empty cell
        lines = [_classify(line, outer=False) for line in raw_lines]
    if style is None:
        # no value printed: a region of rows prints two or more filled cells on most lines,
        # one of cells one per line (the lines of text count, `简体 | 繁体` above them does not
        # outweigh them); `规章 | | |` (one filled cell and empty ones) is no evidence either way
        multi = sum(1 for ln in lines if ln.kind == "row" and sum(1 for c in ln.cells if c) >= 2)
        single = sum(1 for ln in lines if (ln.kind == "cell" and ln.cells is not None and len(ln.cells) == 1)
                     or ln.kind == "plain")
        rows_style = multi > 0 and multi >= single
    else:
        rows_style = style == "rows"
    cells_ended = sum(ln.kind == "cell" and ln.pipes_after > 0 for ln in lines)
    plain = sum(ln.kind == "plain" for ln in lines)
    has_bars = any(ln.kind == "bars" for ln in lines)
    # bars separate cells when the cell lines carry no pipe of their own (lines `x`, `|`, `x`, `|`)
    separator_bars = has_bars and not rows_style and plain > cells_ended
    marker_bars = has_bars and not rows_style and not separator_bars and _bars_mark_rows(lines)
    return _tokens(lines, rows_style, separator_bars, marker_bars), lines, raw_lines, cut


def parse_text(text: str, max_cells: int | None = None) -> Document:
    raw_lines = text.splitlines()
    tokens: list = []
    lines: list[_Line] = []
    read: list[str] = []  # the lines as read (rows continued over lines joined)
    regions = _regions([_classify(line) for line in raw_lines])
    for k, (start, end, style) in enumerate(regions):
        region_tokens, region_lines, region_raw, text_cut = _region_tokens(
            raw_lines[start:end], style, last=k == len(regions) - 1)
        if tokens and region_tokens:
            tokens.extend([ROWEND, GRIDEND])  # a table region's rendering is its own
        tokens.extend(region_tokens)
        lines.extend(region_lines)
        read.extend(region_raw)
    if max_cells is not None and sum(len(t) if isinstance(t, tuple) else 1
                                     for t in tokens if isinstance(t, (str, tuple))) > max_cells:
        raise UnreadableDocument(f"more than {max_cells} table cells: over the cell limit")
    grouped = _rows(tokens)
    # the text stops inside a row: its last cell is not followed by a row end, or its last
    # printed line is a pipe row without its closing pipe
    last = tokens[-1] if tokens else None
    tail = next((ln for ln in reversed(read) if ln.strip()), "")
    open_end = bool(grouped) and (text_cut or isinstance(last, str) or (
        isinstance(last, tuple) and not tail.rstrip().endswith("|") and "\t" not in tail))
    kept = [g for g in grouped if any(len(r) > 1 for r in g)]
    grids = [Grid([[Cell(t) for t in r] for r in rows], index=i, aligned=_aligned(rows),
                  open_end=open_end and rows is grouped[-1])
             for i, rows in enumerate(kept)]
    warnings = []
    run_together = [ln.text for ln in lines if ln.kind == "plain" and _RUN_TOGETHER.match(ln.text)
                    and not is_value_token(ln.text)]  # 增1423 is one signed value
    if run_together:
        shown = "、".join(repr(t) for t in run_together[:3])
        warnings.append(f"{len(run_together)} table row(s) print their cells run together without "
                        f"separators ({shown}…): not extracted, nothing guessed")
    return Document(kind="text", text=text, grids=grids, warnings=warnings)


def _check_cells(text: str, max_cells: int) -> None:
    """Refuse text whose tables would hold more than `max_cells` cells, counted before any line
    is split (45 MB of tabs would otherwise become 45 million cells)."""
    split = short = 0
    for line in io.StringIO(text, newline=None):  # lazily: no list of millions of lines
        if "\t" in line:
            split += line.count("\t") + 1
        elif "|" in line:
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
    max_cells = getattr(limits, "max_cells", None) or 200_000
    _check_cells(text, max_cells)
    doc = parse_text(text, max_cells=max_cells)
    doc.warnings[:0] = warnings
    return doc
