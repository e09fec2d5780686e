"""Datasette over the test archive, through its in-process client: every table, view, canned
query and dashboard answers 200 with the expected rows; search; provenance to the original."""
from __future__ import annotations

import asyncio
import hashlib
import urllib.parse

import pytest

from crawler.db import dictionary
from tests.conftest import CORPUS
from tests.test_db_archive import BROKEN, built_archive

SEED_SHA = hashlib.sha256((CORPUS / "seed/boai-2024.txt").read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    from crawler.web.app import datasette_instance

    archive, db, _ = built_archive(tmp_path_factory)
    return datasette_instance(db, archive)


def fetch(ds, *paths):
    async def go():
        return [await ds.client.get(p) for p in paths]
    return asyncio.run(go())


def rows(ds, path, **params):
    if ".json" not in path:
        base, _, query = path.partition("?")
        path = base + ".json" + ("?" + query if query else "")
    sep = "&" if "?" in path else "?"
    url = path + sep + urllib.parse.urlencode({**params, "_shape": "objects", "_size": "max"})
    (r,) = fetch(ds, url)
    assert r.status_code == 200, (url, r.text[:500])
    return r.json()["rows"]


def test_every_table_and_view_answers(ds):
    names = [t for t in dictionary.TABLES] + ["t2_wide", "t3_wide", "t4_wide"]
    responses = fetch(ds, *[f"/archive/{n}" for n in names], *[f"/archive/{n}.json" for n in names])
    for name, r in zip(names + names, responses):
        assert r.status_code == 200, (name, r.text[:300])
    assert len(rows(ds, "/archive/t3_wide")) == 4
    assert len(rows(ds, "/archive/fields")) == len(__import__("parsers.formats", fromlist=["x"]).all_fields())


def test_home_and_database_pages_show_chinese_metadata(ds):
    home, database, reports = fetch(ds, "/", "/archive", "/archive/reports")
    assert home.status_code == database.status_code == reports.status_code == 200
    assert "政府信息公开工作年度报告" in home.text
    assert "2025-03-02" in home.text and dictionary.SNAPSHOT_MARK not in home.text  # snapshot date filled
    assert "博爱县人民政府" in reports.text
    assert "year" in reports.text and "province" in reports.text  # facets


def test_canned_queries(ds):
    agency = rows(ds, "/archive/agency_by_year", agency="洪泽")
    assert [(r["year"], r["new_applications"]) for r in agency] == [(2023, 21), (2024, 95)]
    shares = rows(ds, "/archive/withheld_unavailable_shares")
    assert {(r["province"], r["year"]) for r in shares} == {("河南省", 2024), ("江苏省", 2023), ("江苏省", 2024)}
    rates = rows(ds, "/archive/review_litigation_correction_rates")
    assert len(rates) == 3
    # the same sums from the truth files of the documents (aggregate reports left out, as the
    # query says), so the canned SQL is checked against numbers read by hand, not against itself
    expected = _truth_sums(ds)
    for r in shares:
        e = expected[(r["province"], r["year"])]
        assert (r["concluded"], r["withheld"], r["unavailable"]) == (e["concluded"], e["withheld"], e["unavailable"])
        assert r["withheld_pct"] == round(100.0 * e["withheld"] / e["concluded"], 2)
        assert r["unavailable_pct"] == round(100.0 * e["unavailable"] / e["concluded"], 2)
    for r in rates:
        e = expected[(r["province"], r["year"])]
        assert (r["review_total"], r["review_corrected"], r["suit_total"], r["suit_corrected"]) == (
            e["review_total"], e["review_corrected"], e["suit_total"], e["suit_corrected"])
        if e["review_total"]:
            assert r["review_corrected_pct"] == round(100.0 * e["review_corrected"] / e["review_total"], 2)
    failing = rows(ds, "/archive/failing_checks")
    assert {"rule.t4.block_total.review"} <= {r["rule_id"] for r in failing if r["year"] == 2023}
    carry = rows(ds, "/archive/carry_mismatch")
    assert all(r["rule_id"].startswith("rule.cross.carry.") for r in carry)
    missing = rows(ds, "/archive/missing_reports")
    assert {"agency_id": "320800/淮安市人民政府", "year": 2023} in [
        {"agency_id": r["agency_id"], "year": r["year"]} for r in missing]
    for name in dictionary.CANNED:
        (r,) = fetch(ds, f"/archive/{name}?agency=x&q=x")
        assert r.status_code == 200, name


TRUTH_OF = {"seed/boai-2024.txt": "boai-2024", "real/huaian-hongze-2023.pdf": "huaian-hongze-2023",
            "real/huaian-hongze-2024.pdf": "huaian-hongze-2024", "real/huaian-city-2024.pdf": "huaian-city-2024"}


def _truth_sums(ds) -> dict:
    import json

    from tests.conftest import TRUTH
    from tests.test_db_archive import DOCUMENTS

    out: dict = {}
    for name, url, *_ in DOCUMENTS:
        (rep,) = rows(ds, "/archive/reports", url=url)
        if rep["scope"] == "aggregate":
            continue
        v = json.loads((TRUTH / f"{TRUTH_OF[name]}.json").read_text("utf-8"))["values"]
        total = lambda pred: sum(x for k, x in v.items() if pred(k) and x is not None)  # noqa: E731
        e = out.setdefault((rep["province"], rep["year"]), {k: 0 for k in (
            "concluded", "withheld", "unavailable", "review_total", "review_corrected",
            "suit_total", "suit_corrected")})
        e["concluded"] += v["t3.result.total.total"]
        e["withheld"] += total(lambda k: k.startswith("t3.result.withheld.") and k.endswith(".total"))
        e["unavailable"] += total(lambda k: k.startswith("t3.result.unavailable.") and k.endswith(".total"))
        e["review_total"] += v["t4.review.total"]
        e["review_corrected"] += v["t4.review.corrected"]
        e["suit_total"] += v["t4.suit_direct.total"] + v["t4.suit_after_review.total"]
        e["suit_corrected"] += v["t4.suit_direct.corrected"] + v["t4.suit_after_review.corrected"]
    return out


def test_search_two_characters_and_phrase(ds):
    for q in ("复议", "诉讼", "政府信息公开"):
        hits = rows(ds, "/archive/search", q=q)
        assert hits, q
        assert all(q in h["excerpt"] or q in h["heading"] or h["excerpt"] for h in hits)
        assert {h["agency"] for h in hits} >= {"博爱县人民政府"}
        table = rows(ds, "/archive/search_index", _search=q)
        assert table and all(q in t["text"] for t in table), q  # the table search box
    assert rows(ds, "/archive/search", q="复议诉讼申请书") == []
    (page,) = fetch(ds, "/-/search?q=" + urllib.parse.quote("复议"))  # datasette-search-all
    assert page.status_code == 200 and "search_index" in page.text


def test_dashboard(ds):
    listing, dash, filtered = fetch(ds, "/-/dashboards", "/-/dashboards/national-trends",
                                    "/-/dashboards/national-trends?province=" + urllib.parse.quote("江苏省"))
    assert listing.status_code == dash.status_code == filtered.status_code == 200
    assert "全国趋势" in dash.text
    charts = dictionary.dashboards()["national-trends"]["charts"]
    for key, chart in charts.items():
        (r,) = fetch(ds, f"/-/dashboards/national-trends/{key}")
        assert r.status_code == 200, key
        sql = chart["query"].replace("[[ AND r.province = :province ]]", "").replace("[[ AND r.level = :level ]]", "")
        got = rows(ds, "/archive.json?sql=" + urllib.parse.quote(sql))
        assert got, key
    apps = rows(ds, "/archive.json?sql=" + urllib.parse.quote(
        charts["applications"]["query"].replace("[[ AND r.province = :province ]]", "")
        .replace("[[ AND r.level = :level ]]", "")))
    assert {a["year"]: a["applications"] for a in apps}[2023] == 21


def test_provenance_value_to_report_capture_and_original(ds):
    (value,) = rows(ds, "/archive/values", field_id="t3.new.natural_person", year="2024",
                    agency_id="410822/博爱县人民政府")
    assert value["raw"] == "35" and value["capture_sha256"] == SEED_SHA
    (report,) = rows(ds, "/archive/reports", id=value["report_id"])
    (capture,) = rows(ds, "/archive/captures", id=report["capture_id"])
    assert capture["url"] == value["url"] and capture["sha256"] == SEED_SHA and capture["fetched_at"]
    (page,) = fetch(ds, "/archive/values?field_id=t3.new.natural_person")
    assert f"/-/capture/{SEED_SHA}" in page.text  # every sha256 links to the original
    from datasette.utils import tilde_encode

    (row_page,) = fetch(ds, "/archive/reports/" + tilde_encode(report["id"]))
    capture_href = "/archive/captures/" + tilde_encode(report["capture_id"])
    assert row_page.status_code == 200 and f'href="{capture_href}"' in row_page.text
    (cap_page,) = fetch(ds, capture_href)  # the report's page links its capture's page
    assert cap_page.status_code == 200 and capture["url"] in cap_page.text
    assert f"/-/capture/{SEED_SHA}" in cap_page.text
    (original,) = fetch(ds, f"/-/capture/{SEED_SHA}")
    assert original.status_code == 200
    assert original.content == (CORPUS / "seed/boai-2024.txt").read_bytes()
    assert original.headers["content-type"].startswith("text/plain")
    # a sandbox whatever the bytes, and the type is the project's: never sniffed by the browser
    assert original.headers["content-security-policy"].startswith("sandbox")
    assert original.headers["x-content-type-options"] == "nosniff"
    (missing,) = fetch(ds, "/-/capture/" + "0" * 64)
    assert missing.status_code == 404


def test_read_only(ds):
    (r,) = fetch(ds, "/archive.json?sql=" + urllib.parse.quote("delete from reports"))
    assert r.status_code == 400
    assert rows(ds, "/archive/reports", url=BROKEN[0])[0]["parse_status"] == "failed"


def test_a_capture_that_cannot_be_read_names_no_server_path(tmp_path_factory, tmp_path):
    from crawler.web.app import datasette_instance

    _, db, _ = built_archive(tmp_path_factory)
    empty = tmp_path / "archive-without-its-warc-files"
    empty.mkdir()
    ds = datasette_instance(db, empty)
    (r,) = fetch(ds, f"/-/capture/{SEED_SHA}")
    assert r.status_code == 500 and "cannot read the capture warc/" in r.text
    assert str(tmp_path) not in r.text and str(db.parent) not in r.text
    assert r.headers["content-security-policy"].startswith("sandbox")
