"""PDF reader: bytes of a PDF -> `Document` (plain text + tables as `Grid`s).

How it works
------------
* The file is validated first (``%PDF-`` header, size and page limits) and opened with
  pypdfium2, whose error codes tell a truncated/corrupt file from an encrypted one; the
  content is then read with pdfplumber.
* Ruled tables: pdfplumber's ``lines`` strategy, run on the *visible* drawing only.
  Many WPS/Office exports paint an invisible white rectangle behind every line of prose;
  their edges would otherwise turn paragraphs into one-column "tables" or glue them onto
  the table below. A table found on the visible rules is then "closed": its outer frame
  (bbox and the extent of its own vertical rules) is added as explicit edges and the page
  is searched again, so a row cut by a page break (no bottom rule) or a cell whose top rule
  is missing at the top of a page is still a cell.
* Merged cells: pdfplumber reports ``None`` for grid positions covered by a spanning
  cell; each is resolved, through the table's cell bboxes, to the cell covering it and
  gets a copy of its text with ``copy=True``.
* Cell text: the lines of a cell are joined without a space when either side is CJK /
  full-width (``本年新收政府信息公开申请\\n数量`` -> ``本年新收政府信息公开申请数量``), spaces
  that PDF justification puts between CJK characters (``结 果``) are removed, ASCII words
  keep one space.
* Unruled tables: on text outside ruled tables, runs of lines made of several widely
  separated segments with numbers are clustered into columns (``_unruled_tables``).
* Tables split across pages stay separate grids in page order; rows that are only a page
  footer (``- 3 -``, ``— 4 —``, ``第 3 页``) are dropped from grids.
* A PDF without a text layer (scan / 图片版) is not an error: ``scanned=True`` and a
  warning.

Limits (``limits=`` dict, `PdfLimits` or any object with these attributes, e.g.
`parsers.parse.Limits`): ``max_bytes`` (50 MB), ``max_pages`` (200), ``max_cells``
(200 000 grid cells in all),
``max_seconds`` (120, checked between pages), ``max_page_objects`` (200 000 drawing
objects+chars on one page: the page is skipped with a warning), ``max_page_edges`` (20 000
ruling edges) and ``max_page_crossings`` (5 000 = horizontal x vertical merged rules;
pdfplumber's cell search is quadratic in them): beyond either, the ruled-table search is
skipped on that page with a warning (the unruled fallback still runs). ``max_stream`` (64 MiB)
and ``max_inflated`` (1 GiB): the most one stream, and all streams of the document, may inflate
to in pdfminer (parsers/readers/pdf_streams.py); beyond either the document is refused as a
decompression bomb before the bytes are allocated.
"""
from __future__ import annotations

import io
import logging
import re
import time
from bisect import bisect_right
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

import pdfplumber
import pypdfium2 as pdfium
from pdfplumber.table import merge_edges as _merge_edges
from pdfplumber.utils import extract_text as _chars_to_text

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


# ------------------------------------------------------------------------ drawing helpers

def _is_white(color: Any) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (list, tuple)) or not color:
        return False
    try:
        vals = [float(v) for v in color]
    except (TypeError, ValueError):  # pattern names etc.
        return False
    if len(vals) == 1:
        return vals[0] >= 0.95
    if len(vals) == 3:
        return min(vals) >= 0.95
    if len(vals) == 4:  # CMYK
        return max(vals) <= 0.05
    return False


def _visible(obj: dict) -> bool:
    """False for rects/curves that draw nothing visible on white paper."""
    if obj.get("object_type") not in ("rect", "curve"):
        return True
    if obj.get("stroke") and not _is_white(obj.get("stroking_color")):
        return True
    if obj.get("fill") and not _is_white(obj.get("non_stroking_color")):
        return True
    return False


def _hedge(x0: float, x1: float, y: float) -> dict:
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0,
            "orientation": "h", "object_type": "line"}


def _vedge(x: float, top: float, bottom: float) -> dict:
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0,
            "height": bottom - top, "orientation": "v", "object_type": "line"}


# ------------------------------------------------------------------------- ruled tables

_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


def _closing_edges(page: Any, tables: list) -> tuple[list[dict], list[dict]]:
    """Outer frame of each table, stretched to the extent of its own vertical rules."""
    v_edges = [e for e in page.edges if e["orientation"] == "v"]
    hs: list[dict] = []
    vs: list[dict] = []
    for t in tables:
        x0, top, x1, bottom = t.bbox
        own = [e for e in v_edges
               if x0 - 2 <= e["x0"] <= x1 + 2 and e["bottom"] > top + 1 and e["top"] < bottom - 1]
        if own:
            top = min(top, min(e["top"] for e in own))
            bottom = max(bottom, max(e["bottom"] for e in own))
        hs += [_hedge(x0, x1, top), _hedge(x0, x1, bottom)]
        vs += [_vedge(x0, top, bottom), _vedge(x1, top, bottom)]
    return hs, vs


