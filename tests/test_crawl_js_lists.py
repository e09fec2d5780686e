"""Report columns built by JavaScript, followed to their last page. Real `ogi crawl`
runs (subprocesses) against the simulated portals of testbed/jslists.py on 127.0.0.1,
with Debian's chromium behind scrapy-playwright for the lists only a browser sees."""
from __future__ import annotations

import collections
import pathlib
import urllib.parse

import pytest

from crawler.archive import iter_captures
from testbed import serve
from crawler.listcount import list_items, stated_counts

from tests.conftest import db_rows
from tests.portal_fixtures import explain, last_run, run_crawl
from tests.test_crawl_platforms import check_reports, rel

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

CHROMIUM = pathlib.Path("/usr/bin/chromium")


def test_debian_chromium_is_there():
    # the browser fallback drives Debian's chromium (scripts/setup.sh installs it): missing, the
    # browser tests below would fail for the wrong reason, so say it first
    assert CHROMIUM.exists(), "apt-get install chromium (scripts/setup.sh does it as root)"


def crawl(base, archive, *extra, start=None, platform="trs"):
    proc = run_crawl("--url", base.url(start or base.site.column_path), "--platform", platform,
                     *extra, archive=archive, timeout=240)
    return proc, last_run(archive)


def only_column(run) -> dict:
    assert len(run["columns"]) == 1, run["columns"]
    return run["columns"][0]


# site, start (None: the column), platform, found statically, through the API, by the browser
MECHANISMS = [
    ("trs-module", None, "trs", 10, 50, 0),  # static first page + search API named in a module
    ("json-inline", None, "trs", 0, 0, 60),  # rendered from inline JSON, paged without requests
    ("xhr-pager", None, "trs", 10, 0, 50),   # static first page + later pages by XHR
    ("json-inline", "/", "auto", 0, 0, 60),  # ... the column found by discovery from the home page
]


@pytest.mark.parametrize("site,start,platform,static,api,browser", MECHANISMS,
                         ids=[m[0] + ("-home" if m[1] else "") for m in MECHANISMS])
