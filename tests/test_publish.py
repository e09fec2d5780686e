"""Publishing a build (crawler.db.publish): a full build starts from an empty private file (no
copy of archive.db), keeps the tables no build derives, and a build killed half-way leaves
archive.db exactly as it was; the next build removes what the killed one left."""
from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from crawler.db import publish
from crawler.db.build import build
from tests.conftest import ROOT
from tests.test_archive_damage import archive_reports
from tests.test_db_archive import _dump, write_test_archive


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_fresh_build_starts_empty_an_incremental_one_from_a_copy(tmp_path):
    db = tmp_path / "archive.db"
    db.write_bytes(b"the previous archive")
    with publish.atomic_build(db, fresh=True) as work:
        assert not work.exists()  # nothing copied
        work.write_bytes(b"new")
    assert db.read_bytes() == b"new"
    with publish.atomic_build(db) as work:
        assert work.read_bytes() == b"new"  # a copy (reflink or bytes) to build on
        work.write_bytes(b"newer")
    assert db.read_bytes() == b"newer"
    assert not list(tmp_path.glob(".archive.db.build-*"))


def test_a_failed_build_leaves_the_archive_and_no_private_file(tmp_path):
    db = tmp_path / "archive.db"
    db.write_bytes(b"the previous archive")
    for fresh in (True, False):
        with pytest.raises(RuntimeError):
            with publish.atomic_build(db, fresh=fresh) as work:
                work.write_bytes(b"half")
                raise RuntimeError("parser bug")
        assert db.read_bytes() == b"the previous archive"
        assert not list(tmp_path.glob(".archive.db.build-*"))


def test_a_full_build_keeps_the_registry_and_gives_the_same_archive(tmp_path):
    archive = write_test_archive(tmp_path / "archive")
    db = tmp_path / "archive.db"
    build(archive, db)
    con = sqlite3.connect(db)
    con.execute("insert into registry (code, agency, name, level, province) values "
                "('410822', '博爱县人民政府', '博爱县', '县', '河南省')")
    con.commit()
    con.close()
    build(archive, db, full=False)  # from a copy (counts the registry's facets)
    before = _dump(db)
    build(archive, db, full=True)  # from an empty file
    assert _dump(db) == before
    con = sqlite3.connect(db)
    assert con.execute("select code, agency from registry").fetchall() == [("410822", "博爱县人民政府")]
    con.close()


KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
from crawler.db.build import build

def progress(done, total):
    if done == 3:  # killed half-way, as by the OOM killer or a power cut of the process
        os.kill(os.getpid(), signal.SIGKILL)

build(Path(sys.argv[1]), Path(sys.argv[2]), full=sys.argv[3] == "full", progress=progress)
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_a_killed_build_leaves_archive_db_as_it_was(tmp_path, mode):
    archive = write_test_archive(tmp_path / "archive")
    db = tmp_path / "archive.db"
    build(archive, db)
    archive_reports(archive, 6, "more")  # new reports: work for either kind of build
    sha = _sha(db)
    log = tmp_path / "killed.log"
    with open(log, "wb") as out:  # (a pipe would stay open in the orphaned parser processes)
        proc = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(archive), str(db), mode],
                                cwd=ROOT, stdout=out, stderr=out, start_new_session=True)
        try:
            code = proc.wait(timeout=300)
        finally:
            try:  # the build's own parser processes, orphaned by the kill
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert code == -signal.SIGKILL, log.read_text(errors="replace")[-2000:]
    assert _sha(db) == sha  # untouched
    assert list(tmp_path.glob(".archive.db.build-*"))  # what the killed build left ...
    build(archive, db)
    assert not list(tmp_path.glob(".archive.db.build-*"))  # ... the next build removes
    assert sqlite3.connect(db).execute("select count(*) from reports").fetchone()[0] >= 4
