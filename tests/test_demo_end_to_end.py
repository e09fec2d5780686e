"""The walking skeleton end to end: `ogi demo` as a real process serves the bundled demo
portal on 127.0.0.1, crawls it with the real spider into WARC, builds archive.db, and (unless
--no-serve) serves it with Datasette at the URL it prints."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest

from crawler.demo import DEMO_COPY, DEMO_REVISED
from tests.conftest import TRUTH, build_demo, db_rows as q, free_port

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
OGI = str(Path(sys.executable).with_name("ogi"))
SEED_AGENCY = "410822/博爱县人民政府"
COPY_AGENCY = "320800/淮安市演示局"  # constructed for the demo (_SOURCES.md)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db, archive, proc = build_demo(tmp_path_factory.mktemp("demo"))
    assert f"database: {db}" in proc.stdout
    return db, archive


# every report document of the demo portal -> its truth file (tests/../shared/corpus/truth)
DEMO_TRUTH = {
    "t20250120_31245.html": "boai-2024.json",
    "P020250120_boai2024.docx": "boai-2024.json",
    "P020250124_szfgs2024.pdf": "huaian-city-2024.json",
    "P020240130_hzq2023.pdf": "huaian-hongze-2023.json",
    "P020250122_hzq2024.pdf": "huaian-hongze-2024.json",
    "t20200131_2019.html": "shanghai-szfbgt-2019-body.json",
}


def doc_values(db, document_id: str) -> dict:
    """field id -> value of any document (canonical or not), read from its cells."""
    return {r["field_id"]: r["value"] for r in q(db, """select fk.field_id, c.value from cells c
        join field_keys fk on fk.key = c.field_key
        join report_documents d on d.document_key = c.report_key where d.document_id = ?""",
                                                  [document_id])}


def test_the_demo_archive_holds_real_reports_of_several_agencies_years_and_formats(demo):
    db, archive = demo
    assert list((archive / "warc").glob("*.warc.gz")), "no WARC written"
    reports = q(db, "select * from reports")
    assert {r["parse_status"] for r in reports} == {"parsed"}
    assert len({r["agency_id"] for r in reports}) >= 4
    assert len({r["year"] for r in reports}) >= 2 and {r["format"] for r in reports} == {"2019", "2021"}
    docs = q(db, "select * from report_documents")
    assert {d["kind"] for d in docs} >= {"html", "pdf", "docx"}
    # the latest payload of every address (an earlier payload's id ends in @<sha256 digits>)
    latest = {d["url"].rsplit("/", 1)[-1]: d for d in docs if "@" not in d["document_id"]}
    assert set(latest) == set(DEMO_TRUTH) | {DEMO_COPY.rsplit("/", 1)[-1]}
    for doc, truth_file in DEMO_TRUTH.items():
        d, truth = latest[doc], json.loads((TRUTH / truth_file).read_text("utf-8"))
        assert d["year"] == truth["year"] and d["format"] == truth["format"], doc
        values = doc_values(db, d["document_id"])
        for fid, expected in truth["values"].items():
            assert values[fid] == expected, (doc, fid, values[fid], expected)
    # the six real documents are five reports: 博爱县 2024 as an HTML page and its Word
    # attachment is one report, its HTML page canonical (as many numbers, more text)
    real = [r for r in reports if r["agency_id"] != COPY_AGENCY]
    assert len(real) == 5 and len(reports) == 6
    (boai,) = [r for r in reports if r["agency_id"] == SEED_AGENCY]
    assert boai["kind"] == "html" and boai["n_documents"] == 2
    assert {(d["kind"], d["role"]) for d in docs if d["report_id"] == boai["id"]} == {
        ("html", "canonical"), ("docx", "alternate")}
    for v in q(db, 'select capture_sha256 from "values" where report_id = ?', [boai["id"]]):
        assert v["capture_sha256"] == boai["capture_sha256"]
    # every sum counts a report once: 4,129 new applications (the copy prints none), 河南省
    # 2024 one report and 35 concluded
    (new,) = q(db, """select sum(v.value) as n from reports r join "values" v on v.report_id = r.id
        where r.parse_status in ('parsed', 'parsed_ocr') and coalesce(r.scope, '') != 'aggregate'
        and v.field_id = 't3.new.total'""")
    assert new["n"] == 4129
    (henan,) = q(db, "select * from province_year_totals where province = '河南省' and year = 2024")
    assert (henan["reports"], henan["concluded"]) == (1, 35)
    assert [r["found"] for r in q(db, "select found from coverage where agency_id = ? and year = 2024",
                                 [SEED_AGENCY])] == [1]
    by_agency = q(db, "select agency_id, count(*) as n from reports group by agency_id, year having n > 1")
    assert by_agency == []
    # one agency across years although its printed name changed (洪泽区 / 淮安市洪泽区人民政府):
    # the cross-year checks compare its 2024 report with its 2023 report
    hz23 = next(r for r in reports if r["url"].endswith("P020240130_hzq2023.pdf"))
    hz24 = next(r for r in reports if r["url"].endswith("P020250122_hzq2024.pdf"))
    assert hz23["agency_id"] == hz24["agency_id"] == "320813/淮安市洪泽区人民政府"
    cross = q(db, "select * from checks where kind = 'cross' and report_id = ?", [hz24["id"]])
    assert {c["previous_report_id"] for c in cross} == {hz23["id"]}
    assert any(c["rule_id"] == "rule.cross.carry.total" and c["status"] == "pass" for c in cross)
    # table 四 of the 2023 report prints totals that break its rule: flagged, kept as printed
    failing = q(db, "select * from checks where kind = 'report' and status = 'fail' and report_id = ?",
                [hz23["id"]])
    assert {c["rule_id"] for c in failing} == {"rule.t4.block_total.review",
                                               "rule.t4.block_total.suit_after_review"}
    # the seed's prose states 12 applications where its table 三 prints 35 new: a text finding
    (text,) = q(db, "select * from checks where kind = 'text' and report_id = ?", [boai["id"]])
    assert (text["status"], text["expected"], text["actual"]) == ("fail", 35, 12)
    coverage = q(db, "select status, count(*) as n from coverage group by status")
    assert {c["status"] for c in coverage} >= {"ok", "missing", "checks failed"}


def test_the_demo_holds_a_silent_revision_with_its_cell_diff(demo):
    """The 上海 page was crawled first with a misprint (constructed, _SOURCES.md) and then as
    published: one report, two versions, the diff of the one changed cell."""
    from crawler.db.documents import report_versions

    db, archive = demo
    (sh,) = q(db, "select * from reports where url like ?", ["%" + DEMO_REVISED])
    assert sh["n_documents"] == 2 and sh["revised_cells"] == 1
    assert doc_values(db, sh["id"])["t2.normative_docs.total_public"] == 368  # the real page
    (earlier,) = q(db, "select * from documents where report_id = ?", [sh["id"]])
    assert earlier["role"] == "version" and earlier["url"] == sh["url"]
    assert earlier["id"] == sh["id"] + "@" + earlier["capture_sha256"][:12]
    assert earlier["capture_sha256"] != sh["capture_sha256"] and earlier["fetched_at"] < sh["fetched_at"]
    assert [(d["field_id"], d["document_value"], d["canonical_value"]) for d in q(
        db, "select * from version_diffs where report_id = ?", [sh["id"]])] == [
        ("t2.normative_docs.total_public", 386, 368)]
    (listed,) = q(db, "select * from version_diffs where report_id = ?", [sh["id"]])
    revised = rows_of_query(db, "revised_reports")
    assert [(r["report_id"], r["document_id"], r["changed_cells"]) for r in revised] == [
        (sh["id"], earlier["id"], 1)]
    conn = sqlite3.connect(db)
    try:
        v = report_versions(conn, earlier["id"])  # any document id finds its report
    finally:
        conn.close()
    assert v["report_id"] == sh["id"]
    assert [d["role"] for d in v["documents"]] == ["version", "canonical"]  # oldest capture first
    assert v["diffs"][earlier["id"]][0]["row_label"] and v["diffs"][earlier["id"]][0]["document_raw"] == "386"
    assert listed["document_raw"] == "386" and listed["canonical_raw"] == "368"


def test_the_demo_copy_carries_the_copy_flags(demo):
    db, archive = demo
    (copy,) = q(db, "select * from reports where agency_id = ?", [COPY_AGENCY])
    (huaian,) = q(db, "select * from reports where agency_id = '320800/淮安市人民政府' and year = 2024")
    flags = q(db, "select * from report_flags where report_id = ? order by flag, part", [copy["id"]])
    assert [(f["flag"], f["part"], f["relation"], f["other_report_id"]) for f in flags] == [
        ("prose_near_duplicate", "s1", "other_agency", huaian["id"]),
        ("prose_near_duplicate", "s5", "other_agency", huaian["id"]),
        ("tables_identical", "t2", "other_agency", huaian["id"])]
    assert json.loads(copy["flags"]) == ["prose_near_duplicate", "tables_identical"]
    # the report copied from is the presumed source: not flagged; nor is any real report
    assert q(db, "select * from report_flags where report_id != ?", [copy["id"]]) == []
    assert {r["report_id"] for r in rows_of_query(db, "copied_reports")} == {copy["id"]}
    # its prose states the city's 3119 applications where its table 三 prints none
    (text,) = q(db, "select * from checks where kind = 'text' and report_id = ?", [copy["id"]])
    assert (text["status"], text["actual"]) == ("fail", 3119)


def rows_of_query(db, name: str) -> list[dict]:
    from crawler.db import dictionary

    return q(db, dictionary.CANNED[name]["sql"])


def test_the_seed_report_equals_the_truth_file_with_labels_and_raw_text(demo):
    db, archive = demo
    (report,) = q(db, "select * from reports where agency_id = ? and year = 2024 and kind = 'html'",
                  [SEED_AGENCY])
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


def test_the_demo_docx_attachment_is_the_seed_report_rendered(shared):
    """The committed Word attachment (scripts/demo_docx.py) parses to the seed's truth values."""
    from parsers.parse import parse_path

    docx = ROOT / "crawler/demo/sites/demo/zwgk/zfxxgk/zfxxgknb/202501/P020250120_boai2024.docx"
    result = parse_path(docx)
    truth = json.loads((TRUTH / "boai-2024.json").read_text("utf-8"))
    assert result["kind"] == "docx" and result["year"] == 2024 and result["format"] == "2021"
    assert {k: result["values"][k] for k in truth["values"]} == truth["values"]


