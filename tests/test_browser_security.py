"""No archived byte runs in the archive's origin, tried as an attacker who controls crawled
documents would (real Chromium, real `ogi serve`, an archive of polyglots written by the
crawler's own WARC writer and built by `ogi build`'s code):

* a real report PDF carrying an HTML document with a script as a PDF comment line, stored
  with the type `text/html; x=pdf` (it still parses as a report: 186 values), and another
  stored as `application/pdf, text/html`;
* the real 2019 上海 HTML report with scripts, event handlers, a refresh to `javascript:`, an
  iframe srcdoc and a `javascript:` link, stored as `application/pdf`;
* an SVG and an XHTML document with scripts, linked and embedded by that page;
* a capture title with markup in it.

Every script would log OGI-PWNED, request /pwned-…, retitle its document and mark the top
document. The tests open every capture, the report pages, the home page and its search, and
the tables that show titles, and find none of these anywhere; a control proves the detector
sees a script that does run."""
from __future__ import annotations

import hashlib
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from crawler.archive import ArchiveWriter, Fetch
from tests.conftest import db_rows, free_port, wait_until_serving
from tests.test_browser_archive import browser  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "crawler/demo/sites/demo"
HOST = "http://www.hostile.gov.cn"


def script(where: str) -> str:
    return ("console.log('OGI-PWNED " + where + "');document.title='PWNED';"
            "try{top.document.documentElement.setAttribute('data-pwned','" + where + "')}catch(e){};"
            "new Image().src='/pwned-" + where + "';")


def polyglot(pdf: Path, where: str) -> bytes:
    data = pdf.read_bytes()
    nl = data.index(b"\n") + 1
    html = f"%<html><body><script>{script(where)}</script></body></html>\n"
    return data[:nl] + html.encode() + data[nl:]


def hostile_page() -> bytes:
    page = (DEMO / "shanghai/zfxxgknb/202001/t20200131_2019.html").read_text("utf-8")
    head_end = page.index("</head>")
    body_at = page.index("<body") + len("<body")
    injected_head = (f'<script>{script("html-head")}</script>'
                     '<meta http-equiv="refresh" content="5;url=javascript:console.log(\'OGI-PWNED refresh\')">')
    injected_body = (f' onload="{script("html-onload")}"'
                     + page[body_at:page.index(">", body_at)] + ">"
                     + f'<img src="x.png" onerror="{script("html-onerror")}">'
                     + f'<iframe srcdoc="&lt;script&gt;{script("html-srcdoc")}&lt;/script&gt;"></iframe>'
                     + f'<a id="jslink" href="javascript:{script("html-jslink")}">链接</a>'
                     + '<a href="../../img/chart.svg">图表</a> <a href="../../page.xhtml">XHTML</a>'
                     + '<img src="../../img/chart.svg" alt="chart">'
                     + '<img id="page-image" src="../../img/page1.png" alt="page 1">'
                     + f'<svg><script>{script("inline-svg")}</script></svg>')
    rest = page[page.index(">", body_at) + 1:]
    return (page[:head_end] + injected_head + page[head_end:body_at] + injected_body + rest).encode()


SVG = (f'<svg xmlns="http://www.w3.org/2000/svg" onload="{script("svg-onload")}">'
       f'<script>{script("svg")}</script><rect width="10" height="10"/></svg>').encode()
def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


PNG = _png()
XHTML = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
         f'<script>{script("xhtml")}</script><p>x</p></body></html>').encode()

