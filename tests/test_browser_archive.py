"""A real headless browser (Debian's chromium via playwright; never a browser download) against
`ogi serve` started as a subprocess: home page, a report, a dashboard and a search render
their Chinese content and charts with no console errors. Screenshots go to tmp_path."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_until_serving
from tests.test_db_archive import built_archive

CHROMIUM = os.environ.get("OGI_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]

# a browser and a server: not in the fast loop (-m "not slow"). Chromium is installed by the
# set-up script; without it these tests fail (never skip) and say so
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    archive, db, _ = built_archive(tmp_path_factory)
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--db", str(db),
                                 "--archive", str(archive), "--port", str(port)],
                                cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, log)
        assert f"http://127.0.0.1:{port}/" in log.read_text()  # it prints its URL
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update"])
        yield b
        b.close()


def _open(browser, url, shot: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"requestfailed: {r.url}"))
    page.goto(url, wait_until="networkidle")
    return page, errors


def test_home_page(server, browser, tmp_path):
    page, errors = _open(browser, server + "/", tmp_path / "home.png")
    assert "政府信息公开工作年度报告" in page.inner_text("body")
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    assert errors == []


def test_report_page(server, browser, tmp_path):
    rid = urllib.parse.quote("410822/博爱县人民政府/2024/", safe="")
    page, errors = _open(browser, server + "/archive/reports?_search_id=&id__startswith=" + rid, tmp_path / "r.png")
    body = page.inner_text("body")
    assert "博爱县人民政府" in body and "河南省" in body
    link = page.locator("a[href^='/archive/reports/']").first
    link.click()
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "博爱县人民政府2024年政府信息公开工作年度报告" in body or "博爱县人民政府 2024 年" in body
    assert page.locator("a[href^='/-/capture/']").count() >= 1  # provenance: the original
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert errors == []


def test_dashboard_renders_charts(server, browser, tmp_path):
    page, errors = _open(browser, server + "/-/dashboards/national-trends", tmp_path / "d.png")
    assert "全国趋势" in page.inner_text("body")
    page.wait_for_selector(".vega-embed svg, .vega-embed canvas", timeout=20000)
    assert page.locator(".vega-embed svg, .vega-embed canvas").count() >= 3
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert errors == []


def test_search(server, browser, tmp_path):
    page, errors = _open(browser, server + "/archive/search_index", tmp_path / "s.png")
    page.fill("input[name=_search]", "复议")
    page.press("input[name=_search]", "Enter")
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "复议" in body and "博爱县人民政府" in body and "0 rows" not in body
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    page2, errors2 = _open(browser, server + "/archive/search?q=" + urllib.parse.quote("政府信息公开"), tmp_path / "q.png")
    assert "政府信息公开" in page2.inner_text("body") and "洪泽" in page2.inner_text("body")
    page2.screenshot(path=str(tmp_path / "search-query.png"), full_page=True)
    assert errors == [] and errors2 == []


def test_provenance_from_a_value_to_the_archived_original(server, browser, tmp_path):
    """Click from one number to its report, the report's capture (URL, time, sha256) and the
    archived original served from the WARC."""
    url = (server + "/archive/values?field_id=t3.new.natural_person&agency_id="
           + urllib.parse.quote("410822/博爱县人民政府") + "&year=2024")
    page, errors = _open(browser, url, tmp_path / "v.png")
    assert page.locator("td.col-raw").first.inner_text().strip() == "35"
    page.screenshot(path=str(tmp_path / "value.png"), full_page=True)
    page.locator("td.col-report_id a").first.click()
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "博爱县人民政府 2024 年政府信息公开工作年度报告" in body and "河南省" in body  # title as printed
    page.screenshot(path=str(tmp_path / "value-report.png"), full_page=True)
    page.locator("td.col-capture_id a").first.click()
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "http://127.0.0.1/boai/2024.txt" in body and "2025-03-01T01:00:00Z" in body
    sha = page.locator("td.col-sha256 a[href^='/-/capture/']").first
    href = sha.get_attribute("href")
    assert href.startswith("/-/capture/") and len(href.rsplit("/", 1)[1]) == 64
    page.screenshot(path=str(tmp_path / "value-capture.png"), full_page=True)
    sha.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(href) and "博爱县人民政府" in page.inner_text("body")
    page.screenshot(path=str(tmp_path / "value-original.png"), full_page=True)
    assert errors == []
