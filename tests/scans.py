"""Scanned copies of real and synthetic reports for the OCR tests (and bench/bench_ocr.py).

A text PDF is rasterised with poppler's pdftoppm (the Debian package poppler-utils) at a given
resolution, optionally degraded like a photocopy or phone photo (mild skew, blur, JPEG noise,
with Pillow), and saved as an image-only PDF (no text layer) or as PNG/JPEG pages.
"""
from __future__ import annotations

import io
import random
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter

VARIANTS = {
    "200dpi": {"dpi": 200, "noise": False},
    "150dpi": {"dpi": 150, "noise": False},
    "noisy": {"dpi": 200, "noise": True},
}


def rasterise(pdf: bytes, dpi: int, renderer: str = "pdftoppm") -> list[Image.Image]:
    """Every page of `pdf` as an RGB image, rendered by pdftoppm at `dpi` (or by pdfium: the
    synthetic PDFs use reportlab's non-embedded STSong-Light, which poppler draws only with the
    Debian package poppler-data installed)."""
    if renderer == "pdfium":
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(pdf)
        try:
            return [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(doc))]
        finally:
            doc.close()
    with tempfile.TemporaryDirectory(prefix="ogi-scan-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(src), str(Path(tmp) / "p")],
                       check=True, capture_output=True, timeout=300)
        pages = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        return [Image.open(p).convert("RGB") for p in pages]


def degrade(img: Image.Image, seed: int = 0) -> Image.Image:
    """A mild photocopy: skewed by up to 0.6 degrees, blurred, JPEG-compressed at quality 45,
    with a little salt-and-pepper noise."""
    rng = random.Random(seed)
    angle = rng.choice([-1, 1]) * rng.uniform(0.3, 0.6)
    out = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    out = out.filter(ImageFilter.GaussianBlur(radius=0.7))
    px = out.load()
    w, h = out.size
    for _ in range(w * h // 4000):
        x, y = rng.randrange(w), rng.randrange(h)
        px[x, y] = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=45)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def scanned_pages(pdf: bytes, variant: str, renderer: str = "pdftoppm") -> list[Image.Image]:
    v = VARIANTS[variant]
    pages = rasterise(pdf, v["dpi"], renderer)
    if v["noise"]:
        pages = [degrade(p, seed=i) for i, p in enumerate(pages)]
    return pages


def image_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    """An image-only PDF (one image per page, no text layer)."""
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return buf.getvalue()


def image_bytes(page: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    page.save(buf, format=fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return buf.getvalue()
