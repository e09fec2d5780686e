"""`ogi serve` answers a page of the published snapshot once (crawler/web/response_cache.py):
the same bytes again from memory, readers of a page being made wait for it, and nothing is
kept that could change or should not be kept: a replaced file, a mutable one, a download, an
error. Real servers on 127.0.0.1, real archives."""
from __future__ import annotations

import shutil
import threading
import urllib.parse

import httpx
import pytest

from tests.conftest import free_port
from tests.portal_fixtures import explain
from tests.test_archive_damage import archive_reports, ogi_build
from tests.test_db_archive import built_archive, write_test_archive
from tests.test_serve_archive import ogi_serve

# subprocesses and servers: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

COUNT = "archive.json?_shape=array&sql=" + urllib.parse.quote("select count(*) as n from reports")


def test_a_page_is_made_once_and_answered_again_from_memory(tmp_path_factory, tmp_path):
    _, db, _ = built_archive(tmp_path_factory)
    copy = tmp_path / "archive.db"
    shutil.copy(db, copy)
    with ogi_serve("--db", str(copy), "--port", str(free_port())) as url:
        first = httpx.get(url + "archive/values?_size=50", timeout=60)
        again = httpx.get(url + "archive/values?_size=50", timeout=60)
        assert first.status_code == again.status_code == 200
        assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
        assert again.content == first.content
        assert again.headers["content-type"] == first.headers["content-type"]
        # another address is another page
        other = httpx.get(url + "archive/values?_size=51", timeout=60)
        assert other.headers["x-cache"] == "miss" and other.content != first.content
        # errors are made every time
        for _ in range(2):
            r = httpx.get(url + "archive/no_such_table", timeout=60)
            assert r.status_code == 404 and r.headers.get("x-cache") == "miss"
        # downloads stream and are never kept
        for _ in range(2):
            r = httpx.get(url + "archive/values.csv?_stream=on&_size=max", timeout=60)
            assert r.status_code == 200 and "x-cache" not in r.headers
    with ogi_serve("--db", str(copy), "--port", str(free_port()), "--cache-mb", "0") as url:
        for _ in range(2):
            assert "x-cache" not in httpx.get(url + "archive/values?_size=50", timeout=60).headers


def test_readers_of_a_page_being_made_wait_for_it(tmp_path_factory, tmp_path):
    _, db, _ = built_archive(tmp_path_factory)
    copy = tmp_path / "archive.db"
    shutil.copy(db, copy)
    # a page that takes a while to make (about a second): the 8 readers ask while it is made
    slow = "archive.json?_shape=array&sql=" + urllib.parse.quote(
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000000) "
        "select count(*) as n from c")
    with ogi_serve("--db", str(copy), "--port", str(free_port())) as url:
        barrier = threading.Barrier(8)
        answers: list[httpx.Response] = []

        def reader():
            barrier.wait()
            answers.append(httpx.get(url + slow, timeout=120))

        threads = [threading.Thread(target=reader) for _ in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert [r.status_code for r in answers] == [200] * 8
        assert sorted(r.headers["x-cache"] for r in answers) == ["hit"] * 7 + ["miss"]
        assert len({r.content for r in answers}) == 1


def test_a_new_snapshot_or_a_mutable_file_is_never_answered_from_memory(tmp_path):
    archive = write_test_archive(tmp_path / "archive")
    db = tmp_path / "archive.db"
    first, _ = ogi_build(archive, db)
    assert first.returncode == 0, explain(first)
    with ogi_serve("--db", str(db), "--archive", str(archive), "--port", str(free_port())) as url:
        n0 = httpx.get(url + COUNT, timeout=60).json()[0]["n"]
        assert httpx.get(url + COUNT, timeout=60).headers["x-cache"] == "hit"
        archive_reports(archive, 3, "later")
        proc, _ = ogi_build(archive, db)
        assert proc.returncode == 0, explain(proc)
        r = httpx.get(url + COUNT, timeout=60)  # the build replaced the file: made anew
        assert r.headers["x-cache"] == "miss" and r.json()[0]["n"] == n0 + 3
    with ogi_serve("--db", str(db), "--port", str(free_port()), "--mutable") as url:
        for _ in range(2):
            assert "x-cache" not in httpx.get(url + COUNT, timeout=60).headers
