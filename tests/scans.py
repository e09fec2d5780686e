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


# -- scans as they really look: photographs and photocopies of printed reports ---------------------

SEAL_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # Debian fonts-noto-cjk
DEGRADATIONS = ("rotation", "lighting", "seal", "speckle", "edges", "jpeg")


def _table_box(img: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of the page's long horizontal rules (its tables), or None."""
    import numpy as np

    a = np.asarray(img.convert("L")) < 128
    h, w = a.shape
    rows = np.flatnonzero(a.sum(axis=1) > 0.35 * w)
    if len(rows) < 2:
        return None
    cols = np.flatnonzero(a[rows].any(axis=0))
    return int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max())


def _seal(size: int, rng: random.Random, color=(214, 36, 44)) -> Image.Image:
    """An official red seal (公章): a ring, a five-pointed star and an arc of characters, as an
    RGBA image whose alpha is the ink (stamped ink is uneven: the alpha varies)."""
    import math

    from PIL import ImageDraw, ImageFont

    seal = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(seal)
    ring = max(3, size // 28)
    d.ellipse([ring, ring, size - ring, size - ring], outline=255, width=ring)
    c, r = size / 2, size * 0.17
    pts = [(c + r * math.sin(k * 4 * math.pi / 5), c - r * math.cos(k * 4 * math.pi / 5)) for k in range(5)]
    d.polygon(pts, fill=255)
    try:
        font = ImageFont.truetype(SEAL_FONT, max(8, size // 9))
    except OSError:
        font = ImageFont.load_default()
    text = "某某县人民政府办公室政务公开专用章"
    for k, ch in enumerate(text):
        a = math.radians(-150 + 300 * k / (len(text) - 1))
        x, y = c + size * 0.34 * math.sin(a), c - size * 0.34 * math.cos(a)
        glyph = Image.new("L", (size // 7, size // 7), 0)
        ImageDraw.Draw(glyph).text((0, 0), ch, fill=255, font=font)
        glyph = glyph.rotate(-math.degrees(a), expand=False)
        seal.paste(255, (int(x - size / 14), int(y - size / 14)), glyph)
    import numpy as np

    alpha = np.asarray(seal, dtype=np.float32) / 255.0
    # uneven ink from the seed's own generator (PIL's effect_noise draws from an unseeded one:
    # the same seed gave another seal in every process)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(128, 60, (size, size))
    noise = Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8))
    blotch = np.asarray(noise.filter(ImageFilter.GaussianBlur(size / 40)), dtype=np.float32) / 255.0
    alpha = alpha * np.clip(0.55 + 0.6 * blotch, 0.35, 0.95)
    out = Image.new("RGBA", (size, size), color + (0,))
    out.putalpha(Image.fromarray((alpha * 255).astype(np.uint8)))
    return out


def degrade_scan(img: Image.Image, seed: int = 0, dpi: int = 150,
                 only: tuple[str, ...] = DEGRADATIONS, angle: float | None = None) -> Image.Image:
    """A page as a photocopy or phone photo of the printed report looks (`img` rendered at `dpi`):
    - rotation: skewed by 1-3 degrees either way (`angle` to choose it), the corners left dark;
    - lighting: uneven light, a gradient across the page and a darker corner (down to ~60 %);
    - seal: a red official seal (ring, star, characters) stamped over part of the table;
    - speckle: photocopy toner specks and dust, and grain;
    - edges: shadowed page edges (the gutter and border of a copied or photographed page);
    - jpeg: saved as JPEG at quality 40 (colour subsampled).
    `only` picks some of them (all by default). Deterministic for a seed."""
    import numpy as np

    rng = random.Random(f"scan-{seed}")
    nrng = np.random.default_rng(rng.randrange(2**32))
    px_per_mm = dpi / 25.4
    page = img.convert("RGB")
    w, h = page.size
    if "seal" in only:
        box = _table_box(page)
        size = int(42 * px_per_mm)  # a 42 mm seal
        if box:
            x0, y0, x1, y1 = box
            cx = rng.uniform(x0 + 0.35 * (x1 - x0), x0 + 0.9 * (x1 - x0))
            cy = rng.uniform(y0 + 0.2 * (y1 - y0), y0 + 0.8 * (y1 - y0))
        else:
            cx, cy = rng.uniform(0.5, 0.8) * w, rng.uniform(0.3, 0.8) * h
        seal = _seal(size, rng).rotate(rng.uniform(-30, 30), resample=Image.BICUBIC)
        base = np.asarray(page, dtype=np.float32)
        sa = np.asarray(seal, dtype=np.float32)
        x, y = int(cx - size / 2), int(cy - size / 2)
        xs, ys = max(0, x), max(0, y)
        xe, ye = min(w, x + size), min(h, y + size)
        if xe > xs and ye > ys:
            patch = sa[ys - y:ye - y, xs - x:xe - x]
            alpha = patch[..., 3:4] / 255.0
            ink = patch[..., :3] / 255.0
            region = base[ys:ye, xs:xe]
            # stamped ink multiplies what is printed below it: black text stays black
            base[ys:ye, xs:xe] = region * (1 - alpha + alpha * ink)
        page = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    if "rotation" in only:
        a = angle if angle is not None else rng.choice([-1, 1]) * rng.uniform(1.0, 3.0)
        page = page.rotate(a, resample=Image.BICUBIC, expand=True, fillcolor=(70, 70, 70))
        # back to the page's size, the dark corners of the scanner bed kept
        W, H = page.size
        page = page.crop(((W - w) // 2, (H - h) // 2, (W - w) // 2 + w, (H - h) // 2 + h))
    arr = np.asarray(page, dtype=np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if "lighting" in only:
        gx, gy = rng.uniform(-1, 1), rng.uniform(-1, 1)
        grad = 1.0 - 0.22 * ((gx * (xx / w - 0.5) + gy * (yy / h - 0.5)) + 0.5 * (abs(gx) + abs(gy))) / (abs(gx) + abs(gy) + 1e-6)
        cx, cy = rng.choice([0, w]), rng.choice([0, h])
        dist = np.sqrt(((xx - cx) / w) ** 2 + ((yy - cy) / h) ** 2)
        corner = 1.0 - 0.2 * np.clip(1.0 - dist / 0.9, 0, 1) ** 2
        light = grad * corner
        arr = arr * light[..., None] + 6 * (1 - light[..., None])
    if "edges" in only:
        shade = np.ones((h, w), np.float32)
        for side in rng.sample(["left", "right", "top", "bottom"], k=2):
            width = rng.uniform(0.02, 0.05) * (w if side in ("left", "right") else h)
            d = {"left": xx, "right": w - 1 - xx, "top": yy, "bottom": h - 1 - yy}[side]
            shade = np.minimum(shade, 0.25 + 0.75 * np.clip(d / width, 0, 1) ** 0.7)
        arr = arr * shade[..., None]
    if "speckle" in only:
        gray_noise = nrng.normal(0, 6, size=(h, w)).astype(np.float32)
        arr = arr + gray_noise[..., None]
        n = int(w * h / 5000)
        ys_, xs_ = nrng.integers(0, h, n), nrng.integers(0, w, n)
        rs = nrng.choice([0, 0, 0, 1, 1, 2], n)
        for y, x, r in zip(ys_, xs_, rs):
            arr[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1] *= 0.2
    page = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    page = page.filter(ImageFilter.GaussianBlur(radius=0.5))
    if "jpeg" in only:
        buf = io.BytesIO()
        page.save(buf, format="JPEG", quality=40)
        page = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return page


def degraded_pages(pdf: bytes, dpi: int = 150, seed: int = 0, only: tuple[str, ...] = DEGRADATIONS,
                   renderer: str = "pdftoppm") -> list[Image.Image]:
    """Every page of a text PDF rasterised at `dpi` and degraded (`degrade_scan`, page by page
    with its own seed)."""
    return [degrade_scan(p, seed=seed * 1000 + i, dpi=dpi, only=only)
            for i, p in enumerate(rasterise(pdf, dpi, renderer))]
