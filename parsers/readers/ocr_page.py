"""A page image made readable for OCR (parsers.readers.ocr): decoded or rasterised, turned
upright, its light evened out, the red seal's ink taken out of the tables' image, and where
that seal ink lay beside a number's strokes (what it may have taken, what it may have left)."""
from __future__ import annotations

from dataclasses import dataclass


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
