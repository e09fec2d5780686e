"""One mapper from grids to fields, by label, for every reader and both format versions.

The mapper walks every grid row of the document in order (so a table split over pages, a
repeated header or a page footer inside a table change nothing) and keeps a little state: which
table it is in, the columns of the current table-二 block, the last table-三 row matched. Each row
is split into its label cells (text) and its value cells (numbers, blanks, markers); the label
decides the field, never the row's position. Only table 四, which has no row labels, is mapped by
position: fifteen values after its header, and when a document prints more than fifteen the
reading is accepted only if the arithmetic rules confirm one reading.
"""
from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from . import formats
from .document import Cell, Document
from .labels import matches, matches_exact, normalize
from .numbers import is_value_token, parse_value

T4_HEADER_KEYS = ("行政复议",)
T3_HEADER_KEYS = ("申请人情况", "自然人")
T4_HEADER_WORDS = {"总计", "结果维持", "结果纠正", "其他结果", "尚未审结", "复议后起诉", "未经复议直接起诉"}
# words only table 四's header prints (its column heads, broken or whole, and its two groups)
T4_EVIDENCE_WORDS = ("行政复议", "行政诉讼", "维持", "纠正", "审结", "复议后起诉", "直接起诉")
# the national format's table-三 row labels that end it (the last printed before table 四)
_T3_END = ("结转下年度", "七总计", "（七）总计", "(七)总计")


def _t4_heading_after_t3(text: str) -> bool:
    """The document prints table 四's heading (四、政府信息公开行政复议、行政诉讼情况, or a
    header line naming 行政复议 and 行政诉讼) as a line of its own, after table 三's last row
    when table 三 is printed."""
    from .numbers import clean

    last_t3 = max((text.rfind(k) for k in _T3_END), default=-1)
    pos = 0
    for raw in text.splitlines(keepends=True):
        line = clean(raw)
        if pos > last_t3 and len(line) <= 45 and "行政复议" in line and "行政诉讼" in line \
                and not any(ch in line for ch in "。；;"):
            return True
        pos += len(raw)
    return False


@dataclass
class Slot:
    """One printed cell assigned to a field."""

    raw: str
    value: object
    flags: list[str]
    unit: str | None
    table: int
    page: int | None
    row: int
    col: int
    label: str
    confidence: float | None = None  # OCR recognition confidence (0-100); None when not OCR


UNREAD = "\u25a1"  # a label cell OCR could not read (□)
# 3. / 1、/ (2) before a row's words; in an OCR reading also a lost point (1 申请人), a point
# read as a full stop (3。其他) and a stray mark before the number (,2. 其他法律)
ITEM_NO = re.compile(r"^\s*[^\w\s（(]?\s*[（(]?\s*(\d{1,2})(?:\s*[.．、,，)）。]|\s+(?=[\u4e00-\u9fff]))")
# （七） before a group's words; in an OCR reading with its brackets misread ((七》, 〈七〉), its
# opening one read as another mark or a character (所七 ) 站计), its closing one always there
GROUP_NO = re.compile(r"^\s*[（(《〈<\[]?\S?\s*([一二三四五六七八九十]{1,2})\s*[)）》〉>\]]")


@dataclass
class Line:
    grid: int
    row: int
    page: int | None
    labels: list[tuple[int, str]]  # (column, text)
    values: list[tuple[int, Cell]]  # (column, cell)
    aligned: bool = True  # the grid's columns line up across rows
    open: bool = False  # the text stops inside this row: cells may be missing at its end

    @property
    def has_numbers(self) -> bool:
        """True when some value cell is non-blank (blank spacer cells do not count)."""
        return any((c.text or "").strip() for _, c in self.values)

    @property
    def label_text(self) -> str:
        return "".join(t for _, t in self.labels)

    @property
    def last_label(self) -> str:
        return self.labels[-1][1] if self.labels else ""


@dataclass
class Mapping:
    slots: dict[str, Slot] = field(default_factory=dict)
    t2_version: str | None = None
    t3_version: str | None = None
    t3_rows_seen: list[str] = field(default_factory=list)
    # table 三 rows with seven values, in order: (row key, line), key None when the label is
    # missing or unrecognised: such rows may be placed by structure, then confirmed.
    t3_sequence: list[tuple[str | None, "Line"]] = field(default_factory=list)
    # the table 三 rows placed by structure: (row key, whether the row's own garbled label
    # bears it out — see label_bears_out —, its fields)
    # rows placed by structure: (row key, evidence of the place — "words": its garbled label's
    # item number and half its words; "number": its item number alone, every item number of
    # its gap between two rows read by label being its slot's; None —, fields)
    positional_rows: list[tuple[str, str | None, list[str]]] = field(default_factory=list)
    doubtful: dict[str, str] = field(default_factory=dict)  # OCR field -> why its reading is doubtful
    candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)  # OCR field not read or doubtful -> its readings
    extras: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tables_seen: set[str] = field(default_factory=set)
    t3_columns: dict[int, tuple[int, ...]] = field(default_factory=dict)  # grid -> value columns
    t2_blocks: list[tuple[str, str]] = field(default_factory=list)  # (version, caption) of each header read


