"""Bounded stream decoding for pdfminer: a PDF's streams may not inflate without limit.

pdfminer inflates a FlateDecode stream with ``zlib.decompress`` (and LZW with ``lzwdecode``) in
one call, whatever it inflates to: a 4 MB PDF whose content stream inflates to 4 GiB took 8 GB
of memory. While :func:`bounded` is active, every stream pdfminer decodes is inflated
incrementally and refused (:class:`StreamLimit`, an UnreadableDocument) as soon as one stream
exceeds ``max_stream`` bytes or the document's streams together exceed ``max_total``.
"""
from __future__ import annotations

import contextlib
import io
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
