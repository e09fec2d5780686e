"""PDF reader: bytes of a PDF -> `Document` (plain text + tables as `Grid`s).

How it works
------------
* The file is validated first (``%PDF-`` header, size and page limits), its compressed streams
  are checked against the inflation limits (``pdf_streams.check_streams``) and it is opened with
  pypdfium2, whose error codes tell a truncated/corrupt file from an encrypted one. Everything is
  then read from pdfium: the characters of each page with their boxes (``FPDFText_*``) and its
  path objects with their segments, colours and draw modes (``FPDFPath_*``, ``FPDFPageObj_*``),
  form XObjects included. Coordinates are turned into the displayed page's (``/Rotate``
  applied), origin top left.
* Text: characters are grouped into lines (tops within 3 pt) and words (gaps over 3 pt or
  blank characters), as pdfplumber's ``extract_text`` did; overprinted (fake bold) glyphs are
  dropped. Text printed sideways on the displayed page is grouped as horizontal text (one
  character a line), where pdfplumber read it in its own direction.
* Ruled tables: the horizontal and vertical segments of the *visible* drawing are the ruling
  edges (a rectangle gives its four sides). Many WPS/Office exports paint an invisible white
  rectangle behind every line of prose; their edges would otherwise turn paragraphs into
  one-column "tables" or glue them onto the table below. Edges are snapped (within 3 pt) and
  joined (gaps up to 3 pt), those shorter than 3 pt dropped; their crossings make the cell
  corners, each corner's smallest rectangle whose four sides are ruled is a cell, cells sharing
  corners make a table (the ``lines`` strategy of pdfplumber, whose results this reproduces). A
  table found on the visible rules is then "closed": its outer frame (bbox and the extent of
  its own vertical rules) is added as explicit edges and the page is searched again, so a row
  cut by a page break (no bottom rule) or a cell whose top rule is missing at the top of a page
  is still a cell.
* Merged cells: grid positions covered by a spanning cell are resolved, through the table's
  cell bboxes, to the cell covering it and get a copy of its text with ``copy=True``.
* Cell text: each character goes to the cell holding its centre; the lines of a cell are
  joined without a space when either side is CJK / full-width
  (``本年新收政府信息公开申请\\n数量`` -> ``本年新收政府信息公开申请数量``), spaces that PDF
  justification puts between CJK characters (``结 果``) are removed, ASCII words keep one space.
* Unruled tables: on text outside ruled tables, runs of lines made of several widely
  separated segments with numbers are clustered into columns (``_unruled_tables``).
* Tables split across pages stay separate grids in page order; rows that are only a page
  footer (``- 3 -``, ``— 4 —``, ``第 3 页``) are dropped from grids.
* A PDF without a text layer (scan / 图片版) is not an error: ``scanned=True`` and a
  warning.

Limits (``limits=`` dict, `PdfLimits` or any object with these attributes, e.g.
`parsers.parse.Limits`): ``max_bytes`` (50 MB), ``max_pages`` (200), ``max_cells``
(200 000 grid cells in all),
``max_seconds`` (120, checked between pages), ``max_page_objects`` (200 000 page objects
(forms' contents included) + characters on one page: the page is skipped with a warning),
``max_page_edges`` (20 000 ruling edges) and ``max_page_crossings`` (5 000 = horizontal x
vertical merged rules; the corner search is quadratic in them): beyond either, the ruled-table
search is skipped on that page with a warning (the unruled fallback still runs). ``max_stream``
(64 MiB) and ``max_inflated`` (1 GiB): the most one compressed stream, and all of them, may
inflate to (parsers/readers/pdf_streams.py); beyond either the document is refused as a
decompression bomb before pdfium inflates anything.
"""
from __future__ import annotations

import ctypes
import logging
import re
import time
from bisect import bisect_right
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.document import Cell, Document, Grid, UnreadableDocument
from parsers.readers import pdf_streams
from parsers.readers.cells import clean_cell_text, is_wide

log = logging.getLogger(__name__)

SCANNED_WARNING = "no text layer (scanned or image-only PDF): needs OCR"


@dataclass(frozen=True)
class PdfLimits:
    max_pages: int = 200
    max_bytes: int = 50 * 1024 * 1024
    max_seconds: float = 120.0
    max_page_objects: int = 200_000
    max_page_edges: int = 20_000
    max_page_crossings: int = 5_000
    max_cells: int = 200_000
    max_stream: int = pdf_streams.MAX_STREAM      # bytes one decoded stream may inflate to
    max_inflated: int = pdf_streams.MAX_TOTAL     # bytes all decoded streams may inflate to