def _lines(doc: Document) -> list[Line]:
    out: list[Line] = []
    for g in doc.grids:
        for r, row in enumerate(g.rows):
            cells: list[tuple[int, Cell]] = []
            prev_text = None
            for c, cell in enumerate(row):
                text = (cell.text or "").strip()
                # A colspan copy repeats its left neighbour: one printed cell, counted once.
                if cell.copy and text == prev_text:
                    continue
                prev_text = text
                cells.append((c, cell))
            if not any((cell.text or "").strip() for _, cell in cells) and len(cells) != 15:
                continue  # a blank row; fifteen blank cells are table 四's row left empty
            last_label = -1
            for i, (_, cell) in enumerate(cells):
                if not is_value_token(cell.text):
                    last_label = i
            # a cell OCR could not read among the labels stands in its place (UNREAD): a head
            # or a label is missing there, not absent from the table
            labels = [(c, cell.text.strip() or UNREAD) for c, cell in cells[: last_label + 1]
                      if cell.text.strip() or cell.unread]
            values = cells[last_label + 1:]
            page = next((cell.page for _, cell in cells if cell.page), g.page)
            out.append(Line(g.index, r, page, labels, values, g.aligned,
                            g.open_end and r == len(g.rows) - 1))
    return out


def _cut_row(line: Line, n: int) -> list[tuple[int, Cell]] | None:
    """A row the text stops in: only its first n cells can be trusted, and only when the first
    is printed (a blank first cell may be a spacer whose row lost its last value to the cut)."""
    if len(line.values) < n or _blank(line.values[0][1]):
        return None
    return list(line.values[:n])


def _place(m: Mapping, line: Line, n: int, head_cols: tuple[int, ...] | None, what: str,
           rule=None) -> list[tuple[int, Cell]] | None:
    """n values of a row. Surplus blank cells at its ends (spacers of merged labels, padding, a
    blank last value) are dropped only where that leaves a single reading: the columns the header
    stands in (grids whose columns line up), or the one reading `rule` does not rule out. Else
    None, with a warning naming the row: nothing is placed by guess."""
    if line.open:
        return _cut_row(line, n)
    vals = line.values
    if len(vals) < n:
        return None
    if len(vals) == n:
        return list(vals)
    if line.aligned and head_cols and len(head_cols) == n:
        by_col = dict(vals)
        # in a scan, a mark OCR took for a value in the label columns left of the value columns
        # (a seal's remnant read as 2 or —) is no value, by its place; blank spacers elsewhere
        if all(c in by_col for c in head_cols) and any(not _blank(cell) for c, cell in vals
                                                       if c not in head_cols) and all(
                _blank(cell) or (cell.confidence is not None and c < head_cols[0])
                for c, cell in vals if c not in head_cols):
            return [(c, by_col[c]) for c in head_cols]
    readings = []
    for left in range(len(vals) - n + 1):
        dropped = vals[:left] + vals[left + n:]
        if all(_blank(c) for _, c in dropped):
            readings.append(list(vals[left:left + n]))
    if not readings:
        return None
    distinct = {tuple((c.text or "").strip() for _, c in r) for r in readings}
    if len(distinct) == 1:
        return readings[0]
    if line.aligned and head_cols and len(head_cols) == n:
        by_col = dict(vals)
        if all(c in by_col for c in head_cols) and all(_blank(cell) for c, cell in vals if c not in head_cols):
            return [(c, by_col[c]) for c in head_cols]
    if rule is not None:
        possible = [r for r in readings if not rule(r)]
        if len({tuple((c.text or "").strip() for _, c in r) for r in possible}) == 1:
            return possible[0]
    m.warnings.append(f"{what} row {line.label_text!r}: {len(vals)} cells for {n} columns and "
                      f"{len(distinct)} possible placements; not mapped")
    return None


def _fit(values: list[tuple[int, Cell]], n: int) -> list[tuple[int, Cell]] | None:
    """Trim blank cells at the edges (spacers of flattened merged cells) to reach n values."""
    vals = list(values)
    while len(vals) > n and not (vals[-1][1].text or "").strip():
        vals.pop()
    while len(vals) > n and not (vals[0][1].text or "").strip():
        vals.pop(0)
    return vals if len(vals) == n else None


def _blank(cell: Cell) -> bool:
    return not (cell.text or "").strip()


def _learn_t3_columns(lines: list[Line]) -> dict[int, tuple[int, ...]]:
    """Per grid, the columns that hold table 三's seven values, learned from the rows that say so
    unambiguously (seven values whose first and last cells are printed, or whose last cell ends
    the row). Flattened merged labels leave blank spacer cells before the values; with a blank
    row total after them, trimming blanks alone would shift the row by one column."""
    votes: dict[int, dict[tuple[int, ...], int]] = {}
    for line in lines:
        if not line.aligned:
            continue
        vals = _fit(line.values, 7)
        # unambiguous: both edges printed, or the row's last cell printed (no trailing spacer)
        if vals and not _blank(vals[-1][1]) and (not _blank(vals[0][1]) or vals[-1] is line.values[-1]):
            cols = tuple(c for c, _ in vals)
            votes.setdefault(line.grid, {}).setdefault(cols, 0)
            votes[line.grid][cols] += 1
    learned = {g: max(v.items(), key=lambda kv: kv[1])[0] for g, v in votes.items()}
    # no such row (every total blank): the header's 自然人 … 总计 columns, when they are seven apart
    heads: dict[int, dict[str, int]] = {}
    for line in lines:
        if line.grid in learned or line.has_numbers or not line.aligned:
            continue
        for c, t in line.labels:
            n = normalize(t)
            if n in ("自然人", "总计"):
                heads.setdefault(line.grid, {}).setdefault(n, c)
    for g, h in heads.items():
        if "自然人" in h and h.get("总计", -1) - h["自然人"] == 6:
            learned[g] = tuple(range(h["自然人"], h["总计"] + 1))
    return learned


