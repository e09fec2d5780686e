"""A table cell's ink for OCR (parsers.readers.ocr): binarised, the ruling lines' stubs, specks
and solid blots taken off, its glyphs and marks counted and measured, and scaled for Tesseract
(digits and labels)."""
from __future__ import annotations

from .ocr_page import _cv2, _np


LABEL_SCALE = 1.5  # labels are read at this size relative to an A4 page at 200 dpi
DIGIT_ASPECT = 0.55  # a digit's width over its height where the page has too few numbers to say


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