def _limits(limits: Any) -> PdfLimits:
    if limits is None:
        return PdfLimits()
    if isinstance(limits, PdfLimits):
        return limits
    names = {f.name for f in fields(PdfLimits)}
    if isinstance(limits, Mapping):
        given = {k: v for k, v in limits.items() if k in names and v is not None}
    else:  # any object with matching attributes (another reader's limits dataclass)
        given = {n: getattr(limits, n) for n in names if getattr(limits, n, None) is not None}
    return replace(PdfLimits(), **given)


# --------------------------------------------------------------------------- text helpers
# (cell text joining is shared with the HTML and DOCX readers: parsers/readers/cells.py)

_DASHES = "-—–－―~～_"
_FOOTER_RES = [
    re.compile(rf"^[{_DASHES}]+\s*\d{{1,4}}\s*[{_DASHES}]+$"),  # - 3 -, — 4 —
    re.compile(r"^(共\s*\d{1,4}\s*页[，,\s]*)?第\s*\d{1,4}\s*页([，,\s]*共\s*\d{1,4}\s*页)?$"),
    re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$"),  # 3 / 12
    re.compile(r"^(page|p\.)\s*\d{1,4}(\s*of\s*\d{1,4})?$", re.I),
]


def is_page_footer(text: str) -> bool:
    t = text.strip()
    return bool(t) and len(t) <= 24 and any(r.match(t) for r in _FOOTER_RES)


def _is_footer_row(row: list[Cell]) -> bool:
    texts = {c.text.strip() for c in row if c.text.strip()}
    if not texts:
        return False
    return is_page_footer(" ".join(sorted(texts)))


# ------------------------------------------------------------------------ text from chars
# Characters are dicts {"text", "x0", "x1", "top", "bottom"} in displayed-page coordinates
# (origin top left). Lines and words as pdfplumber's extract_text / extract_words made them.

def _clusters(objs: list[dict], key: str, tol: float) -> list[list[dict]]:
    """Objects grouped by `key`: distinct values sorted and chained while each is within `tol`
    of the previous one; groups in value order, objects in their given order within a group."""
    index: dict[float, int] = {}
    k, last = -1, None
    for v in sorted({o[key] for o in objs}):
        if last is None or v > last + tol:
            k += 1
        index[v] = k
        last = v
    groups: list[list[dict]] = [[] for _ in range(k + 1)]
    for o in objs:
        groups[index[o[key]]].append(o)
    return groups


def _word(chars: list[dict]) -> dict:
    return {"text": "".join(c["text"] for c in chars),
            "x0": min(c["x0"] for c in chars), "x1": max(c["x1"] for c in chars),
            "top": min(c["top"] for c in chars), "bottom": max(c["bottom"] for c in chars)}


def _words(chars: list[dict], x_tol: float = 3.0, y_tol: float = 3.0) -> list[dict]:
    """Words: chars of a line (tops within `y_tol`) left to right, split at blank characters
    and at gaps wider than `x_tol`."""
    words: list[dict] = []
    for line in _clusters(chars, "top", y_tol):
        line.sort(key=lambda c: c["x0"])
        cur: list[dict] = []
        for c in line:
            if c["text"].isspace():
                if cur:
                    words.append(_word(cur))
                    cur = []
                continue
            if cur:
                p = cur[-1]
                if c["x0"] < p["x0"] or c["x0"] > p["x1"] + x_tol or abs(c["top"] - p["top"]) > y_tol:
                    words.append(_word(cur))
                    cur = []
            cur.append(c)
        if cur:
            words.append(_word(cur))
    return words


def _chars_to_text(chars: list[dict], x_tol: float = 3.0, y_tol: float = 3.0) -> str:
    """Lines of words (tops within `y_tol`) top to bottom, words joined by one space."""
    if not chars:
        return ""
    words = _words(chars, x_tol, y_tol)
    return "\n".join(" ".join(w["text"] for w in line) for line in _clusters(words, "top", y_tol))


