"""The report page in a real headless browser (Debian's chromium via playwright): `ogi demo
--no-serve` builds the demo archive (real reports), `ogi serve` serves it, and the pages of a
2021-format PDF report (洪泽区 2023: table 四 fails its rules as printed) and of the 2019-format
HTML report (上海市人民政府办公厅 2019) show the archived values in the format's layout, the
failing checks on their cells, the evidence of a cell on click, and the original document.
Screenshots go to tmp_path."""
from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import build_demo, free_port, wait_until_serving
from tests.test_browser_archive import CHROMIUM, browser  # noqa: F401 (the fixture)

# subprocesses, servers, browsers, Redis or OCR: not in the fast loop (-m "not slow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
OGI = str(Path(sys.executable).with_name("ogi"))


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo-browser")
    db, archive, _ = build_demo(tmp)
    port = free_port()
    log = tmp / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([OGI, "serve", "--db", str(db), "--archive", str(archive),
                                 "--port", str(port)], cwd=tmp, stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, log)
        yield base, db
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM}: Debian's chromium is needed (scripts/setup.sh)"
    return CHROMIUM


def _report(db: Path, url_end: str) -> tuple[dict, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        (report,) = [dict(r) for r in conn.execute("select * from reports where url like ?", ["%" + url_end])]
        values = {r["field_id"]: dict(r) for r in conn.execute(
            'select * from "values" where report_id = ?', [report["id"]])}
    finally:
        conn.close()
    return report, values


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.goto(url, wait_until="load")
    return page, errors


def _cells_show_the_archived_text(page, values: dict) -> int:
    shown = {td.get_attribute("data-field"): td.inner_text()
             for td in page.locator("td.ogi-cell[data-field]").all()}
    printed = {fid: v for fid, v in values.items() if v["raw"] is not None}
    for fid, v in printed.items():
        assert fid in shown, fid
        assert shown[fid].strip() == v["raw"].strip(), (fid, shown[fid], v["raw"])
    return len(printed)


def test_report_page_of_a_2021_pdf_report_with_failing_checks(demo_server, chromium, browser, tmp_path):
    base, db = demo_server
    report, values = _report(db, "P020240130_hzq2023.pdf")
    assert report["format"] == "2021" and report["kind"] == "pdf"
    # reached the way a reader does: from the reports table's row of the report
    page, errors = _open(browser, base + "/archive/reports?agency_id="
                         + urllib.parse.quote(report["agency_id"]) + "&year=2023")
    page.locator("a.ogi-report-link").first.click()
    page.wait_for_load_state("load")
    assert urllib.parse.unquote(page.url) == base + "/-/report/" + report["id"]
    body = page.inner_text("body")
    assert "表三" in body and "法人或其他组织" in body and "未经复议直接起诉" in body
    # the layout of the format: table 三's two-level column heads, table 四's 15 cells in one row
    t3 = page.locator("table[data-table=t3]")
    assert t3.locator("thead tr").count() == 2
    assert t3.locator("thead th[colspan='5']", has_text="法人或其他组织").count() == 1
    t4 = page.locator("table[data-table=t4]")
    assert t4.locator("tbody td.ogi-cell").count() == 15 and t4.locator("thead tr").count() == 3
    assert _cells_show_the_archived_text(page, values) > 150
    # table 四 prints 0 as the review total beside 10 + 1: flagged on the cell, as printed
    total = page.locator("td[data-field='t4.review.total']")
    assert "ogi-fail" in total.get_attribute("class") and total.inner_text() == "0"
    assert "rule.t4.block_total.review" in (total.get_attribute("data-failing") or "")
    assert "expected 11, printed 0" in total.get_attribute("title")
    findings = page.locator("li[data-rule='rule.t4.block_total.review']").inner_text()
    assert "11" in findings and "0" in findings
    # click: the cell's provenance (page, row, column, printed label) and its checks
    total.click()
    panel = page.locator("#ogi-cell-panel").inner_text()
    v = values["t4.review.total"]
    assert f"page {v['page']}" in panel and f"row {v['row_index'] + 1}" in panel
    assert f"column {v['col_index'] + 1}" in panel and "FAIL rule.t4.block_total.review" in panel
    # the original beside the tables: the archived PDF, embedded and linked, with its evidence
    side = page.locator(".ogi-side").inner_text()
    assert report["capture_sha256"] in side and report["url"] in side
    assert report["capture_sha256"] in page.locator("#ogi-citation").inner_text()
    src = page.locator("#ogi-original").get_attribute("src")
    assert src == f"/-/capture/{report['capture_sha256']}"
    original = page.request.get(base + src)
    assert original.status == 200 and original.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(original.body()).hexdigest() == report["capture_sha256"]
    # the agency's other year and the cross-year checks of its 2024 report
    assert page.locator("svg.ogi-chart").count() >= 2
    assert "2024" in page.locator(".ogi-side table").last.inner_text() or "2024" in side
    page.screenshot(path=str(tmp_path / "report-2021-pdf.png"), full_page=True)
    assert errors == []


def test_report_page_of_the_2019_html_report(demo_server, chromium, browser, tmp_path):
    base, db = demo_server
    report, values = _report(db, "t20200131_2019.html")
    assert report["format"] == "2019" and report["kind"] == "html"
    page, errors = _open(browser, base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"))
    body = page.inner_text("body")
    assert "(2019 format)" in body and "本年新制作数量" in body and "本年制发件数" not in body
    assert "（六）其他处理" in page.locator("table[data-table=t3]").inner_text()
    assert _cells_show_the_archived_text(page, values) > 150
    # blanks printed as blanks (&nbsp;): shown empty, marked as blank, never as 0
    blank = page.locator("td[data-field='t3.result.partial.commercial']")
    assert values["t3.result.partial.commercial"]["raw"] == ""
    assert blank.inner_text().strip() == "" and "ogi-blank" in blank.get_attribute("class")
    new = page.locator("td[data-field='t3.new.total']")
    assert new.inner_text() == values["t3.new.total"]["raw"] == "859"
    new.click()
    assert "t3.new.total" in page.locator("#ogi-cell-panel").inner_text()
    # the original document opens: the archived HTML page, shown in the page and on its own
    frame = page.frame_locator("#ogi-original")
    assert "上海市人民政府办公厅" in frame.locator("body").inner_text()
    with page.context.expect_page() as popup:
        page.locator("#ogi-original-link").click()
    original = popup.value
    original.wait_for_load_state("load")
    assert "2019年上海市人民政府办公厅政府信息公开工作年度报告" in original.inner_text("body")
    original.screenshot(path=str(tmp_path / "original-2019-html.png"))
    page.screenshot(path=str(tmp_path / "report-2019-html.png"), full_page=True)
    # the archived page's own scripts never run (sandbox): the only errors allowed say so
    sandboxed = [e for e in errors if "Blocked script execution" in e and "/-/capture/" in e]
    assert sandboxed and errors == sandboxed
