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
import io
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

DEBIAN_PACKAGES = {"tesseract": "tesseract-ocr", "chi_sim": "tesseract-ocr-chi-sim"}
DIGITS = "0123456789.+-"  # signs for the 2019 format's 本年增/减 column
_DIGITS_RE = re.compile(r"[+\-]?\d+(\.\d+)?")
_UNSIGNED_RE = re.compile(r"\d+(\.\d+)?")
_TRAILING_MARK = re.compile(r"[+\-]?\d+[.+\-]")
_SIGN_WORD = re.compile(r"^\s*([增减+\-—–－])")
SURE = 70.0  # a number whose agreeing readings are less confident than this is doubtful
SHAPE_LIKE = 0.6  # a one-digit shape this like another digit of the page puts its reading in doubt,
SHAPE_MARGIN = 0.08  # when it is this much nearer to it than to the page's digit it was read as
SHAPE_APART = 0.2  # and whatever it is like, when it is this much nearer another digit than its own
SHAPE_UNLIKE = 0.3  # a digit of a longer number less like the page's own of its digit than this
SEAL_TOUCH = 1  # px of seal ink taken out beside a number's strokes that put it in doubt (any)
LABEL_SCALE = 1.5  # labels are read at this size relative to an A4 page at 200 dpi
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


# ------------------------------------------------------------------------------ images

def _np():
    import numpy

    return numpy


def _cv2():
    import cv2

    return cv2


def load_image(data: bytes):
    """Image bytes (PNG, JPEG, ...) -> an RGB array; UnreadableDocument-like ValueError if not.
    Over the pixel budget: ResourceExhausted, before anything is decoded (parsers.pixels)."""
    from ..pixels import check_image

    check_image(data)
    np, cv2 = _np(), _cv2()
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError("an image that cannot be decoded")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def rasterise_pdf(data: bytes, dpi: int, max_pages: int = 200):
    """Every page of a PDF as an RGB array at `dpi` (pypdfium2; no text layer used), rendered
    one at a time when read and within the pixel budget (parsers.pixels.PdfPages)."""
    from ..pixels import PdfPages

    return PdfPages(data, dpi, max_pages)


def _gray(img):
    cv2 = _cv2()
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img


# ------------------------------------------------------------------------------ a page made readable

@dataclass
class Prepared:
    """A page as the cells and the prose are read from it: upright, evenly lit, the red seal ink
    taken out of the tables' image."""

    tables: object  # grey page for the table grid and the cells: seal ink removed
    text: object  # grey page for the prose: luminance (a red title stays)
    angle: float  # degrees the page was turned back by
    sealed: object = None  # where seal ink was taken out of `tables` (bool, same size); None if none


