"""Bytes -> text for HTML and plain-text documents, the way Chinese portals really encode them.

Portals serve UTF-8, GBK, GB2312 (often declared while the bytes are GBK) and GB18030, with or
without a declared charset. Every GB* declaration is decoded as GB18030 (a superset of GBK and
GB2312), as browsers and Scrapy do. A declaration that the bytes contradict loses to the bytes:
a strict decode with the declared charset is tried first, then UTF-8, then GB18030, then Big5
(traditional-character sites); only when all fail is the text decoded with replacement characters,
and a warning says so.

A byte-order mark is believed only when the bytes after it decode in its encoding: a UTF-8 BOM
written by an editor in front of GBK bytes is dropped and the bytes sniffed as usual (with a
warning). UTF-16 without a BOM (Windows "Unicode" text) is recognised from its zero bytes: ASCII
and CJK punctuation put a zero in every other byte, at even offsets for big-endian and odd offsets
for little-endian.

A single-byte Western declaration (ISO-8859-1, the default of servlet containers such as Tomcat,
or windows-1252) decodes any bytes, so it cannot be contradicted by a strict decode: it is only
believed for bytes that are not UTF-8 and not Chinese text in GB18030 (the bytes win, with a
warning naming the declaration).
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


# Single-byte Western charsets: every byte sequence decodes, so a strict decode proves nothing.
_WESTERN = {"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"}
_CHINESE = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _chinese_text(text: str) -> bool:
    """Most non-ASCII characters are CJK ideographs, CJK punctuation or full-width forms."""
    wide = sum(1 for ch in text if ord(ch) > 127)
    return wide > 0 and len(_CHINESE.findall(text)) >= 0.9 * wide


def _bom(data: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) of a byte-order mark the rest of the bytes bear out, else None."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[len(bom):]
            if enc.startswith("utf-16") and len(body) % 2:
                return None
            try:
                body.decode(enc)
            except UnicodeDecodeError:
                return None
            return enc, len(bom)
    return None


def _lying_bom(data: bytes) -> int:
    """The length of a byte-order mark that the bytes after it contradict (0: none): the bytes
    are not in the mark's encoding and decode strictly in another one (GB18030, Big5). UTF-8
    with a broken byte or two keeps its mark (decoded with replacement characters)."""
    if _bom(data) is not None:
        return 0
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            body = data[len(bom):]
            for enc in ("gb18030", "big5hkscs"):
                try:
                    body.decode(enc)
                except UnicodeDecodeError:
                    continue
                return len(bom)
            return 0
    return 0


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 text without a byte-order mark, else None.

    Text has line ends, spaces, digits or ASCII markup: in UTF-16 each is a zero byte beside
    its code, always on the same side (a CJK character's low byte is zero now and then: 一, 开,
    less often); the decoded text must then hold hardly any control characters. Binary data
    has zeros on both sides and does not decode so; Chinese-only
    UTF-16 without a single ASCII character is not recognised (nothing to tell it by)."""
    head = data[:65536]
    if len(head) < 4:
        return None
    head = head[:len(head) - len(head) % 2]
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = len(head) // 2
    for zeros, other, enc in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros >= 0.05 * half and other * 2 <= zeros:
            body = data[:len(data) - len(data) % 2]
            try:
                text = body.decode(enc)
            except UnicodeDecodeError:
                return None
            sample = text[:32768]
            bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n\f")
                      or 0xE000 <= ord(ch) <= 0xF8FF)
            return enc if bad <= 0.01 * max(1, len(sample)) else None
    return None


def sniff(data: bytes, declared: str | None = None) -> tuple[str | None, list[str]]:
    """The encoding the bytes really are, and the declarations tried before it.

    A byte-order mark the bytes bear out decides; then UTF-16 recognised without one; else the
    first of: `declared` (an HTTP charset), the page's own declaration, UTF-8, GB18030, Big5
    that decodes the bytes strictly (after a BOM the bytes contradict). None when none does.
    A Western single-byte declaration comes after UTF-8 and GB18030 when the bytes read as
    Chinese text in one of them.
    """
    bom = _bom(data)
    if bom is not None:
        return ("utf-8" if bom[0] == "utf-8" else "utf-16"), []
    if data.startswith(codecs.BOM_UTF8) and not _lying_bom(data):
        return "utf-8", []  # UTF-8 with a broken byte: decoded with replacement characters
    utf16 = utf16_without_bom(data)
    if utf16:
        return utf16, []
    data = data[_lying_bom(data):]
    declarations = [d for d in (normalise_charset(declared), declared_charset(data)) if d]
    order = list(declarations)
    if any(d in _WESTERN for d in declarations) and any(b > 127 for b in data[:65536]):
        order = [d for d in declarations if d not in _WESTERN]
        for enc in ("utf-8", "gb18030"):
            try:
                if enc == "utf-8" or _chinese_text(data[:65536].decode(enc, errors="ignore")):
                    data.decode(enc)
                    order.append(enc)
            except UnicodeDecodeError:
                continue
        order += [d for d in declarations if d in _WESTERN]
    tried: list[str] = []
    for enc in (*order, "utf-8", "gb18030", "big5hkscs"):
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
    bom = _bom(data)
    if bom is not None:
        text = data[bom[1]:].decode(bom[0])
        return text, ("utf-8-sig" if bom[0] == "utf-8" else "utf-16"), []
    if data.startswith(codecs.BOM_UTF8) and not _lying_bom(data):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", [
            "UTF-8 with bytes that are not UTF-8: decoded with replacement characters"]
    if enc in ("utf-16-le", "utf-16-be"):
        return (data[:len(data) - len(data) % 2].decode(enc), enc,
                [f"UTF-16 text without a byte-order mark: decoded as {enc}"])
    warnings = []
    lying = _lying_bom(data)
    if lying:
        data = data[lying:]
        warnings.append(f"starts with a {'UTF-8' if lying == 3 else 'UTF-16'} byte-order mark but "
                        f"the bytes after it are not {'UTF-8' if lying == 3 else 'UTF-16'}: "
                        f"the mark is ignored and the encoding read from the bytes")
    if enc is not None:
        if declarations and enc != declarations[0]:
            said = {"cp1252": "iso-8859-1 / windows-1252"}.get(declarations[0], declarations[0])
            warnings.append(f"declares {said} but the bytes are {enc}: decoded as {enc}")
        return data.decode(enc), enc, warnings
    if b"\x00" in data[:4096]:
        raise UnreadableDocument("not text: binary bytes that are neither UTF-8 nor GB18030")
    enc = declarations[0] if declarations else "gb18030"
    return (data.decode(enc, errors="replace"), enc,
            warnings + [f"bytes are not valid in any of {', '.join([*declarations, 'utf-8', 'gb18030', 'big5hkscs'])}: "
             f"decoded as {enc} with replacement characters"])
