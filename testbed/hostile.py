"""Hostile documents and portals for the tests and the stress bench (bench/bench_hostile.py):
decompression-bomb images, PDFs of huge or many scanned pages, a column of big incompressible
documents (to fill a disk), and archives of many small reports. Everything is made here, on the
fly; nothing is downloaded."""
from __future__ import annotations

import random
import struct
import zlib


def png_bomb(side: int = 30000) -> bytes:
    """A complete, valid grey PNG of side x side white pixels (about 2.6 MB for 30,000²)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    z = zlib.compressobj(9)
    line = b"\x00" + b"\xff" * side
    parts = []
    block = line * 64
    for _ in range(side // 64):
        parts.append(z.compress(block))
    parts.append(z.compress(line * (side % 64)))
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


def noise_png(width: int, height: int, seed: int = 0) -> bytes:
    """A valid grey PNG of random pixels (incompressible: about width x height bytes)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    rnd = random.Random(seed)
    z = zlib.compressobj(1)
    parts = [z.compress(b"\x00" + rnd.randbytes(width)) for _ in range(height)]
    parts.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


def scanned_pdf(width_pt: float, height_pt: float, pages: int = 1) -> bytes:
    """A minimal PDF whose pages are one small grey image stretched over the page and no text
    (a scan, for the parser): 663 bytes for one 14,400-pt page."""
    draw = f"q {width_pt} 0 0 {height_pt} 0 0 cm /Im0 Do Q".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            ("<< /Type /Pages /Kids [" + " ".join(f"{5 + i} 0 R" for i in range(pages))
             + f"] /Count {pages} >>").encode(),
            b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Length 4 >>\nstream\n\xf0\xf0\xf0\xf0\nendstream",
            b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream"]
    for _ in range(pages):
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt} {height_pt}] "
                    f"/Resources << /XObject << /Im0 3 0 R >> >> /Contents 4 0 R >>".encode())
    return pdf_file(objs)


def pdf_file(objs: list[bytes], header: bytes = b"%PDF-1.4\n") -> bytes:
    """A PDF of the numbered object bodies `objs` (object 1 the catalog), with its xref table."""
    out = bytearray(header)
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def big_documents_site(n: int, size: int):
    """A portal whose column lists n reports, each a distinct incompressible PDF-looking
    document of `size` bytes (a crawl of it fills a small disk)."""
    from crawler.demo.site import Site

    site = Site()
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    items = "".join(f'<li><a href="t{i}.pdf">博爱县人民政府{2000 + i}年政府信息公开工作年度报告</a></li>'
                    for i in range(n))
    site.add("/zfxxgknb/index.html", f"<html><body><ul>{items}</ul></body></html>")
    for i in range(n):
        site.add(f"/zfxxgknb/t{i}.pdf", b"%PDF-1.4\n" + random.Random(i).randbytes(size),
                 "application/pdf")
    return site


def archive_documents(archive, docs: list[tuple], referer: dict | None = None,
                      tag: str = "h") -> None:
    """Archive (url, body, content type[, capture facts]) documents as role=report captures of
    one run; an image whose URL is in `referer` names its page (a 图片版 page's images)."""
    from crawler.archive import ArchiveIndex, ArchiveWriter, Fetch

    w = ArchiveWriter(archive, f"20250301T000000.000Z-{tag}", tag, index=ArchiveIndex())
    for url, body, ctype, *facts in docs:
        w.write(Fetch(url=url, final_url=url, status=200, role="report", body=body,
                      referer=(referer or {}).get(url), headers=[("Content-Type", ctype)],
                      **(facts[0] if facts else {})))
    w.close()


DEMO_REPORT_PAGE = "zwgk/zfxxgk/zfxxgknb/202501/t20250120_31245.html"  # 博爱县 2024, shipped


def report_archive(archive, n: int, tag: str = "r") -> list[str]:
    """n copies of the demo portal's real 博爱县 2024 report page, each a little different and
    filed under its own agency by its capture (so each is a report of its own), archived as one
    run's WARC file."""
    from pathlib import Path

    import crawler.demo as demo

    page = (Path(demo.__file__).parent / "sites" / "demo" / DEMO_REPORT_PAGE).read_text("utf-8")
    docs, urls = [], []
    for i in range(n):
        url = f"http://127.0.0.1/{tag}/{i}.html"
        body = page.replace("</body>", f"<p>附：{tag}第{i}号</p></body>")
        docs.append((url, body.encode("utf-8"), "text/html; charset=utf-8", {
            "title": "博爱县人民政府2024年政府信息公开工作年度报告", "agency": f"{tag}第{i}局",
            "region_code": "410822"}))
        urls.append(url)
    archive_documents(archive, docs, tag=tag)
    return urls


# ------------------------------------------------------------------ watching a process tree

def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, start time, state) of a process, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            f = fh.read().rsplit(b")", 1)[1].split()
        return int(f[1]), int(f[19]), f[0].decode()
    except (OSError, ValueError, IndexError):
        return None


def _rss(pid: int) -> tuple[int, int]:
    """(PSS, VmHWM) in bytes: the proportional set size (shared pages divided among the
    processes sharing them, so a sum over chromium's dozen processes counts its libraries
    once), or VmRSS where PSS cannot be read; and the process's own RSS high-water mark."""
    pss = rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        pass
    return (pss or rss), hwm


class ProcessTree:
    """Every process below the given roots, sampled from a thread every `interval` seconds:
    the peak of their summed PSS (and of any one's RSS high-water mark), and each one seen (pid and start
    time, so a reused pid is not mistaken for it). Chromium does not keep its parent's
    environment, so descent is followed through parent pids; a process orphaned between two
    samples is still known once seen."""

    def __init__(self, *roots: int, interval: float = 0.1) -> None:
        import threading

        self.roots = set(roots)
        self.interval = interval
        self.seen: dict[int, int] = {}   # pid -> start time
        self.peak = 0
        self.hwm = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def add(self, pid: int) -> None:
        self.roots.add(pid)

    def sample(self) -> None:
        import os

        children: dict[int, list[int]] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                st = _stat(int(d))
                if st is not None:
                    children.setdefault(st[0], []).append(int(d))
        todo = [r for r in self.roots]
        tree = set()
        while todo:
            p = todo.pop()
            if p in tree:
                continue
            tree.add(p)
            todo.extend(children.get(p, []))
        tree |= self.alive()
        total = 0
        for p in tree:
            st = _stat(p)
            if st is None or st[2] == "Z":
                continue
            self.seen.setdefault(p, st[1])
            rss, hwm = _rss(p)
            total += rss
            self.hwm = max(self.hwm, hwm)
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def alive(self) -> set[int]:
        """The processes seen that still run (same start time, not a zombie)."""
        out = set()
        for p, start in list(self.seen.items()):
            st = _stat(p)
            if st is not None and st[1] == start and st[2] != "Z":
                out.add(p)
        return out

    def __enter__(self) -> "ProcessTree":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def peak_bytes(self) -> int:
        return max(self.peak, self.hwm)

    def leftovers(self, wait: float = 5.0, exclude: set[int] = frozenset()) -> set[int]:
        """Processes seen that still run `wait` seconds later (then killed)."""
        import os
        import signal
        import time

        end = time.monotonic() + wait
        left = self.alive() - exclude
        while left and time.monotonic() < end:
            time.sleep(0.2)
            left = self.alive() - exclude
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left
