"""A pixel budget checked before any image is decoded or any PDF page is rasterised.

A 150 KB PNG can declare 30,000 x 30,000 pixels (2.7 GB as RGB, several times that through
OpenCV), and a 667-byte PDF a 14,400-point page (40,000 x 40,000 pixels at 200 dpi). The size is
read from the image header (Pillow parses only the header until asked for pixels) or the PDF
page box before anything is allocated:

* an image over ``MAX_PIXELS`` is not decoded: ``check_image`` raises
  :class:`~parsers.document.ResourceExhausted` (retryable: a larger budget may read it);
* a PDF page over the budget at the asked resolution is rasterised at the highest resolution
  that fits it (with a warning naming the page and the resolution used);
* PDF pages are rasterised one at a time, when the OCR reads them (:class:`PdfPages`), and
  image pages decoded one at a time (:class:`LazyImages`): a document of 200 pages never holds
  200 page images.
"""
from __future__ import annotations

import io
import math
import re
import threading
from typing import Callable, Sequence

from .document import ResourceExhausted

MAX_PIXELS = 40_000_000   # width x height of one image or rasterised page (A4 at 600 dpi: 35M)


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the image's header, without decoding its pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:  # lazy: reads the header only
            return im.size
    except Image.DecompressionBombError as exc:  # Pillow's own, far larger bound
        n = re.search(r"\((\d+) pixels\)", str(exc))
        raise ResourceExhausted(f"the image has {int(n.group(1)) if n else 'too many':,} pixels, "
                                f"over the pixel budget of {MAX_PIXELS:,} (not decoded)") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ValueError(f"an image whose size cannot be read from its header ({exc})") from None


def check_image(data: bytes, budget: int = MAX_PIXELS, what: str = "the image") -> tuple[int, int]:
    """The image's size; ResourceExhausted when it is over the pixel budget (not decoded)."""
    w, h = image_size(data)
    if w * h > budget:
        raise ResourceExhausted(f"{what} is {w} x {h} pixels, over the pixel budget of "
                                f"{budget:,} (not decoded)")
    return w, h


def page_scale(width_pt: float, height_pt: float, dpi: float,
               budget: int = MAX_PIXELS) -> float:
    """The render scale of a page: dpi/72, or less when that would exceed the budget."""
    scale = dpi / 72
    area = max(1.0, width_pt * height_pt)
    if area * scale * scale > budget:
        scale = math.sqrt(budget / area) * 0.999
    return scale


class PdfPages(Sequence):
    """A PDF's pages as RGB arrays, each rendered when asked for and never kept (pypdfium2
    renders one page at a time under a lock: pdfium is not thread-safe)."""

    def __init__(self, data: bytes, dpi: int, max_pages: int = 200,
                 budget: int = MAX_PIXELS) -> None:
        import pypdfium2 as pdfium

        self.dpi = dpi
        self.budget = budget
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._pdf = pdfium.PdfDocument(data)
        self._scales = []
        for i in range(min(len(self._pdf), max_pages)):
            w, h = self._pdf.get_page_size(i)
            scale = page_scale(w, h, dpi, budget)
            if scale < dpi / 72:
                self.warnings.append(
                    f"page {i + 1}: {w:.0f} x {h:.0f} pt is over the pixel budget at {dpi} dpi "
                    f"({budget:,} pixels): rasterised at {scale * 72:.0f} dpi")
            self._scales.append(scale)

    def __len__(self) -> int:
        return len(self._scales)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        import numpy

        scale = self._scales[i]
        with self._lock:
            page = self._pdf[i]
            try:
                pil = page.render(scale=scale).to_pil().convert("RGB")
            finally:
                page.close()
        return numpy.asarray(pil)

    def close(self) -> None:
        with self._lock:
            self._pdf.close()


class LazyImages(Sequence):
    """Page images decoded one at a time, when read (``decode`` is the reader's loader)."""

    def __init__(self, payloads: list[bytes], decode: Callable[[bytes], object]) -> None:
        self._payloads = payloads
        self._decode = decode

    def __len__(self) -> int:
        return len(self._payloads)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._decode(self._payloads[i])