def test_datasette_in_process_serves_the_report_and_a_value_with_provenance(demo):
    from datasette.utils import tilde_encode

    from crawler.web.app import datasette_instance

    db, archive = demo
    ds = datasette_instance(db, archive)

    async def get(*paths):
        return [await ds.client.get(p) for p in paths]

    reports, value = asyncio.run(get(
        "/archive/reports.json?_shape=objects&kind=html&agency_id=" + urllib.parse.quote(SEED_AGENCY),
        "/archive/values.json?_shape=objects&field_id=t3.new.total&agency_id="
        + urllib.parse.quote(SEED_AGENCY) + "&url__endswith=.html"))
    assert reports.status_code == value.status_code == 200
    (report,) = reports.json()["rows"]
    (v,) = value.json()["rows"]
    truth = json.loads((TRUTH / "boai-2024.json").read_text("utf-8"))
    assert v["value"] == truth["values"]["t3.new.total"] and v["row_label"] and v["raw"]
    assert v["report_id"] == report["id"] and report["year"] == 2024
    capture, original, raw, row_page = asyncio.run(get(
        "/archive/captures.json?_shape=objects&id=" + urllib.parse.quote(report["capture_id"]),
        f"/-/capture/{v['capture_sha256']}", f"/-/capture/{v['capture_sha256']}/raw",
        "/archive/reports/" + tilde_encode(report["id"])))
    (cap,) = capture.json()["rows"]
    assert cap["url"] == report["url"] and cap["fetched_at"] and cap["sha256"] == v["capture_sha256"]
    # the page as an archive shows it, and its exact bytes
    assert original.status_code == 200 and original.headers["content-type"].startswith("text/html")
    assert "博爱县人民政府" in original.text and 'id="ogi-archive-banner"' in original.text
    assert raw.status_code == 200 and hashlib.sha256(raw.content).hexdigest() == v["capture_sha256"]
    assert row_page.status_code == 200 and f"/-/capture/{v['capture_sha256']}" in row_page.text


