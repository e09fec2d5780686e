"""A report is one report: the same agency's report for one year captured as several documents
(an HTML page and its Word attachment, earlier payloads of an address) is one row of reports,
counted once by every sum, count and canned query; its other documents are kept and listed.

The documents are the demo portal's real seed report as its HTML page and its Word attachment,
parsed by the real parser; versions and forms are those documents under other captures.
"""
from __future__ import annotations

import copy
import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import db_rows as q

ROOT = Path(__file__).resolve().parents[1]
COLUMN = ROOT / "crawler/demo/sites/demo/zwgk/zfxxgk/zfxxgknb/202501"
AGENCY = "410822/博爱县人民政府"


@pytest.fixture(scope="module")
def forms():
    from parsers.parse import parse_path

    return parse_path(COLUMN / "t20250120_31245.html"), parse_path(COLUMN / "P020250120_boai2024.docx")


def cap(url: str, sha: str, fetched: str, **kw) -> dict:
    return {"url": url, "final_url": url, "sha256": sha, "fetched_at": fetched, "status": 200,
            "role": "report", "agency": "博爱县人民政府", "region_code": "410822", **kw}


HTML_URL = "http://127.0.0.1/zwgk/zfxxgknb/202501/t20250120_31245.html"
DOCX_URL = "http://127.0.0.1/zwgk/zfxxgknb/202501/P020250120_boai2024.docx"


def build_db(tmp_path, items) -> Path:
    from crawler.db import build, load

    path = tmp_path / "archive.db"
    db = build.open_db(path)
    for result, capture, *version in items:
        load.load_parsed(db, result, capture, version=version[0] if version else None)
    build.rebuild_after_load(db)
    db.close()
    return path


def texts(path, sql: str, params=()) -> list[dict]:
    """Rows of a query that reads stored texts (ogi_text registered, as `ogi serve` does)."""
    from crawler.db.search import register_functions

    conn = sqlite3.connect(path)
    register_functions(conn)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def search_hits(path, words: str) -> int:
    """How many indexed texts the archive's full-text search matches for `words`."""
    from crawler.db import search
    conn = sqlite3.connect(path)
    try:
        return conn.execute("select count(*) from search_index_fts where search_index_fts match ?",
                            [search.fts_query(words)]).fetchone()[0]
    finally:
        conn.close()


def canned(path, name: str, params: dict | None = None) -> list[dict]:
    from crawler.db import dictionary

    return q(path, dictionary.CANNED[name]["sql"], params or {})


def dashboard_figures(path) -> dict:
    """Every chart of the national dashboard, its optional filters left out."""
    from crawler.db import dictionary

    charts = dictionary.dashboards()["national-trends"]["charts"]
    return {name: q(path, re.sub(r"\[\[.*?\]\]", "", c["query"])) for name, c in charts.items()}


def test_the_same_report_in_two_forms_is_counted_once(tmp_path, forms):
    html, docx = forms
    assert html["values"]["t3.new.total"] == docx["values"]["t3.new.total"] == 35
    path = build_db(tmp_path, [(html, cap(HTML_URL, html["sha256"], "2025-03-01T00:00:00Z")),
                               (docx, cap(DOCX_URL, docx["sha256"], "2025-03-01T00:00:02Z"))])
    (report,) = q(path, "select * from reports")
    assert report["kind"] == "html" and report["n_documents"] == 2  # as many numbers, more text
    (other,) = q(path, "select * from documents")
    assert (other["kind"], other["role"], other["report_id"]) == ("docx", "alternate", report["id"])
    docs = q(path, "select * from report_documents order by role")
    assert [(d["role"], d["url"], d["capture_sha256"]) for d in docs] == [
        ("alternate", DOCX_URL, docx["sha256"]), ("canonical", HTML_URL, html["sha256"])]
    assert all(d["fetched_at"] for d in docs)
    # the numbers of both documents are kept; the values and checks views show the report's once
    assert q(path, "select count(distinct report_key) as n from cells")[0]["n"] == 2
    assert q(path, 'select count(*) as n from "values"')[0]["n"] == 200
    assert {c["report_id"] for c in q(path, "select report_id from checks")} == {report["id"]}
    (totals,) = q(path, "select * from province_year_totals")
    assert (totals["province"], totals["year"], totals["reports"], totals["concluded"]) == (
        "河南省", 2024, 1, 35)
    assert [r["found"] for r in q(path, "select found from coverage where year = 2024")] == [1]
    rows = canned(path, "agency_by_year", {"agency": "博爱"})
    assert [(r["year"], r["new_applications"], r["n_documents"]) for r in rows] == [(2024, 35, 2)]
    (share,) = canned(path, "withheld_unavailable_shares")
    assert (share["reports"], share["concluded"]) == (1, 35)
    figures = dashboard_figures(path)
    assert figures["reports-count"] == [{"n": 1}] and figures["applications-count"] == [{"n": 35}]
    assert figures["applications"] == [{"year": 2024, "applications": 35}]
    # one search hit per report: the Word attachment's text leaves the search, not the archive
    hits = {r["report_id"] for r in q(path, "select report_id from search_index")}
    assert hits == {report["id"]}
    assert q(path, "select count(*) as n from report_sections where report_id = ?",
             [other["id"]])[0]["n"] == 6
    # the forms read alike: nothing differs
    assert report["revised_cells"] == 0 and q(path, "select * from version_diffs") == []


