"""Minimal decoding of plain-text documents: BOM, UTF-8, then GB18030 (a superset of GB2312/GBK)."""
from __future__ import annotations

from .document import UnreadableDocument


def decode_text_basic(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise UnreadableDocument("not text: bytes are neither UTF-8 nor GB18030") from None
