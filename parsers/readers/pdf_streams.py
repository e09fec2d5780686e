"""Bounded stream decoding: a PDF's streams may not inflate without limit.

pdfium, which reads PDFs (parsers/readers/pdf.py), inflates a stream whole and aborts the process
when memory runs out: :func:`check_streams` inflates every compressed stream of the file
incrementally, output discarded, before pdfium opens it, and refuses the file (:class:`StreamLimit`)
as soon as one stream exceeds ``max_stream`` bytes or all together exceed ``max_total``;
:func:`check_encrypted` does the same through pdfminer for an encrypted file.

pdfminer inflates a FlateDecode stream with ``zlib.decompress`` (and LZW with ``lzwdecode``) in
one call, whatever it inflates to: a 4 MB PDF whose content stream inflates to 4 GiB took 8 GB
of memory. While :func:`bounded` is active, every stream pdfminer decodes is inflated
incrementally and refused (:class:`StreamLimit`, an UnreadableDocument) as soon as one stream
exceeds ``max_stream`` bytes or the document's streams together exceed ``max_total``.
"""
from __future__ import annotations

import contextlib
import io
import re
import zlib

import pdfminer.pdftypes as _pdftypes
from pdfminer.lzw import LZWDecoder

from ..document import UnreadableDocument

MAX_STREAM = 64 * 1024 * 1024      # one decoded stream (a page's content, a font, a form)
MAX_TOTAL = 1024 * 1024 * 1024     # all decoded streams of one document


class StreamLimit(UnreadableDocument):
    """A resource limit, like parsers.guard.ResourceLimit: ogi build --incremental retries it."""

    retryable = True


def limit_in(exc: BaseException) -> BaseException | None:
    """The StreamLimit or MemoryError behind `exc` (pdfplumber wraps pdfminer's errors in
    PdfminerException(original)), or None."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, (StreamLimit, MemoryError)):
            return exc
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or exc.__cause__ or exc.__context__
        seen += 1
    return None


class _Budget:
    def __init__(self, max_stream: int, max_total: int) -> None:
        self.max_stream = max_stream
        self.left = max_total
        self.max_total = max_total

    def take(self, n: int) -> None:
        if n > self.max_stream:
            raise StreamLimit(f"decompression bomb: a compressed stream inflates to more than "
                              f"{self.max_stream} bytes (max_stream)")
        self.left -= n
        if self.left < 0:
            raise StreamLimit(f"decompression bomb: the compressed streams inflate to more than "
                              f"{self.max_total} bytes in all (max_inflated)")


_active: list[_Budget] = []


def _budget() -> _Budget | None:
    return _active[-1] if _active else None


class _BoundedZlib:
    """zlib as pdfminer.pdftypes sees it: decompress() and decompressobj() under the budget."""

    error = zlib.error

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def decompress(data, wbits=zlib.MAX_WBITS, bufsize=zlib.DEF_BUF_SIZE):
        b = _budget()
        if b is None:
            return zlib.decompress(data, wbits, bufsize)
        d = zlib.decompressobj(wbits)
        out = d.decompress(data, b.max_stream + 1)
        b.take(len(out))
        if not d.eof:
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    @staticmethod
    def decompressobj(*args, **kw):
        return _BoundedObj(zlib.decompressobj(*args, **kw))


class _BoundedObj:
    def __init__(self, d) -> None:
        self._d = d
        self._size = 0

    def __getattr__(self, name):
        return getattr(self._d, name)

    def decompress(self, data, max_length=0):
        out = self._d.decompress(data, max_length)
        b = _budget()
        if b is not None:
            self._size += len(out)
            if self._size > b.max_stream:
                b.take(self._size)
            b.take(len(out))
        return out


def _lzwdecode(data: bytes) -> bytes:
    b = _budget()
    parts = []
    size = 0
    for piece in LZWDecoder(io.BytesIO(data)).run():
        size += len(piece)
        if b is not None and size > b.max_stream:
            b.take(size)
        parts.append(piece)
    if b is not None:
        b.take(size)
    return b"".join(parts)


_pdftypes.zlib = _BoundedZlib()
_pdftypes.lzwdecode = _lzwdecode


@contextlib.contextmanager
def bounded(max_stream: int = MAX_STREAM, max_total: int = MAX_TOTAL):
    """Decode pdfminer's streams of one document under these limits."""
    _active.append(_Budget(max_stream, max_total))
    try:
        yield
    finally:
        _active.pop()


# ------------------------------------------------------------------ before pdfium reads a file
# pdfium inflates a stream whole, whatever it inflates to, and aborts the process when memory runs
# out: the PDF reader checks every compressed stream of the file here before pdfium opens it.