def test_the_canonical_document_follows_the_rule(tmp_path, forms):
    from crawler.db import documents

    html, docx = forms
    # fewer numbers read: the other form is canonical, however late this one was captured
    thin = copy.deepcopy(html)
    for fid in list(thin["values"])[:30]:
        thin["values"][fid] = None
    path = build_db(tmp_path, [(thin, cap(HTML_URL, html["sha256"], "2025-06-01T00:00:00Z")),
                               (docx, cap(DOCX_URL, docx["sha256"], "2025-03-01T00:00:00Z"))])
    assert q(path, "select kind from reports") == [{"kind": "docx"}]
    # a text layer before an OCR reading, even with fewer numbers
    order = documents.order([
        {"id": "a", "parse_status": "parsed_ocr", "n_values": 200, "fetched_at": "2025-09"},
        {"id": "b", "parse_status": "parsed", "n_values": 150, "fetched_at": "2025-01"},
        {"id": "c", "parse_status": "no_tables", "n_values": 0, "fetched_at": "2025-12"}])
    assert [d["id"] for d in order] == ["b", "a", "c"]
    # all else equal, the latest capture, then the smallest id; a same_as document never
    order = documents.order([
        {"id": "x", "parse_status": "parsed", "n_values": 200, "fetched_at": "2025-01-01T00:00:00Z"},
        {"id": "z", "parse_status": "parsed", "n_values": 200, "fetched_at": "2025-02-01T00:00:00Z",
         "same_as": "x"},
        {"id": "y", "parse_status": "parsed", "n_values": 200, "fetched_at": "2025-01-01T00:00:00Z"},
        {"id": "w", "parse_status": "parsed", "n_values": 200, "fetched_at": "2024-12-01T00:00:00Z"}])
    assert [d["id"] for d in order] == ["x", "y", "w", "z"]


def test_reports_of_other_bodies_on_one_column_stay_apart():
    from crawler.db.documents import groups

    docs = [{"id": "1", "agency": "博爱县人民政府", "printed_agency": "博爱县人民政府"},
            {"id": "2", "agency": "博爱县人民政府", "printed_agency": "博爱县 人民政府"},
            {"id": "3", "agency": "博爱县人民政府", "printed_agency": "博爱县发展和改革委员会"},
            {"id": "4", "agency": "博爱县人民政府", "printed_agency": None},
            {"id": "5", "agency": "博爱县人民政府", "printed_agency": "博爱县人民政府", "scope": "aggregate"},
            {"id": "6", "agency": "淮安市洪泽区人民政府", "printed_agency": "洪泽区人民政府"},
            {"id": "7", "agency": "淮安市洪泽区人民政府", "printed_agency": "淮安市洪泽区人民政府"}]
    got = sorted(sorted(d["id"] for d in g) for g in groups(docs))
    assert got == [["1", "2", "4"], ["3"], ["5"], ["6", "7"]]


