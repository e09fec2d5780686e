"""Verified reading of WARC files: every record is checked, damage is skipped and named.

A record is taken only when it is whole: its gzip member inflates to its end with a good CRC,
and its payload matches the ``WARC-Payload-Digest`` it declares (``WARC-Ogi-Sha256`` when there
is none). Anything else is damage: a record cut off by a crawler killed while writing it (the
file ends inside the member), bytes overwritten or garbled in the middle of a file. Damage is
reported as a :class:`Damage` (file, byte range, reason) and reading resumes at the next gzip
member that starts a WARC record (plain ``.warc`` files: the next ``WARC/1.x`` line), so every
intact record of a damaged file is still read.

Our writer (crawler.archive.ArchiveWriter) puts one record in one gzip member and fsyncs after
each capture, so a kill leaves whole records followed at most by one partial member, which
fails its check here and is reported, never parsed, never the original of a revisit.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import io
import logging
import pathlib
import zlib
from typing import Any, Iterator

from warcio.archiveiterator import ArchiveIterator

log = logging.getLogger(__name__)

FEED = 32 * 1024                # compressed bytes fed to zlib at a time
READ = 1 << 20                  # bytes read from the file at a time
MAX_RECORD = 1 << 30            # a member inflating beyond this is not one of our records
GZIP_MAGIC = b"\x1f\x8b\x08"
PAYLOAD_TYPES = ("response", "resource")


class DamagedRecord(ValueError):
    """A WARC record that is cut off or damaged (the message says where and why)."""


@dataclasses.dataclass
class Damage:
    file: str       # relative to the archive directory (or as given)
    start: int      # first damaged byte
    end: int        # first byte after the damage (the next intact record, or the file size)
    reason: str

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return f"{self.file} bytes {self.start}-{self.end}: {self.reason}"


class _Bad(Exception):
    pass


class _Cut(_Bad):
    pass


def payload_problem(record: Any, payload: bytes) -> str | None:
    """Why `payload` is not the whole payload `record` declares (None when it is)."""
    get = record.rec_headers.get_header
    digest = get("WARC-Payload-Digest")
    if digest and ":" in digest:
        algo, _, value = digest.partition(":")
        try:
            h = hashlib.new(algo.strip().lower().replace("-", ""), payload).digest()
        except ValueError:
            h = None
        if h is not None:
            value = value.strip()
            try:
                expected = base64.b32decode(value.upper()) if len(value) != 2 * len(h) \
                    else bytes.fromhex(value)
            except (binascii.Error, ValueError):
                return f"unreadable WARC-Payload-Digest {digest!r}"
            if h != expected:
                return (f"payload digest mismatch: {len(payload)} bytes do not match the declared "
                        f"{algo} digest (a cut-off or damaged record)")
            return None
    sha = get("WARC-Ogi-Sha256")
    if sha and hashlib.sha256(payload).hexdigest() != sha:
        return f"payload sha256 mismatch: {len(payload)} bytes (a cut-off or damaged record)"
    size = get("WARC-Ogi-Size")
    if size and size.isdigit() and int(size) != len(payload):
        return f"payload is {len(payload)} bytes, the record declares {size}"
    return None


def _verified(record: Any) -> Any:
    """`record` with its payload read into ``ogi_payload`` and checked (raises _Bad)."""
    payload = record.raw_stream.read()
    if record.rec_type in PAYLOAD_TYPES:
        why = payload_problem(record, payload)
        if why:
            raise _Bad(why)
    record.ogi_payload = payload if record.rec_type in PAYLOAD_TYPES else b""
    return record


def _records_of(data: bytes) -> Iterator[Any]:
    """The verified records of one inflated gzip member."""
    for record in ArchiveIterator(io.BytesIO(data)):
        yield _verified(record)


class _GzipFile:
    """Gzip members of a file, inflated one at a time, with their exact byte ranges."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.buf = b""
        self.base = 0  # file offset of buf[0]; the file position is base + len(buf)
        fh.seek(0, io.SEEK_END)
        self.size = fh.tell()
        fh.seek(0)

    def _at(self, start: int) -> int:
        if not (self.base <= start <= self.base + len(self.buf)):
            self.fh.seek(start)
            self.base, self.buf = start, b""
        return start - self.base

    def _more(self, i: int) -> int:
        """Read on; returns the new index of position `i` (raises _Cut at the end of file)."""
        more = self.fh.read(READ)
        if not more:
            raise _Cut("cut off: the file ends inside this record (a crawler stopped while "
                       "writing it)")
        self.buf = self.buf[i:] + more
        self.base += i
        return 0

    def inflate(self, start: int) -> tuple[bytes, int]:
        """(inflated bytes, end offset) of the member at `start`."""
        i = self._at(start)
        d = zlib.decompressobj(31)
        parts: list[bytes] = []
        size = 0
        while True:
            if i >= len(self.buf):
                i = self._more(i)
            piece = self.buf[i:i + FEED]
            try:
                out = d.decompress(piece)
            except zlib.error as exc:
                raise _Bad(f"damaged gzip data ({exc})") from None
            size += len(out)
            if size > MAX_RECORD:
                raise _Bad(f"a gzip member inflating beyond {MAX_RECORD} bytes")
            parts.append(out)
            if d.eof:
                i += len(piece) - len(d.unused_data)
                return b"".join(parts), self.base + i
            i += len(piece)

    def starts_record(self, pos: int) -> bool:
        """True when a gzip member starting at `pos` begins with a WARC record line."""
        self.fh.seek(pos)
        head = self.fh.read(4096)
        self.base, self.buf = pos, head
        try:
            out = zlib.decompressobj(31).decompress(head, 16)
        except zlib.error:
            return False
        return out.startswith(b"WARC/")

    def next_member(self, after: int) -> int | None:
        """Offset of the next gzip member starting a WARC record, after `after`."""
        pos = after + 1
        while pos < self.size:
            self.fh.seek(pos)
            window = self.fh.read(READ + len(GZIP_MAGIC))
            if not window:
                return None
            k = window.find(GZIP_MAGIC)
            while k >= 0:
                if self.starts_record(pos + k):
                    return pos + k
                k = window.find(GZIP_MAGIC, k + 1)
            pos += READ
        return None