def _dedupe(chars: list[dict]) -> list[dict]:
    """Drop overprinted (fake bold) glyphs: the same character within 1 pt of one kept before."""
    seen: dict[tuple, list[dict]] = {}
    out = []
    for c in chars:
        x, y = c["x0"], c["top"]
        kx, ky = int(x // 1), int(y // 1)
        dup = False
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for o in seen.get((c["text"], kx + dx, ky + dy), ()):
                    if abs(o["x0"] - x) <= 1 and abs(o["top"] - y) <= 1:
                        dup = True
                        break
        if not dup:
            seen.setdefault((c["text"], kx, ky), []).append(c)
            out.append(c)
    return out


# ------------------------------------------------------------------------- pdfium access

def _frame(page: "pdfium.PdfPage"):
    """(rect, point): PDF user space -> displayed page, origin top left, /Rotate applied
    (as pdfminer's interpreter turned the page)."""
    left, bottom, right, top = page.get_mediabox()
    rot = page.get_rotation() % 360
    if rot == 90:
        return (lambda x0, y0, x1, y1: (y0 - bottom, x0 - left, y1 - bottom, x1 - left),
                lambda x, y: (y - bottom, x - left))
    if rot == 180:
        return (lambda x0, y0, x1, y1: (right - x1, y0 - bottom, right - x0, y1 - bottom),
                lambda x, y: (right - x, y - bottom))
    if rot == 270:
        return (lambda x0, y0, x1, y1: (top - y1, right - x1, top - y0, right - x0),
                lambda x, y: (top - y, right - x))
    return (lambda x0, y0, x1, y1: (x0 - left, top - y1, x1 - left, top - y0),
            lambda x, y: (x - left, top - y))


def _page_chars(textpage: Any, rect_xf) -> tuple[list[dict], int]:
    """The page's characters (pdfium's generated spaces and line breaks left out) with boxes
    as pdfminer made them: across, the glyph's advance (pdfium's loose box); up and down, from
    the font's descent to one font size above it. A glyph whose loose box is out of proportion
    to its size (vertical writing mode: pdfium places it wrongly) gets pdfminer's box for
    vertical writing, one font size square around its origin.
    Also returns how many glyphs have no Unicode."""
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    get_unicode = pdfium_c.FPDFText_GetUnicode
    get_loose = pdfium_c.FPDFText_GetLooseCharBox
    get_matrix = pdfium_c.FPDFText_GetMatrix
    get_size = pdfium_c.FPDFText_GetFontSize
    is_generated = pdfium_c.FPDFText_IsGenerated
    box = pdfium_c.FS_RECTF()
    pbox = ctypes.byref(box)
    m = pdfium_c.FS_MATRIX()
    pm = ctypes.byref(m)
    chars: list[dict] = []
    undecodable = 0
    for i in range(n):
        u = get_unicode(raw, i)
        if u <= 0x20 or u in (0xA0, 0x3000, 0xFFFE, 0xFFFF, 0xFFFD):
            if u in (0, 0xFFFD, 0xFFFE, 0xFFFF):
                undecodable += 1
                continue
            if is_generated(raw, i):
                continue
            if u < 0x20 and u not in (9, 10, 13):
                continue
        try:
            ch = chr(u)
        except ValueError:
            undecodable += 1
            continue
        if not get_loose(raw, i, pbox):
            continue
        x0, y0, x1, y1 = box.left, box.bottom, box.right, box.top
        if get_matrix(raw, i, pm) and abs(m.b) < 1e-6 and abs(m.c) < 1e-6 and m.d > 0:
            size = get_size(raw, i) * m.d
            if x1 - x0 > 2 * size + 2 or y1 - y0 > 3 * size + 2:
                # vertical writing: pdfminer's box around the origin (default DW2 880 -1000)
                x0, x1 = m.e - size / 2, m.e + size / 2
                y0, y1 = m.f - 0.88 * size, m.f + 0.12 * size
            elif size > 0:
                y1 = y0 + size
        x0, top, x1, bottom = rect_xf(x0, y0, x1, y1)
        chars.append({"text": ch, "x0": x0, "x1": x1, "top": top, "bottom": bottom})
    return chars, undecodable


_PATH = pdfium_c.FPDF_PAGEOBJ_PATH
_FORM = pdfium_c.FPDF_PAGEOBJ_FORM
_IMAGE = pdfium_c.FPDF_PAGEOBJ_IMAGE
_TEXT = pdfium_c.FPDF_PAGEOBJ_TEXT
_MOVETO = pdfium_c.FPDF_SEGMENT_MOVETO
_LINETO = pdfium_c.FPDF_SEGMENT_LINETO
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: tuple, n: tuple) -> tuple:
    """Matrix m then n (PDF row-vector convention: p' = p . m . n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _page_objects(page_raw: Any) -> tuple[int, int, list[tuple[Any, tuple]]]:
    """(objects, images, [(path object, matrix of its form or None)]) of a page, the contents
    of form XObjects included."""
    n_objs = n_images = 0
    paths: list[tuple[Any, tuple | None]] = []
    get_type = pdfium_c.FPDFPageObj_GetType
    stack: list[tuple[Any, int, tuple | None]] = [(page_raw, -1, None)]
    while stack:
        holder, kind, outer = stack.pop()
        if kind < 0:
            count = pdfium_c.FPDFPage_CountObjects(holder)
            get = pdfium_c.FPDFPage_GetObject
        else:
            count = pdfium_c.FPDFFormObj_CountObjects(holder)
            get = pdfium_c.FPDFFormObj_GetObject
        for i in range(max(count, 0)):
            obj = get(holder, i)
            t = get_type(obj)
            if t == _FORM:
                m = _matrix(obj)
                stack.append((obj, 0, m if outer is None else _times(m, outer)))
                continue
            n_objs += 1
            if t == _PATH:
                paths.append((obj, outer))
            elif t == _IMAGE:
                n_images += 1
    return n_objs, n_images, paths


def _matrix(obj: Any) -> tuple:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _painted(obj: Any) -> bool:
    """Whether the path draws something visible on white paper: stroked or filled in a colour
    that is not (nearly) white nor transparent."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
        return True
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    refs = (ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a))
    for on, get in ((stroke.value, pdfium_c.FPDFPageObj_GetStrokeColor),
                    (fill.value, pdfium_c.FPDFPageObj_GetFillColor)):
        if on and get(obj, *refs) and a.value > 0 and min(r.value, g.value, b.value) < 242.25:
            return True
    return False


