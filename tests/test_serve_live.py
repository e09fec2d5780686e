"""`ogi serve` in public: hostile queries over HTTP are refused cheaply, `ogi build` runs while
the server is hammered without one failed request and the server switches to the new snapshot,
and nothing published shows a path of the server's disk."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
import urllib.parse
import pytest
from collections import Counter

import httpx

from tests.conftest import free_port
from tests.test_archive_damage import archive_reports
from tests.portal_fixtures import OGI, ROOT, explain
from tests.test_db_archive import built_archive, write_test_archive
from tests.test_serve_archive import ogi_serve

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


def sql(url: str, query: str, **kw) -> httpx.Response:
    return httpx.get(url + "archive.json?_shape=array&sql=" + urllib.parse.quote(query),
                     timeout=kw.pop("timeout", 60), **kw)


def memory_kib(pid: int, field: str = "VmHWM") -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def serve_pid(port: int) -> int:
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True)
    return int(out.stdout.split("pid=")[1].split(",")[0])


def test_hostile_queries_are_refused_cheaply_and_bounded(tmp_path_factory, tmp_path):
    _, db, _ = built_archive(tmp_path_factory)
    copy = tmp_path / "archive.db"
    shutil.copy(db, copy)
    port = free_port()
    with ogi_serve("--db", str(copy), "--port", str(port)) as url:
        pid = serve_pid(port)
        assert sql(url, "select count(*) as n from reports").json()[0]["n"] >= 4
        before = memory_kib(pid)
        r = sql(url, "select hex(zeroblob(200000000))")
        assert r.status_code == 400 and "too big" in r.text, r.text[:300]
        # four at once
        out: list = []
        threads = [threading.Thread(target=lambda: out.append(
            sql(url, "select hex(zeroblob(200000000)) as x"))) for _ in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert [r.status_code for r in out] == [400] * 4
        # many fat rows: 1,000 rows of 2 MB each are cut at the result-size cap
        fat_rows = ("with recursive c(x) as (select 1 union all select x + 1 from c limit 1000) "
                    "select x, hex(zeroblob(1000000)) as pad from c")
        r = sql(url, fat_rows)
        assert r.status_code == 400 and "result too large" in r.text, r.text[:300]
        # one row of many fat columns: the column and value limits hold it
        wide = "select " + ", ".join(f"hex(zeroblob(4000000)) as c{i}" for i in range(400))
        r = sql(url, wide)
        assert r.status_code == 400, (r.status_code, r.text[:300])
        grown = memory_kib(pid) - before
        assert grown < 400 * 1024, f"the server grew by {grown // 1024} MiB"
        # ordinary queries still work after all that
        assert sql(url, "select count(*) as n from reports").json()[0]["n"] >= 4
        r = httpx.get(url + "archive/reports.json?_shape=objects", timeout=60)
        assert r.status_code == 200 and r.json()["rows"]


def test_no_local_paths_are_published(tmp_path_factory, tmp_path):
    archive, db, _ = built_archive(tmp_path_factory)
    copy = tmp_path / "srv" / "archive.db"
    copy.parent.mkdir()
    shutil.copy(db, copy)
    local = [str(tmp_path), str(archive.parent), str(ROOT)]
    with ogi_serve("--db", str(copy), "--archive", str(archive), "--port", str(free_port())) as url:
        for page in ("-/metadata.json", "-/databases.json", "-/settings.json", "-/versions.json",
                     "-/plugins.json", "-/metadata", "-/databases", "", "archive", "archive.json"):
            r = httpx.get(url + page, timeout=60)
            assert r.status_code == 200, (page, r.status_code)
            for p in local:
                assert p not in r.text, (page, p)
        (info,) = [d for d in httpx.get(url + "-/databases.json").json() if d["name"] == "archive"]
        assert info["path"] == "archive.db"
        # the archive still serves its documents
        sha = sql(url, "select sha256 from captures where role = 'report' and revisit = 0 "
                       "limit 1").json()[0]["sha256"]
        assert httpx.get(url + f"-/capture/{sha}", timeout=60).status_code == 200


def test_ogi_build_under_a_hammered_server_fails_no_request_and_is_picked_up(tmp_path):
    archive = write_test_archive(tmp_path / "archive")
    db = tmp_path / "archive.db"
    first = subprocess.run(OGI + ["build", "--archive", str(archive), "--db", str(db)],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert first.returncode == 0, explain(first)
    with ogi_serve("--db", str(db), "--archive", str(archive), "--port", str(free_port())) as url:
        count = lambda: sql(url, "select count(*) as n from reports").json()[0]["n"]  # noqa: E731
        n0 = count()
        statuses: Counter = Counter()
        errors: list[str] = []
        stop = threading.Event()

        def hammer(paths):
            with httpx.Client(timeout=60) as client:
                while not stop.is_set():
                    for p in paths:
                        r = client.get(url + p)
                        statuses[r.status_code] += 1
                        if r.status_code >= 500:
                            errors.append(f"{p}: {r.status_code} {r.text[:200]}")

        paths = ["archive.json?sql=" + urllib.parse.quote("select count(*) from reports"),
                 "archive/reports.json?_shape=objects&_size=50",
                 "archive/values.json?_size=100", "archive/captures.json",
                 "archive.json?sql=" + urllib.parse.quote(
                     "select agency, year, count(*) from reports group by 1, 2")]
        workers = [threading.Thread(target=hammer, args=(paths,)) for _ in range(3)]
        [w.start() for w in workers]
        try:
            for k in range(3):  # the cron recipe of docs/scheduling.md builds again and again
                archive_reports(archive, 5, f"more{k}")
                proc = subprocess.run(OGI + ["build", "--archive", str(archive), "--db", str(db),
                                             "--full"],
                                      capture_output=True, text=True, timeout=300, cwd=ROOT)
                assert proc.returncode == 0, explain(proc)
        finally:
            stop.set()
            [w.join() for w in workers]
        assert not errors, errors[:5]
        assert statuses[200] > 50, statuses
        assert count() == n0 + 15  # the server switched to the new snapshot without a restart
        (info,) = [d for d in httpx.get(url + "-/databases.json").json() if d["name"] == "archive"]
        assert info["is_mutable"] is False
    assert not list(tmp_path.glob(".archive.db.build-*"))  # no leftovers


def test_a_second_concurrent_build_exits_2_with_a_clear_message(tmp_path):
    archive = write_test_archive(tmp_path / "archive")
    db = tmp_path / "archive.db"
    from crawler.db.publish import lock_path
    import fcntl

    with open(lock_path(db), "a+") as held:  # what a running `ogi build` holds
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = subprocess.run(OGI + ["build", "--archive", str(archive), "--db", str(db)],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2, explain(proc)
    assert "another build is writing archive.db" in proc.stderr
    assert "Traceback" not in proc.stderr and not db.exists()


def test_a_build_over_a_database_another_program_locked_exits_2(tmp_path):
    archive = write_test_archive(tmp_path / "archive")
    db = tmp_path / "archive.db"
    assert subprocess.run(OGI + ["build", "--archive", str(archive), "--db", str(db)],
                          capture_output=True, timeout=300, cwd=ROOT).returncode == 0
    other = sqlite3.connect(db, timeout=0)
    try:
        other.execute("begin exclusive")  # e.g. an sqlite3 shell writing to it
        other.execute("delete from archive_info")
        proc = subprocess.run(OGI + ["build", "--archive", str(archive), "--db", str(db)],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        other.rollback()
        other.close()
    assert proc.returncode == 2, explain(proc)
    assert "locked by another program" in proc.stderr and "Traceback" not in proc.stderr