def _row_total_fails(vals: list[tuple[int, Cell]]) -> bool:
    """True when cells read as a row whose last column totals the others (table 三's six
    applicant columns, table 四's four results) break that rule: that reading is impossible."""
    nums = [parse_value(c.text)[0] for _, c in vals]
    if any(v is None for v in nums):
        return False  # undecidable: a blank or a marker
    return sum(nums[:-1]) != nums[-1]


def _fit7(m: Mapping, line: Line) -> list[tuple[int, Cell]] | None:
    """Seven table-三 values: placed by the grid's learned value columns where its columns line
    up, else by the one reading the row-total rule leaves (see _place)."""
    return _place(m, line, 7, m.t3_columns.get(line.grid) if line.aligned else None, "table 三",
                  _row_total_fails)


def readings_text(readings: tuple[str, ...]) -> str:
    """An OCR cell's readings as a warning names them: each number once, with how many times
    it was read when more than once (0 ×3, 6)."""
    return ", ".join(r if n == 1 else f"{r} ×{n}" for r, n in Counter(readings).items())


def _assign(m: Mapping, field_id: str, line: Line, col: int, cell: Cell, label: str) -> None:
    value, flags, unit = parse_value(cell.text)
    if field_id in m.slots:
        old = m.slots[field_id]
        if old.raw.strip() != (cell.text or "").strip():
            m.warnings.append(
                f"{field_id}: printed twice with different values ({old.raw!r} kept, {cell.text!r} ignored)")
        return
    if cell.confidence is not None:  # read by OCR: flagged, its confidence kept in provenance
        if cell.unread:
            value, flags = None, ["low_confidence"]
            read = f"; its readings disagreed: {readings_text(cell.candidates)}" if cell.candidates else ""
            m.warnings.append(f"{field_id}: OCR could not read the number with confidence "
                              f"({cell.confidence:.0f}){read}; value left null, nothing guessed")
            if cell.candidates:
                m.candidates[field_id] = cell.candidates
        elif cell.doubtful and value is not None:
            flags = [*flags, "doubtful"]  # kept only where a rule confirms it (parsers.parse)
            m.doubtful[field_id] = cell.doubtful
            if cell.candidates:  # every reading, the one kept and those against it
                m.candidates[field_id] = cell.candidates
        flags = [*flags, "ocr"]
    m.slots[field_id] = Slot((cell.text or "").strip(), value, flags, unit, line.grid,
                             cell.page or line.page, line.row, col, label, cell.confidence)


# --- table 二 ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 16)
def _lcs(a: str, b: str) -> int:
    """Length of the longest common subsequence of two short texts (kept: the header search
    compares the same printed heads with the same labels many times a document)."""
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


@functools.lru_cache(maxsize=1)
def _all_column_labels() -> tuple[str, ...]:
    return tuple(sorted({normalize(c.label) for v in formats.VERSIONS
                         for b in formats.get(v).t2_blocks for c in b.columns}))


def _near(n: str, label: str) -> float:
    """How much of a label a printed head holds in order (1.0: all of it, at its length)."""
    if abs(len(n) - len(label)) > 2:
        return 0.0
    return _lcs(n, label) / max(len(label), len(n))


def _column_fits(text: str, col: formats.ColumnDef, block=()) -> bool:
    """A printed column head fits a column when it names it, is the start of its label cut
    short (本年新, 现行有效件, 本年增/), or is its label with a character dropped, added or
    misprinted (本年发件, an OCR's 本年度止件数): most of the label's characters in order, at
    about its length, and clearly closer to it than to any column label outside its block
    (`block`: the block's columns, whose order tells its own columns apart)."""
    if matches(text, col.match or (col.label,)):
        return True
    n = normalize(text)
    label = normalize(col.label)
    if len(n) >= 2 and label.startswith(n):
        return True
    if len(n) < 3:
        return False
    near = _near(n, label)
    own = {normalize(c.label) for c in block} | {label}
    others = [_near(n, other) for other in _all_column_labels() if other not in own]
    return near >= 0.6 and near >= max(others, default=0.0) + 0.1


def _segment_heads(texts: list[str], columns) -> bool:
    """True when the printed heads, in order, are the block's columns, a head broken over
    several cells (本年新 / 制作数量) being read as one."""
    n = len(columns)

    def fit(i: int, c: int, spare: int = 1 if n >= 3 else 0) -> bool:
        if c == n:
            return i == len(texts)
        if i < len(texts) and texts[i] == UNREAD:
            return fit(i + 1, c + 1, spare)  # a head OCR could not read: the column its place gives it
        if spare and UNREAD not in texts and i < len(texts) and _garbled_head(texts[i]) \
                and fit(i + 1, c + 1, 0):
            return True  # one head misread past knowing (末华庶主条数) among heads that name theirs
        for j in range(i + 1, min(len(texts), i + 4) + 1):
            if UNREAD in texts[i + 1:j]:
                break
            if len(texts) - j < n - c - 1:
                break
            head = "".join(texts[i:j])
            # a head broken over cells must join back into the column's own label (or a
            # wording of it about as long: 本年 / 处理决定数量)
            ok = _column_fits(head, columns[c], columns) if j == i + 1 else \
                normalize(columns[c].label).startswith(normalize(head)) or \
                (matches(head, columns[c].match or (columns[c].label,))
                 and len(normalize(head)) <= len(normalize(columns[c].label)) + 2)
            if ok and fit(j, c + 1, spare):
                return True
        return False

    # at least one head must name its column in full: a row of truncated heads alone proves little
    return fit(0, 0) and any(matches(t, c.match or (c.label,)) for t in texts for c in columns)