_FLAT = 0.01  # a segment this close to horizontal / vertical (pt) is a rule


def _ruling_edges(paths: list[tuple[Any, tuple | None]], point_xf) -> tuple[list[tuple], list[tuple]]:
    """Horizontal (top, x0, x1) and vertical (x, top, bottom) segments of the visible paths.

    A path of one straight segment (a line) always counts, as pdfplumber's lines did; any other
    path (rectangles, polylines: every side is a segment) only when it is painted in a visible
    colour, which leaves out the invisible white rectangles behind prose."""
    hs: list[tuple] = []
    vs: list[tuple] = []
    x_, y_ = ctypes.c_float(), ctypes.c_float()
    px, py = ctypes.byref(x_), ctypes.byref(y_)
    count = pdfium_c.FPDFPath_CountSegments
    get_seg = pdfium_c.FPDFPath_GetPathSegment
    get_point = pdfium_c.FPDFPathSegment_GetPoint
    get_stype = pdfium_c.FPDFPathSegment_GetType
    get_close = pdfium_c.FPDFPathSegment_GetClose
    for obj, outer in paths:
        n = count(obj)
        if n < 2:
            continue
        m = _matrix(obj)
        if outer is not None:
            m = _times(m, outer)
        a, b, c, d, e, f = m
        segs = []
        for i in range(n):
            seg = get_seg(obj, i)
            if not get_point(seg, px, py):
                continue
            x, y = x_.value, y_.value
            segs.append((get_stype(seg), get_close(seg), point_xf(a * x + c * y + e, b * x + d * y + f)))
        is_line = len(segs) == 2 and segs[0][0] == _MOVETO and segs[1][0] == _LINETO and not segs[1][1]
        if not is_line and not _painted(obj):
            continue
        start = prev = None
        for kind, close, p in segs:
            if kind == _MOVETO or prev is None:
                start = prev = p
                continue
            if kind == _LINETO:
                _add_edge(prev, p, hs, vs)
            prev = p
            if close and start is not None:
                _add_edge(prev, start, hs, vs)
                prev = start
    return hs, vs


def _add_edge(p: tuple, q: tuple, hs: list, vs: list) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) <= _FLAT:
        if x0 != x1:
            hs.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x0 - x1) <= _FLAT:
        vs.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))


# ------------------------------------------------------------------------- ruled tables
# Edges are (position, start, end): horizontal (top, x0, x1), vertical (x, top, bottom).

_SNAP = _JOIN = _CROSS = 3.0  # pt: pdfplumber's snap, join and intersection tolerances
_MIN_EDGE = 3.0               # merged rules shorter than this are no rules


def _merge(edges: list[tuple]) -> list[tuple]:
    """Snap edges within _SNAP of one another (chained) to their mean position, join those on
    one line whose gap is at most _JOIN, drop the results shorter than _MIN_EDGE."""
    if not edges:
        return []
    edges = sorted(edges)
    groups: list[list[tuple]] = [[edges[0]]]
    for prev, e in zip(edges, edges[1:]):
        if e[0] <= prev[0] + _SNAP:
            groups[-1].append(e)
        else:
            groups.append([e])
    out: list[tuple] = []
    for g in groups:
        pos = sum(e[0] for e in g) / len(g)
        g.sort(key=lambda e: e[1])
        lo, hi = g[0][1], g[0][2]
        for e in g[1:]:
            if e[1] <= hi + _JOIN:
                hi = max(hi, e[2])
            else:
                out.append((pos, lo, hi))
                lo, hi = e[1], e[2]
        out.append((pos, lo, hi))
    return [e for e in out if e[2] - e[1] >= _MIN_EDGE]


