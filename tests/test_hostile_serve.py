"""The public server's limits in total: concurrent requests and the result bytes they hold,
`_stream=on` CSV bounded in time and size and stopped when the client leaves (a cut download
fails visibly, never an error line inside a 200 file), formula cells neutralised in every CSV
it writes, no server path through SQL or the capture route's errors. Datasette runs in a
uvicorn thread of the test process, so its counters can be read."""
from __future__ import annotations

import contextlib
import http.client
import socket
import sqlite3
import threading
import time
import urllib.parse

import httpx
import pytest

from crawler.web import limits as web_limits
from crawler.web.app import datasette_instance
from tests.conftest import free_port

# a server: not in the fast loop
pytestmark = pytest.mark.slow

ROW = "x" * 100


def make_db(path, rows: int = 200_000):
    conn = sqlite3.connect(path)
    conn.execute("create table big (id integer primary key, x text)")
    conn.executemany("insert into big (x) values (?)", ((ROW,) for _ in range(rows)))
    conn.execute("create table hostile (label text, n integer)")
    conn.executemany("insert into hostile values (?, ?)", [
        ("=HYPERLINK(\"http://x.invalid\",\"click\")", -5), ("@SUM(A1)", 3), ("-2+3", 0),
        ("plain, with comma", 1), ("=\"quoted\"", 2)])
    conn.execute("create table captures (sha256 text, revisit integer, warc_file text, "
                 "warc_offset integer, content_type text, url text, final_url text, fetched_at text)")
    conn.execute("insert into captures values (?, 0, 'warc/gone.warc.gz', 0, 'text/html', "
                 "'http://x.gov.cn/a.html', 'http://x.gov.cn/a.html', '2025')", ["a" * 64])
    conn.commit()
    conn.close()
    return path


@contextlib.contextmanager
def serving(tmp_path, **limits):
    import uvicorn

    db = make_db(tmp_path / "archive.db")
    archive = tmp_path / "srv-archive-dir"
    archive.mkdir()
    ds = datasette_instance(db, archive, query_limits=web_limits.QueryLimits(**limits))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(ds.app(), host="127.0.0.1", port=port,
                                           log_level="critical", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started and time.monotonic() < end:
        time.sleep(0.05)
    try:
        yield ds, f"http://127.0.0.1:{port}", port
    finally:
        server.should_exit = True
        thread.join(15)


def wait_for(cond, seconds: float = 20) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_an_abandoned_stream_is_cancelled(tmp_path):
    with serving(tmp_path) as (ds, base, port):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /archive/big.csv?_stream=on&_size=max HTTP/1.1\r\nHost: x\r\n\r\n")
        got = s.recv(65536)
        assert b"200 OK" in got
        s.close()  # the client goes away mid-download
        gate = web_limits.gate_of(ds)
        assert wait_for(lambda: gate.active == 0 and gate.cancelled >= 1), vars(gate)
        assert gate.budget.used == 0


def _download(port: int, path: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    resp = conn.getresponse()
    try:
        return resp.status, resp.read(), None
    except http.client.IncompleteRead as exc:
        return resp.status, exc.partial, exc
    finally:
        conn.close()


def test_a_stream_past_its_size_is_cut_never_ended_with_an_error_line(tmp_path):
    with serving(tmp_path, stream_bytes=2 * 2 ** 20) as (ds, base, port):
        status, body, cut = _download(port, "/archive/big.csv?_stream=on&_size=max")
        assert status == 200
        assert cut is not None, f"{len(body)} bytes delivered as if complete"
        assert b"CSV contains more than" not in body and b"error" not in body[-200:].lower()
        assert web_limits.gate_of(ds).cut == 1


def test_a_stream_past_its_time_is_cut(tmp_path):
    with serving(tmp_path, stream_seconds=0.5) as (ds, base, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/archive/big.csv?_stream=on&_size=max")
        resp = conn.getresponse()
        resp.read(100)
        time.sleep(1.0)  # a slow reader: the server's bound passes meanwhile
        with pytest.raises(http.client.IncompleteRead):
            while resp.read(65536):
                pass
        conn.close()
        assert wait_for(lambda: web_limits.gate_of(ds).cut == 1)


def test_whole_stream_within_the_bounds_is_complete(tmp_path):
    with serving(tmp_path) as (ds, base, port):
        status, body, cut = _download(port, "/archive/big.csv?_stream=on&_size=max")
        assert status == 200 and cut is None
        assert body.count(b"\n") == 200_001


def test_every_csv_the_server_writes_has_no_formula_cell(tmp_path):
    import csv
    import io

    with serving(tmp_path) as (ds, base, port):
        for path in ("/archive/hostile.csv", "/archive/hostile.csv?_stream=on",
                     "/archive.csv?sql=" + urllib.parse.quote("select label, n from hostile")):
            r = httpx.get(base + path, timeout=30)
            assert r.status_code == 200
            rows = list(csv.reader(io.StringIO(r.text, newline="")))
            labels = [row[-2] if path.startswith("/archive/") else row[0] for row in rows[1:]]
            assert labels == ["'=HYPERLINK(\"http://x.invalid\",\"click\")", "'@SUM(A1)",
                              "'-2+3", "plain, with comma", "'=\"quoted\""], rows
            assert [row[-1] for row in rows[1:]] == ["-5", "3", "0", "1", "2"]


def test_concurrent_queries_and_their_results_are_bounded_in_total(tmp_path):
    mib = 2 ** 20
    with serving(tmp_path, max_result_bytes=4 * mib, max_total_result_bytes=6 * mib,
                 max_concurrent_requests=2) as (ds, base, port):
        # a page holds at most 1,000 rows: 1,000 rows of 3,000 characters, about 3 MiB
        sql = "select printf('%.3000c', 'x') as x from big limit 1000"
        url = base + "/archive.json?_shape=array&_size=max&sql=" + urllib.parse.quote(sql)
        out: list = []

        def one():
            out.append(httpx.get(url, timeout=120))

        threads = [threading.Thread(target=one) for _ in range(10)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        gate = web_limits.gate_of(ds)
        assert len(out) == 10 and {r.status_code for r in out} <= {200, 400}, [
            (r.status_code, r.text[:200]) for r in out]
        assert any(r.status_code == 200 for r in out)
        for r in out:
            if r.status_code == 400:
                assert "server busy" in r.text
        assert gate.peak_active <= 2 and gate.budget.peak <= 6 * mib
        assert gate.budget.used == 0 and gate.active == 0


def test_no_server_path_through_sql_or_capture_errors(tmp_path):
    with serving(tmp_path) as (ds, base, port):
        r = httpx.get(base + "/archive.json?_shape=array&sql="
                      + urllib.parse.quote("select * from pragma_database_list"), timeout=30)
        assert r.status_code == 200
        assert str(tmp_path) not in r.text and r.json()[0]["file"] is None
        r = httpx.get(base + "/-/capture/" + "a" * 64, timeout=30)
        assert r.status_code >= 400
        assert str(tmp_path) not in r.text and "gone.warc.gz" in r.text, r.text
