"""Shared test fixtures. Tests may read ../shared (the spec and the real corpus); the product never does."""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")).resolve()
CORPUS = SHARED / "corpus"
TRUTH = CORPUS / "truth"


def truth_files() -> list[Path]:
    return sorted(TRUTH.glob("*.json"))


def load_truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def build_demo(tmp: Path) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """`ogi demo --no-serve` as a real process in `tmp`: (archive.db, archive dir, the process),
    asserted to have succeeded."""
    db, archive = tmp / "archive.db", tmp / "archive"
    ogi = str(Path(sys.executable).with_name("ogi"))
    proc = subprocess.run([ogi, "demo", "--no-serve", "--db", str(db), "--archive", str(archive)],
                          capture_output=True, text=True, timeout=300, cwd=tmp)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return db, archive, proc


def synthetic_archive(db: Path, reports: int) -> Path:
    """A synthetic archive of `reports` reports built at `db` through the normal load path and
    the derived step (python -m testbed.synthetic_archive, in a subprocess)."""
    proc = subprocess.run([sys.executable, "-m", "testbed.synthetic_archive", "--db", str(db),
                           "--reports", str(reports)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return db


def get_pages(ds, paths: list[str]) -> list:
    """The responses of a Datasette instance (in this process) to `paths`, each asserted 200."""
    import asyncio

    async def go():
        await ds.invoke_startup()
        out = []
        for p in paths:
            r = await ds.client.get(p)
            assert r.status_code == 200, (p, r.text[:300])
            out.append(r)
        return out
    return asyncio.run(go())


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(proc, base: str, log: Path, tries: int = 150) -> None:
    """Wait for a server this test started (`ogi serve`) to answer at base; fail with its log."""
    import time
    import urllib.request

    for _ in range(tries):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail("ogi serve exited: " + log.read_text(errors="replace"))
            time.sleep(0.2)
    pytest.fail("ogi serve did not answer: " + log.read_text(errors="replace"))


def db_rows(db, sql: str, params=()) -> list[dict]:
    """Rows of a query on an SQLite file, as dicts (column -> value)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def document_for(truth: dict) -> Path:
    return CORPUS / truth["document"].removeprefix("corpus/")


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"../shared not found at {SHARED} (set OGI_SHARED)"
    return SHARED
