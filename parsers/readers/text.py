"""Plain text and markdown -> Document.

Real reports reach the archive as text in many renderings of the same tables (see the wild
corpus): tab-separated rows; pipe rows with or without outer pipes, padded with `||`/`|||`;
one cell per line, the cells ended by ` |`, separated by lines holding only `|`, or separated by
blank lines; empty cells printed as a bare `|` line, as `| |`, or dropped; cells broken over
lines; rows whose cells are separated by single spaces. The reader turns every rendering into
the same thing, rows of cells, using only what the text shows (separators, line ends, which cells
hold values); it knows nothing of the format's labels. The mapper then reads the rows by label.

A rendering is recognised per document from the shape of its lines:
- a line with two or more non-empty pipe-separated cells (or tabs) is a row;
- otherwise lines are single cells, and a line that holds only pipes is either a separator
  between cells (when the cell lines themselves carry no pipe) or an empty cell (when they end
  with ` |`); a line of two or more pipes is row padding and ends the row;
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


def _bars_mark_rows(lines: list[_Line]) -> bool:
    """Single `|` lines that stand alone before rows (`|`, `规章 |`, `0 |`, `0 |`, `|`, `规范性文件 |`)
    start rows: never two of them in a row, and (nearly) always followed by a label. Bars next to
    each other, or where values belong, are empty cells."""
    content = [ln for ln in lines if ln.kind not in ("blank", "rule")]
    singles = before_label = 0
    for i, ln in enumerate(content):
        if ln.kind != "bars" or ln.pipes_after != 1:
            continue
        singles += 1
        prev = content[i - 1] if i else None
        if prev is not None and prev.kind == "bars":
            return False
        nxt = content[i + 1] if i + 1 < len(content) else None
        if nxt is None or nxt.kind in ("prose", "row") or (nxt.kind in ("cell", "plain") and not is_value_token(nxt.text)):
            before_label += 1
    # and rows start at a bar: a label right after a value line, with no bar between, means the
    # bars are not what starts rows (blank last cells of some rows)
    unmarked = sum(1 for a, b in zip(content, content[1:])
                   if a.kind in ("cell", "plain") and is_value_token(a.text)
                   and b.kind in ("cell", "plain") and not is_value_token(b.text)
                   and not _SECTION.match(b.text))  # a section heading ends the table
    return singles > 0 and before_label >= 0.8 * singles and unmarked <= 0.1 * singles


def _tokens(lines: list[_Line], rows_style: bool, separator_bars: bool, marker_bars: bool = False) -> list:
    """The document as a stream of cell texts, ROWEND and GRIDEND markers."""
    out: list = []
    buffer: list[str] = []  # separator mode: the lines of the cell being read

    def flush_buffer(force: bool = False) -> None:
        if buffer or force:
            out.append("".join(buffer))
            buffer.clear()

    prev_kind = None
    for ln in lines:
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


def parse_text(text: str, max_cells: int | None = None) -> Document:
    raw_lines = text.splitlines()
    lines = [_classify(line) for line in raw_lines]
    rows = [line.strip() for line, ln in zip(raw_lines, lines) if ln.kind == "row" and "|" in line]
    if rows and sum(r.startswith("|") for r in rows) < 0.9 * len(rows):
        # rows print no outer pipe (markdown prints it on every row): a row starting with one
        # starts with an empty cell
        lines = [_classify(line, outer=False) for line in raw_lines]
    piped = [ln for ln in lines if ln.kind in ("row", "cell")]
    # a document of rows prints two or more filled cells on most piped lines; `规章 | | |` (one
    # filled cell and empty ones) is no evidence either way
    multi = sum(1 for ln in piped if ln.kind == "row" and sum(1 for c in ln.cells if c) >= 2)
    rows_style = multi > 0 and multi >= sum(ln.kind == "cell" and ln.cells is not None and len(ln.cells) == 1 for ln in piped)
    cells_ended = sum(ln.kind == "cell" and ln.pipes_after > 0 for ln in lines)
    plain = sum(ln.kind == "plain" for ln in lines)
    has_bars = any(ln.kind == "bars" for ln in lines)
    # bars separate cells when the cell lines carry no pipe of their own (lines `x`, `|`, `x`, `|`)
    separator_bars = has_bars and not rows_style and plain > cells_ended
    marker_bars = has_bars and not rows_style and not separator_bars and _bars_mark_rows(lines)
    tokens = _tokens(lines, rows_style, separator_bars, marker_bars)
    if max_cells is not None and sum(len(t) if isinstance(t, tuple) else 1
                                     for t in tokens if isinstance(t, (str, tuple))) > max_cells:
        raise UnreadableDocument(f"more than {max_cells} table cells: over the cell limit")
    grouped = _rows(tokens)
    # the text stops inside a row: its last cell is not followed by a row end, or its last
    # printed line is a pipe row without its closing pipe
    last = tokens[-1] if tokens else None
    tail = next((ln for ln in reversed(raw_lines) if ln.strip()), "")
    open_end = bool(grouped) and (isinstance(last, str) or (
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
