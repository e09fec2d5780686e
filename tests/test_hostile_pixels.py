"""A pixel budget before any image is decoded or page rasterised; pages one at a time; the page
images of a 图片版 page read inside the guarded parser process, never by the build itself."""
from __future__ import annotations

import pytest

from parsers import guard, pixels
from parsers.document import ResourceExhausted
from parsers.parse import parse_bytes
from parsers.readers.ocr import OcrOptions
from testbed.hostile import png_bomb, scanned_pdf

GIB = 2 ** 30


one_page_pdf = scanned_pdf


def parse_png(data, name, content_type=None, **kw):  # in a guarded worker
    return parse_bytes(data, name=name, content_type=content_type, **kw)


def test_image_size_is_read_from_the_header_only():
    bomb = png_bomb(14000)  # past Pillow's own bomb bound too (2 x 89.5M pixels)
    assert len(bomb) < 4 * 2 ** 20
    small = png_bomb(640)
    assert pixels.image_size(small) == (640, 640) and pixels.check_image(small) == (640, 640)
    with pytest.raises(ResourceExhausted, match="196,000,000 pixels, over the pixel budget"):
        pixels.check_image(bomb)
    with pytest.raises(ResourceExhausted, match="7000 x 7000 pixels"):
        pixels.check_image(png_bomb(7000))


@pytest.mark.slow  # a parser process
def test_a_png_bomb_is_refused_before_decoding_inside_a_small_worker():
    (_, outcome), = guard.GuardedParser(parse_png, max_memory=1 * GIB).map(
        [(0, png_bomb(30000), "bomb.png", "image/png")])
    # not "memory limit": the budget refused it before OpenCV allocated anything
    assert isinstance(outcome, ResourceExhausted), outcome
    assert outcome.retryable and "900,000,000 pixels" in str(outcome)


@pytest.mark.slow  # OCR
def test_a_huge_pdf_page_is_rasterised_within_the_budget_inside_a_small_worker():
    pdf = one_page_pdf(14400, 14400)
    assert len(pdf) < 1024
    opts = OcrOptions(doc_timeout=60, page_timeout=30)
    (_, outcome), = guard.GuardedParser(parse_png, max_memory=1 * GIB).map(
        [(0, pdf, "huge.pdf", "application/pdf", {"ocr": opts})])
    assert isinstance(outcome, dict), outcome
    assert any("over the pixel budget" in w and "page 1" in w for w in outcome["warnings"])
    pages = pixels.PdfPages(pdf, 200)
    img = pages[0]
    assert img.shape[0] * img.shape[1] <= pixels.MAX_PIXELS
    pages.close()


@pytest.mark.slow  # OCR
def test_pdf_pages_are_rasterised_one_at_a_time():
    # 200 A4 pages at 200 dpi are 2.3 GB held at once; one at a time they fit in 1 GiB
    pdf = one_page_pdf(595, 842, pages=200)
    opts = OcrOptions(doc_timeout=3, page_timeout=3)
    (_, outcome), = guard.GuardedParser(parse_png, max_memory=1 * GIB).map(
        [(0, pdf, "long.pdf", "application/pdf", {"ocr": opts})])
    assert isinstance(outcome, dict), outcome
    assert outcome["ocr"]["pages"] == 200
    assert any("time limit" in w for w in outcome["warnings"])  # later pages never rendered


# ------------------------------------------------------------------ page images in the build

def refuse_with_images(data, name, content_type=None, images=None, **kw):  # in a worker
    from parsers.document import UnreadableDocument

    got = sorted((url, len(images[url])) for url in images) if images is not None else None
    raise UnreadableDocument(f"images seen: {got}")


@pytest.mark.slow  # a parser process
def test_page_images_are_read_inside_the_worker(tmp_path, monkeypatch):
    from crawler import archive as archive_module
    from crawler.archive import ArchiveIndex, ArchiveWriter, Fetch
    from crawler.db.build import build
    from tests.conftest import db_rows

    arch = tmp_path / "archive"
    w = ArchiveWriter(arch, "20250301T000000.000Z-t", "t", index=ArchiveIndex())
    page = "http://x.gov.cn/nb/t1.html"
    html = '<html><body><h1>年报</h1><img src="p1.png"><img src="p2.png"></body></html>'
    w.write(Fetch(url=page, final_url=page, status=200, role="report", body=html.encode(),
                  headers=[("Content-Type", "text/html; charset=utf-8")]))
    sizes = {}
    for i in (1, 2):
        url = f"http://x.gov.cn/nb/p{i}.png"
        body = b"\x89PNG" + bytes(200_000 * i)
        sizes[url] = len(body)
        w.write(Fetch(url=url, final_url=url, status=200, role="report", body=body,
                      referer=page, headers=[("Content-Type", "image/png")]))
    w.close()
    read_here = []
    real = archive_module.Capture.payload

    def spy(self):
        read_here.append(self.url)
        return real(self)

    monkeypatch.setattr(archive_module.Capture, "payload", spy)
    build(arch, tmp_path / "a.db", parse=refuse_with_images, parser_version="t")
    err, = db_rows(tmp_path / "a.db", "select reason from parse_errors")
    assert str(sorted(sizes.items())) in err["reason"]  # the worker had every image
    assert not [u for u in read_here if u.endswith(".png")]  # the build read none