def test_every_reachable_report_of_a_javascript_list_is_archived(tmp_path, site, start, platform,
                                                                  static, api, browser):
    archive = tmp_path / "archive"
    with serve(site, hold=0.03) as base:
        s = base.site
        proc, run = crawl(base, archive, start=start, platform=platform)
        assert proc.returncode == 0, explain(proc)
        caps = check_reports(base, archive)  # 100 %: every report, once, as served; no look-alike
        # one request at a time, the browser's requests included (each answer took >= 30 ms)
        assert s.max_concurrent() == 1
        fetched = collections.Counter(p.split("?")[0] for (_, p, _, _) in s.log)
    assert run["counts"]["reports_found"] == len(s.expected_reports)
    assert run["failures"] == []
    col = only_column(run)
    assert col["expected"] == len(s.items) and col["found"] == len(s.items)
    assert (col["found_static"], col["found_api"], col["found_browser"]) == (static, api, browser)
    assert col["shortfall"] == 0 and col["complete"] is True
    assert f"expected {len(s.items)}" in proc.stdout and "INCOMPLETE" not in proc.stdout
    assert run["lists"] == {"columns": 1, "incomplete": 0, "shortfall": 0}
    # documents stay plain HTTP requests: each fetched once, none by the browser
    assert all(fetched[p.split("?")[0]] == 1 for p in s.expected_reports)
    sent = [rel(base, u) for u in col["browser_requests"]]
    assert not {u.split("?")[0] for u in sent} & set(s.expected_reports)
    rendered = [c for c in caps if c.role == "rendered_list"]
    if browser:
        # what the browser saw is archived, page by page, and names the column it renders
        assert col["browser"] == "done" and col["browser_pages"] >= 2
        assert len(rendered) == col["browser_pages"]
        assert all(c.content_type.startswith("text/html") for c in rendered)
        shown = set()
        for c in rendered:
            shown |= {u for u, _ in list_items(c.text(), c.final_url)}
        assert len(shown) == len(s.items)
        assert all(u.startswith(base) for u in col["browser_requests"])
        assert sent[0] == s.column_path
    else:
        assert not rendered and col["browser"] is None and not sent
    if site == "trs-module":
        # the endpoint came from the script module, which is archived with the list pages;
        # the library beside it was left alone
        lists = {rel(base, c.url).split("?")[0] for c in caps if c.role == "list"}
        assert {s.column_path, s.MODULE, s.SEARCH_PATH} <= lists
        assert fetched["/js/jquery-1.12.4.min.js"] == 0 and fetched["/was5/web/search"] == 0
    if site == "xhr-pager":
        assert fetched[s.ENDPOINT] == -(-len(s.items) // s.PER_PAGE) - 1  # pages 2..N, by XHR


def test_a_count_beyond_reach_is_named_and_the_browser_stays_on_the_portal(tmp_path):
    archive = tmp_path / "archive"
    # "another domain" the page's script tries: a real server elsewhere on loopback, which
    # must never see a request
    with serve("demo", host="127.0.0.2") as elsewhere:
        beacon = elsewhere.url("/beacon.gif?from=gknb")
        with serve("overcount", beacon=beacon, hold=0.03) as base:
            s = base.site
            proc, run = crawl(base, archive)
            assert proc.returncode == 0, explain(proc)
            check_reports(base, archive)  # every report that exists anywhere is archived
            assert s.max_concurrent() == 1
        assert elsewhere.site.log == []
    col = only_column(run)
    assert (col["expected"], col["found"], col["shortfall"]) == (s.stated_count, len(s.items),
                                                                 s.stated_count - len(s.items))
    assert (col["found_static"], col["found_api"], col["found_browser"]) == (
        s.STATIC, 0, len(s.items) - s.STATIC)
    assert col["complete"] is False and col["browser_pages"] == 2
    assert "no further page" in col["browser"]
    line = next(ln for ln in proc.stdout.splitlines() if "INCOMPLETE" in ln)
    assert f"expected {s.stated_count}" in line and f"found {len(s.items)}" in line
    assert f"shortfall {s.stated_count - len(s.items)}" in line and s.column_path in line
    assert run["lists"] == {"columns": 1, "incomplete": 1,
                            "shortfall": s.stated_count - len(s.items)}
    # the script's other host, private address and foreign domain: refused, aborted, named
    blocked = {b["url"]: b["reason"] for b in col["browser_blocked"]}
    robots = base.url(s.ROBOTS_DISALLOWED)
    assert set(blocked) == set(s.off_site_urls) | {robots}
    assert all(blocked[u].startswith("refused:") for u in s.off_site_urls)
    assert "private address 10.255.0.1" in blocked[s.PRIVATE]
    assert "robots.txt" in blocked[robots]
    assert not [p for (_, p, _, _) in s.log if p.startswith("/search/")]
    failures = {f["url"]: f for f in run["failures"]}
    for url in s.off_site_urls:
        assert failures[url]["role"] == "browser" and url in proc.stdout
    # what the browser was let fetch: the portal only
    hosts = {urllib.parse.urlsplit(u).netloc for u in col["browser_requests"]}
    assert hosts == {urllib.parse.urlsplit(base).netloc}


def test_without_the_browser_the_shortfall_is_reported_and_bounds_hold(tmp_path):
    with serve("xhr-pager") as base:
        s = base.site
        proc, run = crawl(base, tmp_path / "a", "--no-browser")
        assert proc.returncode == 0, explain(proc)
        col = only_column(run)
        assert (col["expected"], col["found"], col["shortfall"]) == (len(s.items), 10,
                                                                     len(s.items) - 10)
        assert col["browser"] == "off (--no-browser)" and "INCOMPLETE" in proc.stdout
        assert not [c for c in iter_captures(tmp_path / "a") if c.role == "rendered_list"]
        # the browser's cost is bounded: two pages per column, then it stops and says so
        proc, run = crawl(base, tmp_path / "b", "--browser-pages", "2", "--db",
                          str(tmp_path / "archive.db"))
        assert proc.returncode == 0, explain(proc)
        col = only_column(run)
        assert (col["found"], col["browser_pages"]) == (2 * s.PER_PAGE, 2)
        assert col["shortfall"] == len(s.items) - 2 * s.PER_PAGE
        assert "page limit (2 pages)" in col["browser"]
    # archive.db: the portal crawl and coverage carry the shortfall
    pc = db_rows(tmp_path / "archive.db", "select * from portal_crawls")
    assert len(pc) == 1
    assert (pc[0]["list_expected"], pc[0]["list_found"], pc[0]["list_shortfall"]) == (
        len(s.items), 2 * s.PER_PAGE, len(s.items) - 2 * s.PER_PAGE)
    assert '"found_browser": 10' in pc[0]["incomplete_lists"]
    assert run["args"]["url"] == [base.url(s.column_path)]


def test_bad_browser_bounds_are_a_configuration_error(tmp_path):
    proc = run_crawl("--url", "http://127.0.0.1:9/", "--browser-pages", "0",
                     archive=tmp_path / "a")
    assert proc.returncode == 2 and "--browser-pages must be positive" in proc.stderr


@pytest.mark.parametrize("text,items,expected", [
    ("<script>var recordCount = 84;</script>", 10, [(84, 84)]),
    ('<div data-recordcount="37">', 10, [(37, 37)]),
    ("<span>共 120 条</span>", 15, [(120, 120)]),
    ("<span>共有[9]条记录</span>", 9, [(9, 9)]),
    ('createPageHTML(4, 0, "index", "html");', 15, [(46, 60)]),
    ("var countPage = 3//共多少页", 20, [(41, 60)]),
    ("<div>共 5 页</div>", 10, [(41, 50)]),
    ("<p>no count here</p>", 12, []),
])
def test_stated_counts(text, items, expected):
    assert [(lo, hi) for lo, hi, _ in stated_counts(text, items, text)] == expected


def test_page_bar_numbers_give_the_page_count():
    html = ('<ul><li><a href="a.htm">示范县2023年政府信息公开工作年度报告</a></li></ul>'
            '<div class="pb"><a href="x.htm">1</a> <a href="3.htm">2</a> <a href="2.htm">3</a>'
            ' <a href="3.htm">下页</a></div>')
    assert [(lo, hi) for lo, hi, _ in stated_counts(html, 1, html)] == [(3, 3)]


def test_list_items_are_the_list_not_the_navigation():
    html = """<div class="head"><a href="/">示范县人民政府（测试站点）</a><a href="/zwgk/">政务公开</a></div>
    <ul class="nav"><li><a href="/a.html">首页</a></li><li><a href="/b.html">新闻中心</a></li></ul>
    <ul class="list"><li><a href="./2025/t1.html" title="示范县2024年政府信息公开工作年度报告">x</a></li>
    <li><a href="./2025/t2.html">示范县2025年政务公开工作要点</a></li></ul>
    <div class="page"><a href="index_1.html">2</a><a href="index_1.html">下一页</a></div>"""
    assert list_items(html, "http://h/col/index.html") == [
        ("http://h/col/2025/t1.html", "示范县2024年政府信息公开工作年度报告"),
        ("http://h/col/2025/t2.html", "示范县2025年政务公开工作要点")]


@pytest.mark.parametrize("name,library", [
    ("jquery-1.12.4.min.js", True), ("sea.js", True), ("layui.all.js", True),
    ("search.js", False), ("gknb-list.js", False), ("requireConfig.js", False),
])
def test_script_modules_leave_libraries_alone_but_not_modules_named_like_them(name, library):
    from spiders.base import ReportSpider
    assert bool(ReportSpider.LIBRARY_SCRIPT.search(name)) is library
