"""Hostile documents made in the tests: a compressed-PDF bomb, an under-declared DOCX."""
from __future__ import annotations

import struct
import zlib

from testbed.hostile import pdf_file

MOD = 65521


def _adler_after(a: int, b: int, byte: int, n: int) -> tuple[int, int]:
    """Adler-32 state (a, b) after `n` more bytes of value `byte`."""
    return (a + n * byte) % MOD, (b + n * a + byte * (n * (n + 1) // 2)) % MOD


def flate_bomb(head: bytes, inflated: int, fill: bytes = b" ") -> bytes:
    """A valid zlib stream of `head` followed by `inflated` bytes of `fill`, made without
    compressing them: one full-flushed deflate segment of 16 MiB repeated."""
    seg_len = 1 << 24
    assert inflated % seg_len == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    seg = c.compress(fill * seg_len) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    a, b = 1, 0
    for byte in head:
        a, b = (a + byte) % MOD, (b + a + byte) % MOD
    a, b = _adler_after(a, b, fill[0], inflated)
    return (b"\x78\xda" + body + seg * (inflated // seg_len) + tail
            + struct.pack(">I", (b << 16) | a))


def pdf_with_content(stream: bytes, filt: str = "/FlateDecode") -> bytes:
    """A one-page PDF whose content stream is `stream` (already encoded with `filt`)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" /Filter " + filt.encode() + b" >>\nstream\n"
        + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_file(objs, header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def pdf_bomb(inflated: int = 4 << 30) -> bytes:
    """A PDF of a few MB whose page content inflates to `inflated` bytes (4 GiB)."""
    head = b"BT /F1 12 Tf 72 720 Td (Annual report 2024) Tj ET\n"
    return pdf_with_content(flate_bomb(head, inflated))


def _deflate_fill(head: bytes, fill_len: int, tail: bytes, fill: bytes = b" ") -> bytes:
    """A raw deflate stream of head + fill_len bytes of `fill` + tail (16 MiB segments)."""
    seg_len = 1 << 24
    assert fill_len % seg_len == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    seg = c.compress(fill * seg_len) + c.flush(zlib.Z_FULL_FLUSH)
    return body + seg * (fill_len // seg_len) + c.compress(tail) + c.flush()


def _crc_fill(head: bytes, fill_len: int, tail: bytes, fill: bytes = b" ") -> int:
    crc = zlib.crc32(head)
    block = fill * (1 << 24)
    for _ in range(fill_len // len(block)):
        crc = zlib.crc32(block, crc)
    return zlib.crc32(tail, crc)


def zip_archive(members: list[tuple[str, bytes, int, int, int, int]]) -> bytes:
    """A ZIP of (name, raw data, method, crc, declared compressed size, declared size)."""
    out = bytearray()
    central = bytearray()
    for name, raw, method, crc, csize, size in members:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, csize, size,
                           len(n), 0) + n + raw
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21,
                               crc, csize, size, len(n), 0, 0, 0, 0, 0, offset) + n
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                                 len(central), len(out), 0)
    return bytes(out)


def underdeclared_docx(inflated: int = 1 << 30, declared: int = 4096) -> bytes:
    """A DOCX of about 1 MB whose word/document.xml inflates to `inflated` bytes while the ZIP
    declares `declared`."""
    ct = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
          b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
          b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
          b'application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
          b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            b'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            b'Target="word/document.xml"/></Relationships>')
    head = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxml'
            b'formats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    fill_len = inflated - (inflated % (1 << 24))
    raw = _deflate_fill(head, fill_len, tail)
    return zip_archive([
        ("[Content_Types].xml", ct, 0, zlib.crc32(ct), len(ct), len(ct)),
        ("_rels/.rels", rels, 0, zlib.crc32(rels), len(rels), len(rels)),
        ("word/document.xml", raw, 8, _crc_fill(head, fill_len, tail), len(raw), declared),
    ])
