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
    src = page.locator("#ogi-original").get_attribute("data-src")
    assert src == f"/-/capture/{report['capture_sha256']}"
    # the click opened it at the cell's page
    assert page.locator("#ogi-original").get_attribute("src") == f"{src}?page={v['page']}#page={v['page']}"
    original = page.request.get(base + src)
    assert original.status == 200 and original.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(original.body()).hexdigest() == report["capture_sha256"]
    # the agency's other year and the cross-year checks of its 2024 report
    assert page.locator("svg.ogi-chart").count() >= 2
    assert "2024" in page.locator(".ogi-more table").last.inner_text()
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
    # the archived page's own scripts are not even there to be blocked
    assert errors == []


# ------------------------------------------------------------------ layout at 1280-1920 px

# Per table: cells outside the viewport's width or clipped by a scrolling box, label text boxes that leave their heading cell
# or overlap a number cell, number cells whose text overflows them, and whether the page
# scrolls sideways.
LAYOUT_JS = """(keys) => {
  const vw = document.documentElement.clientWidth;
  const out = {vw, scrollWidth: document.documentElement.scrollWidth, outside: [], overlaps: [],
               overflowing: [], cells: 0, labels: 0};
  // the horizontal extent a cell can be seen in: the viewport, narrowed by every ancestor that
  // clips or scrolls its overflow
  const visibleX = (el) => {
    let left = 0, right = vw;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox !== "visible") { const r = p.getBoundingClientRect(); left = Math.max(left, r.left); right = Math.min(right, r.right); }
    }
    return [left, right];
  };
  const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                        a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  for (const table of document.querySelectorAll("table.ogi-fmt[data-table]")) {
    const key = table.getAttribute("data-table");
    const tds = [...table.querySelectorAll("td.ogi-cell")];
    const boxes = tds.map(td => td.getBoundingClientRect());
    if (keys.includes(key)) {
      out.cells += tds.length;
      tds.forEach((td, i) => {
        const r = boxes[i], [left, right] = visibleX(td);
        if (r.left < left - 0.5 || r.right > right + 0.5)
          out.outside.push(td.dataset.field + " " + r.left + "-" + r.right + " seen in " + left + "-" + right);
      });
    }
    tds.forEach(td => { if (td.scrollWidth > td.clientWidth + 1) out.overflowing.push(td.dataset.field); });
    for (const lbl of table.querySelectorAll("th")) {
      if (!lbl.textContent.trim()) continue;
      out.labels += 1;
      const th = lbl.getBoundingClientRect();
      const range = document.createRange();
      range.selectNodeContents(lbl);
      for (const r of range.getClientRects()) {
        if (r.width === 0) continue;
        if (r.left < th.left - 0.5 || r.right > th.right + 0.5 || r.top < th.top - 0.5 || r.bottom > th.bottom + 0.5)
          out.overlaps.push(key + ": '" + lbl.textContent + "' leaves its cell");
        boxes.forEach((b, i) => { if (hit(r, b)) out.overlaps.push(key + ": '" + lbl.textContent + "' over " + tds[i].dataset.field); });
      }
    }
  }
  return out;
}"""

DEMO_REPORTS = {  # url end: what the report shows about layout
    "t20250120_31245.html": "2021 format, the long （六） labels",
    "t20200131_2019.html": "2019 trial format",
    "P020240130_hzq2023.pdf": "2021 format with table 三 （六） as in 2019",
}


