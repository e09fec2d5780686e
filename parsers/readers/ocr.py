"""Page images -> a Document, by OCR (scanned PDFs, PDFs of page photos, 图片版 HTML pages).

Tables come from the image's ruling lines (img2table, OpenCV): every cell is cropped and
recognised on its own with Debian's Tesseract. Each non-blank cell is first read with the
Chinese model (labels); a cell whose reading holds no Chinese is then read again by a
digits-only pass (upscaled, binarised, ``tessedit_char_whitelist=0123456789.``, one text
line). A number whose recognition confidence is below ``min_confidence`` is not guessed:
the cell is marked ``unread`` (the mapper gives it a null value with a warning). The prose
outside the tables is read with the Chinese model page by page.

Every OCR cell carries its confidence (0-100, Tesseract's word confidence, the lowest of the
cell's words), so the mapper can flag every value ``ocr`` and put the confidence in its
provenance. Cost is bounded: a time limit per page and per document, pages in parallel
(``jobs``), and no Tesseract (or no Chinese model) means OCR is skipped with a warning that
names the Debian package to install. Nothing here downloads anything.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..document import Cell, Document, Grid
from ..numbers import NA_MARKERS, is_value_token
from .cells import WIDE_RE, clean_cell_text
from .ocr_ink import (DIGIT_ASPECT, _binarise, _despeckle, _digit_aspect, _digit_high_marks, _drop_blobs,
                      _for_digits, _for_labels, _ink_box, _ink_span, _main_run_only, _marks_among_digits,
                      _narrow_reading, _too_few_digits, _trim_rules, _without_edge_specks)
from .ocr_page import _beside_the_seal, _cv2, _np, _sealed_inside, prepare, rasterise_pdf
from .ocr_shapes import (_digit_boxes, _digit_means, _glyph, _read_by_shape, _shape_borne_out, _shape_doubts,
                         _shape_votes)

DEBIAN_PACKAGES = {"tesseract": "tesseract-ocr", "chi_sim": "tesseract-ocr-chi-sim"}
DIGITS = "0123456789.+-"  # signs for the 2019 format's 本年增/减 column
_DIGITS_RE = re.compile(r"[+\-]?\d+(\.\d+)?")
_UNSIGNED_RE = re.compile(r"\d+(\.\d+)?")
_TRAILING_MARK = re.compile(r"[+\-]?\d+[.+\-]")
_SIGN_WORD = re.compile(r"^\s*([增减+\-—–－])")
SURE = 70.0  # a number whose agreeing readings are less confident than this is doubtful
SEAL_TOUCH = 1  # px of seal ink taken out beside a number's strokes that put it in doubt (any)
# the readings of a number: (Tesseract model, px of the number's ink), in the order they are tried
DIGIT_READINGS = (("eng", 28), ("eng", 36), ("chi_sim", 36), ("eng", 20), ("chi_sim", 28),
                  ("eng", 24), ("chi_sim", 20))
_DASHES = {"一", "—", "-", "--", "——", "_", "－", "ー", "一一", "—一", "一—", "=", "~"}
_SLASHES = {"/", "|/", "/|", "\\"}


@dataclass
class OcrOptions:
    """How OCR runs; every field can be set from `ogi build` / `ogi parse` options."""

    tesseract: str = field(default_factory=lambda: os.environ.get("OGI_TESSERACT", "tesseract"))
    dpi: int = 200                 # rasterisation of PDF pages
    page_timeout: float = 120.0    # seconds per page
    doc_timeout: float = 900.0     # seconds per document
    jobs: int = 1                  # pages in parallel
    min_confidence: float = 60.0   # a number read below this is left null (with a warning)
    enabled: bool = True


@dataclass
class PageResult:
    text: str = ""
    grids: list[list[list[Cell]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cells: int = 0
    unread: int = 0
    # the page's digits as the document judges them (read_images): digit key -> (shape, digit),
    # and the numbers read whose digits the page had too few others of its own to judge:
    # (table, bbox) -> their places in `grids` (table, row, column) and their readings
    shapes: dict = field(default_factory=dict)
    unjudged: set = field(default_factory=set)
    places: dict = field(default_factory=dict)


class _PageTimeout(Exception):
    pass


# ------------------------------------------------------------------------------ Tesseract

@lru_cache(maxsize=8)
def _probe(cmd: str) -> tuple[str | None, tuple[str, ...]]:
    """(version, languages) of a Tesseract command, or (None, ()) when it cannot be run."""
    exe = shutil.which(cmd) if not os.path.sep in cmd else (cmd if os.access(cmd, os.X_OK) else None)
    if not exe:
        return None, ()
    try:
        v = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None, ()
    first = (v.stdout or v.stderr).strip().splitlines()
    version = first[0].strip() if first else "tesseract"
    names = tuple(line.strip() for line in (langs.stdout + langs.stderr).splitlines()[1:] if line.strip())
    return version, names


def unavailable(opts: OcrOptions) -> str | None:
    """Why OCR cannot run here (naming the Debian package to install), or None."""
    version, langs = _probe(opts.tesseract)
    if version is None:
        return (f"OCR skipped: Tesseract not found ({opts.tesseract!r}); install the Debian packages "
                f"{DEBIAN_PACKAGES['tesseract']} and {DEBIAN_PACKAGES['chi_sim']}")
    if "chi_sim" not in langs:
        return (f"OCR skipped: Tesseract has no Chinese model (chi_sim); install the Debian package "
                f"{DEBIAN_PACKAGES['chi_sim']}")
    return None


def engine(opts: OcrOptions) -> str | None:
    return _probe(opts.tesseract)[0]


def _tesseract(opts: OcrOptions, inputs: list[Path], workdir: Path, stem: str, args: list[str],
               deadline: float) -> list[list[dict]]:
    """Run Tesseract once over several images (one model load); the TSV words of each image."""
    if not inputs:
        return []
    listing = workdir / f"{stem}.list"
    listing.write_text("\n".join(str(p) for p in inputs) + "\n")
    out = workdir / stem
    timeout = deadline - time.monotonic()
    if timeout <= 0:
        raise _PageTimeout()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        subprocess.run([opts.tesseract, str(listing), str(out), *args, "tsv"], env=env,
                       capture_output=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        raise _PageTimeout() from None
    words: list[list[dict]] = [[] for _ in inputs]
    lines = (workdir / f"{stem}.tsv").read_text(encoding="utf-8", errors="replace").splitlines()
    for line in lines[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        page = int(parts[1]) - 1
        if 0 <= page < len(words):
            words[page].append({"block": int(parts[2]), "par": int(parts[3]), "line": int(parts[4]),
                                "top": int(parts[7]), "conf": float(parts[10]), "text": parts[11]})
    return words


def _text_conf(words: list[dict]) -> tuple[str, float | None]:
    """The text of one cell's words, line by line, and the lowest word confidence."""
    words = [w for w in words if w["text"].strip()]
    if not words:
        return "", None
    lines: dict[tuple, list[str]] = {}
    for w in words:
        lines.setdefault((w["block"], w["par"], w["line"]), []).append(w["text"])
    text = clean_cell_text("\n".join(" ".join(ws) for ws in lines.values()))
    return text, min(w["conf"] for w in words)