def _flatten(gray, scale: float):
    """Divide the page by its background (the paper as lit): uneven light, a shadowed edge or a
    dark gutter become white paper, the ink keeps its contrast. The background is the page
    closed (ink removed) by a square larger than a character, at a quarter of the size."""
    np, cv2 = _np(), _cv2()
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    k = max(5, round(15 * scale)) | 1  # ~2.5 characters of an A4 page at 200 dpi, at 1/4 size
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.GaussianBlur(bg, (0, 0), k / 2)
    bg = cv2.resize(bg, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    np.maximum(bg, 16, out=bg)
    # in 8 bits (saturating), never a float copy of the page: a page at the pixel budget
    # (40 MP) must stay well inside a parser's memory limit
    return cv2.divide(gray, bg, scale=255.0)


def _seal_free(img):
    """A grey page without the red seal's ink: each pixel's brightest channel. Red (and blue)
    ink is bright in one channel, black print is dark in all of them, also where the seal was
    stamped over it. A page without colour is its plain grey."""
    np = _np()
    if img.ndim != 3:
        return img
    return img.max(axis=2).astype(np.uint8)


def _seal_mask(img, flat):
    """Pixels of red ink on bare paper: clearly redder than green and blue, and as bright in
    the evened-out brightest channel (`flat`) as red ink on paper is. Print under the seal's
    ink (a ruling line, a digit) is dark in every channel and is kept. None on a grey page."""
    np = _np()
    if img.ndim != 3:
        return None
    cv2 = _cv2()
    red = cv2.subtract(np.ascontiguousarray(img[..., 0]),
                       cv2.max(np.ascontiguousarray(img[..., 1]), np.ascontiguousarray(img[..., 2])))
    return (red > 40) & (flat > 175)  # 8-bit, saturating: as above, no wide copy of the page


def skew_angle(gray, max_degrees: float = 5.0) -> float:
    """The angle (degrees) that turns the page's lines of print and table rules horizontal:
    the rotation whose row profile of ink is sharpest (a projection profile), searched every
    0.25 degree and then every 0.02 around the best. Printed pages and tables both have it."""
    np, cv2 = _np(), _cv2()
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    f = 800 / max(bw.shape)
    small = cv2.resize(bw, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    centre = (w / 2, h / 2)
    cache: dict[float, float] = {}

    def sharpness(a: float) -> float:
        a = round(float(a), 3)
        if a not in cache:
            m = cv2.getRotationMatrix2D(centre, a, 1.0)
            r = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
            prof = r.sum(axis=1, dtype=np.float64)
            cache[a] = float(((prof[1:] - prof[:-1]) ** 2).sum())
        return cache[a]

    best = max(np.arange(-max_degrees, max_degrees + 1e-9, 0.25), key=sharpness)
    best = max(np.arange(best - 0.24, best + 0.24 + 1e-9, 0.02), key=sharpness)
    return round(float(best), 2)


def _rotate(gray, angle: float, white: bool = True):
    """`gray` turned by `angle` degrees about its centre, the corners filled white (or black:
    a mask's)."""
    cv2 = _cv2()
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC if white else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255 if white else 0)


def prepare(img) -> Prepared:
    """Deskew, even out the light and take out the seal before anything is read: a photocopy
    or a photo of a page is turned by a degree or two, lit unevenly, shadowed at its edges and
    often stamped with a red seal across its table; the table grid is found only on straight,
    evenly lit rules."""
    scale = max(img.shape[0], img.shape[1]) / 2339.0  # 1.0 for an A4 page at 200 dpi
    text = _flatten(_gray(img), scale)
    tables = _flatten(_seal_free(img), scale) if img.ndim == 3 else text
    seal = _seal_mask(img, tables)
    sealed = None
    if seal is not None and seal.any():
        # the ink's rim too (JPEG smears its colour), where it is not dark
        np, cv2 = _np(), _cv2()
        rim = cv2.dilate(seal.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        sealed = seal | (rim & (tables > 150))
        tables[sealed] = 255
    angle = skew_angle(tables)
    if abs(angle) >= 0.05:
        text, tables = _rotate(text, angle), _rotate(tables, angle)
        if sealed is not None:
            sealed = _rotate(sealed.astype(_np().uint8) * 255, angle, white=False) > 127
    return Prepared(tables, text, angle, sealed)


def _binarise(gray):
    cv2 = _cv2()
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return bw  # text black (0) on white (255)


def _trim_rules(bw, offsets: bool = False):
    """Drop what is left of the ruling lines at a crop's edges (rows/columns mostly ink);
    with `offsets`, also where the trimmed crop starts in the given one (left, top)."""
    np = _np()
    h, w = bw.shape
    ink = bw < 128
    top, bottom, left, right = 0, h, 0, w
    limit_r, limit_c = max(2, h // 4), max(2, w // 4)
    while top < limit_r and ink[top].mean() > 0.4:
        top += 1
    while bottom > h - limit_r and ink[bottom - 1].mean() > 0.4:
        bottom -= 1
    while left < limit_c and ink[:, left].mean() > 0.4:
        left += 1
    while right > w - limit_c and ink[:, right - 1].mean() > 0.4:
        right -= 1
    out = bw[top:bottom, left:right].copy()
    # a rule that survived the inset (skewed page): white out thin border bands that hold ink
    band = 2
    if out.shape[0] > 4 * band and out.shape[1] > 4 * band:
        for sl in (np.s_[:band, :], np.s_[-band:, :], np.s_[:, :band], np.s_[:, -band:]):
            out[sl] = 255
    return (out, (left, top)) if offsets else out


def _drop_blobs(bw):
    """A cell without solid blots: toner specks and dust are filled blots, print is strokes. A
    blot is ink deeper inside its own shape than the cell's strokes are (a point more than
    1.8 times the strokes' typical half-width from the paper, and more than 2 px): it and the
    ink within its reach are white paper again, also where it touches a digit (a speck on a
    0 read as nothing at all). Strokes, thin or bold, are kept."""
    np, cv2 = _np(), _cv2()
    inv = (bw < 128).astype(np.uint8)
    if not inv.any():
        return bw
    dt = cv2.distanceTransform(inv, cv2.DIST_L2, 3)
    ridge = (dt > 0) & (dt >= cv2.dilate(dt, np.ones((3, 3), np.uint8)))
    if not ridge.any():
        return bw
    half = float(np.median(dt[ridge]))
    deep = (dt > max(2.0, 1.8 * half)).astype(np.uint8)
    if not deep.any():
        return bw
    out = bw.copy()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(deep, connectivity=8)
    for i in range(1, n):
        core = labels == i
        r = int(np.ceil(dt[core].max())) + 1
        x, y, w, h = (int(v) for v in stats[i][:4])
        y0, y1, x0, x1 = max(0, y - r), y + h + r, max(0, x - r), x + w + r
        reach = cv2.dilate(core[y0:y1, x0:x1].astype(np.uint8),
                           cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
        sub = out[y0:y1, x0:x1]
        sub[(reach > 0) & (inv[y0:y1, x0:x1] > 0)] = 255
    return out


def _despeckle(bw):
    """A cell without the specks around its print: toner specks, dust and the stubs of ruling
    lines. The glyphs are the tallest components (at least half the tallest); a smaller one is
    kept only near a glyph (a decimal point, a sign, the dots of a character), an isolated one
    is white paper again, as is a line across most of the cell."""
    np, cv2 = _np(), _cv2()
    inv = (bw < 128).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(inv, connectivity=8)
    if n <= 2:
        return bw
    h, w = bw.shape
    comps = []
    for i in range(1, n):
        x, y, cw, ch, area = (int(v) for v in stats[i])
        line = (cw >= 0.8 * w and ch <= max(3, 0.15 * h)) or (ch >= 0.8 * h and cw <= max(3, 0.15 * w))
        comps.append((i, x, y, cw, ch, area, line))
    heights = [c[4] for c in comps if not c[6]]
    if not heights:
        return bw
    top = max(heights)
    glyphs = [c for c in comps if not c[6] and c[4] >= 0.5 * top]
    unit = float(np.median([c[4] for c in glyphs]))
    band_top = min(c[2] for c in glyphs)
    band_bottom = max(c[2] + c[4] for c in glyphs)
    out = bw.copy()
    for i, x, y, cw, ch, area, line in comps:
        if line:
            out[labels == i] = 255
            continue
        if ch >= 0.5 * top:
            continue
        gap = min(max(gx - (x + cw), x - (gx + gw), gy - (y + ch), y - (gy + gh), 0)
                  for _, gx, gy, gw, gh, _, _ in glyphs)
        # beside the print, within its line (a point, a sign): not above or below it
        if gap > 0.35 * unit or y >= band_bottom or y + ch <= band_top:
            out[labels == i] = 255
    return out


def _glyph_span(bw):
    """A number's cell as its marks and the span of its glyphs (marks at least half as high as
    the tallest): (labels, marks (x, y, w, h, area) by label - 1, the tallest height, the
    glyphs' left and right edge), or None where the cell holds fewer than two marks."""
    np, cv2 = _np(), _cv2()
    n, labels, stats, _ = cv2.connectedComponentsWithStats((bw < 128).astype(np.uint8), connectivity=8)
    if n <= 2:
        return None
    marks = [tuple(int(v) for v in stats[i]) for i in range(1, n)]
    top = max(m[3] for m in marks)
    glyphs = [m for m in marks if m[3] >= 0.5 * top]
    return labels, marks, top, min(m[0] for m in glyphs), max(m[0] + m[2] for m in glyphs)


def _without_edge_specks(bw):
    """A number's cell without the small marks before its first glyph or after its last that
    no sign can be: a decimal point stands between digits, a sign before them as a bar (−,
    wider than high) or a cross (+, its box less than half filled). Two specks stacked beside
    a 26 are read 126 by every reading of one model. Glyphs are marks at least half as high as
    the tallest; the cell is unchanged where it has none or nothing to take away."""
    found = _glyph_span(bw)
    if found is None:
        return bw
    labels, marks, top, left, right = found
    out = None
    for i, (x, y, w, h, area) in enumerate(marks, start=1):
        if h >= 0.5 * top or (left <= x + w - 1 and x <= right - 1):
            continue  # a glyph, or among the glyphs (a decimal point)
        if w >= 1.5 * h or (h >= 0.3 * top and area < 0.5 * w * h):
            continue  # a minus or a plus
        out = bw.copy() if out is None else out
        out[labels == i] = 255
    return bw if out is None else out


def _solid(mark) -> bool:
    """Is a mark (x, y, w, h, area) a solid blot rather than a digit: nearly as wide as high
    and filling most of its box (a disc fills 79 %, a printed digit of any width far less; a
    1, the only digit as solid, is narrow)?"""
    _, _, w, h, area = mark
    return w >= 0.6 * h and area >= 0.7 * w * h


def _glyph_runs(bw):
    """A number's cell as runs of glyphs: the marks at least half as high as the tallest one
    that is no solid blot, joined where closer than that height. (labels, marks (x, y, w, h,
    area) by label - 1, the runs as lists of label numbers left to right, the height), or None
    where the cell has no such mark."""
    np, cv2 = _np(), _cv2()
    n, labels, stats, _ = cv2.connectedComponentsWithStats((bw < 128).astype(np.uint8), connectivity=8)
    marks = [tuple(int(v) for v in stats[i]) for i in range(1, n)]
    printed = [m for m in marks if not _solid(m)]
    if not printed:
        return None
    top = max(m[3] for m in printed)
    glyphs = sorted((m[0], i) for i, m in enumerate(marks, start=1) if m[3] >= 0.5 * top and not _solid(m))
    runs: list[list[int]] = [[glyphs[0][1]]]
    for x, i in glyphs[1:]:
        if x - max(marks[j - 1][0] + marks[j - 1][2] for j in runs[-1]) > top:
            runs.append([])
        runs[-1].append(i)
    return labels, marks, runs, top


def _main_run(found):
    """The run of `_glyph_runs` with the most ink."""
    _, marks, runs, _ = found
    return max(runs, key=lambda r: sum(marks[i - 1][4] for i in r))


def _marks_among_digits(bw) -> int:
    """How many small marks (under half its tallest glyph's height) a number's cell holds within
    the span of its main run of glyphs (_glyph_runs; ink far beside the number, a seal's remnant,
    is not the number's): a decimal point, or a speck or a broken stroke's piece between or
    inside its digits (a 5 whose upright broke off is a 3 to every reading; a speck where a
    decimal point would go made 2776 a 2716 to two readings). Marks of a pixel or two (under
    1/200 of the glyph height squared; a point is some five times that) are not counted."""
    found = _glyph_runs(bw)
    if found is None:
        return 0
    _, marks, _, top = found
    run = [marks[i - 1] for i in _main_run(found)]
    left, right = min(m[0] for m in run), max(m[0] + m[2] for m in run)
    least = max(3, round(0.005 * top * top))  # a pixel or two of noise inside a digit is no mark
    return sum(1 for x, y, w, h, area in marks
               if h < 0.5 * top and area >= least and left <= x and x + w <= right)


def _main_run_only(bw):
    """A number's cell with only its main run of glyphs (_glyph_runs, the run with the most
    ink): any mark further than a glyph's height from it is white paper. None where the ink is
    one run. Which run is the number can be wrong: the cell is read so only to doubt it (2776
    with a seal's remnant far to its right read 27764)."""
    found = _glyph_runs(bw)
    if found is None or len(found[2]) == 1:
        return None
    labels, marks, _, top = found
    run = _main_run(found)
    left = min(marks[i - 1][0] for i in run) - top
    right = max(marks[i - 1][0] + marks[i - 1][2] for i in run) - 1 + top
    out = bw.copy()
    for i, (x, y, w, h, area) in enumerate(marks, start=1):
        if x + w - 1 < left or x > right:
            out[labels == i] = 255
    return out


def _digit_high_marks(bw) -> int:
    """How many separate digit-high marks a number's main run of glyphs holds (_glyph_runs):
    those at least three quarters as high as its tallest and a fifth of its largest one's
    ink, overlapping side by side counted as one. An 11 whose 1s stand apart is two, however
    narrow its ink is; a blot or a mark far beside the number is none."""
    found = _glyph_runs(bw)
    if found is None:
        return 0
    marks = found[1]
    run = [marks[i - 1] for i in _main_run(found)]
    tall = max(m[3] for m in run)
    most = max(m[4] for m in run)
    spans = sorted((m[0], m[0] + m[2]) for m in run if m[3] >= 0.75 * tall and m[4] >= 0.2 * most)
    count, right = 0, -1
    for a, b in spans:
        if a >= right:
            count += 1
        right = max(right, b)
    return count


def _ink_box(bw, min_pixels: int):
    """The bounding box of the ink in a binarised crop, ignoring specks; None when blank."""
    np, cv2 = _np(), _cv2()
    inv = (bw < 128).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(inv, connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= min_pixels]
    if not keep:
        return None
    x0 = min(stats[i, cv2.CC_STAT_LEFT] for i in keep)
    y0 = min(stats[i, cv2.CC_STAT_TOP] for i in keep)
    x1 = max(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] for i in keep)
    y1 = max(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] for i in keep)
    if sum(stats[i, cv2.CC_STAT_AREA] for i in keep) < 2 * min_pixels:
        return None
    return x0, y0, x1, y1


def _pad(bw, px: int):
    cv2 = _cv2()
    return cv2.copyMakeBorder(bw, px, px, px, px, cv2.BORDER_CONSTANT, value=255)


def _for_digits(bw, box, height: int, gray=None, bold: bool = False):
    """A number's ink scaled to `height` px (Tesseract reads digits best at 20-30 px; a 150-dpi
    cell's digits are ~14 px), binarised again and padded by its height. Scaled from the grey
    crop where there is one (its strokes keep their shape; a binarised JPEG's do not), the
    paper and the specks around the ink whitened first."""
    np, cv2 = _np(), _cv2()
    x0, y0, x1, y1 = box
    if gray is not None and gray.shape == bw.shape:
        ink = cv2.dilate((bw < 128).astype(np.uint8), np.ones((3, 3), np.uint8))
        g = np.where(ink[y0:y1, x0:x1] > 0, gray[y0:y1, x0:x1], 255).astype(np.uint8)
        scale = height / max(1, g.shape[0])
        size = (max(1, round(g.shape[1] * scale)), max(1, round(g.shape[0] * scale)))
        big = cv2.resize(g, size, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
        t, out = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        if bold:  # faint, broken strokes joined: more of the grey counted as ink
            _, out = cv2.threshold(big, t + 0.35 * (255 - t), 255, cv2.THRESH_BINARY)
        return _pad(out, height)
    crop = bw[y0:y1, x0:x1]
    scale = height / max(1, crop.shape[0])
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    big = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    _, big = cv2.threshold(big, 127, 255, cv2.THRESH_BINARY)
    return _pad(big, height)


_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")


def _label_like(text: str) -> bool:
    """A cell the digits pass could not read is a label when the Chinese model read words in
    it: two or more characters (规章, 其他), or the marker 无. One character among marks (身[,
    “4, 登，) is what the Chinese model makes of a digit it cannot read: an unread number."""
    return len(_IDEOGRAPH.findall(text)) >= 2 or text.strip() == "无"


def _for_labels(bw, box, gray, scale: float):
    """A cell's ink for the Chinese model: from the grey crop scaled to 1.5x an A4 page at 200
    dpi (characters ~30 px high: the model reads them better than at ~20 px), the paper and the
    specks around the ink whitened, binarised again; the binarised crop itself when there is
    no grey one."""
    np, cv2 = _np(), _cv2()
    x0, y0, x1, y1 = box
    m = 4
    if gray is None or gray.shape != bw.shape:
        return _pad(bw[max(0, y0 - m):y1 + m, max(0, x0 - m):x1 + m], 16)
    ink = cv2.dilate((bw < 128).astype(np.uint8), np.ones((3, 3), np.uint8))
    g = np.where(ink > 0, gray, 255).astype(np.uint8)[max(0, y0 - m):y1 + m, max(0, x0 - m):x1 + m]
    f = LABEL_SCALE / max(scale, 0.25)
    big = cv2.resize(g, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    _, big = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return _pad(big, round(16 * f))


def _main_marks(bw, box):
    """The marks of a cell's ink inside `box` of at least a fifth of the largest one's ink (a
    toner speck beside a digit is not one): (labels, stats, their label numbers), or None."""
    if not box:
        return None
    np, cv2 = _np(), _cv2()
    x0, y0, x1, y1 = box
    n, labels, stats, _ = cv2.connectedComponentsWithStats((bw[y0:y1, x0:x1] < 128).astype(np.uint8),
                                                         connectivity=8)
    if n < 2:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    return labels, stats, 1 + np.flatnonzero(areas >= 0.2 * areas.max())


def _ink_span(bw, box) -> tuple[int, int] | None:
    """Width and height of a cell's main run of ink: its marks of at least a fifth of the
    largest one's ink (a toner speck beside a 0 is not a digit), their columns joined across
    gaps narrower than the ink is high, the run with the most ink (a seal's remnant far beside
    the number is not the number)."""
    marks = _main_marks(bw, box)
    if marks is None:
        return None
    np = _np()
    x0, y0, x1, y1 = box
    labels, _, keep = marks
    ink = np.isin(labels, keep)
    cols = ink.sum(axis=0)
    xs = np.flatnonzero(cols)
    runs, start = [], xs[0]
    for a, b in zip(xs, xs[1:]):
        if b - a > max(2, y1 - y0):
            runs.append((start, a + 1))
            start = b
    runs.append((start, xs[-1] + 1))
    a, b = max(runs, key=lambda r: cols[r[0]:r[1]].sum())
    ys = np.flatnonzero(ink[:, a:b].any(axis=1))
    return int(b - a), int(ys[-1] - ys[0] + 1)


def _digit_aspect(read: list[tuple[str, tuple[int, int] | None]]) -> float | None:
    """The page's width of a digit's ink over its height: the median over the numbers of two or
    three digits its readings agreed on (their main runs of ink); None with fewer than five."""
    per = sorted(span[0] / max(1, span[1]) / len(text)
                 for text, span in read if text.isdigit() and 2 <= len(text) <= 3 and span)
    return per[len(per) // 2] if len(per) >= 5 else None


def _too_few_digits(text: str, span: tuple[int, int] | None, aspect: float) -> bool:
    """Is the ink of a short number (one to three digits, where two readings can drop the same
    touching digit) clearly wider than `text`'s digits can be at the page's `aspect`: by more
    than two thirds of a digit? Longer numbers are not judged: the space between digits makes
    their width too loose a measure."""
    if not span or not text.isdigit() or len(text) > 3:
        return False
    return span[0] / max(1, span[1]) > (len(text) + 0.67) * aspect


def _narrow_reading(text: str, span: tuple[int, int] | None, aspect: float | None) -> bool:
    """Is an agreed reading too narrow for its cell's ink (_too_few_digits) at the page's digit
    `aspect`? A page with too few numbers to measure its digits (table 二's first rows) judges
    only readings of 1s, the narrowest digit, against a usual digit (DIGIT_ASPECT): an 11 read 1
    by the first two readings is wider than a 1 of any print, while a 0 with a speck beside it
    may well be wide."""
    if aspect:
        return _too_few_digits(text, span, aspect)
    return set(text) == {"1"} and _too_few_digits(text, span, DIGIT_ASPECT)


# what, taken off a number's cell or left on it, decided its reading (read both ways)
DECIDED_BY = {"speck": "taking a speck before or after it off", "blot": "a solid blot on its ink",
              "far": "ink far beside it"}
GLYPH = (24, 16)  # a digit's shape, as the page's own digits are compared: rows, columns
DIGIT_ASPECT = 0.55  # a digit's width over its height where the page has too few numbers to say


def _glyph(bw, box, aspect: float | None):
    """The shape of a cell's one digit, for comparing with the page's own digits: its ink in a
    box one digit wide at the page's `aspect` (a 1 keeps its narrowness), scaled to GLYPH, as a
    vector of mean 0 and length 1. None when the ink is wider than one digit, or too small."""
    np, cv2 = _np(), _cv2()
    if not box or not aspect:
        return None
    x0, y0, x1, y1 = box
    ink = (bw[y0:y1, x0:x1] < 128).astype(np.float32)
    h, w = ink.shape
    if h < 8 or w > 1.6 * aspect * h:
        return None
    width = max(w, round(aspect * h))
    left = (width - w) // 2
    ink = cv2.copyMakeBorder(ink, 0, 0, left, width - w - left, cv2.BORDER_CONSTANT, value=0)
    v = cv2.resize(ink, (GLYPH[1], GLYPH[0]), interpolation=cv2.INTER_AREA).ravel()
    v = v - v.mean()
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else None


def _digit_boxes(bw, box, k: int) -> list[tuple[int, int, int, int]] | None:
    """The ink boxes of a number's `k` digits, left to right, when its marks (of at least a
    fifth of the largest one's ink) are exactly `k` side by side; else None (touching digits,
    a broken stroke, a speck)."""
    found = _main_marks(bw, box)
    if found is None:
        return None
    _, stats, keep = found
    cv2, (x0, y0) = _cv2(), box[:2]
    marks = sorted((stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP],
                    stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH],
                    stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT]) for i in keep)
    if len(marks) != k or any(b[0] < a[2] for a, b in zip(marks, marks[1:])):
        return None
    return [(x0 + a, y0 + b, x0 + c, y0 + d) for a, b, c, d in marks]


def _digit_sums(glyphs: dict, read: dict) -> tuple[dict, dict]:
    """The sum of the shapes (`glyphs`: key -> _glyph) of each digit read (`read`: key ->
    digit), and how many: (digit -> summed shape, digit -> count)."""
    sums: dict[str, object] = {}
    counts: dict[str, int] = {}
    for key, d in read.items():
        if key in glyphs:
            sums[d] = sums.get(d, 0) + glyphs[key]
            counts[d] = counts.get(d, 0) + 1
    return sums, counts


def _shape_votes(glyphs: dict, read: dict) -> dict:
    """How like each digit of the page a cell's one-digit shape is: for every cell in `glyphs`,
    {digit: cosine with the mean shape of the page's other cells whose readings agreed on that
    digit (`read`: cell -> digit)}, digits read in fewer than two other cells left out."""
    np = _np()
    sums, counts = _digit_sums(glyphs, read)
    out = {}
    for key, g in glyphs.items():
        votes = {}
        for d, total in sums.items():
            own = read.get(key) == d
            n = counts[d] - own
            if n < 2:
                continue
            mean = total - g if own else total
            votes[d] = float(np.dot(g, mean) / max(1e-9, np.linalg.norm(mean)))
        out[key] = votes
    return out


def _shape_doubts(glyphs: dict, agreed: dict, judge=None, whose: str = "page",
                  all_votes: dict | None = None) -> dict:
    """Why each number its readings agreed on (`agreed`: a one-digit cell (table, bbox) -> its
    digit, and (table, bbox, i) -> the i-th digit of a longer number) is in doubt by the shape
    of a digit (`glyphs`: key -> _glyph), keyed by its cell (table, bbox). A digit is doubtful
    when its shape is clearly like another digit of the page's (SHAPE_LIKE) and nearer to it
    than to its own by SHAPE_MARGIN; or, like nothing clearly, nearer another digit than its
    own by SHAPE_APART (a 6 smudged under a seal's removal, read 8 by two readings: 0.57 like
    the page's 6, 0.24 like its 8). A one-digit cell is doubtful too when it is clearly like
    another digit and the page has no other of its own to compare; a digit of a longer number
    is judged only against its own (the page's 9s are few, and a 9 beside a 5 is read right),
    and is doubtful too when it is unlike its own (under SHAPE_UNLIKE: a one-digit 0 under a
    seal is often that unlike the page's 0s, so single cells are not judged so; right digits of
    longer numbers on degraded scans were seen as low as 0.31 — 96171.6, 66, 88283 —, three in
    663 under 0.3 on 18 scans, their values not known). A speck joined
    to the stem of 2776's 7 made it a 4 to every reading (0.67 like the page's 7s, 0.04 like
    its 4s); a 7 of 7730.28 smudged into a 9 was 0.24 like the page's 9s, which were 0.73 like
    one another, and the page had no other 7. With `judge`, only those digits are judged (the
    others are the page's, or with `whose` "document" the document's, digits to compare).
    `all_votes`: _shape_votes(glyphs, agreed) where the caller has it already."""
    out: dict = {}
    for key, votes in (all_votes if all_votes is not None else _shape_votes(glyphs, agreed)).items():
        if key not in agreed or not votes or (judge is not None and key not in judge):
            continue
        cell, digit_of = key[:2], (f"its digit {key[2] + 1} " if len(key) == 3 else "")
        text = agreed[key]
        best = max(votes, key=votes.get)
        own = votes.get(text)
        if cell in out:
            continue  # one doubt for a number, its first digit's
        if own is not None and votes[best] >= own + SHAPE_APART:
            out[cell] = (f"{digit_of}read {text}: its shape is far nearer the {whose}'s own {best} "
                         f"({votes[best]:.2f}) than its {text} ({own:.2f})")
        elif digit_of and own is not None and own < SHAPE_UNLIKE:
            out[cell] = f"{digit_of}read {text}: its shape is unlike the {whose}'s own {text}s ({own:.2f})"
        elif digit_of and whose == "document" and own is not None and own < SHAPE_LIKE:
            # a digit its page prints too few others of is what a misreading makes (a 0 a speck
            # turned 9, its page's only 9): judged by the document, it must be clearly its own
            out[cell] = (f"{digit_of}read {text}: its page prints too few other {text}s to judge "
                         f"it, and its shape is not clearly like the document's ({own:.2f})")
        elif best == text or votes[best] < SHAPE_LIKE:
            continue
        elif own is not None and votes[best] >= own + SHAPE_MARGIN:
            out[cell] = (f"{digit_of}read {text}: its shape is nearer the {whose}'s own {best} "
                         f"({votes[best]:.2f}) than its {text} ({own:.2f})")
        elif own is None and not digit_of:
            out[cell] = (f"read {text}: its shape is like the {whose}'s own {best} "
                         f"({votes[best]:.2f}), and the {whose} has no other {text} to compare")
    return out


_SHAPE_MISREADING_RE = re.compile(r"read (\d): its shape is (?:far )?(?:nearer|like) the "
                                  r"(?:page|document)'s own (\d)")


def shape_misreading(why: str | None) -> tuple[str, str] | None:
    """The misreading a shape doubt (_shape_doubts) names: (the digit read, the digit its shape
    is like), or None for any other doubt. Two numbers doubted for the same misreading may be
    wrong together (one 9 read 4 twice), so neither bears the other out (parsers.parse)."""
    found = _SHAPE_MISREADING_RE.search(why or "")
    return (found.group(1), found.group(2)) if found else None


def _sealed_inside(sealed, origin: tuple[int, int] | None, bw, box) -> int:
    """How many pixels of seal ink were taken out (`sealed`, the page's mask) right beside a
    number's ink (`bw`, its cell's crop at `origin` on the page; `box`, the number's ink box):
    where a stroke printed under the seal may have gone with the seal's ink."""
    if sealed is None or origin is None or bw is None or not box:
        return 0
    np, cv2 = _np(), _cv2()
    # the box and a pixel round it, inside the crop (a number may touch its crop's edge)
    x0, y0 = max(0, box[0] - 1), max(0, box[1] - 1)
    x1, y1 = min(bw.shape[1], box[2] + 1), min(bw.shape[0], box[3] + 1)
    ox, oy = origin
    taken = sealed[oy + y0:oy + y1, ox + x0:ox + x1]
    ink = (bw[y0:y1, x0:x1] < 128).astype(np.uint8)
    if taken.shape != ink.shape or not taken.any():
        return 0  # past the page's edge, or no seal ink taken out here
    near = cv2.dilate(ink, np.ones((3, 3), np.uint8)) > 0
    return int((taken & near).sum())


def _beside_the_seal(sealed, origin: tuple[int, int] | None, bw):
    """A number's cell (`bw`, its crop at `origin`) where seal ink was taken out beside its
    strokes (`sealed`, the page's mask), two ways: the seal's ink within two pixels of the
    number's counted as print (a short piece of a stroke that went with the seal, back; a longer
    one only at its ends), and the number's ink within a pixel of the seal's taken out too (a
    remnant of the seal joined to it, gone). None where there is nothing to compare."""
    if sealed is None or origin is None or bw is None:
        return None
    np, cv2 = _np(), _cv2()
    ox, oy = origin
    h, w = bw.shape
    seal = sealed[oy:oy + h, ox:ox + w]
    if seal.shape != bw.shape or not seal.any():
        return None
    ink = bw < 128
    back = seal & (cv2.dilate(ink.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
    gone = ink & (cv2.dilate(seal.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    restored, stripped = bw.copy(), bw.copy()
    restored[back] = 0
    stripped[gone] = 255
    return restored, stripped


def _digit_means(glyphs: dict, agreed: dict) -> dict:
    """The page's mean shape of each digit its readings agreed on in at least two places
    (`glyphs`: key -> _glyph, `agreed`: key -> digit), as unit vectors: digit -> shape."""
    np = _np()
    sums, counts = _digit_sums(glyphs, agreed)
    return {d: total / max(1e-9, float(np.linalg.norm(total)))
            for d, total in sums.items() if counts[d] >= 2}


def _read_by_shape(bw, box, aspect: float | None, means: dict, min_height: int) -> str | None:
    """A number its readings never agreed on, read by the shape of its digits against the
    page's own (`means`, _digit_means): its marks side by side (one to four; marks over one
    another are one digit, a 0 whose thin sides broke; a mark under half the tallest's height
    none, a speck beside it), each digit the page's digit it is clearly like (SHAPE_LIKE) and
    nearer to than to any other by SHAPE_MARGIN. None where a digit is like none clearly or is
    under `min_height` high. A 0 that a speck made nothing to every reading was 0.82 like its
    page's 0s (0.48 like its 6s). The page knows only its own digits (a 3 on a page without 3s
    is 0.65 like its 5s): the result is one reading more, never a value by itself; the parse
    keeps it only where the rules over the cell require exactly it."""
    if not means or not box or not aspect:
        return None
    found = _main_marks(bw, box)
    if found is None:
        return None
    cv2, (_, stats, keep) = _cv2(), found
    # the marks as digits: marks over one another (a 0 broken at its sides) are one digit, and
    # marks under half the tallest one's height (a speck beside the number) none
    marks = sorted((int(stats[i, cv2.CC_STAT_LEFT]), int(stats[i, cv2.CC_STAT_TOP]),
                    int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]),
                    int(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT])) for i in keep)
    groups: list[list[int]] = []
    for x0, y0, x1, y1 in marks:
        if groups and x0 < groups[-1][2]:
            g = groups[-1]
            g[:] = [min(g[0], x0), min(g[1], y0), max(g[2], x1), max(g[3], y1)]
        else:
            groups.append([x0, y0, x1, y1])
    tallest = max(g[3] - g[1] for g in groups)
    groups = [g for g in groups if g[3] - g[1] >= 0.5 * tallest]
    parts = [(box[0] + a, box[1] + b, box[0] + c, box[1] + d) for a, b, c, d in groups] \
        if len(groups) <= 4 else None
    if not parts:
        return None
    np = _np()
    digits = []
    for part in parts:
        if part[3] - part[1] < min_height:
            return None  # not a whole digit high: a speck, or a digit lost in part
        g = _glyph(bw, part, aspect)
        if g is None:
            return None
        like = sorted(((float(np.dot(g, m)), d) for d, m in means.items()), reverse=True)
        if like[0][0] < SHAPE_LIKE or (len(like) > 1 and like[0][0] < like[1][0] + SHAPE_MARGIN):
            return None
        digits.append(like[0][1])
    return "".join(digits)


def _shape_borne_out(glyphs: dict, agreed: dict, all_votes: dict | None = None) -> set:
    """The cells (table, bbox) whose every digit the page's own digits bear out: each digit's
    shape most like the page's own of its reading, and clearly (SHAPE_LIKE). A number whose
    digits touch (not judged one by one) is not borne out. `all_votes`: as for _shape_doubts."""
    digits: dict[tuple, list[bool]] = {}
    for key, votes in (all_votes if all_votes is not None else _shape_votes(glyphs, agreed)).items():
        if key not in agreed:
            continue
        own = votes.get(agreed[key])
        digits.setdefault(key[:2], []).append(
            own is not None and own >= SHAPE_LIKE and own >= max(votes.values()))
    return {cell for cell, ok in digits.items() if all(ok)}


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

        def words(bbox) -> bool:
            text = texts.get((t, bbox), "")
            return bool(text.strip()) and not is_value_token(text) and (t, bbox) not in unread

        rows_with: dict[tuple[int, int], list[int]] = {}  # column -> the rows a number is in
        for r, row in enumerate(rows):
            for bbox in row:
                if bbox not in spanning and (number(bbox) or (t, bbox) in unread):
                    rows_with.setdefault((bbox[0], bbox[2]), []).append(r)
        for r, row in enumerate(rows):
            for i, bbox in enumerate(row):
                text = texts.get((t, bbox), "")
                if bbox in spanning or not text or is_value_token(text):
                    continue
                above_below = rows_with.get((bbox[0], bbox[2]), [])
                left = any(number(b) or (t, b) in unread for b in row[:i] if b not in spanning)
                # the first row under a header (a row of words, no number in it): its column's
                # head above it, its row's label left of it
                headed = (i > 0 and r > 0 and words(row[i - 1])
                          and any(words(b) for b in rows[r - 1] if (b[0], b[2]) == (bbox[0], bbox[2]))
                          and not any(number(b) or (t, b) in unread for b in rows[r - 1]))
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
    said: dict[tuple, list[str]] = {(kind, item[:2]): [] for kind, item in variants}
    items = [item for _, item in variants]
    for n, (lang, height) in enumerate(DIGIT_READINGS[:2]):
        for (kind, item), ws in zip(variants, digit_pass(items, lang, height, f"s{n}")):
            said[(kind, item[:2])].append(_text_conf(ws)[0].replace(" ", ""))
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
    beside_seal: list[tuple] = []
    for t, bbox, bw, box in numeric:
        key = (t, bbox)
        if (key in settled and key not in by_shape and key not in borne_out
                and _DIGITS_RE.fullmatch(readings[key][0])
                and _sealed_inside(page.sealed, origins.get(key), bw, box) >= SEAL_TOUCH
                and (two := _beside_the_seal(page.sealed, origins.get(key), bw)) is not None):
            beside_seal += [(t, bbox, v, vb) for v in two if (vb := _ink_box(v, speck))]
    seal_said: dict[tuple, list[str]] = {}
    for n, (lang, height) in enumerate(DIGIT_READINGS[:2]):
        for item, ws in zip(beside_seal, digit_pass(beside_seal, lang, height, f"u{n}")):
            seal_said.setdefault(item[:2], []).append(_text_conf(ws)[0].replace(" ", ""))

    def digits(read: list[str]) -> list[str]:
        return [x for x in read if any(ch.isdigit() for ch in x)]

    # (read as [restored, stripped] at each size; a reading without digits is no vote)
    seal_cleared = {key for key, read in seal_said.items()
                    if len(read) == 4 and digits(read[0::2]) and digits(read[1::2])
                    and all(x == readings[key][0] for x in digits(read))}
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
                elif (key not in borne_out and key not in seal_cleared and (taken := _sealed_inside(
                        page.sealed, origins.get(key), bw, box)) >= SEAL_TOUCH):
                    doubtful[key] = (f"seal ink was taken out beside its strokes ({taken} px) and the "
                                     "page's own digits do not bear out its shape: strokes printed "
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