def test_a_replaced_payload_is_a_version_with_its_cell_diff(tmp_path, forms):
    from crawler.db import documents

    html, _ = forms
    first = copy.deepcopy(html)
    first["sha256"] = "a" * 64
    first["values"]["t3.new.total"] = 53       # misprinted, then corrected in place
    first["raw"]["t3.new.total"] = "53"
    first["values"]["t4.review.total"] = None  # a number against none counts as a change
    path = build_db(tmp_path, [
        (html, cap(HTML_URL, html["sha256"], "2025-04-01T00:00:00Z")),
        (first, cap(HTML_URL, first["sha256"], "2025-01-21T00:00:00Z"), first["sha256"])])
    (report,) = q(path, "select * from reports")
    (version,) = q(path, "select * from documents")
    assert report["capture_sha256"] == html["sha256"] and report["revised_cells"] == 2
    assert version["role"] == "version" and version["id"] == report["id"] + "@" + "a" * 12
    diffs = q(path, "select field_id, document_value, canonical_value from version_diffs "
                    "order by field_id")
    assert [(d["field_id"], d["document_value"], d["canonical_value"]) for d in diffs] == [
        ("t3.new.total", 53, 35), ("t4.review.total", None, 7)]
    assert sum(r["new_applications"] or 0 for r in canned(path, "agency_by_year", {"agency": "博爱"})) == 35
    (row,) = [r for r in canned(path, "revised_reports") if r["document_id"] == version["id"]]
    assert row["changed_cells"] == 2 and "t3.new.total: 53 → 35" in row["changes"]
    conn = sqlite3.connect(path)
    try:
        v = documents.report_versions(conn, version["id"])
    finally:
        conn.close()
    assert [d["role"] for d in v["documents"]] == ["version", "canonical"]
    assert v["documents"][0]["changed_cells"] == 2
    assert {d["field_id"] for d in v["diffs"][version["id"]]} == {"t3.new.total", "t4.review.total"}


def test_a_payload_that_reads_the_same_is_stored_once(tmp_path, forms):
    html, _ = forms
    chrome = copy.deepcopy(html)
    chrome["sha256"] = "b" * 64  # other bytes (a visit counter), the same numbers and text
    path = build_db(tmp_path, [
        (html, cap(HTML_URL, html["sha256"], "2025-04-01T00:00:00Z")),
        (chrome, cap(HTML_URL, chrome["sha256"], "2025-02-01T00:00:00Z"), chrome["sha256"])])
    (report,) = q(path, "select * from reports")
    (same,) = q(path, "select * from documents")
    assert same["same_as"] == report["id"] and same["role"] == "version"
    assert q(path, "select count(distinct report_key) as n from cells")[0]["n"] == 1
    assert report["revised_cells"] == 0


def test_earlier_payloads_of_an_address_are_found_in_the_captures():
    from crawler.db.build import current_report_captures, earlier_versions

    caps = [cap(HTML_URL, "a" * 64, "2025-01-21T00:00:00Z"),
            cap(HTML_URL, "b" * 64, "2025-02-01T00:00:00Z"),
            cap(HTML_URL, "b" * 64, "2025-02-15T00:00:00Z", revisit=True),
            cap(HTML_URL, "c" * 64, "2025-03-01T00:00:00Z", status=404),
            cap(HTML_URL, "d" * 64, "2025-04-01T00:00:00Z"),
            cap(DOCX_URL, "e" * 64, "2025-01-21T00:00:00Z")]
    current = current_report_captures(caps)
    assert sorted(c["sha256"][0] for c in current) == ["d", "e"]
    assert [c["sha256"][0] for c in earlier_versions(caps, current)] == ["a", "b"]


def test_a_new_canonical_document_takes_the_report_over_and_the_search(tmp_path, forms):
    from crawler.db import build, load

    html, docx = forms
    path = build_db(tmp_path, [(html, cap(HTML_URL, html["sha256"], "2025-03-01T00:00:00Z")),
                               (docx, cap(DOCX_URL, docx["sha256"], "2025-03-01T00:00:02Z"))])
    first = q(path, "select id from reports")
    richer = copy.deepcopy(docx)
    richer["sections"]["s6"] = docx["sections"]["s6"] + "附：本报告的完整版本。" * 150
    db = build.open_db(path)
    load.load_parsed(db, richer, cap(DOCX_URL, docx["sha256"], "2025-03-01T00:00:02Z"))
    build.rebuild_after_load(db)
    build.rebuild_after_load(db)  # twice: nothing moves again
    db.close()
    (report,) = q(path, "select * from reports")
    assert report["kind"] == "docx" and report["id"] != first[0]["id"]
    assert q(path, "select report_id, role from documents") == [
        {"report_id": report["id"], "role": "alternate"}]
    assert {r["report_id"] for r in q(path, "select report_id from search_index")} == {report["id"]}
    assert search_hits(path, "总体情况") == 1
    # the texts moved between search_index and document_texts, never copied: each stored once
    (other,) = q(path, "select id from documents")
    parts = {d: 1 + sum(1 for v in r["sections"].values() if v) for d, r in
             ((report["id"], richer), (other["id"], html))}
    assert {r["document_id"] for r in q(path, "select document_id from document_texts")} == {other["id"]}
    assert (q(path, "select count(*) as n from search_index")[0]["n"],
            q(path, "select count(*) as n from document_texts")[0]["n"]) == (
        parts[report["id"]], parts[other["id"]])
    assert {(r["report_id"], r["section"]): r["text"] for r in texts(path, "select * from report_sections")} == {
        (d, k): v for d, r in ((report["id"], richer), (other["id"], html))
        for k, v in r["sections"].items() if v}


