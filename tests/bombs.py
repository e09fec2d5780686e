"""Hostile documents made in the tests: a compressed-PDF bomb, an under-declared DOCX."""
from __future__ import annotations

import struct
import zlib

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
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


def pdf_bomb(inflated: int = 4 << 30) -> bytes:
    """A PDF of a few MB whose page content inflates to `inflated` bytes (4 GiB)."""
    head = b"BT /F1 12 Tf 72 720 Td (Annual report 2024) Tj ET\n"
    return pdf_with_content(flate_bomb(head, inflated))