# ------------------------------------------------------------------------------ labels

@lru_cache(maxsize=1)
def label_vocabulary() -> tuple[str, ...]:
    """The words the national format prints in its tables (row and column labels, the keywords
    the mapper matches), longest first: what an OCR label is compared with."""
    from .. import formats
    from ..labels import normalize

    words: set[str] = {"信息内容", "申请人情况", "自然人", "法人或其他组织", "行政复议", "行政诉讼",
                       "未经复议直接起诉", "复议后起诉", "本年度办理结果"}
    for version in formats.VERSIONS:
        fmt = formats.get(version)
        rows = list(fmt.t3_rows) + list(fmt.t4_blocks) + [r for b in fmt.t2_blocks for r in b.rows]
        cols = list(fmt.t3_columns) + list(fmt.t4_columns) + [c for b in fmt.t2_blocks for c in b.columns]
        for d in rows + cols:
            words.update(d.match)
            words.update(getattr(d, "exact", ()))
            words.update(part for part in d.label.split("/"))
    out = {normalize(w) for w in words}
    return tuple(sorted((w for w in out if len(w) >= 3), key=lambda w: (-len(w), w)))


def _allowed(n: int) -> int:
    """Characters a label stretch of n characters may differ from a format word by."""
    return 0 if n < 4 else 2 if 6 <= n <= 9 else 1


def snap_label(text: str) -> str:
    """Correct the Chinese model's character confusions in a table label (耶以公开 -> 予以公开,
    术年废下件数 -> 本年废止件数) by the format's own words. The words printed exactly are kept;
    then a stretch that differs from a format word in one character (four or more characters;
    two for words of six to nine) at the same length is replaced by that word, the closest
    first; a stretch as close to two different words is left alone. Labels only decide which
    field a number goes to; numbers are never touched."""
    if not WIDE_RE.search(text):
        return text
    chars = list(text)
    fixed = [False] * len(chars)
    words = label_vocabulary()
    for word in words:  # exact words first: never "corrected" into a neighbour
        start = text.find(word)
        while start >= 0:
            for i in range(start, start + len(word)):
                fixed[i] = True
            start = text.find(word, start + 1)
    candidates: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for word in words:
        n = len(word)
        for i in range(len(chars) - n + 1):
            if any(fixed[i:i + n]):
                continue
            diff = sum(1 for a, b in zip(chars[i:i + n], word) if a != b)
            if 0 < diff <= _allowed(n):
                candidates.setdefault((i, n), []).append((diff, word))
    ranked = []
    for (i, n), found in candidates.items():
        found.sort()
        if len(found) > 1 and found[0][0] == found[1][0]:
            continue  # as close to two words: ambiguous, left as read
        ranked.append((found[0][0] / n, -n, i, found[0][1]))
    for _, neg_n, i, word in sorted(ranked):
        n = -neg_n
        if any(fixed[i:i + n]):
            continue
        chars[i:i + n] = list(word)
        for k in range(i, i + n):
            fixed[k] = True
    return "".join(chars)


# ------------------------------------------------------------------------------ what a cell was read as


_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")


def _label_like(text: str) -> bool:
    """A cell the digits pass could not read is a label when the Chinese model read words in
    it: two or more characters (规章, 其他), or the marker 无. One character among marks (身[,
    “4, 登，) is what the Chinese model makes of a digit it cannot read: an unread number."""
    return len(_IDEOGRAPH.findall(text)) >= 2 or text.strip() == "无"


# what, taken off a number's cell or left on it, decided its reading (read both ways)
DECIDED_BY = {"speck": "taking a speck before or after it off", "blot": "a solid blot on its ink",
              "far": "ink far beside it"}


def _number_read(text: str) -> bool:
    """Is a cell's reading a number: a value token with digits (a dash alone may be a stroke of ink)?"""
    return any(ch.isdigit() for ch in text) and is_value_token(text)


def _marks_below_numbers(layouts: list, texts: dict, unread: set) -> list[tuple]:
    """The cells (table, bbox) of `layouts` (each table's rows of cell boxes) that lie below a
    number read in the same column (the same x1 and x2) and were read (`texts`: cell -> text)
    as neither a number nor words: marks where a number was printed (/让、 where a seal's ink
    crossed a digit). A block's head or a label below numbers is words (_label_like) and stays."""
    out = []
    for t, rows in enumerate(layouts):
        numbered: set[tuple[int, int]] = set()  # the columns (x1, x2) a number was read in
        for row in rows:
            for bbox in dict.fromkeys(row):
                key = (t, bbox)
                text = texts.get(key, "")
                column = (bbox[0], bbox[2])
                if _number_read(text):
                    numbered.add(column)
                elif (column in numbered and text and key not in unread
                      and not is_value_token(text) and not _label_like(text)):
                    out.append(key)
    return out


def _words_after_numbers(layouts: list, texts: dict) -> list[tuple]:
    """The cells (table, bbox) of `layouts` (each table's rows of cell boxes) right of a number
    read in their row and read (`texts`: cell -> text) as something else: a value is a value
    whatever the Chinese model made of it (a digit under a seal's remnant read as 四下). A cell
    spanning several rows is a block's label, never a value, whatever it was read as (（四）无法提供
    under a seal read 4): the item labels right of it stay labels."""
    out = []
    for t, rows in enumerate(layouts):
        spanning = {b for b, n in Counter(b for row in rows for b in set(row)).items() if n > 1}
        for row in rows:
            numbers_seen = False
            for bbox in dict.fromkeys(row):
                text = texts.get((t, bbox), "")
                if bbox in spanning:
                    continue
                if _number_read(text):
                    numbers_seen = True  # a number read (a dash may be a stroke of ink)
                elif numbers_seen and text:
                    out.append((t, bbox))
    return out