@functools.lru_cache(maxsize=4096)
def _garbled_head(text: str) -> bool:
    """A head of a few characters that names no column label of any format clearly (under the
    0.6 that _column_fits asks: an OCR's 末华庶主条数, or 举年诬让件数 — 0.5 like 本年废止件数 and
    本年制发件数 alike —, for 本年废止件数): it stands for the column its place gives it, as an
    unread head does, only among at least two heads that name their own columns (see
    _segment_heads)."""
    n = normalize(text)
    if not 3 <= len(n) <= 10 or any(ch.isdigit() for ch in n) or matches(n, ["信息内容"]):
        return False
    return max((_lcs(n, label) / max(len(label), len(n)) for label in _all_column_labels()),
               default=0.0) < 0.6


def _run_on_heads(text: str) -> list[str]:
    """A head cell holding several column heads run together (本年制发件数（件）本年废止件数现行有效
    件数): cut where a column's wording begins (its first four characters: 本年制发, 本年废止,
    现行有效) at least four characters after the last cut, each head keeping what follows it (a
    unit, a note; the first may be a wording no column lists: 本年发件), normalised. A cell with
    no such cut is returned as it is. Whether they are the block's heads is for _segment_heads."""
    n = normalize(text)
    starts = [0]
    for i in sorted({i for w in _head_starts() for i in range(len(n)) if n.startswith(w, i)}):
        if i - starts[-1] >= 4:  # a wording inside a longer one (处理决定 in 本年处理决定数量)
            starts.append(i)
    if len(starts) == 1:
        return [text]
    return [n[a:b] for a, b in zip(starts, [*starts[1:], len(n)])]


@functools.lru_cache(maxsize=1)
def _head_starts() -> tuple[str, ...]:
    """The first four characters of every table 二 column's label and wording variants, normalised."""
    return tuple(sorted({normalize(w)[:4] for v in formats.VERSIONS for b in formats.get(v).t2_blocks
                         for c in b.columns for w in (c.label, *c.match) if len(normalize(w)) >= 4}))


def _t2_header(line: Line) -> tuple[str, list[formats.T2Block], tuple[int, ...] | None] | None:
    """A block header row: 信息内容 | column labels. Returns (version, candidate blocks)."""
    if line.has_numbers:
        return None
    heads = list(line.labels)
    for i in range(len(heads) - 1, -1, -1):
        if matches(heads[i][1], ["信息内容"]):
            # the caption (第二十条第（一）项) may precede it in one row; with cells dropped, the
            # run of labels may hold earlier blocks too: the heads follow the last 信息内容 —
            # also within its own cell, where a PDF's text line ran them together without a
            # space (信息内容本年处理决定数量)
            col = heads[i][0]
            own = normalize(heads[i][1]).split(normalize("信息内容"), 1)[1]
            own_heads = any(w in own for w in _head_starts())  # not a unit (信息内容（单位：件）)
            heads = [(col, own)] * own_heads + heads[i + 1:]
            heads = [(c, h) for c, t in heads for h in _run_on_heads(t)]
            break
    # a merged header cell repeated over the columns it spans (text exports): one column label
    heads = [h for i, h in enumerate(heads) if i == 0 or normalize(h[1]) != normalize(heads[i - 1][1])
             or len(normalize(h[1])) <= 4]
    texts = [t for _, t in heads]
    if not texts:
        return None
    # with cells dropped, the labels of rows printed without values may follow the heads in the
    # same run (信息内容 | 本年处理决定数量 | 行政处罚): they are row labels of the block, not heads
    for version in formats.VERSIONS:
        fmt = formats.get(version)
        blocks = []
        for b in fmt.t2_blocks:
            k = len(texts)
            while k > 0 and any(matches(texts[k - 1], r.match or (r.label,)) for r in b.rows):
                k -= 1
            if k and _segment_heads(texts[:k], b.columns):
                blocks.append(b)
                heads = heads[:k] if len(blocks) == 1 else heads
        # a 2021 single-column header (本年处理决定数量) must not be read as 2019's three columns
        if blocks:
            # the columns the heads stand in, when each head is one cell (a grid whose columns
            # line up places a row's values under them)
            cols = tuple(c for c, _ in heads) if len(heads) == len(blocks[0].columns) else None
            return version, blocks, cols
    return None


def _map_t2_row(m: Mapping, line: Line, version: str, blocks: list[formats.T2Block],
                head_cols: tuple[int, ...] | None = None) -> str | None:
    """Map a table 二 row by its label: the key of the row its label names (mapped, or not for
    the wrong number of cells, with a warning), None when its label names no row."""
    label = line.last_label
    # The current block first; then the version's other blocks: a PDF table continued on a new
    # page repeats the table's first header (block （一）) above rows of a later block, and a
    # row label of table 二 names its block unambiguously within a version.
    others = [b for b in formats.get(version).t2_blocks if b not in blocks]
    for block in [*blocks, *others]:
        for row in block.rows:
            if matches(label, row.match or (row.label,)):
                n = len(block.columns)
                vals = _place(m, line, n, head_cols if block in blocks else None, "table 二")
                if vals is None:
                    m.warnings.append(
                        f"table 二 row {label!r}: {len(line.values)} cells where {len(block.columns)} are expected; not mapped")
                    return row.key
                for (col, cell), c in zip(vals, block.columns):
                    _assign(m, f"t2.{row.key}.{c.key}", line, col, cell, label)
                return row.key
    return None


def _scan_label_bears_out(text: str, label: str) -> bool:
    """Could an OCR reading of a label cell (闭章 under a seal) be the row's `label` (规章)?
    Its length within one character of the label's, and at least half of the label's
    characters in it, in order: another row's words (地方性法规 for 规章) are not."""
    a, b = _letters(label), _letters(text)
    return bool(a) and abs(len(a) - len(b)) <= 1 and _lcs(a, b) >= 0.5 * len(a)


