"""The page images of 图片版 report pages, brought to the page's parse by `ogi build`.

The crawler archives a report page whose body is images together with each image (a capture
whose referer is the page). An image capture whose referer is an archived report page is a page
of that report, not a report of its own: the build gives the page's parse every such image
(address -> bytes), and the parser reads them by OCR in the order the page shows them.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from collections.abc import Mapping
from typing import Any, Iterable
from urllib.parse import urlsplit

from . import load

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}


def is_image(c: dict) -> bool:
    ctype = (c.get("content_type") or "").split(";")[0].strip().lower()
    if ctype.startswith("image/"):
        return True
    url = c.get("final_url") or c.get("url") or ""
    return PurePosixPath(urlsplit(url).path).suffix.lower() in IMAGE_SUFFIXES


def split_pages(report_captures: Iterable[Any]) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """(the report captures that are reports, {page URL: {image URL: capture}}).

    `report_captures` are the current report captures (crawler.db.build.current_report_captures).
    """
    caps = list(report_captures)
    dicts = [load.capture_dict(cap) for cap in caps]
    pages = {c.get("final_url") or c.get("url") for c in dicts if not is_image(c)}
    pages |= {c.get("url") for c in dicts if not is_image(c)}
    reports, images = [], {}
    for cap, c in zip(caps, dicts):
        ref = c.get("referer")
        if is_image(c) and ref and ref in pages:
            by_url = images.setdefault(ref, {})
            by_url[c.get("url")] = cap
            if c.get("final_url"):
                by_url[c["final_url"]] = cap
            continue
        reports.append(cap)
    return reports, images


class ArchivedImages(Mapping):
    """Image URL -> bytes, each read from the archive when the parser asks for it: sent to the
    guarded parser process as WARC positions (a few bytes), so a page of large images is read,
    size-checked and decoded inside the worker, under its memory limit, one image at a time
    and never in the building process. A record that cannot be read gives None (the parser
    names the page image as not read)."""

    def __init__(self, images: dict[str, Any]) -> None:
        self._caps = dict(images)

    def __getitem__(self, url: str) -> bytes:
        cap = self._caps[url]
        try:
            return cap.payload()
        except (OSError, ValueError):
            raise KeyError(url) from None

    def __iter__(self):
        return iter(self._caps)

    def __len__(self) -> int:
        return len(self._caps)


def payloads(images: dict[str, Any] | None) -> dict[str, bytes]:
    """Image URL -> bytes (one payload read per capture)."""
    out: dict[str, bytes] = {}
    seen: dict[int, bytes] = {}
    for url, cap in (images or {}).items():
        if id(cap) not in seen:
            seen[id(cap)] = cap.payload()
        out[url] = seen[id(cap)]
    return out