def _words_among_numbers(layouts: list, texts: dict, unread: set = frozenset()) -> list[tuple]:
    """The cells (table, bbox) of `layouts` read (`texts`: cell -> text) as words where every
    side says a value stands: a number below it in its column (the same x1 and x2) and above
    it or left of it in its row, each read or a number not read (`unread`: its digits never
    agreed on), or in the first row under a header its column's head above it and its row's
    label left of it; and a number read right of it in its row. A seal over a value makes words of
    it (全人四NA要Y for a 1; 和认 for the 34 of table 三's second row, the 3001 above it not
    read; 攻 for a 53 of its first row, between values) and the row one value short; a
    block's head or a row's label has no numbers on all those sides. A cell spanning several
    rows or columns is a label, as in _words_after_numbers."""
    out = []
    for t, rows in enumerate(layouts):
        spanning = {b for b, n in Counter(b for row in rows for b in row).items() if n > 1}

        def number(bbox) -> bool:
            return _number_read(texts.get((t, bbox), ""))

        def value(bbox) -> bool:  # a number read, or one not read
            return number(bbox) or (t, bbox) in unread

        def words(bbox) -> bool:
            text = texts.get((t, bbox), "")
            return bool(text.strip()) and not is_value_token(text) and (t, bbox) not in unread

        rows_with: dict[tuple[int, int], list[int]] = {}  # column -> the rows a number is in
        for r, row in enumerate(rows):
            for bbox in row:
                if bbox not in spanning and value(bbox):
                    rows_with.setdefault((bbox[0], bbox[2]), []).append(r)
        for r, row in enumerate(rows):
            for i, bbox in enumerate(row):
                text = texts.get((t, bbox), "")
                if bbox in spanning or not text or is_value_token(text):
                    continue
                above_below = rows_with.get((bbox[0], bbox[2]), [])
                left = any(value(b) for b in row[:i] if b not in spanning)
                # the first row under a header (a row of words, no number in it): its column's
                # head above it, its row's label left of it
                headed = (i > 0 and r > 0 and words(row[i - 1])
                          and any(words(b) for b in rows[r - 1] if (b[0], b[2]) == (bbox[0], bbox[2]))
                          and not any(value(b) for b in rows[r - 1]))
                if ((left or headed or any(x < r for x in above_below)) and any(x > r for x in above_below)
                        and any(number(b) for b in row[i + 1:] if b not in spanning)):
                    out.append((t, bbox))
    return out


def _without_trailing_mark(text: str) -> tuple[str, bool]:
    """A reading ending in a point or a sign (0., 103., 0-): no number is printed so, the mark
    is a speck after the digits or a decimal part lost; its digits, and whether a mark was
    taken off (the number is then doubtful: kept only where a rule confirms it)."""
    if _TRAILING_MARK.fullmatch(text):
        return text[:-1], True
    return text, False


def _dissent(text: str, history: list[tuple[str, str]], stage: str) -> str | None:
    """Why a number its readings agreed on is still in doubt, from every reading of its cell
    (stage, digits): a reading one digit longer that extends it (a faint last digit under the
    seal: 44722 agreed, 447225 read too); agreed only by outvoting, at the last reading, a
    reading of as many digits in the same pass (12908 read three times, 12905 once: small
    wide-set digits); or, agreed only when read again (blots taken off, faint strokes
    counted), a first reading that said something else (0 under a speck: 9, 9, 4, 0 at first,
    then 9 agreed once the speck was taken off)."""
    for _, other in history:
        if (len(other) == len(text) + 1 and other.isdigit() and text.isdigit()
                and (other.startswith(text) or other.endswith(text))):
            return f"a reading with one more digit ({other}) dissents"
    rivals = [t for st, t in history if st == stage and t.isdigit() and len(t) == len(text) and t != text]
    if rivals:
        return f"it outvoted a reading of as many digits ({rivals[0]})"
    if stage in ("b", "k"):
        first = [t for st, t in history if st == "d" and _DIGITS_RE.fullmatch(t)]
        rival = sum(t != text for t in first)
        if rival:
            return f"its first readings said otherwise ({rival} of {len(first)})"
    return None


_EDGE_MARKS = re.compile(r"^[.+]?(.*?)[.+\-]?$")


def _says_otherwise(agreed: str, read: str) -> bool:
    """Does a reading of a number's cell as it would look otherwise (a speck before or after it
    left on, a blot or far ink taken off) name another number than the one agreed on? Not
    where it is that number with a point or a plus before it or a point or a sign after it: the
    mark left on read as one, which leaves the number as it is (.550, +26, 0., 447228.). A
    minus before it does (-66: a sign of the 2019 format's 本年增/减, though the mark was no
    minus by its shape), and so do another digit, a digit more or less, or nothing read."""
    if read == agreed:
        return False
    found = _EDGE_MARKS.fullmatch(read)
    return not (found and found.group(1) == agreed and agreed)


def _candidates(history: list[tuple[str, str]]) -> tuple[str, ...]:
    """The numbers a cell's readings made out (stage, digits), one per reading, in the order
    read; a reading with too few digits for its ink (marked "?") or none at all is not one."""
    return tuple(text for _, text in history if text.isdigit())


def _agreed(attempts: list[tuple[str, float]], min_confidence: float,
            final: bool = True) -> tuple[str, float] | None:
    """The digits the attempts agree on: read by two or more, one of them at least
    `min_confidence`, and no other digits read at all; or, once every reading is in (`final`),
    read by at least two more attempts than any other digits. Else None."""
    votes: dict[str, list[float]] = {}
    for text, conf in attempts:
        if _DIGITS_RE.fullmatch(text):
            votes.setdefault(text, []).append(conf)
    if not votes:
        return None
    ranked = sorted(votes.items(), key=lambda kv: (-len(kv[1]), -max(kv[1])))
    text, confs = ranked[0]
    other = len(ranked[1][1]) if len(ranked) > 1 else 0
    if len(confs) < 2 or max(confs) < min_confidence:
        return None
    if other == 0 or (final and len(confs) >= other + 2):
        return text, max(confs)
    return None


# ------------------------------------------------------------------------------ one page

def _tables(img) -> list:
    """Bordered tables of one page: img2table's ruling lines and cells (merged cells kept as
    spans). img2table's own final filter (`has_valid_shape`) drops a table continued from the
    previous page whose spanning first column has no ruling on this page; such a table keeps
    its cells here, as long as it has two rows and two columns (the mapper reads it by label)."""
    from img2table.tables.bordered import extract_bordered_tables
    from img2table.tables.extractor import TableExtractor

    te = TableExtractor(img=img)
    if te.characteristics is None:
        return []
    tables = extract_bordered_tables(
        contours=te.characteristics.contours, horizontal_lines=te.horizontal_lines,
        vertical_lines=te.vertical_lines, char_length=te.characteristics.char_length,
        implicit_rows=False, implicit_columns=False)
    h, w = img.shape[:2]
    out = [t.extracted_table(image_width=w, image_height=h) for t in tables
           if min(t.nb_rows, t.nb_columns) >= 2 and t.nb_cells >= 4]
    return sorted(out, key=lambda t: (t.bbox.y1, t.bbox.x1))


