"""The home page a researcher lands on, and the About page, in real Chromium against `ogi serve`
over the test archive: the archive in figures (as the database counts them), a search that
answers with report titles and excerpts leading to report pages, ways in to report pages, the
dashboards and the coverage, what the archive holds (scans read by OCR), an About page of the
archive's own, and table pages whose rows are not buried under column descriptions."""
from __future__ import annotations

import urllib.parse

import pytest

from tests.conftest import db_rows
from tests.test_browser_archive import browser, server  # noqa: F401 (fixtures)
from tests.test_db_archive import built_archive

pytestmark = pytest.mark.slow


def _open(browser, url, width=1280):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 1000}, locale="zh-CN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.goto(url, wait_until="load")
    return page, errors


def test_the_archive_in_figures(server, browser, tmp_path_factory):  # noqa: F811
    _, db, _ = built_archive(tmp_path_factory)
    page, errors = _open(browser, server + "/")
    figure = lambda key: page.locator(f"[data-figure={key}] strong").inner_text()  # noqa: E731
    (reports,) = db_rows(db, "select count(*) n from reports")
    (agencies,) = db_rows(db, "select count(*) n from agencies")
    (provinces,) = db_rows(db, "select count(distinct province) n from reports")
    (years,) = db_rows(db, "select count(distinct year) n from reports")
    (failing,) = db_rows(db, "select sum(check_status = 'fail') f, "
                             "sum(check_status in ('pass', 'fail', 'warning', 'undecidable')) c from reports")
    assert figure("reports") == f"{reports['n']:,}" and figure("agencies") == f"{agencies['n']:,}"
    assert figure("provinces") == str(provinces["n"]) and figure("years") == str(years["n"])
    assert figure("failing") == f"{100 * failing['f'] / failing['c']:.1f} %"
    body = page.inner_text("body")
    # what the archive holds: scans are read by OCR (and marked), never "not parsed"
    assert "read by OCR" in body and "not parsed" not in body
    # ways in: report pages, dashboards, coverage, About
    hrefs = [a.get_attribute("href") for a in page.locator("a").all()]
    assert sum(1 for h in hrefs if h.startswith("/-/report/")) >= 4
    for wanted in ("/-/dashboards/national-trends", "/-/dashboards/registry-coverage",
                   "/archive/coverage", "/archive/missing_reports", "/-/about"):
        assert wanted in hrefs, wanted
        assert page.request.get(server + wanted).status == 200, wanted
    report_link = page.locator("#ogi-recent a.ogi-report-link").first
    title = report_link.inner_text()
    report_link.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == title and "/-/report/" in page.url
    assert errors == []


def test_search_answers_with_report_titles_and_excerpts(server, browser, tmp_path_factory):  # noqa: F811
    _, db, _ = built_archive(tmp_path_factory)
    page, errors = _open(browser, server + "/")
    page.fill("#ogi-q", "复议")
    page.press("#ogi-q", "Enter")
    page.wait_for_load_state("load")
    assert urllib.parse.unquote(page.url).endswith("/?q=复议")
    results = page.locator("#ogi-search-results ol.ogi-results > li")
    assert results.count() >= 1
    titles = {r["id"]: r["title"] for r in db_rows(db, "select id, title from reports")}
    for i in range(results.count()):
        li = results.nth(i)
        link = li.locator("h3 a")
        rid = li.get_attribute("data-report")
        assert link.inner_text() == titles[rid]  # the report's title, not a section's text
        assert urllib.parse.unquote(link.get_attribute("href")) == "/-/report/" + rid
        marks = li.locator("blockquote mark")
        assert marks.count() >= 1 and marks.first.inner_text() == "复议"
        assert all(len(q.inner_text()) < 300 for q in li.locator("blockquote").all())  # excerpts
    # short: a result list, not a wall of whole section texts
    assert page.locator("#ogi-search-results").bounding_box()["height"] < 2500
    results.first.locator("h3 a").click()
    page.wait_for_load_state("load")
    assert "/-/report/" in page.url and page.locator("table[data-table=t3]").count() == 1
    page2, errors2 = _open(browser, server + "/?q=" + urllib.parse.quote("没有这个词语啊"))
    assert "No report contains" in page2.inner_text("#ogi-search-results")
    assert errors == [] and errors2 == []


def test_about_page_is_the_archives_own(server, browser):  # noqa: F811
    page, errors = _open(browser, server + "/archive/reports")
    about = page.locator("footer a", has_text="how it is built")
    assert about.get_attribute("href") == "/-/about"  # not a gov.cn regulation page
    about.click()
    page.wait_for_load_state("load")
    body = page.inner_text("body")
    for section in ("How it is built", "The format", "The checks", "How to cite", "国办公开办函〔2021〕30号",
                    "cannot be decided", "ogi release"):
        assert section in body, section
    assert errors == []


def test_a_tables_rows_come_before_its_column_descriptions(server, browser):  # noqa: F811
    page, errors = _open(browser, server + "/archive/reports")
    first_row = page.locator("table.rows-and-columns tbody tr").first.bounding_box()
    assert first_row["y"] < 1000  # in the first screen at 1280 x 1000
    folded = page.locator("details.ogi-column-descriptions")
    assert folded.count() == 1 and folded.get_attribute("open") is None
    assert "Column descriptions (" in folded.locator("summary").inner_text()
    folded.locator("summary").click()
    assert folded.locator("dl.column-descriptions dt", has_text="check_status").is_visible()
    assert errors == []