def _place_unlabelled_t2(m: Mapping, head: tuple, rows: list[tuple[str | None, Line]]) -> None:
    """The rows of a scanned table 二 block whose label OCR could not read (blank, unread, or
    garbled: 闭章 under a seal for 规章) placed by the block's structure: its header read (one
    block's columns, `head`), the next block's header or table 三 below it, and exactly as many
    rows of values between them as the block has (`rows`: (row key or None, line), in order),
    each row read by label in its own place, each garbled label bearing out its place
    (_scan_label_bears_out). The format fixes a block's rows and their order; a row that is
    not there, a row too many, or a label of other words leaves the block's unlabelled rows
    unmapped (extras, as before). Flagged positional, named in a warning."""
    version, blocks, head_cols = head
    if len(blocks) != 1 or len(rows) != len(blocks[0].rows):
        return
    block = blocks[0]
    placed = []
    for (key, line), row in zip(rows, block.rows):
        if key is not None:
            if key != row.key:
                return
            continue
        if any(cell.confidence is None for _, cell in line.values):
            return  # a text's line without a label may be a row continued: scans only
        garbled = [t for _, t in line.labels if t != UNREAD]
        if garbled and not _scan_label_bears_out("".join(garbled), row.label):
            return
        vals = _place(m, line, len(block.columns), head_cols, "table 二")
        if vals is None or any(_blank(cell) and not cell.unread for _, cell in vals):
            return  # a blank where a value stands: not a row of this block's values
        placed.append((row, line, vals, "its garbled label" if garbled else "no label read"))
    for row, line, vals, how in placed:
        for (col, cell), c in zip(vals, block.columns):
            fid = f"t2.{row.key}.{c.key}"
            _assign(m, fid, line, col, cell, line.label_text)
            m.slots[fid].flags.append("positional")
        m.extras = [e for e in m.extras if (e["grid"], e["row"]) != (line.grid, line.row)]
        m.warnings.append(f"table 二: row {row.label} placed by its block's structure ({how}; "
                          f"the block's header above it, exactly its {len(block.rows)} row(s) of "
                          "values before the next block; flag positional)")


# --- table 三 ---------------------------------------------------------------------------------

def _t3_row_defs() -> list[tuple[str, formats.RowDef]]:
    seen: dict[str, tuple[str, formats.RowDef]] = {}
    for version in formats.VERSIONS:
        for r in formats.get(version).t3_rows:
            seen.setdefault(r.key, (version, r))
    return list(seen.values())


def _match_t3(line: Line, previous: str | None) -> tuple[str, formats.RowDef] | None:
    # (text, whether it is the row's own, rightmost label), the most specific first
    candidates = [(t, i == 0) for i, (_, t) in enumerate(reversed(line.labels))]
    if len(line.labels) > 1:
        candidates.append((line.label_text, False))
    # a numbered item (1、申请人…) is a row of its own, not its group's one-row form (（六）其他处理):
    # when its own words are unreadable, the group's words beside it do not make it the group;
    # so is a label after its group's whose words are clearly an item's (必、申请人无正当理由…:
    # item 1 of （六）, its number read 必), whatever became of its number; a seal's marks after
    # a one-row （六）其他处理 (半由 :开本) are no item's words
    last = line.labels[-1][1] if line.labels else ""
    item = bool(line.labels) and (last == UNREAD or bool(ITEM_NO.match(last)) or (
        not GROUP_NO.match(last) and any(GROUP_NO.match(t) for _, t in line.labels[:-1])
        and _names_an_item(last)))
    for text, own in candidates:
        for version, row in _t3_row_defs():
            if item and not own and not ITEM_NO.match(row.label.rsplit("/", 1)[-1].strip()):
                continue
            if row.exact:
                if not matches_exact(text, row.exact):
                    continue
                if row.after and not (previous or "").startswith(row.after):
                    continue
                return version, row
            if row.match and matches(text, row.match):
                if own:
                    return _by_item_number(text, version, row)
                return version, row
    return None


def _by_item_number(text: str, version: str, row: formats.RowDef) -> tuple[str, formats.RowDef]:
    """A label whose words name one row of a group but whose item number is another's (OCR's
    4. 无正当理由太攻重复申请: 重复申请 is item 2's words, the label is item 4's, 无正当理由大量反复申请,
    garbled): the row of its number, when the label bears that row out — its number and half
    its words in order (label_bears_out) — and the label is more like that row's words than
    like the row its words name (_likeness): 5. 属于四类过程性信息 is item 6's words whole, its 6
    read 5; item 5's 属于三类内部事务信息 shares only 属于…类…信息 with it. Else the row its
    words name."""
    got = ITEM_NO.match(text)
    group, _, leaf = row.label.rpartition("/")
    want = ITEM_NO.match(leaf.strip())
    if not got or not want or got.group(1) == want.group(1):
        return version, row
    named = _likeness(text, row.label)
    for v, other in _t3_row_defs():
        if (other is not row and other.label.rpartition("/")[0] == group
                and label_bears_out(text, other.label) and _likeness(text, other.label) > named):
            return v, other
    return version, row


def _likeness(garbled: str, label: str) -> float:
    """How like a row label's words (after its item number) a label read is: the characters
    they share in order over the longer's length (4.无正当理由太攻重复申请 is 0.73 like item 4's
    无正当理由大量反复申请, 0.36 like item 2's 重复申请)."""
    def words(t: str) -> str:
        t = t.rsplit("/", 1)[-1]
        m = ITEM_NO.match(t)
        return _letters(t[m.end():] if m else t)
    a, b = words(label), words(garbled)
    return _lcs(a, b) / max(1, len(a), len(b))


