"""The OCR step of a parse: which documents are read by OCR, and with which page images.

A document goes to OCR when its reader found no text to read: an image (PNG/JPEG), a PDF
without a text layer or with a text layer of garbage over page images, and an HTML page whose
body is page images (图片版), whose images the caller passes in (`images`: address -> bytes, the
archived captures; `ogi build` gives the captures the page refers to). The OCR document keeps
`scanned=True`: `document_kind` stays `scanned`, and `Document.ocr` says OCR was used.
"""
from __future__ import annotations

import urllib.parse
from typing import Mapping

from . import pixels
from .document import Document, ResourceExhausted, UnreadableDocument
from .readers import ocr as ocr_reader
from .readers.ocr_page import load_image

NEEDS_OCR = ("needs OCR",)


def wants_ocr(doc: Document, data: bytes, kind: str) -> bool:
    if kind == "image":
        return True
    if kind == "pdf":
        return doc.scanned or ocr_reader.garbage_text_layer(doc, data)
    return kind == "html" and doc.scanned and bool(doc.image_srcs)


def page_images(doc: Document, data: bytes, kind: str, name: str,
                images: Mapping[str, bytes] | None, opts: ocr_reader.OcrOptions,
                max_pages: int) -> tuple[list, list[str]]:
    """The page images to read, in page order, and warnings about pages that cannot be had."""
    warnings: list[str] = []
    if kind == "image":
        try:
            return [load_image(data)], warnings
        except ValueError as exc:
            raise UnreadableDocument(str(exc)) from None
    if kind == "pdf":
        pages = ocr_reader.page_images_of_pdf(data, opts, max_pages)
        return pages, warnings + list(getattr(pages, "warnings", []))
    out = []
    images = images or {}
    for n, src in enumerate(doc.image_srcs, 1):
        url = urllib.parse.urljoin(name, src) if src else ""
        payload = images.get(url) or images.get(src)
        if payload is None:
            warnings.append(f"page image {n} ({src or 'no src'}) is not in the archive: not read")
            continue
        try:  # the header only: each page is decoded when the OCR reads it (one at a time)
            pixels.check_image(payload, what=f"page image {n} ({src})")
        except ResourceExhausted as exc:
            warnings.append(f"{exc}: not read")
            continue
        except ValueError:
            warnings.append(f"page image {n} ({src}) cannot be decoded: not read")
            continue
        out.append(payload)
    return pixels.LazyImages(out, load_image), warnings


def read_by_ocr(doc: Document, data: bytes, *, kind: str, name: str,
                images: Mapping[str, bytes] | None = None,
                opts: ocr_reader.OcrOptions | None = None, max_pages: int = 200) -> Document:
    """`doc` read again by OCR when it needs it; `doc` itself (with a warning) when OCR cannot run."""
    opts = opts or ocr_reader.OcrOptions()
    if not opts.enabled or not wants_ocr(doc, data, kind):
        return doc
    why = ocr_reader.unavailable(opts)
    if why:
        doc.warnings.append(why)
        return doc
    pages, warnings = page_images(doc, data, kind, name, images, opts, max_pages)
    if not pages:
        doc.warnings.extend(warnings)
        return doc
    try:
        read = ocr_reader.read_images(pages, name=name, opts=opts, kind=doc.kind)
    finally:
        getattr(pages, "close", lambda: None)()
    # the HTML page's own text (title, date) comes first; the reader's "needs OCR" notes go
    kept = [w for w in doc.warnings if not any(k in w for k in NEEDS_OCR)]
    text = read.text if kind != "html" else (doc.text + "\n" + read.text).strip()
    if kind == "pdf" and not doc.scanned:
        kept.append("the PDF's text layer is not the report's text (garbage over page images): read by OCR")
    return Document(kind=doc.kind, text=text, grids=read.grids, pages=read.pages or doc.pages,
                    warnings=kept + warnings + read.warnings, scanned=True, ocr=read.ocr,
                    image_srcs=doc.image_srcs)