def test_an_archive_with_documents_migrates_to_texts_stored_once(tmp_path, forms):
    """An archive.db of the layout before each text was stored once (migration 0020) whose
    report has two documents: the canonical document's texts go to search_index, the other's
    to document_texts; report_sections shows both as before and the search finds the report once."""
    from crawler.db import build, search
    from tests.test_texts_once import to_former_texts

    html, docx = forms
    path = build_db(tmp_path, [(html, cap(HTML_URL, html["sha256"], "2025-03-01T00:00:00Z")),
                               (docx, cap(DOCX_URL, docx["sha256"], "2025-03-01T00:00:02Z"))])
    sections = texts(path, "select * from report_sections order by report_id, section")
    searched = texts(path, "select id, report_id, part, text from search_index order by id")
    others = texts(path, "select id, document_id, part, text from document_texts order by id")
    assert others and {r["part"] for r in others} >= {"title", "s1"}
    conn = sqlite3.connect(path)
    search.register_functions(conn)
    to_former_texts(conn)
    conn.close()
    assert q(path, "select type from sqlite_master where name = 'report_sections'") == [{"type": "table"}]
    assert texts(path, "select * from report_sections order by report_id, section") == sections
    build.open_db(path).close()  # applies migration 0020
    assert texts(path, "select * from report_sections order by report_id, section") == sections
    assert texts(path, "select id, report_id, part, text from search_index order by id") == searched
    assert texts(path, "select id, document_id, part, text from document_texts order by id") == others
    assert search_hits(path, "总体情况") == 1


def test_a_fresh_build_carries_a_reports_other_documents_over(tmp_path, forms):
    """A full build starts from an empty file and carries over what the documents of an address
    that now fails had loaded (crawler.db.carry): a report's other document too, with its cells,
    texts and sketches; the carried documents are one report again, as before."""
    from crawler.db import build, carry

    html, docx = forms
    old = build_db(tmp_path, [(html, cap(HTML_URL, html["sha256"], "2025-03-01T00:00:00Z")),
                              (docx, cap(DOCX_URL, docx["sha256"], "2025-03-01T00:00:02Z"))])
    assert q(old, "select role from documents") == [{"role": "alternate"}]
    new = tmp_path / "new.db"
    db = build.open_db(new)
    prev = carry.Previous(db, old)
    with db.atomic():
        carried = prev.reports_at(DOCX_URL) + prev.reports_at(HTML_URL)
    prev.close()
    build.rebuild_after_load(db)
    db.close()
    assert sorted(carried) == sorted(r["document_id"] for r in q(old, "select document_id "
                                                                   "from report_documents"))
    for sql in ("select id, n_documents, kind from reports",
                "select id, report_id, role, kind from documents",
                'select report_id, field_id, value, raw from "values" order by 1, 2',
                "select report_id, section, text from report_sections order by 1, 2",
                "select report_id, part, text from search_index order by 1, 2",
                "select document_id, part, text from document_texts order by 1, 2",
                "select part, size, hash, minhash from report_sketches order by 1, 2, 3"):
        assert texts(new, sql) == texts(old, sql), sql


# ---------------------------------------------------------------- flags

def _year(result: dict, year: int, **changes) -> dict:
    out = copy.deepcopy(result)
    out["year"] = year
    out["title"] = result["title"].replace("2024", str(year))
    out["sha256"] = f"{year}".ljust(64, "0")
    for k, v in changes.items():
        out[k] = v
    return out


