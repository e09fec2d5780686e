"""The hostile cases in one go, on loopback only, each bounded in time: per case the peak RSS of
everything it started, its wall time and the processes it left behind.

    .venv/bin/python bench/bench_hostile.py              # every case (about 5-8 minutes here)
    .venv/bin/python bench/bench_hostile.py --only crawl-hang --only parse-png-bomb

Each case runs the real command (`ogi crawl`, `ogi parse`, `ogi build`, `ogi serve`) in a
subprocess; every process below it (its workers, chromium and its renderers, LibreOffice,
Tesseract; testbed.hostile.ProcessTree, through parent pids) is sampled every 0.1 s for the peak
of their summed PSS (proportional set size: chromium's shared libraries counted once; or one
process's RSS high-water mark, if higher), and 5 s after the case ends every
process it ever saw that still runs is counted, then killed. A case passes when its peak stays under 2 GB, its wall time under its stated
bound and no process is left. The full-disk cases mount small tmpfs file systems (root only)
and unmount them at the end. The test beds are testbed/jslists.py (hang, escape, memory) and
testbed/hostile.py.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from _common import ROOT, report

from testbed.hostile import ProcessTree

OGI = [str(Path(sys.executable).with_name("ogi"))]
GB = 2 ** 30
MB = 2 ** 20
CASES: dict[str, tuple[float, object]] = {}   # name -> (stated seconds, function)


def case(name: str, seconds: float):
    def wrap(fn):
        CASES[name] = (seconds, fn)
        return fn
    return wrap


# ------------------------------------------------------------------ measuring a process tree

def _status(pid: int) -> dict:
    out: dict = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0]) * 1024
    except (OSError, ValueError):
        pass
    return out


class Run:
    """One case's commands: every process they start is followed by the case's ProcessTree."""

    def __init__(self, tree) -> None:
        self.tree = tree
        self.env = dict(os.environ, OGI_CONTACT="bench@localhost")

    def popen(self, cmd: list[str], **kw) -> subprocess.Popen:
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, text=True, **kw)
        self.tree.add(proc.pid)
        return proc

    def run(self, cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
        proc = self.popen(cmd)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.tree.sample()
            for p in self.tree.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p, signal.SIGKILL)
            out, err = proc.communicate()
            return subprocess.CompletedProcess(cmd, -9, out, err + "\n[bench: killed at the "
                                               f"bound of {timeout:.0f} s]")
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def crawl_cmd(url: str, archive: Path, *extra: str) -> list[str]:
    return OGI + ["crawl", "--url", url, "--platform", "trs", "--archive", str(archive),
                  "--allow-private", "--delay", "0", "--timeout", "10", *extra]


@contextlib.contextmanager
def tmpfs(size: str):
    d = Path(tempfile.mkdtemp(prefix="ogi-bench-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(d)], check=True)
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", str(d)], check=False)
        with contextlib.suppress(OSError):
            d.rmdir()


def last_run(archive: Path) -> dict:
    runs = sorted((archive / "runs").glob("*.json"))
    return json.loads(runs[-1].read_text("utf-8")) if runs else {}


# ------------------------------------------------------------------ the cases

@case("crawl-hang", 90)
def crawl_hang(run: Run, work: Path) -> dict:
    """A column whose script never yields (`while (true) {}` 200 ms after load)."""
    from testbed import serve
    with serve("hang") as base:
        p = run.run(crawl_cmd(base.url(base.site.column_path), work / "a", "--browser-timeout",
                              "5", "--browser-pages", "1"), timeout=300)
    col = (last_run(work / "a").get("columns") or [{}])[0]
    return {"exit": p.returncode, "browser": col.get("browser", "")[:90]}


@case("crawl-sigterm", 30)
def crawl_sigterm(run: Run, work: Path) -> dict:
    """The same column with a 300 s page time; SIGTERM once it renders (time from the signal)."""
    from testbed import serve
    with serve("hang") as base:
        site = base.site
        gets = lambda: sum(1 for (_, p, _, _) in site.log if p == site.column_path)  # noqa: E731
        proc = run.popen(crawl_cmd(base.url(site.column_path), work / "a", "--browser-timeout",
                                   "300"))
        end = time.monotonic() + 120
        while gets() < 2 and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.1)
        time.sleep(2)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        after = time.monotonic() - t0
        rendered = gets() - 1
    return {"exit": proc.returncode, "seconds_after_sigterm": round(after, 1),
            "times_rendered": rendered, "wall_override": after}


@case("crawl-escape", 90)
def crawl_escape(run: Run, work: Path) -> dict:
    """A column whose script opens popups, a WebSocket, workers and a service worker."""
    from testbed import serve
    with serve("escape") as base:
        p = run.run(crawl_cmd(base.url(base.site.column_path), work / "a", "--browser-timeout",
                              "10", "--browser-pages", "1"), timeout=300)
        fetched = [q for (_, q, _, _) in base.site.log if q.startswith("/search/") or q == "/sw.js"]
    col = (last_run(work / "a").get("columns") or [{}])[0]
    return {"exit": p.returncode, "disallowed_fetched": len(fetched),
            "refused_kinds": sorted({b["kind"] for b in col.get("browser_blocked", [])})}


@case("crawl-memory", 90)
def crawl_memory(run: Run, work: Path) -> dict:
    """A column whose script fills twelve 256 MB arrays (the default cap: 1024 MiB)."""
    from testbed import serve
    with serve("memory") as base:
        p = run.run(crawl_cmd(base.url(base.site.column_path), work / "a", "--browser-timeout",
                              "60"), timeout=300)
    col = (last_run(work / "a").get("columns") or [{}])[0]
    return {"exit": p.returncode, "browser": col.get("browser", "")[:90]}


@case("parse-png-bomb", 30)
def parse_png_bomb(run: Run, work: Path) -> dict:
    """`ogi parse` of a 2.6 MB PNG of 30,000 x 30,000 pixels."""
    from testbed.hostile import png_bomb
    f = work / "bomb.png"
    f.write_bytes(png_bomb(30000))
    p = run.run(OGI + ["parse", str(f)], timeout=300)
    return {"exit": p.returncode, "file_bytes": f.stat().st_size,
            "said": (p.stderr.strip().splitlines() or [""])[-1][-90:]}


@case("parse-huge-page", 120)
def parse_huge_page(run: Run, work: Path) -> dict:
    """`ogi parse` of a 663-byte PDF with one 14,400 x 14,400 pt scanned page."""
    from testbed.hostile import scanned_pdf
    f = work / "huge.pdf"
    f.write_bytes(scanned_pdf(14400, 14400))
    p = run.run(OGI + ["parse", str(f)], timeout=600)
    return {"exit": p.returncode, "file_bytes": f.stat().st_size}


def _build(run: Run, archive: Path, db: Path, *extra: str, timeout: float = 600):
    return run.run(OGI + ["build", "--archive", str(archive), "--db", str(db), *extra],
                   timeout=timeout)


@case("build-200-pages", 120)
def build_200_pages(run: Run, work: Path) -> dict:
    """`ogi build` of a 200-page scanned PDF (A4) with a 20 s OCR time per document."""
    from testbed.hostile import archive_documents, scanned_pdf
    archive_documents(work / "a", [("http://x.gov.cn/nb/long.pdf", scanned_pdf(595, 842, 200),
                                    "application/pdf")])
    p = _build(run, work / "a", work / "a.db", "--ocr-doc-timeout", "20")
    return {"exit": p.returncode}


@case("build-image-page", 180)
def build_image_page(run: Run, work: Path) -> dict:
    """`ogi build` of a 图片版 page with 8 page images of 24 MB each (the build process itself
    must not hold them: main_rss_mb is its own peak)."""
    from testbed.hostile import archive_documents, noise_png
    page = "http://x.gov.cn/nb/t1.html"
    imgs = [f"http://x.gov.cn/nb/p{i}.png" for i in range(8)]
    html = ("<html><head><title>博爱县人民政府2024年政府信息公开工作年度报告（图片版）</title></head>"
            "<body><h1>博爱县人民政府2024年政府信息公开工作年度报告</h1>"
            + "".join(f'<p><img src="p{i}.png"></p>' for i in range(8)) + "</body></html>")
    one = noise_png(4900, 4900)
    docs = [(page, html.encode(), "text/html; charset=utf-8")]
    # one byte after IEND makes each image a capture of its own (still a valid PNG)
    docs += [(u, one + bytes([i]), "image/png") for i, u in enumerate(imgs)]
    archive_documents(work / "a", docs, referer={u: page for u in imgs})
    proc = run.popen(OGI + ["build", "--archive", str(work / "a"), "--db", str(work / "a.db"),
                            "--ocr-page-timeout", "10", "--ocr-doc-timeout", "30"])
    main_hwm = 0
    while proc.poll() is None:
        main_hwm = max(main_hwm, int(_status(proc.pid).get("VmHWM", 0)))
        time.sleep(0.2)
    proc.communicate()
    return {"exit": proc.returncode, "images_mb": round(8 * len(one) / MB),
            "main_rss_mb": round(main_hwm / MB)}


@case("libreoffice-timeout", 30)
def libreoffice_timeout(run: Run, work: Path) -> dict:
    """A .doc conversion cut at 0.2 s (a fresh LibreOffice profile takes about a second to set up)."""
    code = ("from parsers.readers.docx import convert_to_docx\n"
            "try:\n    convert_to_docx(b'\\xd0\\xcf\\x11\\xe0\\xa1\\xb1\\x1a\\xe1' + bytes(4096), "
            "timeout=0.2)\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    p = run.run([sys.executable, "-c", code], timeout=60)
    return {"exit": p.returncode, "said": p.stdout.strip()[-90:]}


@case("build-sigkill", 60)
def build_sigkill(run: Run, work: Path) -> dict:
    """`ogi build --jobs 2` killed with SIGKILL while its workers parse, three times."""
    from testbed.hostile import report_archive
    report_archive(work / "a", 400)
    left = 0
    for k in range(3):
        proc = run.popen(OGI + ["build", "--archive", str(work / "a"), "--db",
                                str(work / f"k{k}.db"), "--jobs", "2"])
        end = time.monotonic() + 60
        while time.monotonic() < end and proc.poll() is None and len(run.tree.alive()) < 4:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        left += len(run.tree.leftovers())
    return {"kills": 3, "left_after_kills": left}


def _serve(run: Run, work: Path, rows: int):
    db = work / "archive.db"
    conn = sqlite3.connect(db)
    conn.execute("create table big (id integer primary key, x text)")
    conn.executemany("insert into big (x) values (?)", (("x" * 100,) for _ in range(rows)))
    conn.commit()
    conn.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # the server's output to a file: a pipe nobody reads would fill and block its event loop
    log = open(work / "serve.log", "w")
    proc = run.popen(OGI + ["serve", "--db", str(db), "--port", str(port)], stdout=log,
                     stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    import httpx
    end = time.monotonic() + 60
    while time.monotonic() < end:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/-/versions.json", timeout=2).status_code == 200:
                break
        time.sleep(0.2)
    return proc, base, port


@case("serve-concurrent", 120)
def serve_concurrent(run: Run, work: Path) -> dict:
    """24 concurrent queries, each with 31 MB of values (1,000 rows of 31,000 characters: a
    page's most rows, under the 32 MiB per query)."""
    import httpx
    proc, base, _ = _serve(run, work, 2_000)
    try:
        sql = "select printf('%.31000c', 'x') as x from big limit 1000"
        url = base + "/archive.json?_shape=array&_size=max&sql=" + urllib.parse.quote(sql)
        out: list = []

        def one():
            try:
                r = httpx.get(url, timeout=300)
                out.append(str(r.status_code) + (" busy" if "busy" in r.text[:300] else ""))
            except httpx.HTTPError as exc:
                out.append(type(exc).__name__)

        threads = [threading.Thread(target=one) for _ in range(24)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    finally:
        proc.terminate()
        proc.communicate()
    return {"answers": {k: out.count(k) for k in sorted(set(out))}}


@case("serve-abandoned-streams", 60)
def serve_abandoned(run: Run, work: Path) -> dict:
    """10 `_stream=on` CSV downloads of 400k rows, each abandoned after 64 KB; the server's
    CPU seconds over the 5 s after, and one page's time meanwhile."""
    import httpx
    proc, base, port = _serve(run, work, 400_000)
    try:
        for _ in range(10):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /archive/big.csv?_stream=on&_size=max HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(65536)
            s.close()
        time.sleep(1)

        def cpu() -> float:
            with open(f"/proc/{proc.pid}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        c0 = cpu()
        t0 = time.monotonic()
        httpx.get(base + "/archive/big?_size=10", timeout=60)
        page = time.monotonic() - t0
        time.sleep(max(0.0, 5 - page))
        used = cpu() - c0
    finally:
        proc.terminate()
        proc.communicate()
    return {"server_cpu_s_in_5s_after": round(used, 2), "page_s_meanwhile": round(page, 2)}


@case("crawl-disk-full", 120)
def crawl_disk_full(run: Run, work: Path) -> dict:
    """A crawl of 24 incompressible 1 MB reports into a 10 MB tmpfs."""
    from crawler.demo.server import start, stop
    from testbed.hostile import big_documents_site
    site = big_documents_site(24, 1_000_000)
    server, thread = start(site)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        site.base_url = base
        with tmpfs("10m") as disk:
            p = run.run(OGI + ["crawl", "--url", base + "/zfxxgknb/index.html", "--archive",
                               str(disk / "archive"), "--allow-private", "--delay", "0"],
                        timeout=300)
    finally:
        stop(server, thread)
    said = [ln for ln in p.stderr.splitlines() if "full" in ln]
    return {"exit": p.returncode, "stderr_lines": len(p.stderr.splitlines()),
            "said": (said or [""])[0][:110]}


@case("build-disk-full", 120)
def build_disk_full(run: Run, work: Path) -> dict:
    """`ogi build` of 200 reports (3.4 MB of archive.db) into a 2 MB tmpfs."""
    from testbed.hostile import report_archive
    report_archive(work / "a", 200, "b")
    with tmpfs("2m") as disk:
        p = _build(run, work / "a", disk / "archive.db")
        published = (disk / "archive.db").exists()
    return {"exit": p.returncode, "stderr_lines": len(p.stderr.strip().splitlines()),
            "published": published}


# ------------------------------------------------------------------ running them

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", choices=sorted(CASES), help="run this case only")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_hostile: the full-disk cases mount tmpfs: run as root")
    rows = []
    for name in args.only or list(CASES):
        stated, fn = CASES[name]
        tree = ProcessTree()
        run = Run(tree)
        with tempfile.TemporaryDirectory(prefix=f"ogi-bench-{name}-") as tmp, tree:
            t0 = time.monotonic()
            try:
                extra = fn(run, Path(tmp))
            except Exception as exc:  # noqa: BLE001 - a case that breaks is a failed case
                extra = {"error": f"{type(exc).__name__}: {exc}"[:200]}
            wall = time.monotonic() - t0
        left = len(tree.leftovers())
        wall = extra.pop("wall_override", wall)
        peak = tree.peak_bytes
        ok = peak < 2 * GB and wall <= stated and left == 0 and "error" not in extra
        row = {"case": name, "peak_mem_mb": round(peak / MB), "wall_s": round(wall, 1),
               "bound_s": stated, "leftover_processes": left, "ok": ok, **extra}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    figures = {r["case"]: {k: v for k, v in r.items() if k != "case"} for r in rows}
    figures["all_ok"] = all(r["ok"] for r in rows)
    report("hostile", figures)
    sys.exit(0 if figures["all_ok"] else 1)


if __name__ == "__main__":
    main()
