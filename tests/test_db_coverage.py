"""Agencies (region names and levels) and the coverage view after real registry crawls on
127.0.0.1: one portal serves the seed report, one blocks the crawler (429 every time).

The test registry reuses two codes of the shipped registry (410822 博爱县, 350128 平潭) with
loopback addresses, so that the build can name a blocked portal's agency from the shipped
registry even though the crawl archived nothing of it.
"""
from __future__ import annotations

import pytest

from testbed import DEMO_COLUMN, serve

from tests.conftest import db_rows as rows
from tests.portal_fixtures import explain, run_crawl, write_registry

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from crawler.db.build import build

    tmp = tmp_path_factory.mktemp("coverage")
    archive = tmp / "archive"
    with serve("demo") as good, serve("demo") as bad:
        bad.site.add_fault(DEMO_COLUMN, "429", times=None)
        reg = write_registry(
            tmp / "portals.yaml",
            {"code": "410822", "agency": "博爱县人民政府", "level": "县",
             "column_urls": [good.url(DEMO_COLUMN)], "source": "test bed (the demo portal)"},
            {"code": "350128", "agency": "平潭综合实验区管理委员会", "level": "县",
             "column_urls": [bad.url(DEMO_COLUMN)], "source": "test bed (a portal that answers 429)"})
        ok = run_crawl("--portal", "410822", "--registry", str(reg), archive=archive)
        assert ok.returncode == 0, explain(ok)
        blocked = run_crawl("--portal", "350128", "--registry", str(reg), "--set",
                            "OGI_BLOCK_LIMIT=2", archive=archive)
        assert blocked.returncode == 3, explain(blocked)
    db = tmp / "archive.db"
    summary = build(archive, db)
    assert summary["parsed"] == 2, summary  # the seed's column: its HTML page and Word attachment
    return db


def test_agencies_have_province_city_county_and_level(crawled):
    ags = {a["id"]: a for a in rows(crawled, "select * from agencies")}
    boai = ags["410822/博爱县人民政府"]
    # 河南省 from the code's first two digits; 博爱县 from the registry's and its own name;
    # its city (焦作市) is stated by neither, so it stays NULL rather than guessed
    assert (boai["province_code"], boai["province"], boai["city"], boai["county"], boai["level"],
            boai["portal"]) == ("410000", "河南省", None, "博爱县", "县级", "410822")
    pingtan = ags["350128/平潭综合实验区管理委员会"]
    # no report was archived: the agency comes from the run summary and the shipped registry;
    # 福州市 is stated by the registry's entry for 福州市晋安区人民政府 (3501xx), and a
    # 管理委员会 is not named after its county, so county stays NULL
    assert (pingtan["province"], pingtan["city"], pingtan["county"], pingtan["level"]) == (
        "福建省", "福州市", None, "县级")


def test_reports_facet_on_year_and_province(crawled):
    (r,) = rows(crawled, "select distinct agency_id, year, province, level from reports")
    assert r == {"agency_id": "410822/博爱县人民政府", "year": 2024, "province": "河南省",
                 "level": "县级"}


def test_crawl_runs_and_portal_crawls_record_the_block(crawled):
    runs = rows(crawled, "select status, exit_code from crawl_runs order by run_id")
    assert runs == [{"status": "ok", "exit_code": 0}, {"status": "blocked", "exit_code": 3}]
    pcs = {p["portal"]: p for p in rows(crawled, "select * from portal_crawls")}
    assert pcs["410822"]["state"] == "ok" and pcs["410822"]["reports_found"] == 2
    assert pcs["350128"]["state"] == "blocked" and pcs["350128"]["blocked"] >= 2
    assert pcs["350128"]["agency_id"] == "350128/平潭综合实验区管理委员会"


def test_coverage_tells_blocked_from_found(crawled):
    cov = {(c["agency_id"], c["year"]): c for c in rows(crawled, "select * from coverage")}
    assert set(cov) == {("410822/博爱县人民政府", 2024), ("350128/平潭综合实验区管理委员会", 2024)}
    found = cov[("410822/博爱县人民政府", 2024)]
    # its HTML page and Word attachment are one report: found once
    assert (found["found"], found["missing"], found["parsed"], found["unparsed"], found["status"],
            found["crawl_state"]) == (1, 0, 1, 0, "ok", "ok")
    gap = cov[("350128/平潭综合实验区管理委员会", 2024)]
    assert (gap["found"], gap["missing"], gap["status"], gap["crawl_state"]) == (0, 1, "missing", "blocked")
    assert gap["province"] == "福建省" and gap["last_crawled"]
    # the canned query lists it, with the crawl state that explains the gap
    from crawler.db.dictionary import CANNED

    missing = rows(crawled, CANNED["missing_reports"]["sql"])
    assert [(m["agency_id"], m["year"], m["crawl_state"]) for m in missing] == [
        ("350128/平潭综合实验区管理委员会", 2024, "blocked")]


@pytest.mark.parametrize("name,code,city,county,town", [
    ("福州市晋安区人民政府", "350111", "福州市", "晋安区", None),
    ("河南省博爱县人民政府", "410822", None, "博爱县", None),
    ("荆州市沙市区人民政府", "421002", "荆州市", "沙市区", None),      # 沙市 inside a name
    ("济南市市中区人民政府", "370103", "济南市", "市中区", None),
    ("重庆市荣昌区河包镇人民政府", "500153", None, "荣昌区", "河包镇"),  # municipality: no city
    ("黔东南苗族侗族自治州人民政府", "522600", "黔东南苗族侗族自治州", None, None),
    ("武汉市汉阳区人民政府办公室", "420105", "武汉市", "汉阳区", None),
    ("平潭综合实验区管理委员会", "350128", None, None, None),        # not named after a division
    ("江苏省博爱县人民政府", "410822", None, None, None),            # name and code disagree
    ("博爱县人民政府", "410800", None, None, None),                  # a county name on a city code
])
def test_division_names_only_where_the_name_states_them(name, code, city, county, town):
    from crawler.db.regions import names_from_agency

    assert names_from_agency(name, code) == {"city": city, "county": county, "town": town}