def _find_ruled(page: Any) -> list:
    tables = page.find_tables(_TABLE_SETTINGS)
    if not tables:
        return []
    hs, vs = _closing_edges(page, tables)
    settings = dict(_TABLE_SETTINGS, explicit_horizontal_lines=hs, explicit_vertical_lines=vs)
    return page.find_tables(settings)


def _text_of(chars: list[dict]) -> str:
    return clean_cell_text(_chars_to_text(chars)) if chars else ""


def _table_rows(table: Any, chars: list[dict], page_no: int) -> list[list[Cell]]:
    """Rows of a pdfplumber table with merged positions resolved to copies.

    Grid positions are the table's distinct cell lefts x tops (as pdfplumber's
    ``Table.rows``). A position without a cell of its own is covered by a spanning cell:
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


def _unruled_tables(page: Any, exclude: list[tuple], page_no: int) -> list[tuple[tuple, list[list[Cell]]]]:
    """Tables printed without rules: blocks of lines of widely spaced segments with numbers."""
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False)

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
    return doc


_CID_RE = re.compile(r"\(cid:\d+\)")


def _pdfium_text(doc: "pdfium.PdfDocument", index: int) -> str:
    page = doc[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        finally:
            textpage.close()
    finally:
        page.close()


def _raise_limit(e: BaseException) -> None:
    """Re-raise a stream limit or MemoryError that pdfplumber wrapped (never a page warning)."""
    limit = pdf_streams.limit_in(e)
    if limit is not None:
        raise limit from None


def _pdfminer_reason(e: BaseException) -> str:
    chain = [e]
    while chain[-1].__cause__ is not None or chain[-1].__context__ is not None:
        nxt = chain[-1].__cause__ or chain[-1].__context__
        if nxt in chain:
            break
        chain.append(nxt)
    names = " ".join(type(x).__name__ for x in chain).lower()
    text = " ".join(str(x) for x in chain).lower()
    if "password" in names or "encrypt" in names or "password" in text:
        return "encrypted PDF: a password is required to open it"
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return f"corrupt or truncated PDF: {first}"


# --------------------------------------------------------------------------------- read

def read(data: bytes, *, name: str, limits: Any = None) -> Document:
    """Read a PDF into a `Document`. Raises `UnreadableDocument` (one-line reason)."""
    lim = _limits(limits)
    data = bytes(data)
    pdfium_doc = _open_checks(data, lim)
    try:
        with pdf_streams.bounded(lim.max_stream, lim.max_inflated):
            return _read(data, name, lim, pdfium_doc)
    finally:
        pdfium_doc.close()


def _read(data: bytes, name: str, lim: PdfLimits, pdfium_doc: Any) -> Document:
    n_pages = len(pdfium_doc)
    started = time.monotonic()
    warnings: list[str] = []
    texts: list[str] = []
    grids: list[Grid] = []
    text_chars = 0
    image_only_pages: list[int] = []
    failed_pages = 0
    n_cells = 0

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # pdfminer raises many types, wrapped in PdfminerException
        _raise_limit(e)
        raise UnreadableDocument(_pdfminer_reason(e)) from None
    try:
        try:
            pages = pdf.pages
        except Exception as e:
            _raise_limit(e)
            raise UnreadableDocument(_pdfminer_reason(e)) from None
        if len(pages) != n_pages:
            warnings.append(f"page count differs between readers: pdfium {n_pages}, pdfminer {len(pages)}")
        if len(pages) > lim.max_pages:
            raise UnreadableDocument(f"too many pages: {len(pages)} exceeds max_pages={lim.max_pages}")
        if getattr(pdf.doc, "encryption", None):
            warnings.append("encrypted PDF with an empty user password: read without a password")

        for page_no, page in enumerate(pages, 1):
            elapsed = time.monotonic() - started
            if elapsed > lim.max_seconds:
                raise UnreadableDocument(
                    f"time limit: reading stopped at page {page_no} after {elapsed:.0f} s "
                    f"(max_seconds={lim.max_seconds})")
            try:
                page_text, page_grids, n_chars, n_images = _read_page(page, page_no, lim, warnings)
            except UnreadableDocument:
                raise
            except Exception as e:  # a broken content stream: keep the other pages
                _raise_limit(e)  # but a decompression bomb or exhausted memory ends the document
                failed_pages += 1
                warnings.append(f"page {page_no}: unreadable ({type(e).__name__}: {str(e)[:120]})")
                log.warning("%s: page %d unreadable: %s", name, page_no, e)
                continue
            finally:
                page.close()
            if len(_CID_RE.findall(page_text)) >= 3:
                # glyphs without a Unicode mapping in pdfminer: pdfium often decodes them
                alt = ""
                try:
                    alt = _pdfium_text(pdfium_doc, page_no - 1) if page_no <= n_pages else ""
                except Exception:  # pragma: no cover - pdfium failing on one page
                    pass
                if alt.strip() and not _CID_RE.search(alt):
                    page_text = alt
                    warnings.append(f"page {page_no}: undecodable glyphs (cid:N); text taken from "
                                    "pdfium, table cells may hold (cid:N)")
                else:
                    warnings.append(f"page {page_no}: undecodable glyphs (cid:N) in the text layer")
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
    finally:
        pdf.close()

    if failed_pages == len(pages):
        raise UnreadableDocument("corrupt PDF: no page could be read")

    scanned = False
    if text_chars < 10 * len(pages) and image_only_pages and text_chars < 200:
        scanned = True
        warnings.insert(0, SCANNED_WARNING)
    elif image_only_pages:
        warnings.append(
            "pages with images but no text (tables as images?): "
            + ", ".join(str(p) for p in image_only_pages))
    elif text_chars == 0:
        warnings.append("no text in the PDF (blank pages)")

    return Document(kind="pdf", text="\n".join(texts).strip(), grids=grids, pages=len(pages),
                    warnings=warnings, scanned=scanned)


def _read_page(page: Any, page_no: int, lim: PdfLimits,
               warnings: list[str]) -> tuple[str, list[tuple[tuple, list[list[Cell]]]], int, int]:
    objs = page.objects
    n_objs = sum(len(v) for v in objs.values())
    n_images = len(objs.get("image", []))
    if n_objs > lim.max_page_objects:
        warnings.append(f"page {page_no}: {n_objs} objects exceeds max_page_objects="
                        f"{lim.max_page_objects}; page skipped")
        return "", [], 0, n_images
    seen: set[tuple] = set()
    for c in page.chars:  # overprinted (fake bold) glyphs? pdfplumber's dedupe is costly
        key = (c["text"], round(c["x0"]), round(c["top"]))
        if key in seen:
            page = page.dedupe_chars()
            break
        seen.add(key)
    chars = page.chars
    n_chars = sum(1 for c in chars if c["text"].strip())
    text = page.extract_text() or ""
    if n_chars == 0:
        return text, [], 0, n_images

    vpage = page.filter(_visible)
    found: list[tuple[tuple, list[list[Cell]]]] = []
    tables = []
    edges = vpage.edges
    if len(edges) > lim.max_page_edges:
        warnings.append(f"page {page_no}: {len(edges)} ruling edges exceeds max_page_edges="
                        f"{lim.max_page_edges}; ruled-table search skipped")
    elif edges:
        # pdfplumber's cell search is quadratic in rule crossings: bound them first
        merged = [e for e in _merge_edges(edges, 3, 3, 3, 3)
                  if (e["width"] if e["orientation"] == "h" else e["height"]) >= 3]
        n_h = sum(1 for e in merged if e["orientation"] == "h")
        crossings = n_h * (len(merged) - n_h)
        if crossings > lim.max_page_crossings:
            warnings.append(f"page {page_no}: {n_h} x {len(merged) - n_h} rules exceeds "
                            f"max_page_crossings={lim.max_page_crossings}; ruled-table search skipped")
        else:
            tables = _find_ruled(vpage)
    for t in tables:
        rows = _table_rows(t, chars, page_no)
        found.append((t.bbox, rows))
    ruled_bboxes = [b for b, _ in found]
    found = [(b, r) for b, r in found if not _is_prose_frame(r)]
    found += _unruled_tables(page, ruled_bboxes, page_no)

    out = []
    for bbox, rows in sorted(found, key=lambda f: (round(f[0][1]), f[0][0])):
        # blank rows stay: a printed row left empty (table 四's fifteen blank cells) is data
        rows = [r for r in rows if not _is_footer_row(r)]
        if any(c.text for r in rows for c in r):
            out.append((bbox, rows))
    return text, out, n_chars, n_images