def _letters(text: str) -> str:
    """A label's words alone: its marks, digits and spaces taken out."""
    return re.sub(r"[\W\d_]", "", text)


def _map_t3_row(m: Mapping, line: Line, in_t3: bool) -> bool:
    previous = m.t3_rows_seen[-1] if m.t3_rows_seen else None
    found = _match_t3(line, previous)
    if not found:
        if in_t3 and line.has_numbers and _fit7(m, line):
            m.t3_sequence.append((None, line))  # a value row whose label is lost or garbled
            return True
        return False
    _, row = found
    if not line.has_numbers and len(line.values) < 7:
        return True  # a group label such as （六）其他处理 in 2021, or a header
    vals = _fit7(m, line)
    if vals is None:
        m.warnings.append(
            f"table 三 row {row.label!r}: {len(line.values)} cells where 7 are expected "
            f"({' '.join(c.text for _, c in line.values)!r}); not mapped")
        m.t3_rows_seen.append(row.key)
        return True
    label = line.label_text
    for (col, cell), c in zip(vals, formats.get("2021").t3_columns):
        _assign(m, f"t3.{row.key}.{c.key}", line, col, cell, label)
    m.t3_rows_seen.append(row.key)
    m.t3_sequence.append((row.key, line))
    return True


def _place_unlabelled_t3(m: Mapping, layout: list[str]) -> None:
    """Rows whose label is missing are placed by structure: k unlabelled rows between two
    labelled rows that leave exactly k layout rows unfilled, in order. The caller keeps a row
    only where its own garbled label bears the place out (label_bears_out) or the arithmetic
    rules confirm it (see parsers.parse)."""
    row_defs = {r.key: r for _, r in _t3_row_defs()}
    seq = m.t3_sequence
    labelled = [i for i, (k, _) in enumerate(seq) if k is not None]
    bounds = [-1] + labelled + [len(seq)]
    for a, b in zip(bounds, bounds[1:]):
        gap = [seq[i][1] for i in range(a + 1, b)]
        if not gap:
            continue
        start = layout.index(seq[a][0]) + 1 if a >= 0 and seq[a][0] in layout else 0
        end = layout.index(seq[b][0]) if b < len(seq) and seq[b][0] in layout else len(layout)
        slots = [k for k in layout[start:end] if f"t3.{k}.total" not in m.slots]
        if len(slots) != len(gap) or start == 0 or end == len(layout):
            m.warnings.append(f"table 三: {len(gap)} row(s) without a recognisable label; not mapped")
            continue
        # every item number readable in the gap is its slot's: the rows stand in their places
        numbers_fit = all(label_bears_out(line.labels[-1][1], row_defs[key].label, words=False)
                          for key, line in zip(slots, gap)
                          if line.labels and ITEM_NO.match(line.labels[-1][1]))
        for key, line in zip(slots, gap):
            vals = _fit7(m, line)
            fids = []
            for (col, cell), c in zip(vals, formats.get("2021").t3_columns):
                fid = f"t3.{key}.{c.key}"
                _assign(m, fid, line, col, cell, line.label_text)
                m.slots[fid].flags.append("positional")
                fids.append(fid)
            if any(label_bears_out(t, row_defs[key].label) for _, t in line.labels):
                evidence = "words"
            elif numbers_fit and any(label_bears_out(t, row_defs[key].label, words=False)
                                     for _, t in line.labels):
                evidence = "number"  # its slot's item number, like every number in its gap
            else:
                evidence = None
            m.positional_rows.append((key, evidence, fids))



WORDS_ALONE = 0.6  # a label with no number read names a row by its words at this likeness


def label_bears_out(garbled: str, label: str, words: bool = True) -> bool:
    """Does a label no row's words matched (an OCR reading of a stained cell: 3. 委术提供公开出版槐)
    still bear out the row its place gives it (3.要求提供公开出版物)? Its item number is the
    row's, and (with `words`) at least half of the row's own words are in it, in order. A
    group's own row ((七)和总计 for （七）总计) bears out by its group number and words only. A
    label with no number read at all (生年结办政府信息公开申请数量 for 二、上年结转…, whose 二、 the
    report does not print; 必、申请人… for 1.申请人…) bears out a row by its words alone where
    they are clearly that row's: at least WORDS_ALONE like them (_likeness), and more like them
    than like any other row of table 三 (0.80 against 本年新收…'s 0.73 here)."""
    leaf = label.rsplit("/", 1)[-1].strip()
    if words and garbled and not ITEM_NO.match(garbled) and not GROUP_NO.match(garbled):
        return _words_name_row(garbled, label)
    want, got = ITEM_NO.match(leaf), ITEM_NO.match(garbled or "")
    if not want and words:  # a group's own row ((七)和总计 for （七）总计): by its number and words
        want, got = GROUP_NO.match(leaf), GROUP_NO.match(garbled or "")
    if not want or not got or want.group(1) != got.group(1):
        return False
    if not words:
        return True
    a, b = _letters(leaf[want.end():]), _letters(garbled[got.end():])
    return bool(a) and _lcs(a, b) >= 0.5 * len(a)