def _iter_gzip(fh, name: str, damage: list | None) -> Iterator[tuple[int, Any]]:
    g = _GzipFile(fh)
    pos = 0
    while pos < g.size:
        try:
            data, end = g.inflate(pos)
            records = list(_records_of(data))
        except Exception as exc:  # noqa: BLE001 - a check, zlib's or warcio's error
            nxt = g.next_member(pos)
            reason = _why(exc)
            if isinstance(exc, _Cut) and nxt is not None:
                reason = "damaged gzip data (a member that runs into the next records)"
            _report(damage, Damage(name, pos, g.size if nxt is None else nxt, reason))
            if nxt is None:
                return
            pos = nxt
            continue
        for record in records:
            yield pos, record
        pos = end


_WARC_LINE = (b"WARC/1.0\r\n", b"WARC/1.1\r\n")


def _next_plain(fh, after: int) -> int | None:
    pos = after + 1
    while True:
        fh.seek(pos)
        window = fh.read(READ + 16)
        if not window:
            return None
        hits = [k for k in (window.find(m) for m in _WARC_LINE) if k >= 0]
        if hits:
            return pos + min(hits)
        pos += READ


def _iter_plain(fh, name: str, damage: list | None) -> Iterator[tuple[int, Any]]:
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    pos = 0
    while pos < size:
        fh.seek(pos)
        it = ArchiveIterator(fh)
        try:
            for record in it:
                offset = it.offset  # the start of this record until it is read to its end
                yield offset, _verified(record)
            return
        except Exception as exc:  # noqa: BLE001 - a check or warcio's parse error
            start = it.offset
            nxt = _next_plain(fh, start)
            _report(damage, Damage(name, start, size if nxt is None else nxt, _why(exc)))
            if nxt is None:
                return
            pos = nxt


def _why(exc: Exception) -> str:
    if isinstance(exc, _Bad):
        return str(exc)
    return f"not a WARC record ({type(exc).__name__}: {str(exc)[:120]})"


def _report(damage: list | None, d: Damage) -> None:
    log.warning("damaged WARC data skipped: %s", d)
    if damage is not None:
        damage.append(d)


def iter_records(path: pathlib.Path, name: str | None = None,
                 damage: list | None = None) -> Iterator[tuple[int, Any]]:
    """(offset, record) for every intact record of a WARC file; damage goes to `damage`.

    A response/resource record carries its verified payload in ``record.ogi_payload``.
    """
    name = name or str(path)
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        yield from (_iter_gzip if gz else _iter_plain)(fh, name, damage)


def read_record(path: pathlib.Path, offset: int, name: str | None = None) -> Any:
    """The verified record at `offset` (its payload in ``ogi_payload``); raises DamagedRecord."""
    name = name or str(path)
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
        try:
            if gz:
                data, _end = _GzipFile(fh).inflate(offset)
                records = _records_of(data)
            else:
                fh.seek(offset)
                records = ArchiveIterator(fh)
            for record in records:
                return _verified(record) if not gz else record
        except Exception as exc:  # noqa: BLE001 - a check or warcio's parse error
            raise DamagedRecord(f"{name}@{offset}: {_why(exc)}") from None
    raise DamagedRecord(f"{name}@{offset}: no WARC record there")