def _cells(hs: list[tuple], vs: list[tuple]) -> list[tuple]:
    """Cell bboxes (x0, top, x1, bottom): for each crossing of a vertical and a horizontal rule,
    the smallest rectangle to a crossing below and one to the right whose four sides are ruled
    (sides "ruled" = the two corners share a rule)."""
    inter: dict[tuple, tuple[set, set]] = {}
    for vi, (x, top, bottom) in enumerate(sorted(vs)):
        for hi, (y, x0, x1) in enumerate(sorted(hs)):
            if top <= y + _CROSS and bottom >= y - _CROSS and x0 - _CROSS <= x <= x1 + _CROSS:
                sets = inter.get((x, y))
                if sets is None:
                    sets = inter[(x, y)] = (set(), set())
                sets[0].add(vi)
                sets[1].add(hi)
    points = sorted(inter)
    col: dict[float, list[float]] = {}
    row: dict[float, list[float]] = {}
    for x, y in points:
        col.setdefault(x, []).append(y)
        row.setdefault(y, []).append(x)
    cells = []
    for x, y in points:
        v_here, h_here = inter[(x, y)]
        found = None
        for by in col[x]:
            if by <= y or not (v_here & inter[(x, by)][0]):
                continue
            h_below = inter[(x, by)][1]
            for rx in row[y]:
                if rx <= x or not (h_here & inter[(rx, y)][1]):
                    continue
                corner = inter.get((rx, by))
                if corner is not None and corner[0] & inter[(rx, y)][0] and corner[1] & h_below:
                    found = (x, y, rx, by)
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


class _Table:
    __slots__ = ("cells", "bbox")

    def __init__(self, cells: list[tuple]) -> None:
        self.cells = cells
        self.bbox = (min(c[0] for c in cells), min(c[1] for c in cells),
                     max(c[2] for c in cells), max(c[3] for c in cells))


def _tables(cells: list[tuple]) -> list[_Table]:
    """Cells sharing corners, grouped as pdfplumber's cells_to_tables (same order), tables of
    one cell left out, top to bottom then left to right."""
    remaining = list(cells)
    corners: set = set()
    current: list[tuple] = []
    groups = []
    while remaining:
        before = len(current)
        for cell in list(remaining):
            x0, top, x1, bottom = cell
            cc = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or any(c in corners for c in cc):
                corners.update(cc)
                current.append(cell)
                remaining.remove(cell)
        if len(current) == before:
            groups.append(current)
            corners = set()
            current = []
    if current:
        groups.append(current)
    groups.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [_Table(g) for g in groups if len(g) > 1]


def _find_ruled(hs_raw: list[tuple], vs_raw: list[tuple], lim: PdfLimits, page_no: int,
                warnings: list[str]) -> list[_Table]:
    n_edges = len(hs_raw) + len(vs_raw)
    if n_edges > lim.max_page_edges:
        warnings.append(f"page {page_no}: {n_edges} ruling edges exceeds max_page_edges="
                        f"{lim.max_page_edges}; ruled-table search skipped")
        return []
    hs = [e for e in hs_raw if e[2] - e[1] >= 1]
    vs = [e for e in vs_raw if e[2] - e[1] >= 1]
    mh, mv = _merge(hs), _merge(vs)
    if len(mh) * len(mv) > lim.max_page_crossings:
        warnings.append(f"page {page_no}: {len(mh)} x {len(mv)} rules exceeds "
                        f"max_page_crossings={lim.max_page_crossings}; ruled-table search skipped")
        return []
    tables = _tables(_cells(mh, mv))
    if not tables:
        return []
    # close each table: its outer frame, stretched to the extent of its own vertical rules
    for t in tables:
        x0, top, x1, bottom = t.bbox
        own = [e for e in vs_raw if x0 - 2 <= e[0] <= x1 + 2 and e[2] > top + 1 and e[1] < bottom - 1]
        if own:
            top = min(top, min(e[1] for e in own))
            bottom = max(bottom, max(e[2] for e in own))
        hs += [(top, x0, x1), (bottom, x0, x1)]
        vs += [(x0, top, bottom), (x1, top, bottom)]
    return _tables(_cells(_merge(hs), _merge(vs)))


def _text_of(chars: list[dict]) -> str:
    return clean_cell_text(_chars_to_text(chars)) if chars else ""