def _row_its_words_name(garbled: str) -> formats.RowDef | None:
    """The table 三 row a label's words (no number read) clearly name: the one row they are
    most like (_likeness), at least WORDS_ALONE like it and more like it than any other; None
    where no row is, or two are alike."""
    rows = [row for _, row in _t3_row_defs()]
    likeness = sorted(((_likeness(garbled, row.label), i) for i, row in enumerate(rows)), reverse=True)
    (best, i), runner_up = likeness[0], likeness[1][0]
    return rows[i] if best >= WORDS_ALONE and best > runner_up else None


def _names_an_item(garbled: str) -> bool:
    """Are a label's words clearly those of a numbered item of table 三 (_row_its_words_name)?"""
    row = _row_its_words_name(garbled)
    return row is not None and bool(ITEM_NO.match(row.label.rsplit("/", 1)[-1].strip()))


def _words_name_row(garbled: str, label: str) -> bool:
    """Are a label's words (no number read) clearly the table 三 row `label`'s?"""
    row = _row_its_words_name(garbled)
    return row is not None and row.label == label


# --- table 四 ---------------------------------------------------------------------------------

def _t4_fields() -> list[str]:
    fmt = formats.get("2021")
    return [f"t4.{b.key}.{c.key}" for b in fmt.t4_blocks for c in fmt.t4_columns]


def _map_t4_block_row(m: Mapping, line: Line) -> bool:
    """Table 四 printed as one labelled row per block (行政复议 | 0 | 0 | 0 | 0 | 0) instead of one
    row of fifteen: the row label names the block, the five cells are its columns in order."""
    label = line.last_label
    fmt = formats.get("2021")
    for block in fmt.t4_blocks:
        if (block.exact and matches_exact(label, block.exact)) or (block.match and matches(label, block.match)):
            n = len(fmt.t4_columns)
            vals = _place(m, line, n, None, "table 四", _row_total_fails)
            if vals is None:
                m.warnings.append(f"table 四 row {label!r}: {len(line.values)} cells where "
                                  f"{len(fmt.t4_columns)} are expected; not mapped")
                return True
            for (col, cell), c in zip(vals, fmt.t4_columns):
                _assign(m, f"t4.{block.key}.{c.key}", line, col, cell, label)
            return True
    return False


def _t4_consistent(values: list) -> bool:
    for i in range(0, 15, 5):
        block = values[i:i + 5]
        if any(v is None for v in block) or sum(block[:4]) != block[4]:
            return False
    return True


def _map_t4(m: Mapping, tokens: list[tuple[Line, int, Cell]]) -> None:
    ids = _t4_fields()
    n = len(tokens)
    if n == 15:
        for fid, (line, col, cell) in zip(ids, tokens):
            _assign(m, fid, line, col, cell, "")
        return
    if 15 < n <= 17:
        # More cells than the format has: accept a reading only if dropping the extra cells
        # leaves every block total consistent and all such readings agree.
        readings = {}
        for drop in itertools.combinations(range(n), n - 15):
            kept = [t for i, t in enumerate(tokens) if i not in drop]
            vals = [parse_value(c.text)[0] for _, _, c in kept]
            if _t4_consistent(vals):
                readings.setdefault(tuple(vals), kept)
        if len(readings) == 1:
            kept = next(iter(readings.values()))
            for fid, (line, col, cell) in zip(ids, kept):
                _assign(m, fid, line, col, cell, "")
                m.slots[fid].flags.append("positional")
            m.warnings.append(
                f"table 四: {n} cells printed where 15 are expected; the one reading whose block "
                "totals add up was kept (flag positional)")
            return
    m.warnings.append(
        f"table 四: {n} value cells where 15 are expected "
        f"({' '.join(c.text for _, _, c in tokens)!r}); not mapped")


# --- the walk ---------------------------------------------------------------------------------