_STREAM_RE = re.compile(rb"stream(?:\r\n|\n|\r)")
_OBJ_RE = re.compile(rb"\d+\s+\d+\s+obj\b")
_FILTER_RE = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME_RE = re.compile(rb"/([A-Za-z0-9]+)")
_INFLATING = {b"FlateDecode": False, b"Fl": False, b"LZWDecode": True, b"LZW": True}
_TEXT_CODED = {b"ASCIIHexDecode", b"AHx", b"ASCII85Decode", b"A85"}


def _text_decode(name: bytes, raw: bytes) -> bytes:
    """ASCIIHex / ASCII85 (never larger than their input), for a chain that inflates next."""
    import base64
    import binascii

    if name in (b"ASCIIHexDecode", b"AHx"):
        hexits = re.sub(rb"[^0-9A-Fa-f]", b"", raw.split(b">", 1)[0])
        return binascii.a2b_hex(hexits + b"0" * (len(hexits) % 2))
    body = raw.strip()
    if body.startswith(b"<~"):
        body = body[2:]
    return base64.a85decode(body.split(b"~>", 1)[0] + b"~>", adobe=True)
_CHUNK = 1 << 16


def _dict_before(data: bytes, pos: int) -> bytes | None:
    """The object dictionary that ends (``>>``) right before the ``stream`` keyword at `pos`,
    from the object's ``N G obj``; None when the keyword follows no dictionary."""
    head = data[max(0, pos - 4096):pos].rstrip()
    if not head.endswith(b">>"):
        return None
    starts = list(_OBJ_RE.finditer(head))
    return head[starts[-1].end():] if starts else head


def _inflate_size(data: bytes, start: int, end: int, budget: _Budget, lzw: bool) -> None:
    """Inflate data[start:end] incrementally, output discarded, charging `budget` as it goes."""
    size = 0
    if lzw:
        try:
            for piece in LZWDecoder(io.BytesIO(data[start:end])).run():
                size += len(piece)
                if size > budget.max_stream:
                    budget.take(size)
        except (StreamLimit, MemoryError):
            raise
        except Exception:  # a broken LZW stream: what pdfium makes of it is its business
            pass
        budget.take(size)
        return
    d = zlib.decompressobj()
    pos = start
    pending = b""
    try:
        while not d.eof:
            if not pending:
                if pos >= end:
                    break
                pending = data[pos:pos + _CHUNK]
                pos += _CHUNK
            out = d.decompress(pending, 1 << 20)
            pending = d.unconsumed_tail
            size += len(out)
            if size > budget.max_stream:
                budget.take(size)
            budget.take(len(out))
    except zlib.error:  # not zlib after all (encrypted, broken): nothing more to inflate here
        pass


def check_streams(data: bytes, max_stream: int = MAX_STREAM, max_total: int = MAX_TOTAL) -> None:
    """Raise StreamLimit if one FlateDecode/LZWDecode stream of the file (after ASCIIHex /
    ASCII85 when those come first) inflates to more than `max_stream` bytes or all of them
    together to more than `max_total`. Images are left out
    (pdfium does not decode them to read text and rules); encrypted streams do not inflate here
    (see check_encrypted)."""
    budget = _Budget(max_stream, max_total)
    for m in _STREAM_RE.finditer(data):
        if data[max(0, m.start() - 3):m.start()] == b"end":
            continue
        head = _dict_before(data, m.start())
        if head is None or b"/Image" in head:
            continue
        f = _FILTER_RE.search(head)
        if f is None:
            continue
        names = _NAME_RE.findall(f.group(1))
        coded = []
        while names and names[0] in _TEXT_CODED:  # e.g. [/ASCII85Decode /FlateDecode]
            coded.append(names.pop(0))
        if not names or names[0] not in _INFLATING:
            continue
        end = data.find(b"endstream", m.end())
        end = len(data) if end < 0 else end
        if coded:
            raw = data[m.end():end]
            try:
                for name in coded:
                    raw = _text_decode(name, raw)
            except (ValueError, TypeError):  # broken encoding: nothing to inflate here
                continue
            _inflate_size(raw, 0, len(raw), budget, lzw=_INFLATING[names[0]])
        else:
            _inflate_size(data, m.end(), end, budget, lzw=_INFLATING[names[0]])


def check_encrypted(data: bytes, max_stream: int = MAX_STREAM, max_total: int = MAX_TOTAL) -> None:
    """The same check for an encrypted file pdfium opens (empty user password): pdfminer
    decrypts and decodes every page's content streams under the limits."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    with bounded(max_stream, max_total):
        try:
            doc = PDFDocument(PDFParser(io.BytesIO(data)))
            for page in PDFPage.create_pages(doc):
                for stream in page.contents:
                    stream.get_data()
        except (StreamLimit, MemoryError):
            raise
        except Exception as e:  # pdfminer failing on a file pdfium reads: not a limit
            if limit_in(e) is not None:
                raise limit_in(e) from None
