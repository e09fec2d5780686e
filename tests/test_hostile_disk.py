"""A full disk, on a small tmpfs each test mounts (and unmounts in its teardown): a crawl stops
at once with a clear error, its summary and its lock released, and loses nothing once space
returns; a build stops without publishing, with one clear line, even when space returns midway.
Mounting needs root (the tests, like CI, run as root)."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pathlib
import subprocess

import pytest

from testbed.hostile import big_documents_site
from tests.portal_fixtures import OGI, ROOT, explain

# mounts, subprocesses and servers: not in the fast loop
pytestmark = pytest.mark.slow


@contextlib.contextmanager
def small_disk(path: pathlib.Path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                   check=True, capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def fill(disk: pathlib.Path, leave: int) -> pathlib.Path:
    """A filler file taking every byte of `disk` but `leave`."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    filler = disk / "filler"
    with open(filler, "wb") as fh:
        left = max(0, free - leave)
        while left > 0:
            n = min(left, 1 << 20)
            fh.write(b"\0" * n)
            left -= n
    return filler


def sha(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------ build

def _archive(path: pathlib.Path, n: int, tag: str) -> pathlib.Path:
    from tests.test_archive_damage import archive_reports
    archive_reports(path, n, tag)
    return path


def test_a_build_on_a_full_disk_stops_with_one_line_and_publishes_nothing(tmp_path):
    small = _archive(tmp_path / "small", 2, "s")
    big = _archive(tmp_path / "big", 200, "b")  # 3.4 MB of archive.db
    with small_disk(tmp_path / "disk", "12m") as disk:
        db = disk / "archive.db"
        first = subprocess.run(OGI + ["build", "--archive", str(small), "--db", str(db)],
                               capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert first.returncode == 0, first.stderr
        before = sha(db)
        fill(disk, db.stat().st_size + 1_500_000)  # room for a copy and a few reports
        proc = subprocess.run(OGI + ["build", "--archive", str(big), "--db", str(db)],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert proc.returncode == 3, explain(proc)
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("ogi build: the disk holding archive.db "
                                                       "is full"), proc.stderr
        assert "published nothing" in lines[0] and "Traceback" not in proc.stderr
        assert sha(db) == before  # the published archive is the one before
        assert not list(disk.glob(".archive.db.build-*"))  # its private copy is gone


def test_a_build_publishes_nothing_when_space_returns_midway(tmp_path, monkeypatch):
    from crawler.db import build as build_module
    from crawler.db import load
    from crawler.db.publish import DiskFull

    small = _archive(tmp_path / "small", 2, "s")
    big = _archive(tmp_path / "big", 12, "b")
    with small_disk(tmp_path / "disk", "16m") as disk:
        db = disk / "archive.db"
        build_module.build(small, db)
        before = sha(db)
        real = load.load_parsed
        calls = {"n": 0}

        def load_on_a_disk_that_fills_once(db_, result, cap=None, **kw):
            calls["n"] += 1
            if calls["n"] != 5:
                return real(db_, result, cap, **kw)
            filler = fill(disk, 0)  # the disk is full for this document ...
            try:
                return real(db_, result, cap, **kw)
            finally:
                filler.unlink()     # ... and has space again for the next one

        monkeypatch.setattr(load, "load_parsed", load_on_a_disk_that_fills_once)
        with pytest.raises(DiskFull, match="published nothing"):
            build_module.build(big, db)
        assert calls["n"] == 5  # it stopped there: never one report short and published
        assert sha(db) == before


# ------------------------------------------------------------------ crawl

def test_a_crawl_on_a_full_disk_stops_releases_its_lock_and_loses_nothing(tmp_path):
    from crawler.archive import ArchiveLock, iter_captures
    from crawler.demo.server import start, stop

    site = big_documents_site(24, 1_000_000)
    server, thread = start(site)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        site.base_url = base
        with small_disk(tmp_path / "disk", "10m") as disk:
            archive = disk / "archive"
            env = dict(os.environ, OGI_CONTACT="tests@localhost")
            cmd = OGI + ["crawl", "--url", base + "/zfxxgknb/index.html", "--archive",
                         str(archive), "--allow-private", "--delay", "0", "--timeout", "10"]
            # without -v: Scrapy's log goes to a file on the full disk too
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env,
                                  timeout=180)
            assert proc.returncode == 5, explain(proc)
            assert "is full" in proc.stderr and "the crawl stopped" in proc.stderr
            assert "Logging error" not in proc.stderr and len(proc.stderr) < 4000, proc.stderr
            lock = ArchiveLock(archive)
            assert lock.acquire()  # released
            lock.release()
            runs = list((archive / "runs").glob("*.json"))
            if runs:  # written if the space freed at the stop allowed it
                summary = json.loads(runs[0].read_text("utf-8"))
                assert summary["exit_code"] == 5 and any("is full" in e for e in summary["errors"])
            else:
                assert '"exit_code"' in proc.stdout or "exit code 5" in proc.stdout
            kept = {c.url for c in iter_captures(archive) if c.role == "report"}
            assert 0 < len(kept) < 24
            # space returns: the next crawl archives the rest, nothing lost or doubled
            subprocess.run(["mount", "-o", "remount,size=80m", str(disk)], check=True)
            again = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env,
                                   timeout=180)
            assert again.returncode == 0, explain(again)
            caps = [c for c in iter_captures(archive) if c.role == "report" and c.status == 200]
            assert {c.url for c in caps} == {f"{base}/zfxxgknb/t{i}.pdf" for i in range(24)}
    finally:
        stop(server, thread)