def test_ogi_demo_serves_datasette_at_the_printed_url(tmp_path):
    port = free_port()
    proc = subprocess.Popen([OGI, "demo", "--db", str(tmp_path / "archive.db"), "--archive",
                             str(tmp_path / "archive"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
        # quiet: a few plain lines and the summaries of its two crawls (stdout and stderr), no
        # progress animation (not a terminal), Scrapy's log in the archive beside the run summary
        assert len(seen) <= 30, "".join(seen)
        assert not any("\r" in line for line in seen), seen
        assert not any("Scrapy" in line and "started" in line for line in seen), seen
        assert any(line.startswith("run ") and "6 reports found, 6 new" in line for line in seen), seen
        logs = list((tmp_path / "archive" / "runs").glob("*.log"))
        assert len(logs) == 2 and all("Spider closed (finished)" in log.read_text("utf-8") for log in logs)
        assert any(line.startswith("run ") and "1 new, 1 changed" in line for line in seen), seen
        while True:
            try:
                home = httpx.get(url, timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "".join(seen)[-3000:]
                time.sleep(0.2)
        assert home.status_code == 200 and "政府信息公开工作年度报告" in home.text
        r = httpx.get(url + "archive/values.json?_shape=objects&field_id=t3.new.total", timeout=10)
        assert r.status_code == 200 and SEED_AGENCY in {row["agency_id"] for row in r.json()["rows"]}
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


def test_every_report_has_a_report_page_linked_from_its_rows_and_search(demo):
    from crawler.web.report_page import report_path
    from crawler.web.app import datasette_instance

    db, archive = demo
    ds = datasette_instance(db, archive)
    reports = q(db, "select id, capture_sha256, format from reports")

    async def get(*paths):
        return [await ds.client.get(p) for p in paths]

    pages = asyncio.run(get(*[report_path(r["id"]) for r in reports]))
    for r, page in zip(reports, pages):
        assert page.status_code == 200, (r["id"], page.text[:500])
        assert f"({r['format']} format)" in page.text and f"/-/capture/{r['capture_sha256']}" in page.text
        assert page.text.count('class="ogi-cell') >= 180  # every cell of the three tables
    seed = next(r for r in reports if r["id"].startswith(SEED_AGENCY))
    values, search, missing = asyncio.run(get(
        "/archive/values?report_id=" + urllib.parse.quote(seed["id"]),
        "/archive/search?q=" + urllib.parse.quote("复议"),
        "/-/report/" + urllib.parse.quote("410822/no such report")))
    assert urllib.parse.quote(seed["id"], safe="/") in values.text  # report_id cells link the page
    assert search.status_code == 200 and search.text.count('class="ogi-report-link"') >= 1
    assert missing.status_code == 404
