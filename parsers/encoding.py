"""Bytes -> text for HTML and plain-text documents, the way Chinese portals really encode them.

Portals serve UTF-8, GBK, GB2312 (often declared while the bytes are GBK) and GB18030, with or
without a declared charset. Every GB* declaration is decoded as GB18030 (a superset of GBK and
GB2312), as browsers and Scrapy do. A declaration that the bytes contradict loses to the bytes:
a strict decode with the declared charset is tried first, then UTF-8, then GB18030, then Big5
(traditional-character sites); only when all fail is the text decoded with replacement characters,
and a warning says so.
"""
from __future__ import annotations

import codecs
import re

from .document import UnreadableDocument

_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "csgb2312", "euc-cn", "cp936", "windows-936",
       "x-euc-cn", "hz-gb-2312"}
# What browsers (WHATWG) read these labels as.
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
            "utf8": "utf-8"}
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_XML = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""", re.I)
_HTTP = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


def normalise_charset(name: str | None) -> str | None:
    """A charset label as Python knows it; every GB* label becomes gb18030; unknown -> None."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _GB:
        return "gb18030"
    if label in ("big5", "big5-hkscs", "x-x-big5", "cp950"):
        return "big5hkscs"
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (meta tag or XML declaration)."""
    head = data[:4096]
    m = _META.search(head) or _XML.search(head)
    return normalise_charset(m.group(1).decode("ascii", "ignore")) if m else None


def http_charset(content_type: str | None) -> str | None:
    """The charset of an HTTP Content-Type header (text/html; charset=GBK -> gb18030)."""
    m = _HTTP.search(content_type or "")
    return normalise_charset(m.group(1)) if m else None


def sniff(data: bytes, declared: str | None = None) -> tuple[str | None, list[str]]:
    """The encoding the bytes really are, and the declarations tried before it.

    A byte-order mark decides; else the first of: `declared` (an HTTP charset), the page's own
    declaration, UTF-8, GB18030, Big5 that decodes the bytes strictly. None when none does.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", []
    declarations = [d for d in (normalise_charset(declared), declared_charset(data)) if d]
    tried: list[str] = []
    for enc in (*declarations, "utf-8", "gb18030", "big5hkscs"):
        if enc in tried:
            continue
        tried.append(enc)
        try:
            data.decode(enc)
        except UnicodeDecodeError:
            continue
        return enc, declarations
    return None, declarations


def decode(data: bytes, declared: str | None = None) -> tuple[str, str, list[str]]:
    """Decode document bytes. Returns (text, encoding used, warnings)."""
    enc, declarations = sniff(data, declared)
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", []
    if enc == "utf-16":
        return data.decode("utf-16", errors="replace"), "utf-16", []
    if enc is not None:
        warnings = []
        if declarations and enc != declarations[0]:
            warnings.append(f"declares {declarations[0]} but the bytes are {enc}: decoded as {enc}")
        return data.decode(enc), enc, warnings
    if b"\x00" in data[:4096]:
        raise UnreadableDocument("not text: binary bytes that are neither UTF-8 nor GB18030")
    enc = declarations[0] if declarations else "gb18030"
    return (data.decode(enc, errors="replace"), enc,
            [f"bytes are not valid in any of {', '.join([*declarations, 'utf-8', 'gb18030', 'big5hkscs'])}: "
             f"decoded as {enc} with replacement characters"])