def _table_rows(table: _Table, chars: list[dict], page_no: int) -> list[list[Cell]]:
    """Rows of a ruled table with merged positions resolved to copies.

    Grid positions are the table's distinct cell lefts x tops. A position without a cell of its own is covered by a spanning cell:
    found through the cell bboxes (first trying the owner of the position above, for a
    vertical merge, then of the one to the left, for a horizontal one) and copied with
    ``copy=True``. Each char goes to the position holding its centre, so the work is
    linear in chars and positions.
    """
    cells = list(table.cells)
    x0s = sorted({c[0] for c in cells})
    tops = sorted({c[1] for c in cells})
    right = max(c[2] for c in cells)
    bottom = max(c[3] for c in cells)
    origin = {(c[1], c[0]): c for c in cells}
    cell_set = set(cells)
    nr, nc = len(tops), len(x0s)

    def pos_bbox(i: int, j: int) -> tuple:
        return (x0s[j], tops[i], x0s[j + 1] if j + 1 < nc else right,
                tops[i + 1] if i + 1 < nr else bottom)

    def covers(c: tuple, x: float, y: float) -> bool:
        return c[0] <= x <= c[2] and c[1] <= y <= c[3]

    # owner[i][j]: (bbox of the cell holding position i,j, is_copy); a hole owns itself
    owner: list[list[tuple[tuple, bool]]] = []
    for i, top in enumerate(tops):
        row_owner: list[tuple[tuple, bool]] = []
        for j, x0 in enumerate(x0s):
            cell = origin.get((top, x0))
            if cell is not None:
                row_owner.append((cell, False))
                continue
            b = pos_bbox(i, j)
            cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
            near = [owner[i - 1][j][0]] if i else []
            if j:
                near.append(row_owner[j - 1][0])
            hit = next((c for c in near if c in cell_set and covers(c, cx, cy)), None)
            if hit is None:
                cover = [c for c in cells if covers(c, cx, cy)]
                hit = min(cover, key=lambda c: (c[2] - c[0]) * (c[3] - c[1])) if cover else None
            row_owner.append((hit, True) if hit is not None else (b, False))
        owner.append(row_owner)

    buckets: dict[tuple, list[dict]] = {}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        if not (x0s[0] <= cx < right and tops[0] <= cy < bottom):
            continue
        j = bisect_right(x0s, cx) - 1
        i = bisect_right(tops, cy) - 1
        buckets.setdefault(owner[i][j][0], []).append(ch)
    text = {key: _text_of(chs) for key, chs in buckets.items()}

    return [[Cell(text.get(key, ""), copy=is_copy, page=page_no) for key, is_copy in row_owner]
            for row_owner in owner]


def _is_prose_frame(rows: list[list[Cell]]) -> bool:
    """A one-column "table" holding a paragraph (a framed text box), not a table."""
    if not rows or any(len(r) != 1 for r in rows):
        return False
    return sum(len(r[0].text) for r in rows) > 80


# ----------------------------------------------------------------------- unruled tables

_NUM_RE = re.compile(r"^[-+－＋]?[\d０-９][\d０-９,，.．]*%?$|^[-—–/／无]$")


def _is_num(s: str) -> bool:
    return bool(_NUM_RE.match(s.strip()))


def _lines_of_words(words: list[dict]) -> list[list[dict]]:
    lines: list[list[dict]] = []
    top = bot = 0.0
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        mid = (w["top"] + w["bottom"]) / 2
        if lines and top <= mid <= bot:
            lines[-1].append(w)
            top, bot = min(top, w["top"]), max(bot, w["bottom"])
            continue
        lines.append([w])
        top, bot = w["top"], w["bottom"]
    return [sorted(ln, key=lambda w: w["x0"]) for ln in lines]


def _segments(line: list[dict]) -> list[dict]:
    """Split a line into segments at gaps wider than ~1.2 character heights."""
    segs: list[dict] = []
    for w in line:
        size = max(w["bottom"] - w["top"], 1.0)
        if segs and w["x0"] - segs[-1]["x1"] <= 1.2 * size:
            s = segs[-1]
            gap = w["x0"] - s["x1"]
            sep = "" if (gap < 0.15 * size or is_wide(s["text"][-1]) or is_wide(w["text"][0])) else " "
            s["text"] += sep + w["text"]
            s["x1"] = max(s["x1"], w["x1"])
            s["bottom"] = max(s["bottom"], w["bottom"])
            s["top"] = min(s["top"], w["top"])
        else:
            segs.append({k: w[k] for k in ("text", "x0", "x1", "top", "bottom")})
    return segs


