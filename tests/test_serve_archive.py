"""`ogi serve` as a real process: 127.0.0.1 by default, immutable when the file is complete
(read-only otherwise), the SQL time limit enforced, the archive file never written."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.test_db_archive import built_archive

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
OGI = str(Path(sys.executable).with_name("ogi"))
URL_LINE = re.compile(r"Datasette: (http://\S+/)")


@contextmanager
def ogi_serve(*args: str, timeout: float = 60):
    """Start `ogi serve ARGS`, wait for the URL it prints and for it to answer; yield the URL."""
    proc = subprocess.Popen([OGI, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        m = URL_LINE.search(line)
        assert m, f"no URL printed: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        url = m.group(1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(url + "-/versions.json", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "ogi serve never answered"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def served_db(tmp_path_factory):
    archive, db, _ = built_archive(tmp_path_factory)
    copy = tmp_path_factory.mktemp("serve") / "archive.db"
    shutil.copy(db, copy)
    return archive, copy


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_serve_defaults_loopback_immutable_and_time_limit(served_db):
    archive, db = served_db
    before, mtime = sha(db), os.stat(db).st_mtime_ns
    port = free_port()
    with ogi_serve("--db", str(db), "--archive", str(archive), "--port", str(port),
                   "--sql-time-limit-ms", "300") as url:
        assert url == f"http://127.0.0.1:{port}/"  # loopback unless --host says otherwise
        dbs = httpx.get(url + "-/databases.json").json()
        (info,) = [d for d in dbs if d["name"] == "archive"]
        assert info["is_mutable"] is False  # complete file: served immutable
        settings = httpx.get(url + "-/settings.json").json()
        assert settings["sql_time_limit_ms"] == 300
        # a query that never ends is cut off by the time limit
        forever = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
        r = httpx.get(url + "archive.json?sql=" + urllib.parse.quote(forever), timeout=30)
        assert r.status_code == 400 and "too long" in r.text
        # writes are refused
        r = httpx.get(url + "archive.json?sql=" + urllib.parse.quote("delete from reports"))
        assert r.status_code == 400
        r = httpx.get(url + "archive/reports.json?_shape=objects&year=2024")
        assert r.status_code == 200 and any(x["agency"] == "博爱县人民政府" for x in r.json()["rows"])
    assert sha(db) == before and os.stat(db).st_mtime_ns == mtime  # never written


def test_serve_is_read_only_but_not_immutable_while_a_build_may_write(served_db):
    archive, db = served_db
    journal = Path(str(db) + "-journal")
    journal.write_bytes(b"")  # what a build in progress leaves beside the file
    try:
        with ogi_serve("--db", str(db), "--port", str(free_port())) as url:
            (info,) = [d for d in httpx.get(url + "-/databases.json").json() if d["name"] == "archive"]
            assert info["is_mutable"] is True
            r = httpx.get(url + "archive.json?sql=" + urllib.parse.quote("delete from reports"))
            assert r.status_code == 400
    finally:
        journal.unlink()


def test_serve_refuses_a_missing_database(tmp_path):
    proc = subprocess.run([OGI, "serve", "--db", str(tmp_path / "none.db")], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2 and "none.db" in proc.stderr