# name: (url, stored Content-Type, bytes, role, agency, region code, title)
DOCUMENTS = {
    "pdf_html_type": (f"{HOST}/hongze/2023.pdf", "text/html; x=pdf",
                      polyglot(DEMO / "hongze/zfxxgknb/P020240130_hzq2023.pdf", "pdf-html-type"),
                      "report", "淮安市洪泽区人民政府", "320813", "洪泽区人民政府2023年政府信息公开工作年度报告"),
    "pdf_two_types": (f"{HOST}/huaian/2024.pdf", "application/pdf, text/html",
                      polyglot(DEMO / "huaian/zfxxgknb/202501/P020250124_szfgs2024.pdf", "pdf-two-types"),
                      "report", "淮安市人民政府", "320800", "淮安市人民政府2024年政府信息公开工作年度报告"),
    "html_pdf_type": (f"{HOST}/shanghai/zfxxgknb/2019.html", "application/pdf", hostile_page(),
                      "report", "上海市人民政府办公厅", "310000",
                      "上海<img src=x onerror=\"console.log('OGI-PWNED title')\">2019年报告"),
    "png": (f"{HOST}/img/page1.png", "text/html", PNG, "other", None, None, None),
    "svg": (f"{HOST}/img/chart.svg", "image/svg+xml", SVG, "other", None, None, None),
    "xhtml": (f"{HOST}/page.xhtml", "application/xhtml+xml", XHTML, "other", None, None, None),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from crawler.db.build import build

    tmp = tmp_path_factory.mktemp("hostile")
    archive, db = tmp / "archive", tmp / "archive.db"
    writer = ArchiveWriter(archive, "20250301T000000Z-hostile", label="hostile")
    shas = {}
    for name, (url, ctype, body, role, agency, region, title) in DOCUMENTS.items():
        _, cap = writer.write(Fetch(url=url, final_url=url, status=200,
                                    headers=[("Content-Type", ctype)], body=body, role=role,
                                    agency=agency, region_code=region, title=title,
                                    fetched_at="2025-03-01T01:00:00Z"))
        shas[name] = cap.sha256
    writer.close()
    build(archive, db)
    port = free_port()
    log = tmp / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "serve", "--db", str(db),
                                 "--archive", str(archive), "--port", str(port)],
                                cwd=tmp, stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, log)
        yield base, db, shas
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Watch:
    """Everything a script that ran would leave, in any frame of a page."""

    def __init__(self, page) -> None:
        self.page = page
        self.signs: list[str] = []
        page.on("console", lambda m: self.signs.append("console: " + m.text) if "OGI-PWNED" in m.text else None)
        page.on("request", lambda r: self.signs.append("request: " + r.url) if "pwned" in r.url else None)
        page.on("dialog", lambda d: (self.signs.append("dialog: " + d.message), d.dismiss()))

    def visit(self, url: str, settle_ms: int = 1500) -> None:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(settle_ms)  # timers, the PDF viewer, frames loading

    def check(self) -> list[str]:
        found = list(self.signs)
        for frame in self.page.frames:
            if frame.url.startswith("chrome-extension://"):
                continue  # the PDF viewer's own document
            try:
                title = frame.evaluate("document.title")
                mark = frame.evaluate("document.documentElement && document.documentElement.getAttribute('data-pwned')")
            except Exception:  # a frame that went away while we looked
                continue
            if title == "PWNED" or mark:
                found.append(f"frame {frame.url}: title {title!r}, mark {mark!r}")
        return found