@pytest.mark.parametrize("width", [1280, 1920])
def test_every_cell_of_tables_3_and_4_in_view_and_no_label_over_a_number(demo_server, chromium, browser,
                                                                         width, tmp_path):
    base, db = demo_server
    page = browser.new_page(viewport={"width": width, "height": 1000}, locale="zh-CN")
    for end, what in DEMO_REPORTS.items():
        report, _ = _report(db, end)
        page.goto(base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"), wait_until="load")
        r = page.evaluate(LAYOUT_JS, ["t3", "t4"])
        assert r["cells"] >= 15 + 7 * 23, (end, r["cells"])  # table 四: 15; table 三: 23+ rows of 7
        assert r["outside"] == [], (width, what, r["outside"][:5])
        assert r["scrollWidth"] <= r["vw"], (width, what, "the page scrolls sideways")
        assert r["labels"] > 40 and r["overlaps"] == [], (width, what, r["overlaps"][:5])
        assert r["overflowing"] == [], (width, what, r["overflowing"][:5])
        # where the room is short the original goes below the tables, else beside them
        original = page.locator("#ogi-original-box").bounding_box()
        t3 = page.locator("table[data-table=t3]").bounding_box()
        t4 = page.locator("table[data-table=t4]").bounding_box()
        if width < 1500:
            assert original["y"] >= t4["y"] + t4["height"], (width, what, original)
        else:
            assert original["x"] >= max(t3["x"] + t3["width"], t4["x"] + t4["width"]), (width, what, original)
            assert original["width"] >= 600  # wide enough to read
        page.screenshot(path=str(tmp_path / f"{end}-{width}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_selected_cell_panel_stays_in_view(demo_server, chromium, browser, width):
    base, db = demo_server
    report, values = _report(db, "t20250120_31245.html")
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
    page.goto(base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"), wait_until="load")
    cells = page.locator("table[data-table=t4] td.ogi-cell, table[data-table=t3] td.ogi-cell")
    # low on the page first (the last cell of table 四), then back up
    for cell in (cells.last, cells.nth(7 * 10), page.locator("table[data-table=t2] td.ogi-cell").first):
        fid = cell.get_attribute("data-field")
        cell.scroll_into_view_if_needed()
        scrolled = page.evaluate("window.scrollY")
        cell.click()
        box = page.locator("#ogi-cell-panel").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 900, (width, fid, scrolled, box)
        assert fid in page.locator("#ogi-cell-panel").inner_text()
        if fid.startswith("t4."):
            assert scrolled > 500  # the page did scroll down to it: the panel followed
    page.close()


def _viewer_page(page) -> str | None:
    """The page number Chromium's PDF viewer shows ("4 / 5"), once it is ready."""
    for _ in range(40):
        for f in page.frames:
            if f.url.startswith("chrome-extension://"):
                try:
                    return f.evaluate("""() => {
                      const ps = document.querySelector('pdf-viewer').shadowRoot
                        .querySelector('viewer-toolbar').shadowRoot.querySelector('viewer-page-selector');
                      const v = ps.shadowRoot.querySelector('input').value;
                      return v ? v + ' / ' + ps.docLength : null; }""")
                except Exception:
                    pass
        page.wait_for_timeout(250)
    return None


def test_a_click_on_a_pdf_cell_opens_the_original_at_its_page(demo_server, chromium, browser):
    base, db = demo_server
    report, values = _report(db, "P020240130_hzq2023.pdf")
    page = browser.new_page(viewport={"width": 1920, "height": 1000}, locale="zh-CN")
    page.goto(base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"), wait_until="load")
    frame = page.locator("#ogi-original")
    assert frame.get_attribute("sandbox") is None  # Chromium shows no PDF in a sandboxed frame
    assert _viewer_page(page) is not None
    pages = sorted({v["page"] for v in values.values() if v["page"]})
    assert len(pages) >= 2  # the tables span pages: the click has somewhere to go
    for want in (pages[-1], pages[0]):
        fid = next(f for f, v in values.items() if v["page"] == want)
        page.locator(f"td[data-field='{fid}']").click()
        assert frame.get_attribute("src").endswith(f"#page={want}")
        page.wait_for_timeout(500)
        shown = None
        for _ in range(20):
            shown = _viewer_page(page)
            if shown and shown.startswith(f"{want} /"):
                break
            page.wait_for_timeout(250)
        assert shown and shown.startswith(f"{want} /"), (fid, want, shown)
        assert f"page {want}" in page.locator("#ogi-page-note").inner_text()
    page.close()


def test_check_status_counts_what_could_not_be_decided(demo_server, chromium, browser):
    base, db = demo_server
    report, _ = _report(db, "t20200131_2019.html")
    conn = sqlite3.connect(db)
    counts = dict(conn.execute("select status, count(*) from checks where report_id = ? group by status",
                               [report["id"]]).fetchall())
    conn.close()
    # the 2019 上海 report: most of its rules add up blank cells
    assert counts.get("undecidable", 0) > counts.get("pass", 0) and not counts.get("fail")
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.goto(base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"), wait_until="load")
    status = page.locator("#ogi-check-status")
    for key in ("pass", "fail", "undecidable"):
        assert status.locator(f"[data-count={key}]").inner_text() == str(counts.get(key, 0))
    assert status.locator("[data-count=total]").inner_text() == str(sum(counts.values()))
    verdict = status.locator("[data-verdict]").get_attribute("data-verdict")
    assert verdict == "mostly undecidable" and "pass" not in status.locator("[data-verdict]").inner_text()
    assert "could not be decided" in page.locator("#ogi-rules-summary").inner_text()
    # its outcomes chart has nothing to draw, and says why
    empty = page.locator("#ogi-chart-outcomes .ogi-chart-empty")
    assert empty.count() == 1 and "总计" in empty.inner_text() and "No chart" in empty.inner_text()
    assert page.locator("#ogi-chart-outcomes svg").count() == 0
    page.close()


def _document(db: Path, url_end: str) -> dict:
    """A report's document that is not its canonical one (report_documents)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        (doc,) = [dict(r) for r in conn.execute(
            "select * from report_documents where url like ? and role <> 'canonical'", ["%" + url_end])]
        return doc
    finally:
        conn.close()


def test_a_word_original_is_shown_as_its_pdf_rendering(demo_server, chromium, browser):
    """博爱县 2024 is one report in two forms: the HTML page (canonical) and its Word file, listed
    among the report's documents and shown as its PDF rendering."""
    base, db = demo_server
    report, _ = _report(db, "t20250120_31245.html")
    word = _document(db, "P020250120_boai2024.docx")
    assert word["role"] == "alternate" and word["report_id"] == report["id"]
    page = browser.new_page(viewport={"width": 1920, "height": 1000}, locale="zh-CN")
    page.goto(base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"), wait_until="load")
    docs = page.locator("#ogi-documents li")
    assert docs.count() == 2 and docs.nth(0).get_attribute("data-role") == "canonical"
    link = page.locator(f"#ogi-documents a[href='/-/capture/{word['capture_sha256']}']")
    assert link.count() == 1
    page.goto(base + f"/-/capture/{word['capture_sha256']}", wait_until="load")
    assert _viewer_page(page) is not None  # LibreOffice's rendering, in Chromium's viewer
    src = f"/-/capture/{word['capture_sha256']}/preview.pdf"
    report = {"capture_sha256": word["capture_sha256"]}
    rendering = page.request.get(base + src)
    assert rendering.status == 200 and rendering.headers["content-type"] == "application/pdf"
    assert rendering.body().startswith(b"%PDF-")
    assert rendering.headers["content-security-policy"].startswith("sandbox ")
    raw = page.request.get(base + f"/-/capture/{report['capture_sha256']}/raw")
    assert hashlib.sha256(raw.body()).hexdigest() == report["capture_sha256"]
    page.close()


def test_an_archived_page_as_an_archive_shows_it(demo_server, chromium, browser, tmp_path):
    base, db = demo_server
    report, _ = _report(db, "t20250120_31245.html")
    docx = _document(db, "P020250120_boai2024.docx")
    conn = sqlite3.connect(db)
    archived = {u: s for u, s in conn.execute("select url, sha256 from captures")}
    conn.close()
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + f"/-/capture/{report['capture_sha256']}", wait_until="load")
    banner = page.locator("#ogi-archive-banner")
    assert report["url"] in banner.inner_text() and report["capture_sha256"] in banner.inner_text()
    assert page.locator("#ogi-archived-at").inner_text().startswith(report["fetched_at"][:10])
    links = page.locator("body a[href]:not(#ogi-archive-banner a)").all()
    assert len(links) >= 7
    to_archive = to_live = 0
    for a in links:
        href = a.get_attribute("href")
        if href.startswith("/-/capture/"):
            to_archive += 1
            assert href.split("/")[3] in archived.values()
        else:  # a page the archive does not hold: the live address, marked
            to_live += 1
            assert href.startswith("http") and href not in archived and "ogi-live" in a.get_attribute("class")
    assert to_archive >= 2 and to_live >= 1
    # its own Word attachment leads to the archived Word document, shown as its rendering
    word = page.locator(f"a[href='/-/capture/{docx['capture_sha256']}']")
    assert word.count() == 1
    assert page.evaluate("getComputedStyle(document.querySelector('a.ogi-live'), '::after').content").find("live") > 0
    page.screenshot(path=str(tmp_path / "archived-page.png"), full_page=True)
    word.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/-/capture/{docx['capture_sha256']}")
    assert _viewer_page(page) is not None
    assert errors == []
    page.close()


def test_a_revised_report_shows_its_versions_and_the_changed_cells(demo_server, browser):
    """The demo's 上海 2019 page was first captured with a misprint (386, constructed for the
    demo) and then as published (368): its page lists both versions and marks the cell."""
    base, db = demo_server
    report, values = _report(db, "t20200131_2019.html")
    assert values["t2.normative_docs.total_public"]["raw"] == "368"
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page.goto(base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"), wait_until="load")
    assert page.locator("table.ogi-versions[data-versions='2'] tr").count() == 3
    diff = page.locator("table.ogi-diff tr[data-field='t2.normative_docs.total_public']").inner_text()
    assert "386" in diff and "368" in diff and "1 → 2" in diff
    cell = page.locator("td[data-field='t2.normative_docs.total_public']")
    assert "ogi-changed" in cell.get_attribute("class") and "CHANGED in version 2" in cell.get_attribute("title")
    assert page.locator("td.ogi-changed").count() == 1
    page.close()