def test_copied_tables_and_prose_are_flagged_on_the_later_report_only(tmp_path, forms):
    html, _ = forms
    # the same agency's 2025 report reprints its 2024 tables; another agency copies the prose
    reprint = _year(html, 2025)
    reprint["sections"] = {k: f"二〇二五年{k}。" for k in html["sections"]}  # its own prose
    prose_copy = _year(html, 2024)
    prose_copy["sha256"] = "c" * 64
    prose_copy["values"] = {k: (None if v is None else 0) for k, v in html["values"].items()}
    other = dict(agency="示例县人民政府", region_code="410823")
    path = build_db(tmp_path, [
        (html, cap(HTML_URL, html["sha256"], "2025-01-21T00:00:00Z")),
        (reprint, cap("http://127.0.0.1/2025.html", reprint["sha256"], "2026-01-21T00:00:00Z")),
        (prose_copy, cap("http://127.0.0.2/x.html", prose_copy["sha256"], "2025-02-21T00:00:00Z",
                         **other))])
    ids = {(r["agency_id"], r["year"]): r["id"] for r in q(path, "select * from reports")}
    flags = {(f["report_id"], f["flag"], f["part"]): f for f in q(path, "select * from report_flags")}
    reprinted = {part for (rid, flag, part) in flags if rid == ids[(AGENCY, 2025)]}
    assert reprinted == {"t2", "t3"}  # its table 四 prints 5 non-zero numbers: too few to tell
    for part in ("t2", "t3"):
        f = flags[(ids[(AGENCY, 2025)], "tables_identical", part)]
        assert (f["relation"], f["other_report_id"]) == ("previous_year", ids[(AGENCY, 2024)])
    copied = {(flag, part) for (rid, flag, part) in flags if rid == ids[("410823/示例县人民政府", 2024)]}
    assert copied == {("prose_near_duplicate", "s1")}  # s5, s6 of the seed are short
    f = flags[(ids[("410823/示例县人民政府", 2024)], "prose_near_duplicate", "s1")]
    assert f["relation"] == "other_agency" and f["other_report_id"] == ids[(AGENCY, 2024)]
    assert f["score"] == 1.0
    assert not any(rid == ids[(AGENCY, 2024)] for rid, _, _ in flags)  # the source
    (r,) = q(path, "select flags from reports where id = ?", [ids[(AGENCY, 2025)]])
    assert json.loads(r["flags"]) == ["tables_identical"]


def test_near_duplicate_prose_by_minhash():
    from crawler.db import sketches

    base = "根据条例要求结合工作实际规范政务公开工作机制和渠道主动公开政府信息提供政府信息公开服务" * 3
    text = base + "围绕重点项目建设招商引资安全生产生态环保等重点领域回应人民群众关注关切"
    near = base + "围绕重点项目建设招商引资安全生产生态环保等重点领域回应群众关切问题"
    far = "本年度未收到政府信息公开申请未发生行政复议和行政诉讼案件" * 8
    a, b, c = (sketches.minhash(sketches.normalise(t)) for t in (text, near, far))

    def shingles(t):
        t = sketches.normalise(t)
        return {t[i:i + sketches.SHINGLE] for i in range(len(t) - sketches.SHINGLE + 1)}

    exact = len(shingles(text) & shingles(near)) / len(shingles(text) | shingles(near))
    assert exact > 0.8
    assert abs((a == b).mean() - exact) < 0.2 and (a == c).mean() < 0.2
    assert sketches.normalise("一、总体情况\n2024 年，共收到 12 件。") == "年共收到件"
    assert sketches.prose_sketch("短。") is None


def test_implausible_values_are_flagged_against_peers_and_history(tmp_path, forms):
    html, _ = forms
    items = []
    for i in range(12):  # twelve counties of one province, level and year; one prints 10×
        r = _year(html, 2024)
        r["sha256"] = f"{i:064d}"
        r["values"]["t3.new.total"] = 4000 if i == 0 else 30 + i
        r["sections"] = {}
        items.append((r, cap(f"http://127.0.0.1/{i}.html", r["sha256"], "2025-03-01T00:00:00Z",
                             agency=f"县{i}人民政府", region_code=f"4108{i + 20:02d}")))
    for year, n in ((2021, 40), (2022, 44), (2023, 38)):  # county 1's history: about 40
        r = _year(html, year)
        r["values"]["t3.new.total"] = n
        r["sections"] = {}
        items.append((r, cap(f"http://127.0.0.1/1-{year}.html", r["sha256"], "2025-03-01T00:00:00Z",
                             agency="县1人民政府", region_code="410821")))
    items[1][0]["values"]["t3.new.total"] = 900  # county 1 in 2024: 22× its history
    path = build_db(tmp_path, items)
    flags = q(path, "select f.*, r.agency from report_flags f join reports r on r.id = f.report_id "
                    "where f.part = 't3.new.total' order by f.flag, r.agency")
    got = [(f["agency"], f["flag"]) for f in flags]
    assert ("县0人民政府", "outlier_peers") in got
    assert ("县1人民政府", "outlier_history") in got
    assert all(a in ("县0人民政府", "县1人民政府") for a, _ in got), got
    (peer,) = [f for f in flags if f["agency"] == "县0人民政府"]
    assert peer["score"] >= 5 and "median" in peer["detail"]
    assert {r["report_id"] for r in canned(path, "implausible_values")} == {f["report_id"] for f in flags}
    # flagged, never changed
    (v,) = q(path, """select value from "values" where report_id = ? and field_id = 't3.new.total'""",
             [peer["report_id"]])
    assert v["value"] == 4000