def _unruled_tables(chars: list[dict], exclude: list[tuple], page_no: int) -> list[tuple[tuple, list[list[Cell]]]]:
    """Tables printed without rules: blocks of lines of widely spaced segments with numbers."""
    words = _words(chars, x_tol=1.5, y_tol=2)

    def excluded(w: dict) -> bool:
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in exclude)

    words = [w for w in words if not excluded(w)]
    if not words:
        return []
    lines = [_segments(ln) for ln in _lines_of_words(words)]
    nums = [sum(1 for s in segs[1:] if _is_num(s["text"])) for segs in lines]
    cand = [len(segs) >= 2 for segs in lines]
    # wrapped label lines (up to 4 one-segment lines) between two table lines belong to the table
    i = 0
    while i < len(lines):
        if cand[i]:
            j = i + 1
            while j < len(lines) and not cand[j] and len(lines[j]) == 1 and j - i <= 4:
                j += 1
            if j < len(lines) and cand[j] and j > i + 1:
                for k in range(i + 1, j):
                    cand[k] = True
            i = j if j > i + 1 and j < len(lines) and cand[j] else i + 1
        else:
            i += 1
    heights = sorted(s["bottom"] - s["top"] for segs in lines for s in segs)
    lh = heights[len(heights) // 2] if heights else 10.0

    blocks: list[list[int]] = []
    for i, ok in enumerate(cand):
        if not ok:
            continue
        if blocks and blocks[-1][-1] == i - 1 and \
                lines[i][0]["top"] - max(s["bottom"] for s in lines[i - 1]) < 4 * lh:
            blocks[-1].append(i)
        else:
            blocks.append([i])

    out = []
    for blk in blocks:
        data = [i for i in blk if nums[i] >= 1]
        # two rows with numbers, or one row of several numbers (table 四 after its header)
        if not data or (len(data) < 2 and max(nums[i] for i in data) < 3):
            continue
        # trim non-table lines after the last data line
        blk = [i for i in blk if i <= data[-1]]
        # column intervals from the data lines
        ivs = sorted((s["x0"], s["x1"]) for i in data for s in lines[i])
        cols: list[list[float]] = []
        for a, b in ivs:
            if cols and a <= cols[-1][1]:
                cols[-1][1] = max(cols[-1][1], b)
            else:
                cols.append([a, b])
        if len(cols) < 2:
            continue

        def col_of(s: dict) -> int:
            best, best_ov = 0, -1.0
            for k, (a, b) in enumerate(cols):
                ov = min(b, s["x1"]) - max(a, s["x0"])
                if ov > best_ov:
                    best, best_ov = k, ov
            if best_ov <= 0:  # no overlap: nearest column by centre
                c = (s["x0"] + s["x1"]) / 2
                best = min(range(len(cols)), key=lambda k: abs((cols[k][0] + cols[k][1]) / 2 - c))
            return best

        rows = []
        for i in blk:
            texts = [""] * len(cols)
            for s in lines[i]:
                k = col_of(s)
                texts[k] = (texts[k] + " " + s["text"]).strip() if texts[k] else s["text"]
            rows.append([Cell(clean_cell_text(t), page=page_no) for t in texts])
        segs = [s for i in blk for s in lines[i]]
        bbox = (min(s["x0"] for s in segs), min(s["top"] for s in segs),
                max(s["x1"] for s in segs), max(s["bottom"] for s in segs))
        out.append((bbox, rows))
    return out


# --------------------------------------------------------------------------------- open

def _open_checks(data: bytes, lim: PdfLimits) -> "pdfium.PdfDocument":
    """Validate the file; return it opened with pdfium (caller closes). Raises UnreadableDocument."""
    if not data:
        raise UnreadableDocument("empty file (0 bytes)")
    if len(data) > lim.max_bytes:
        raise UnreadableDocument(f"file too large: {len(data)} bytes exceeds max_bytes={lim.max_bytes}")
    if b"%PDF-" not in data[:1024]:
        head = data[:64].lstrip()
        if head[:1] == b"<":
            kind = " (looks like HTML/XML)"
        elif head[:2] == b"PK":
            kind = " (looks like a ZIP/DOCX)"
        elif head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            kind = " (looks like an old MS Office file)"
        else:
            kind = ""
        raise UnreadableDocument(f"not a PDF: no %PDF- header{kind}")
    pdf_streams.check_streams(data, lim.max_stream, lim.max_inflated)  # before pdfium inflates any
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg or "security" in msg:
            raise UnreadableDocument("encrypted PDF: a password is required to open it") from None
        raise UnreadableDocument(f"corrupt or truncated PDF: {str(e).strip()}") from None
    n = len(doc)
    if n > lim.max_pages or n == 0:
        doc.close()
        if n == 0:
            raise UnreadableDocument("corrupt PDF: no pages")
        raise UnreadableDocument(f"too many pages: {n} exceeds max_pages={lim.max_pages}")
    if pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1:  # streams check_streams cannot read
        try:
            pdf_streams.check_encrypted(data, lim.max_stream, lim.max_inflated)
        except BaseException:
            doc.close()
            raise
    return doc



# --------------------------------------------------------------------------------- read

def read(data: bytes, *, name: str, limits: Any = None) -> Document:
    """Read a PDF into a `Document`. Raises `UnreadableDocument` (one-line reason)."""
    lim = _limits(limits)
    data = bytes(data)
    doc = _open_checks(data, lim)
    try:
        return _read(doc, name, lim)
    finally:
        doc.close()


def _read(doc: "pdfium.PdfDocument", name: str, lim: PdfLimits) -> Document:
    n_pages = len(doc)
    started = time.monotonic()
    warnings: list[str] = []
    texts: list[str] = []
    grids: list[Grid] = []
    text_chars = 0
    image_only_pages: list[int] = []
    failed_pages = 0
    n_cells = 0
    if pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1:
        warnings.append("encrypted PDF with an empty user password: read without a password")

    for page_no in range(1, n_pages + 1):
        elapsed = time.monotonic() - started
        if elapsed > lim.max_seconds:
            raise UnreadableDocument(
                f"time limit: reading stopped at page {page_no} after {elapsed:.0f} s "
                f"(max_seconds={lim.max_seconds})")
        try:
            page = doc[page_no - 1]
        except pdfium.PdfiumError as e:  # a page object pdfium cannot load: keep the others
            failed_pages += 1
            warnings.append(f"page {page_no}: unreadable ({str(e)[:120]})")
            log.warning("%s: page %d unreadable: %s", name, page_no, e)
            continue
        try:
            page_text, page_grids, n_chars, n_images = _read_page(page, page_no, lim, warnings)
        except UnreadableDocument:
            raise
        except MemoryError:
            raise
        except Exception as e:  # pragma: no cover - pdfium failing on one page: keep the others
            failed_pages += 1
            warnings.append(f"page {page_no}: unreadable ({type(e).__name__}: {str(e)[:120]})")
            log.warning("%s: page %d unreadable: %s", name, page_no, e)
            continue
        finally:
            page.close()
        texts.append(page_text)
        text_chars += n_chars
        if n_images and n_chars < 10:
            image_only_pages.append(page_no)
        for bbox, rows in page_grids:
            grids.append(Grid(rows, index=len(grids), page=page_no))
            n_cells += sum(len(r) for r in rows)
        if n_cells > lim.max_cells:
            raise UnreadableDocument(
                f"too many table cells: {n_cells} by page {page_no} exceeds max_cells={lim.max_cells}")

    if failed_pages == n_pages:
        raise UnreadableDocument("corrupt PDF: no page could be read")

    scanned = False
    if text_chars < 10 * n_pages and image_only_pages and text_chars < 200:
        scanned = True
        warnings.insert(0, SCANNED_WARNING)
    elif image_only_pages:
        warnings.append(
            "pages with images but no text (tables as images?): "
            + ", ".join(str(p) for p in image_only_pages))
    elif text_chars == 0:
        warnings.append("no text in the PDF (blank pages)")

    return Document(kind="pdf", text="\n".join(texts).strip(), grids=grids, pages=n_pages,
                    warnings=warnings, scanned=scanned)


def _read_page(page: "pdfium.PdfPage", page_no: int, lim: PdfLimits,
               warnings: list[str]) -> tuple[str, list[tuple[tuple, list[list[Cell]]]], int, int]:
    n_objs, n_images, paths = _page_objects(page.raw)
    textpage = page.get_textpage()
    try:
        n_all = pdfium_c.FPDFText_CountChars(textpage.raw)
        if n_objs + n_all > lim.max_page_objects:
            warnings.append(f"page {page_no}: {n_objs + n_all} objects exceeds max_page_objects="
                            f"{lim.max_page_objects}; page skipped")
            return "", [], 0, n_images
        rect_xf, point_xf = _frame(page)
        chars, undecodable = _page_chars(textpage, rect_xf)
    finally:
        textpage.close()
    if undecodable >= 3:
        warnings.append(f"page {page_no}: {undecodable} glyphs without a Unicode mapping left out "
                        "of the text")
    seen: set[tuple] = set()
    for c in chars:  # overprinted (fake bold) glyphs? the exact dedupe only when likely
        key = (c["text"], round(c["x0"]), round(c["top"]))
        if key in seen:
            chars = _dedupe(chars)
            break
        seen.add(key)
    n_chars = sum(1 for c in chars if not c["text"].isspace())
    text = _chars_to_text(chars)
    if n_chars == 0:
        return text, [], 0, n_images

    hs, vs = _ruling_edges(paths, point_xf)
    found: list[tuple[tuple, list[list[Cell]]]] = []
    for t in _find_ruled(hs, vs, lim, page_no, warnings) if (hs and vs) else []:
        found.append((t.bbox, _table_rows(t, chars, page_no)))
    ruled_bboxes = [b for b, _ in found]
    found = [(b, r) for b, r in found if not _is_prose_frame(r)]
    found += _unruled_tables(chars, ruled_bboxes, page_no)

    out = []
    for bbox, rows in sorted(found, key=lambda f: (round(f[0][1]), f[0][0])):
        # blank rows stay: a printed row left empty (table 四's fifteen blank cells) is data
        rows = [r for r in rows if not _is_footer_row(r)]
        if any(c.text for r in rows for c in r):
            out.append((bbox, rows))
    return text, out, n_chars, n_images