def map_document(doc: Document) -> Mapping:
    m = Mapping()
    table: str | None = None
    t2: tuple[str, list[formats.T2Block], tuple[int, ...] | None] | None = None
    t4_tokens: list[tuple[Line, int, Cell]] = []

    def close_t4() -> None:
        nonlocal t4_tokens
        if t4_tokens:
            _map_t4(m, t4_tokens)
            t4_tokens = []

    # the current table 二 block's rows of values: (row key, or None where no label named one)
    t2_rows: list[tuple[str | None, Line]] = []

    def close_t2() -> None:
        """A table 二 block ended where something followed it (a header, table 三 or 四)."""
        nonlocal t2_rows
        if t2 and any(k is None for k, _ in t2_rows):
            _place_unlabelled_t2(m, t2, t2_rows)
        t2_rows = []

    lines = _lines(doc)
    m.t3_columns = _learn_t3_columns(lines)
    t4_words = False
    heads_run: list[Line] = []  # the rows of labels since the last row of values
    for line in lines:
        text = normalize(line.label_text)
        if any(w in text for w in T4_EVIDENCE_WORDS) and not line.has_numbers:
            t4_words = True
        elif line.labels and line.has_numbers:
            t4_words = False  # header words count only for the numbers that follow them
        # header rows switch tables; a block's header may take several rows (each head cell on
        # a row of its own): its columns are read from all of them together
        header = _t2_header(line)
        if heads_run and not line.values:
            run = Line(line.grid, line.row, line.page,
                       [lab for ln in [*heads_run, line] for lab in ln.labels], [], False)
            joined = _t2_header(run)
            if joined and (not header or header[:2] != joined[:2]):
                header = (joined[0], joined[1], None)  # columns from several rows: no positions
            elif header and not joined and not any(matches(t, ["信息内容"]) for _, t in line.labels) \
                    and any(matches(t, ["信息内容"]) for ln in heads_run for _, t in ln.labels):
                # a header begun on earlier rows (信息内容 …) that this row alone would end as
                # another block's (上一年项目数量 | 本年增/减 | 本年 / 处理决定数量): which block it is
                # cannot be told, and its rows are not read
                m.warnings.append(f"table 二 block header ending in {line.label_text!r} not "
                                  "recognised: its rows are not mapped")
                header = None
                table, t2 = "t2", None
                heads_run.append(line)
                continue
        if line.has_numbers:
            heads_run = []
        elif line.labels:
            heads_run.append(line)
        if not line.has_numbers and sum(matches(t, ["信息内容"]) for _, t in line.labels) > 1:
            # block headers whose rows printed no values, one after another in a run of labels:
            # each still says which format's columns its block has
            starts = [i for i, (_, t) in enumerate(line.labels) if matches(t, ["信息内容"])]
            # a segment ends at the next block's caption (第二十条第（六）项) or 信息内容
            stops = [i for i, (_, t) in enumerate(line.labels) if "第二十条" in normalize(t)] + starts[1:]
            for a in (starts[:-1] if header else starts):  # the last one is `header` when read
                b = min(i for i in stops + [len(line.labels)] if i > a)
                seg = _t2_header(Line(line.grid, line.row, line.page, line.labels[a:b], [], False))
                if seg:
                    m.t2_blocks.append((seg[0], seg[1][0].caption))
        if header:
            close_t4()
            close_t2()
            table, t2 = "t2", header
            m.t2_version = m.t2_version or header[0]
            m.t2_blocks.append((header[0], header[1][0].caption))
            m.tables_seen.add("t2")
            continue
        if not line.has_numbers and any(k in text for k in T4_HEADER_KEYS) and table != "t4":
            close_t4()
            close_t2()
            table = "t4"
            m.tables_seen.add("t4")
            continue
        if line.labels and line.has_numbers and table in ("t4", "t3", None) and not t4_tokens \
                and _map_t4_block_row(m, line):
            close_t2()
            m.tables_seen.add("t4")
            table = "t4"
            continue
        if table == "t4":
            if line.labels and (line.has_numbers or len(line.values) == 15) \
                    and normalize(line.last_label) in T4_HEADER_WORDS and len(line.values) >= 5:
                # one cell per line: the values follow the last header word (总计)
                t4_tokens.extend((line, c, cell) for c, cell in line.values)
                if len(t4_tokens) >= 15:
                    close_t4()
                    table = None
                continue
            if line.labels and line.has_numbers:
                # a labelled row after table 四's values belongs to something else
                close_t4()
                table = None
            elif not line.labels:
                t4_tokens.extend((line, c, cell) for c, cell in line.values)
                if len(t4_tokens) >= 15:
                    close_t4()
                    table = None
                continue
            else:
                continue  # more header rows (结果维持 …)
        if not line.labels and 15 <= len(line.values) <= 17 and line.has_numbers \
                and "t4.review.total" not in m.slots:
            # table 四's one row of fifteen numbers, its header lost in prose (PDF extracts):
            # placed only where something says it is table 四 (its header words just above,
            # or its heading after table 三); fifteen numbers alone prove nothing
            if not (t4_words or _t4_heading_after_t3(doc.text)):
                m.warnings.append(
                    f"{len(line.values)} numbers without row labels and nothing saying they are "
                    "table 四 (no heading, no column words): not mapped")
                continue
            m.tables_seen.add("t4")
            t4_tokens.extend((line, c, cell) for c, cell in line.values)
            close_t4()
            table = None
            continue
        if not line.labels:
            if table == "t3" and line.has_numbers and _fit7(m, line):
                m.t3_sequence.append((None, line))
            elif table == "t2" and line.has_numbers:
                t2_rows.append((None, line))
            continue
        if table == "t2" and t2 and line.values and (key := _map_t2_row(m, line, t2[0], t2[1], t2[2])):
            t2_rows.append((key, line))
            continue
        if table in (None, "t2", "t3") and any(k in text for k in T3_HEADER_KEYS) and not line.has_numbers:
            close_t2()
            table = "t3"
            m.tables_seen.add("t3")
            continue
        if table in (None, "t2", "t3") and _map_t3_row(m, line, table == "t3"):
            if table != "t3":
                close_t2()
                table = "t3"
                m.tables_seen.add("t3")
            continue
        if table == "t2" and line.has_numbers:
            m.extras.append({"table": "t2", "label": line.label_text,
                             "raw": [c.text for _, c in line.values], "grid": line.grid, "row": line.row})
            t2_rows.append((None, line))
    close_t4()

    keys = set(m.t3_rows_seen)
    if keys & {"result.other.no_correction", "result.other.unpaid_fee", "result.other.other"}:
        m.t3_version = "2021"
    elif "result.other.subtotal" in keys:
        m.t3_version = "2019"
    if m.t2_blocks:
        # blocks of both formats' columns: table 二 is of the format most of its blocks have
        # (a tie: table 三's, else the last block's: a report keeping an old block （一） above
        # new ones is the case seen); the others are kept under their own ids
        count = {v: sum(1 for x, _ in m.t2_blocks if x == v) for v in formats.VERSIONS}
        top = max(count.values())
        tied = [v for v in formats.VERSIONS if count[v] == top]
        m.t2_version = tied[0] if len(tied) == 1 else \
            (m.t3_version if m.t3_version in tied else m.t2_blocks[-1][0])
    if any(k is None for k, _ in m.t3_sequence):
        version = m.t3_version or m.t2_version or "2021"
        _place_unlabelled_t3(m, [r.key for r in formats.get(version).t3_rows])
    for e in m.extras:
        m.warnings.append(f"table 二: extra row {e['label']!r} not in the format (kept as an extra)")
    return m