@pytest.fixture
def watch(browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    w = Watch(page)
    yield w
    page.close()


def test_the_detector_sees_a_script_that_runs(hostile, watch):
    # the control: the same marks from a page and a frame of the archive's origin where
    # scripts are allowed to run
    watch.visit(hostile[0] + "/-/about", settle_ms=0)
    watch.page.set_content(f"<script>{script('control')}</script>"
                           f'<iframe srcdoc="&lt;script&gt;{script("control-frame")}&lt;/script&gt;"></iframe>')
    watch.page.wait_for_timeout(500)
    signs = watch.check()
    assert "console: OGI-PWNED control" in signs and "console: OGI-PWNED control-frame" in signs
    assert any(s.startswith("request:") and s.endswith("/pwned-control") for s in signs)
    assert any("title 'PWNED'" in s for s in signs)


def test_every_capture_is_served_inert_whatever_its_bytes(hostile, watch):
    base, _, shas = hostile
    for sha in shas.values():  # opened as a visitor would
        watch.visit(f"{base}/-/capture/{sha}")
    assert watch.check() == []
    expected_type = {"pdf_html_type": "application/pdf", "pdf_two_types": "application/pdf",
                     "html_pdf_type": "text/html; charset=utf-8",
                     "svg": "text/plain; charset=utf-8", "xhtml": "text/plain; charset=utf-8",
                     "png": "image/png"}
    for name, sha in shas.items():
        r = watch.page.request.get(f"{base}/-/capture/{sha}")
        assert r.status == 200, name
        h = r.headers
        assert h["content-type"] == expected_type[name], (name, h["content-type"])
        assert h["content-security-policy"].startswith("sandbox "), name
        assert "allow-scripts" not in h["content-security-policy"]
        assert "allow-same-origin" not in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        if name == "html_pdf_type":
            body = r.text()
            assert "<script" not in body.lower() and "onload=" not in body and "srcdoc" not in body
            assert 'id="ogi-archive-banner"' in body and sha in body
        # the exact bytes, as a download, never as markup
        raw = watch.page.request.get(f"{base}/-/capture/{sha}/raw")
        assert hashlib.sha256(raw.body()).hexdigest() == sha
        assert raw.headers["content-disposition"].startswith("attachment")
        assert raw.headers["content-security-policy"].startswith("sandbox ")
        assert "html" not in raw.headers["content-type"] and "xml" not in raw.headers["content-type"]


def test_the_polyglot_pdf_is_a_report_whose_page_runs_nothing(hostile, watch):
    base, db, shas = hostile
    for name in ("pdf_html_type", "pdf_two_types"):
        (report,) = db_rows(db, "select id, n_values, kind from reports where capture_sha256 = ?", [shas[name]])
        assert report["kind"] == "pdf" and report["n_values"] > 150  # still read as a report
        watch.visit(base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"), settle_ms=2500)
        assert watch.check() == []
        frame = watch.page.locator("#ogi-original")
        assert frame.get_attribute("src") == f"/-/capture/{shas[name]}"
        # the capture shows as a PDF (Chromium's viewer), never as the HTML inside it
        assert any(f.url.startswith("chrome-extension://") for f in watch.page.frames)
        # a click on a cell reopens it at the cell's page: still nothing runs
        cell = watch.page.locator("td.ogi-cell[data-page]").first
        cell.click()
        watch.page.wait_for_timeout(1500)
    assert watch.check() == []


def test_the_hostile_html_report_and_everything_showing_it_run_nothing(hostile, watch):
    base, db, shas = hostile
    (report,) = db_rows(db, "select id, kind from reports where capture_sha256 = ?", [shas["html_pdf_type"]])
    assert report["kind"] == "html"
    watch.visit(base + "/-/report/" + urllib.parse.quote(report["id"], safe="/"))
    assert watch.check() == []
    frame = watch.page.locator("#ogi-original")
    sandbox = frame.get_attribute("sandbox")
    assert sandbox is not None and "allow-same-origin" not in sandbox and "allow-scripts" not in sandbox
    inner = watch.page.frame_locator("#ogi-original")
    assert "上海市人民政府办公厅" in inner.locator("body").inner_text()
    # an image the archive holds is shown from the archive, inside the sandbox
    assert inner.locator("#page-image").get_attribute("src") == f"/-/capture/{shas['png']}"
    assert inner.locator("#page-image").evaluate("img => img.complete && img.naturalWidth") == 40
    # its links lead to the archived SVG and XHTML, shown as source: following them runs nothing
    inner.locator("a", has_text="图表").click()
    watch.page.wait_for_timeout(800)
    watch.visit(f"{base}/-/capture/{shas['html_pdf_type']}")
    watch.page.locator("a", has_text="XHTML").click()
    watch.page.wait_for_timeout(800)
    watch.visit(f"{base}/-/capture/{shas['html_pdf_type']}")
    watch.page.locator("#jslink").click()  # its javascript: address was removed
    # the title with markup, wherever the archive shows it
    for path in ("/", "/?q=" + urllib.parse.quote("政府信息公开"), "/archive/captures",
                 "/archive/reports", "/archive/parse_errors", "/-/about"):
        watch.visit(base + path, settle_ms=500)
    assert watch.check() == []
    watch.visit(base + "/archive/captures")
    assert "onerror=" in watch.page.inner_text("body")  # shown as text, not run
