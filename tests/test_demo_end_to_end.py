"""Issue 2's walking skeleton end to end: `ogi demo` as a real process serves the bundled demo
portal on 127.0.0.1, crawls it with the real spider into WARC, builds archive.db, and (unless
--no-serve) serves it with Datasette at the URL it prints."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest

from tests.conftest import TRUTH, db_rows as q, free_port

ROOT = Path(__file__).resolve().parents[1]
OGI = str(Path(sys.executable).with_name("ogi"))
SEED_AGENCY = "410822/博爱县人民政府"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    db, archive = tmp / "archive.db", tmp / "archive"
    proc = subprocess.run([OGI, "demo", "--no-serve", "--db", str(db), "--archive", str(archive)],
                          capture_output=True, text=True, timeout=300, cwd=tmp)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"database: {db}" in proc.stdout
    return db, archive


def test_archive_db_holds_the_seed_report_equal_to_the_truth_file(demo):
    db, archive = demo
    assert list((archive / "warc").glob("*.warc.gz")), "no WARC written"
    (report,) = q(db, "select * from reports where agency_id = ? and year = 2024", [SEED_AGENCY])
    assert report["parse_status"] == "parsed" and report["format"] == "2021"
    assert report["province"] == "河南省" and report["level"] == "县级"
    truth = json.loads((TRUTH / "boai-2024.json").read_text("utf-8"))
    assert truth["agency"] == "博爱县人民政府" and truth["year"] == 2024
    values = {v["field_id"]: v for v in q(db, 'select * from "values" where report_id = ?', [report["id"]])}
    assert len(values) == 200 and set(values) == set(truth["values"])
    for fid, expected in truth["values"].items():
        v = values[fid]
        assert v["value"] == expected, (fid, v["value"], expected)
        assert CJK.search(v["row_label"] or "") and CJK.search(v["column_label"] or ""), fid
        assert v["raw"] is not None, fid  # the printed text, "" for a blank cell
        if expected is not None:
            assert v["raw"].strip() != "", fid
        assert v["capture_sha256"] == report["capture_sha256"] and v["url"] == report["url"]


def test_datasette_in_process_serves_the_report_and_a_value_with_provenance(demo):
    from datasette.utils import tilde_encode

    from crawler.db.serve import datasette_instance

    db, archive = demo
    ds = datasette_instance(db, archive)

    async def get(*paths):
        return [await ds.client.get(p) for p in paths]

    reports, value = asyncio.run(get(
        "/archive/reports.json?_shape=objects&agency_id=" + urllib.parse.quote(SEED_AGENCY),
        "/archive/values.json?_shape=objects&field_id=t3.new.total&agency_id="
        + urllib.parse.quote(SEED_AGENCY)))
    assert reports.status_code == value.status_code == 200
    (report,) = reports.json()["rows"]
    (v,) = value.json()["rows"]
    truth = json.loads((TRUTH / "boai-2024.json").read_text("utf-8"))
    assert v["value"] == truth["values"]["t3.new.total"] and v["row_label"] and v["raw"]
    assert v["report_id"] == report["id"] and report["year"] == 2024
    capture, original, row_page = asyncio.run(get(
        "/archive/captures.json?_shape=objects&id=" + urllib.parse.quote(report["capture_id"]),
        f"/-/capture/{v['capture_sha256']}",
        "/archive/reports/" + tilde_encode(report["id"])))
    (cap,) = capture.json()["rows"]
    assert cap["url"] == report["url"] and cap["fetched_at"] and cap["sha256"] == v["capture_sha256"]
    assert original.status_code == 200 and original.headers["content-type"].startswith("text/html")
    assert hashlib.sha256(original.content).hexdigest() == v["capture_sha256"]
    assert "博爱县人民政府" in original.content.decode("utf-8")
    assert row_page.status_code == 200 and f"/-/capture/{v['capture_sha256']}" in row_page.text


def test_ogi_demo_serves_datasette_at_the_printed_url(tmp_path):
    port = free_port()
    proc = subprocess.Popen([OGI, "demo", "--db", str(tmp_path / "archive.db"), "--archive",
                             str(tmp_path / "archive"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=tmp_path, start_new_session=True)  # its own group: demo + serve
    try:
        url, seen, deadline = None, [], time.monotonic() + 240
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            m = re.search(r"Datasette: (http://\S+/)", line)
            url = m.group(1) if m else None
        assert url == f"http://127.0.0.1:{port}/", "".join(seen)[-3000:]
        while True:
            try:
                home = httpx.get(url, timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "".join(seen)[-3000:]
                time.sleep(0.2)
        assert home.status_code == 200 and "政府信息公开工作年度报告" in home.text
        r = httpx.get(url + "archive/values.json?_shape=objects&field_id=t3.new.total", timeout=10)
        assert r.status_code == 200 and r.json()["rows"][0]["agency_id"] == SEED_AGENCY
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the group this test started: demo and its serve
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