def _lost_rules(rows: list[list[tuple]], gray, inset: int, scale: float) -> list[list[tuple]]:
    """A table's cells (rows of (x1, y1, x2, y2), a merged cell's box repeated over the places
    it spans) with the rules a scan lost put back: a cell spanning two rows (or columns) is
    split where the cells on both sides of it (left and right; above and below) are split at
    the same line and a broken rule's trace runs along that line in the cell (_rule_traces).
    A seal's ink, or its removal, breaks a rule under one value: the two values above and
    below it became one cell, read as none, and the row beneath lost a value (rows of table 三
    unmapped). A cell a table merges by design has no such neighbours (a heading over its
    columns, a label down its rows, a value the width of its block, with the rows around it
    merged alike), and no rule's trace across it."""
    n_rows = len(rows)
    if n_rows < 3:
        return rows
    tol = 2 * inset + 2
    places: dict[tuple, list[tuple[int, int]]] = {}
    for r, row in enumerate(rows):
        for c, box in enumerate(row):
            places.setdefault(box, []).append((r, c))
    out = [list(row) for row in rows]

    def at(r: int, c: int):
        return rows[r][c] if 0 <= r < n_rows and 0 <= c < len(rows[r]) else None

    for box, pos in places.items():
        if len(pos) < 2:
            continue
        r0, r1 = min(r for r, _ in pos), max(r for r, _ in pos)
        c0, c1 = min(c for _, c in pos), max(c for _, c in pos)
        if len(pos) != (r1 - r0 + 1) * (c1 - c0 + 1):
            continue  # not a rectangle of places
        x1, y1, x2, y2 = box
        ys = [y1]  # the row lines inside the cell its neighbours left and right both have
        for r in range(r0 + 1, r1 + 1):
            sides = [(at(r - 1, c), at(r, c)) for c in (c0 - 1, c1 + 1)]
            if all(a and b and a != b for a, b in sides):
                lines = [b[1] for _, b in sides]
                if max(lines) - min(lines) <= tol:
                    ys.append((r, sum(lines) // 2))
        xs = [x1]  # and the column lines its neighbours above and below both have
        for c in range(c0 + 1, c1 + 1):
            sides = [(at(r, c - 1), at(r, c)) for r in (r0 - 1, r1 + 1)]
            if all(a and b and a != b for a, b in sides):
                lines = [b[0] for _, b in sides]
                if max(lines) - min(lines) <= tol:
                    xs.append((c, sum(lines) // 2))
        if len(ys) == 1 and len(xs) == 1:
            continue
        if not _rule_traces(gray, box, inset, scale, [y for _, y in ys[1:]], [x for _, x in xs[1:]]):
            continue
        row_cuts = [(r0, y1)] + ys[1:] + [(r1 + 1, y2)]
        col_cuts = [(c0, x1)] + xs[1:] + [(c1 + 1, x2)]
        for (ra, ya), (rb, yb) in zip(row_cuts, row_cuts[1:]):
            for (ca, xa), (cb, xb) in zip(col_cuts, col_cuts[1:]):
                for r in range(ra, rb):
                    for c in range(ca, cb):
                        out[r][c] = (xa, ya, xb, yb)
    return out


def _rule_traces(gray, box, inset: int, scale: float, ys: list[int], xs: list[int]) -> bool:
    """Does a rule's trace run along each line (page coordinates) a cell would be split at:
    ink as dark as the cell's own rules, in long straight runs (each at least 30 px at 200 dpi,
    longer than a character's stroke), over at least 40 % of the cell's length there? A rule
    a seal's removal or a faint print broke into pieces leaves such a trace; words, a number
    or what is left of a seal's ring (lighter than the rules) do not."""
    np = _np()
    x1, y1, x2, y2 = box
    h, w = gray.shape[:2]
    band = max(1, inset // 2 + 1)
    run_min = max(8, round(30 * scale))

    def along(line: int, horizontal: bool, lo: int, hi: int):
        """The darkest grey across the band at each position along a line."""
        if horizontal:
            strip, axis = gray[max(0, line - band):min(h, line + band + 1), max(0, lo):hi], 0
        else:
            strip, axis = gray[max(0, lo):hi, max(0, line - band):min(w, line + band + 1)], 1
        return strip.min(axis=axis) if strip.size else np.empty(0, gray.dtype)

    # the cell's own rules, found by the table reader, say how dark a rule prints here
    borders = [along(y1, True, x1 + inset, x2 - inset), along(y2, True, x1 + inset, x2 - inset),
               along(x1, False, y1 + inset, y2 - inset), along(x2, False, y1 + inset, y2 - inset)]
    inside = gray[max(0, y1):y2, max(0, x1):x2]
    if inside.size == 0 or not any(b.size for b in borders):
        return False  # a cell the table reader found on or past the page's edge: nothing to see
    rule = float(np.median(np.concatenate([b for b in borders if b.size])))
    paper = float(np.percentile(inside, 90))
    dark = rule + 0.3 * max(0.0, paper - rule)

    def traced(darkest) -> bool:
        if darkest.size == 0:
            return False
        total, run = 0, 0
        for v in list(darkest <= dark) + [False]:
            if v:
                run += 1
            else:
                total += run if run >= run_min else 0
                run = 0
        return total >= 0.4 * darkest.size

    return (all(traced(along(line, True, x1 + inset, x2 - inset)) for line in ys)
            and all(traced(along(line, False, y1 + inset, y2 - inset)) for line in xs))


def read_page(img, page_no: int, opts: OcrOptions, deadline: float) -> PageResult:
    """OCR one page image (RGB array): its tables cell by cell, then the prose around them."""
    started = time.monotonic()
    deadline = min(deadline, started + opts.page_timeout)
    res = PageResult()
    try:
        with tempfile.TemporaryDirectory(prefix="ogi-ocr-") as tmp:
            _read_page(img, page_no, opts, deadline, Path(tmp), res)
    except _PageTimeout:
        res.grids, res.text, res.places = [], "", {}
        res.warnings.append(f"page {page_no}: OCR stopped by the time limit (page limit "
                            f"{opts.page_timeout:.0f} s, document limit {opts.doc_timeout:.0f} s): "
                            "page not read")
    except (OSError, subprocess.SubprocessError, ValueError, _cv2().error) as exc:
        # Tesseract failing on a page, an image OpenCV cannot handle: the other pages still count
        res.grids, res.text, res.places = [], "", {}
        res.warnings.append(f"page {page_no}: OCR failed ({type(exc).__name__}: "
                            f"{str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ''}): page not read")
    res.seconds = time.monotonic() - started
    return res


def _read_page(img, page_no: int, opts: OcrOptions, deadline: float, tmp: Path, res: PageResult) -> None:
    cv2 = _cv2()
    page = prepare(img)
    gray = page.tables
    scale = max(img.shape[0], img.shape[1]) / 2339.0  # 1.0 for an A4 page at 200 dpi
    inset = max(2, round(4 * scale))
    speck = max(3, round(6 * scale * scale))
    dash_height = max(3, round(7 * scale))
    tables = _tables(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB))
    if time.monotonic() > deadline:
        raise _PageTimeout()

    # the unique cells of every table (a merged cell is one crop, copied to the positions it spans)
    crops: list[tuple] = []  # (table, bbox, binarised crop, ink box)
    grays: dict[tuple, object] = {}  # (table, bbox) -> the grey crop under the binarised one
    origins: dict[tuple, tuple[int, int]] = {}  # (table, bbox) -> the page's x, y of its crop
    layouts = []
    for t, table in enumerate(tables):
        rows = []
        for _, cells in table.content.items():
            rows.append([(c.bbox.x1, c.bbox.y1, c.bbox.x2, c.bbox.y2) for c in cells])
        rows = _lost_rules(rows, gray, inset, scale)
        layouts.append(rows)
        seen = set()
        for row in rows:
            for bbox in row:
                if bbox in seen:
                    continue
                seen.add(bbox)
                x1, y1, x2, y2 = bbox
                sub = gray[y1 + inset:y2 - inset, x1 + inset:x2 - inset]
                if sub.size == 0:
                    crops.append((t, bbox, None, None))
                    continue
                bw, (ox, oy) = _trim_rules(_binarise(sub), offsets=True)
                bw = _despeckle(bw)
                grays[(t, bbox)] = sub[oy:oy + bw.shape[0], ox:ox + bw.shape[1]]
                origins[(t, bbox)] = (x1 + inset + ox, y1 + inset + oy)
                crops.append((t, bbox, bw, _ink_box(bw, speck)))

    # pass 1: every non-blank cell with the Chinese model
    texts: dict[tuple, tuple[str, float | None]] = {}
    inked = [(t, bbox, bw, box) for t, bbox, bw, box in crops if box is not None]
    paths = []
    for k, (t, bbox, bw, box) in enumerate(inked):
        p = tmp / f"c{k}.png"
        x0, y0, x1, y1 = box
        cv2.imwrite(str(p), _for_labels(bw, box, grays.get((t, bbox)), scale))
        paths.append(p)
    words = _tesseract(opts, paths, tmp, "labels", ["-l", "chi_sim", "--psm", "6"], deadline)
    for (t, bbox, bw, box), ws in zip(inked, words):
        text, conf = _text_conf(ws)
        texts[(t, bbox)] = (snap_label(text), conf)
    # a cell the Chinese model read as 无 (or another mark for "nothing"), whose digit readings
    # then disagreed, offers no readings to choose from: 无 and 0 are different facts
    marked = {key for key, (text, _) in texts.items() if text.replace(" ", "") in NA_MARKERS}

    # pass 2: cells without Chinese (or a short, doubtful reading such as 了 for 7), digits only
    def maybe_number(key) -> bool:
        text, conf = texts[key]
        if text in _SLASHES:
            return False
        text = text.replace(" ", "")
        if not WIDE_RE.search(text.replace("—", "").replace("一", "")):
            return True
        if any(ch.isdigit() for ch in text) and (len(text) <= 3 or len(_IDEOGRAPH.findall(text)) <= 1):
            return True  # 了1 for 71, 105外 (a seal's remnant beside the digits)
        return len(text) == 1 or (len(text) == 2 and (conf or 0) < 85)

    numeric = []
    specked: dict[tuple, tuple] = {}  # numbers with a speck taken off beside them: the cell as it was
    for t, bbox, bw, box in inked:
        if maybe_number((t, bbox)):
            clean = _without_edge_specks(bw)
            if clean is not bw:
                specked[(t, bbox)] = (t, bbox, bw, box)
                box = _ink_box(clean, speck) or box
            numeric.append((t, bbox, clean, box))
    # Each number is read several times: at several sizes, by the English and the Chinese
    # model. A reading is accepted when at least two readings agree on it, one of them is
    # confident, and the readings that disagree are clearly outnumbered: a single confident
    # reading is not enough (5 read as 3 or 9 at ~65 happens, a digit of 56 is dropped at one
    # size; two readings rarely make the same mistake). Later readings only for the cells not
    # yet agreed on.
    readings: dict[tuple, tuple[str, float | None]] = {}

    settled: dict[tuple, str] = {}  # the cells agreed on, and the stage that agreed them
    history: dict[tuple, list[tuple[str, str]]] = {}  # every reading of a cell: (stage, digits)
    pointed: set[tuple] = set()  # cells a reading of which ended in a point or a sign

    def digit_pass(items: list, lang: str, height: int, stem: str, bold: bool = False) -> list:
        """One Tesseract run of `lang`, digits only, over `items` scaled to `height`: their words."""
        dpaths = []
        for k, (t, bbox, bw, box) in enumerate(items):
            p = tmp / f"{stem}_{k}.png"
            cv2.imwrite(str(p), _for_digits(bw, box, height, grays.get((t, bbox)), bold))
            dpaths.append(p)
        return _tesseract(opts, dpaths, tmp, stem,
                          ["-l", lang, "--psm", "7", "-c", f"tessedit_char_whitelist={DIGITS}"], deadline)

    def read_digits(items: list, stage: str, bold: bool = False, keep_best: bool = False,
                    digit_aspect: float | None = None) -> list:
        """Every reading of DIGIT_READINGS for `items` until they agree; the items that never
        did (with `keep_best`, their best reading, marked not confident, is in `readings`).
        A reading with fewer digits than its number's separate digit-high marks is no vote;
        with `digit_aspect`, neither is one with too few digits for its cell's ink width."""
        attempts: dict[tuple, list[tuple[str, float]]] = {}
        ink_spans = {item[:2]: _ink_span(item[2], item[3]) for item in items} if digit_aspect else {}
        # an 11 whose 1s stand apart, read 1 by most readings (and its row's total, another 11,
        # too: a rule over both holds): fewer digits than separate digit-high marks is no vote
        marks = {item[:2]: _digit_high_marks(item[2]) for item in items}
        todo = items
        for n, (lang, height) in enumerate(DIGIT_READINGS):
            if not todo:
                break
            dwords = digit_pass(todo, lang, height, f"{stage}{n}", bold)
            again = []
            last = n == len(DIGIT_READINGS) - 1
            for item, ws in zip(todo, dwords):
                key = item[:2]
                text, conf = _text_conf(ws)
                text = text.replace(" ", "")
                text, point = _without_trailing_mark(text)
                if point:
                    pointed.add(key)
                if digit_aspect and _too_few_digits(text, ink_spans[key], digit_aspect):
                    text = "?" + text  # 0 for the 50 whose digits touch: never a vote
                elif text.isdigit() and len(text) < marks[key]:
                    text = "?" + text
                attempts.setdefault(key, []).append((text, conf or 0.0))
                history.setdefault(key, []).append((stage, text))
                agreed = _agreed(attempts[key], opts.min_confidence, final=last)
                if agreed and agreed[1] < SURE and not last:
                    readings[key] = agreed  # agreed only barely: the readings left may confirm
                    again.append(item)      # it with confidence, or dispute it
                elif agreed:
                    readings[key] = agreed
                    settled[key] = stage
                else:
                    if keep_best:
                        best = max(attempts[key], key=lambda a: a[1])
                        readings[key] = (best[0], min(best[1], opts.min_confidence - 0.1)
                                         if _DIGITS_RE.fullmatch(best[0]) else best[1])
                    again.append(item)
            todo = again if n >= 1 else todo
        return todo

    unagreed = read_digits(numeric, "d", keep_best=True)
    # Two readings can drop the same digit: a 50 whose digits touch is read 0 at two sizes. A
    # number the page's own digits say is too narrow for its cell's ink is read again, where a
    # reading with too few digits is no vote (agreement as before, or left null)
    spans = {it[:2]: _ink_span(it[2], it[3]) for it in numeric}
    aspect = _digit_aspect([(readings[k][0], spans[k]) for k in spans if k in settled])
    narrow = [it for it in numeric
              if it[:2] in settled and _narrow_reading(readings[it[:2]][0], spans[it[:2]], aspect)]
    for it in narrow:
        del settled[it[:2]]
    unagreed += read_digits(narrow, "w", keep_best=True, digit_aspect=aspect or DIGIT_ASPECT)
    # the numbers no reading agreed on, read again without the solid blots on their ink (a
    # toner speck touching a 0 makes it no digit at all); only where a blot was there, and
    # with the same demand for agreement, so a clean cell's reading is never second-guessed
    blotted = []
    for t, bbox, bw, box in unagreed:
        clean = _drop_blobs(bw)
        if (clean != bw).any():
            blotted.append((t, bbox, clean, _ink_box(clean, speck) or box))
    read_digits(blotted, "b", digit_aspect=aspect)
    # and those still not agreed on with their faint strokes counted as ink (a 0 whose thin
    # sides broke into two marks), the same demand for agreement
    read_digits([it for it in unagreed if it[:2] not in settled], "k", bold=True, digit_aspect=aspect)
    # A number agreed on is read again, by the first two readings, as it would look otherwise:
    # - with a speck taken off beside it, as it was (a 26 with two specks before it read 126;
    #   a 0 with a seal's stroke across it and a dot beside it, not agreed on, read 4 without
    #   the dot);
    # - with a solid blot on its ink, without the blot (a blot on a 0's shoulder makes it a 6
    #   to every reading);
    # - with ink far beside it, its main run of glyphs alone (a seal's remnant at the cell's
    #   far end read as a fifth digit of 2776).
    # Where the two readings do not both say the agreed number, what was taken off or left on
    # decided it, and the number is doubtful. The readings without a blot or far ink are
    # readings of the cell too, offered where a rule can choose.
    variants: list[tuple[str, tuple]] = []  # (kind, item as read again)
    for t, bbox, bw, box in numeric:
        key = (t, bbox)
        if key not in settled:
            continue
        if key in specked:
            variants.append(("speck", specked[key]))
        if settled[key] != "b" and ((clean := _drop_blobs(bw)) != bw).any():
            # only a blot at the edge of the number's ink (its box shrinks without it): a 6
            # or an 8 whose loops closed up at 150 dpi has "blots" inside its own box
            if (clean_box := _ink_box(clean, speck)) and tuple(clean_box) != tuple(box):
                variants.append(("blot", (t, bbox, clean, clean_box)))
        if (alone := _main_run_only(bw)) is not None and (alone_box := _ink_box(alone, speck)):
            variants.append(("far", (t, bbox, alone, alone_box)))

    def first_two_readings(variants: list[tuple[str, tuple]], stem: str) -> dict[tuple, list[str]]:
        """What the first two readings say of each cell as it would look otherwise (`variants`:
        (kind, item), one of each kind a cell): (kind, cell) -> the two readings."""
        said: dict[tuple, list[str]] = {(kind, item[:2]): [] for kind, item in variants}
        items = [item for _, item in variants]
        for n, (lang, height) in enumerate(DIGIT_READINGS[:2]):
            for (kind, item), ws in zip(variants, digit_pass(items, lang, height, f"{stem}{n}")):
                said[(kind, item[:2])].append(_text_conf(ws)[0].replace(" ", ""))
        return said

    said = first_two_readings(variants, "s")
    decided: dict[tuple, tuple[str, list[str]]] = {}  # cell -> (what decided it, read so)
    for (kind, key), read in said.items():
        if key not in decided and any(_says_otherwise(readings[key][0], x) for x in read):
            decided[key] = (kind, read)
            if kind != "speck":
                history[key] += [(kind, x) for x in read]
    # The page's own digits, a check of their own on the cells of one digit: each such cell's
    # shape against the mean shape of the page's other digits agreed on (single cells, and the
    # digits of longer numbers whose marks stand apart). A digit its readings agreed on whose
    # shape is clearly like another digit of the page's, and nearer to it than to its own (or
    # the page has no other of its own), is doubtful: a 5 whose bowl broke, read 4 by every
    # reading. Kept only where an arithmetic rule confirms it; a shape never gives a value.
    glyphs, agreed_digits = {}, {}
    for t, bbox, bw, box in numeric:
        text = readings[(t, bbox)][0]
        if (t, bbox) not in settled or not _UNSIGNED_RE.fullmatch(text) or not box:
            continue
        # a one-digit cell whole, a longer number digit by digit where its marks stand apart
        # (a decimal's point is too small a mark to count: 7730.28 is six marks)
        digits = text.replace(".", "")
        if len(text) == 1:
            parts = [((t, bbox), box)]
        else:
            boxes = _digit_boxes(bw, box, len(digits)) if len(digits) <= 8 else None
            parts = [((t, bbox, i), b) for i, b in enumerate(boxes or ())]
        for (key, part_box), digit in zip(parts, digits):
            g = _glyph(bw, part_box, aspect or DIGIT_ASPECT)
            if g is not None:
                glyphs[key], agreed_digits[key] = g, digit
    votes = _shape_votes(glyphs, agreed_digits)  # computed once, judged three ways
    by_shape = _shape_doubts(glyphs, agreed_digits, all_votes=votes)
    borne_out = _shape_borne_out(glyphs, agreed_digits, all_votes=votes)
    # a digit the page has fewer than two others of its own to compare is judged by the
    # document's digits once every page is read (read_images)
    res.shapes = {key: (glyphs[key], agreed_digits[key]) for key in glyphs}
    res.unjudged = {key for key, mine in votes.items() if agreed_digits[key] not in mine}
    # the page's numbers are printed alike: one whose ink is clearly shorter than the numbers
    # agreed on (under three quarters of their median height) lost strokes to a stain or to
    # binarisation (a faint 2 without its foot, read 9 by two readings)
    heights = sorted(box[3] - box[1] for t, bbox, bw, box in numeric if (t, bbox) in settled and box)
    usual = heights[len(heights) // 2] if heights else 0
    # the numbers no readings agreed on, read once more by their shape against the page's
    # digits (as they are, and without solid blots, each a reading): readings for the rules
    # to choose from (parsers.parse), never a value by themselves
    means, tall = _digit_means(glyphs, agreed_digits), round(0.75 * usual)
    without_blots = {item[:2]: item[2] for item in blotted}  # every unagreed cell with a blot
    for t, bbox, bw, box in numeric:
        if (t, bbox) in settled or not means or not usual:
            continue
        shapes = {_read_by_shape(bw, box, aspect or DIGIT_ASPECT, means, tall)}
        if (clean := without_blots.get((t, bbox))) is not None:
            shapes.add(_read_by_shape(clean, _ink_box(clean, speck), aspect or DIGIT_ASPECT, means, tall))
        history.setdefault((t, bbox), []).extend(("shape", d) for d in sorted(shapes - {None}))
    # a number agreed on beside which seal ink was taken out, its shape not borne out by the
    # page's digits, is read again with the seal's ink beside it counted as print and with its
    # own ink beside the seal's taken out: where the first two readings of both say the agreed
    # number, neither a stroke gone with the seal nor a remnant of it decided the number
    seal_taken = {(t, bbox): _sealed_inside(page.sealed, origins.get((t, bbox)), bw, box)
                  for t, bbox, bw, box in numeric}  # px of seal ink taken out beside each number
    beside_seal: list[tuple[str, tuple]] = []
    for t, bbox, bw, box in numeric:
        key = (t, bbox)
        if (key in settled and key not in by_shape and key not in borne_out
                and _DIGITS_RE.fullmatch(readings[key][0]) and seal_taken[key] >= SEAL_TOUCH
                and (two := _beside_the_seal(page.sealed, origins.get(key), bw)) is not None):
            beside_seal += [(kind, (t, bbox, v, vb)) for kind, v in zip(("back", "gone"), two)
                            if (vb := _ink_box(v, speck))]
    seal_said = first_two_readings(beside_seal, "u")

    def digits(read: list[str]) -> list[str]:
        return [x for x in read if any(ch.isdigit() for ch in x)]

    # both ways read (a reading without digits is no vote), and every vote the agreed number
    seal_cleared = {key for kind, key in seal_said
                    if kind == "back" and (back := digits(seal_said[kind, key]))
                    and (gone := digits(seal_said.get(("gone", key), [])))
                    and all(x == readings[key][0] for x in back + gone)}
    unread: set[tuple] = set()
    doubtful: dict[tuple, str] = {}  # read, but kept only where a rule confirms it (parsers.parse)

    def leave_null(key: tuple, conf, why: str) -> None:
        """A cell whose number was not read: null, counted, and named in a warning."""
        unread.add(key)
        texts[key] = ("", conf)
        res.unread += 1
        res.warnings.append(f"page {page_no}: table cell at ({key[1][0]},{key[1][1]}) {why}")

    for t, bbox, bw, box in numeric:
        key = (t, bbox)
        label_text, label_conf = texts[key]
        text, conf = readings[key]
        x0, y0, x1, y1 = box
        dash = (x1 - x0) > 2.5 * (y1 - y0) and (y1 - y0) <= dash_height  # one thin stroke
        if dash and (label_text in _DASHES or not any(ch.isdigit() for ch in label_text)):
            texts[key] = ("—", label_conf)  # a printed dash (not applicable)
            continue
        if _DIGITS_RE.fullmatch(text) and (conf or 0) >= opts.min_confidence:
            sign = _SIGN_WORD.match(label_text)
            if sign and text[0] not in "+-":
                if sign.group(1) in "增减":
                    texts[key] = (sign.group(1) + text, conf)  # 增5 / 减5: the sign is a word
                    continue
                text, conf = f"sign {sign.group(1)!r} not confirmed: {text}", 0.0
            else:
                texts[key] = (text, conf)
                if key in by_shape:
                    doubtful[key] = by_shape[key]
                # a stroke printed under the seal goes with the seal's ink where JPEG smeared
                # the ink's red over it (a 5 whose upright went read 3 by every reading, its
                # digits touching, so never judged by shape): such a number stands only where
                # the page's own digits bear out every digit of it, or a rule confirms it
                elif (key not in borne_out and key not in seal_cleared
                        and seal_taken[key] >= SEAL_TOUCH):
                    doubtful[key] = (f"seal ink was taken out beside its strokes ({seal_taken[key]} px) "
                                     "and the page's own digits do not bear out its shape: strokes printed "
                                     "under the seal may have gone with it")
                elif usual and (y1 - y0) < 0.75 * usual:
                    doubtful[key] = (f"its ink is {y1 - y0} px high where the page's numbers are "
                                     f"{usual} (strokes lost to a stain or a faint print)")
                elif (conf or 0) < SURE:
                    doubtful[key] = f"its readings agreed only barely (confidence {conf:.0f} < {SURE:.0f})"
                elif why := _dissent(text, history.get(key, []), settled.get(key, "d")):
                    doubtful[key] = why
                elif key in pointed:
                    doubtful[key] = "a reading of it ended in a point or a sign (a speck, or a decimal lost)"
                elif (among := _marks_among_digits(bw)) > text.count("."):
                    # every small mark among the digits is a point read, or in doubt: a 2 whose
                    # foot broke off, a speck joined to its top, was a 3 to five readings of
                    # 7730.28 (its point read, the foot a second small mark)
                    doubtful[key] = (f"{among} small mark(s) among its digits, "
                                     f"{text.count('.') or 'no'} point(s) read (a speck, or a "
                                     "piece of a broken digit)")
                elif settled.get(key) == "b" and not any(
                        st == "d" and x == text for st, x in history.get(key, [])):
                    # taking a blot off takes the stroke under it too: a slashed 0 with a blot
                    # on its foot is a 9 without it, to every reading, and none read it so before
                    doubtful[key] = "agreed on only once a solid blot was taken off its ink"
                elif key in decided:
                    kind, read = decided[key]
                    way = "as it was" if kind == "speck" else "without it"
                    doubtful[key] = (f"{DECIDED_BY[kind]} decided it (read {way}: "
                                     f"{', '.join(read) or 'nothing'})")
                continue
        if _label_like(label_text):
            continue  # a short label after all (规章, 其他): keep the Chinese reading
        leave_null(key, conf, f"not read with confidence (digits {text!r}, confidence "
                              f"{conf if conf is not None else 0:.0f} < {opts.min_confidence:.0f}): "
                              "left null, nothing guessed")

    # a row's values follow its labels: a cell right of a number in its row is a value too
    for key in _words_after_numbers(layouts, {k: v[0] for k, v in texts.items()}):
        leave_null(key, texts[key][1], f"after a number in its row read as {texts[key][0]!r}: not "
                   "a number read with confidence, left null, nothing guessed")

    # a cell read as words with numbers (read or not) below it and above it or left of it, and
    # a number right of it in its row, is a value a seal or a stain made words of (the row is
    # one value short without it)
    for key in _words_among_numbers(layouts, {k: v[0] for k, v in texts.items()}, unread):
        if key not in unread:
            leave_null(key, texts[key][1], f"among numbers in its column and row, read as "
                       f"{texts[key][0]!r}: a number not read, left null, nothing guessed")

    # and a column's values follow its numbers: below a number read in a column of a table, a
    # cell of that same column read as neither a number nor words (/让、 where a seal's ink
    # crossed a digit) is a number not read, not a label (a block's head below is words)
    for key in _marks_below_numbers(layouts, {k: v[0] for k, v in texts.items()}, unread):
        text, conf = texts[key]
        leave_null(key, conf, f"below a number in its column read as {text!r}: not a number read "
                              "with confidence, left null, nothing guessed")

    # the grids, with merged cells copied to the positions they span
    later = {key[:2] for key in res.unjudged} - unread - set(doubtful) - marked
    for t, rows in enumerate(layouts):
        grid: list[list[Cell]] = []
        seen_at: set[tuple] = set()
        for r, row in enumerate(rows):
            out = []
            for c, bbox in enumerate(row):
                if (t, bbox) in later:
                    res.places.setdefault((t, bbox), ([], _candidates(history.get((t, bbox), ()))))[0] \
                        .append((t, r, c))
                text, conf = texts.get((t, bbox), ("", None))
                copy = bbox in seen_at
                seen_at.add(bbox)
                if (t, bbox) in unread:
                    conf = conf or 0.0
                elif conf is None:
                    conf = 100.0  # no ink in the cell: a blank, not a reading
                out.append(Cell(text, copy=copy, page=page_no, confidence=conf,
                                unread=(t, bbox) in unread, doubtful=doubtful.get((t, bbox)),
                                candidates=_candidates(history.get((t, bbox), ()))
                                if ((t, bbox) in unread or (t, bbox) in doubtful)
                                and (t, bbox) not in marked else ()))
                res.cells += 0 if copy else 1
            grid.append(out)
        res.grids.append(grid)

    # the prose: the page with its tables whitened, read as a page
    prose = page.text.copy()
    for table in tables:
        b = table.bbox
        prose[max(0, b.y1 - inset):b.y2 + inset, max(0, b.x1 - inset):b.x2 + inset] = 255
    p = tmp / "page.png"
    cv2.imwrite(str(p), prose)
    (pwords,) = _tesseract(opts, [p], tmp, "prose", ["-l", "chi_sim", "--psm", "3"], deadline)
    lines: dict[tuple, list[dict]] = {}
    for w in pwords:
        if w["text"].strip():
            lines.setdefault((w["block"], w["par"], w["line"]), []).append(w)
    items = [(min(w["top"] for w in ws), clean_cell_text(" ".join(w["text"] for w in ws)))
             for ws in lines.values()]
    for t, table in enumerate(tables):
        rows = res.grids[t]
        items.append((table.bbox.y1, "\n".join(
            "\t".join(c.text for i, c in enumerate(r) if not c.copy) for r in rows)))
    items.sort(key=lambda it: it[0])
    res.text = "\n".join(text for _, text in items if text)


# ------------------------------------------------------------------------------ documents

def _judge_by_document(pages: list[PageResult]) -> None:
    """The digits a page had too few others of its own to judge (a page of table 二 prints few
    numbers), judged by the same rules against the whole document's digits: a report prints
    every page in one type. A 5 of 550 whose upright a speck turned into a 3's curve was read 530
    by every reading, 0.70 like its page's 5s, the page printing no other 3; the document's 3s
    say whether it is one. The cell is then doubtful, kept only where a rule confirms it."""
    glyphs, agreed, judge = {}, {}, set()
    for i, pr in enumerate(pages):
        for (t, *rest), (g, digit) in pr.shapes.items():
            key = ((i, t), *rest)
            glyphs[key], agreed[key] = g, digit
            if (t, *rest) in pr.unjudged and (t, rest[0]) in pr.places:
                judge.add(key)
    if not judge:
        return
    for ((i, t), bbox), why in _shape_doubts(glyphs, agreed, judge, "document").items():
        places, candidates = pages[i].places[(t, bbox)]
        for g, r, c in places:
            row = pages[i].grids[g][r]
            row[c] = dataclasses.replace(row[c], doubtful=why, candidates=candidates)


def read_images(images: list, *, name: str, opts: OcrOptions, kind: str = "image") -> Document:
    """OCR page images (RGB arrays, in page order) into one Document (scanned=True)."""
    why = unavailable(opts)
    if why:
        return Document(kind=kind, text="", pages=len(images), scanned=True, warnings=[why])
    started = time.monotonic()
    deadline = started + opts.doc_timeout
    jobs = max(1, min(opts.jobs, len(images)))

    def one(i):
        if time.monotonic() >= deadline:
            return PageResult(warnings=[f"page {i + 1}: not read, the document's OCR time limit "
                                        f"({opts.doc_timeout:.0f} s) was reached"])
        return read_page(images[i], i + 1, opts, deadline)

    if jobs > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            pages = list(pool.map(one, range(len(images))))
    else:
        pages = [one(i) for i in range(len(images))]
    _judge_by_document(pages)
    grids: list[Grid] = []
    warnings: list[str] = []
    for i, pr in enumerate(pages, 1):
        warnings.extend(pr.warnings)
        for rows in pr.grids:
            grids.append(Grid(rows, index=len(grids), page=i))
    doc = Document(kind=kind, text="\n".join(p.text for p in pages).strip(), grids=grids,
                   pages=len(images), warnings=warnings, scanned=True)
    doc.ocr = {
        "engine": engine(opts), "pages": len(images),
        "seconds": round(time.monotonic() - started, 2),
        "page_seconds": [round(p.seconds, 2) for p in pages],
        "cells": sum(p.cells for p in pages), "unread_cells": sum(p.unread for p in pages),
        "min_confidence": opts.min_confidence, "dpi": opts.dpi,
        "method": METHOD,
    }
    return doc


METHOD = ("OCR (Tesseract, chi_sim): table cells from the image's ruling lines (img2table), each cell "
          "read on its own; numbers by a digits-only pass (upscaled, whitelisted 0-9, '.' and signs, two sizes agreeing); a number "
          "read below the confidence threshold is left null with a warning")


def page_images_of_pdf(data: bytes, opts: OcrOptions, max_pages: int = 200) -> list:
    return rasterise_pdf(data, opts.dpi, max_pages)


def garbage_text_layer(doc: Document, data: bytes) -> bool:
    """A PDF whose pages are images and whose text layer is not the report's text (an OCR layer
    of junk, or hidden characters): no table found and hardly any Chinese."""
    if doc.kind != "pdf" or doc.scanned:
        return False
    text = re.sub(r"\s+", "", doc.text)
    if not text:
        return False
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if cjk / len(text) >= 0.3 or (doc.grids and cjk >= 50):
        return False
    return _pages_are_images(data)


def _pages_are_images(data: bytes) -> bool:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(data)
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                w, h = page.get_size()
                covered = 0.0
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
                    l, b, r, t = obj.get_bounds()
                    covered = max(covered, (r - l) * (t - b) / max(1.0, w * h))
                if covered < 0.5:
                    return False
            finally:
                page.close()
        return len(pdf) > 0
    finally:
        pdf.close()
