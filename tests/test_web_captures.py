"""How an archived document is served (crawler.web.captures), without a server: the kind is
read from the bytes, never from the stored Content-Type; every kind gets a sandbox CSP and
nosniff; an archived HTML page is rewritten as an archive shows it (banner, links to archived
captures or marked live links, nothing that runs)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import lxml.html
import pytest

from crawler.web import captures

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "crawler/demo/sites/demo"
REAL_PDF = DEMO / "hongze/zfxxgknb/P020240130_hzq2023.pdf"
SCRIPT = b"<script>console.log('OGI-PWNED')</script>"


def polyglot_pdf() -> bytes:
    """A real report PDF with an HTML document as a PDF comment line after its header."""
    data = REAL_PDF.read_bytes()
    nl = data.index(b"\n") + 1
    return data[:nl] + b"%<html><body>" + SCRIPT + b"</body></html>\n" + data[nl:]


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize("data, stored, kind", [
    # a PDF is a PDF whatever the portal said, and HTML hidden in it changes nothing
    (polyglot_pdf(), "text/html; x=pdf", "pdf"),
    (polyglot_pdf(), "application/pdf, text/html", "pdf"),
    (REAL_PDF.read_bytes(), None, "pdf"),
    # HTML is HTML (our rewritten view) even when the portal calls it a PDF or an image
    (b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>", "application/pdf", "html"),
    (b"\xef\xbb\xbf  <html><body>x</body></html>", "image/png", "html"),
    ("<html><head><meta charset=gbk></head><body>政府信息公开</body></html>".encode("gbk"), "text/html", "html"),
    # XML dialects that can run scripts are only ever shown as their source
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">' + SCRIPT + b"</svg>", "image/svg+xml", "xml"),
    (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>' + SCRIPT + b"</body></html>",
     "application/xhtml+xml", "xml"),
    # images only by their magic bytes
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "text/html", "png"),
    (b"GIF89a" + b"\x00" * 10, None, "gif"),
    # office documents
    (docx_bytes(), "application/octet-stream", "docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "application/msword", "ole"),
    # text stays text; the stored type may only make it a stylesheet
    ("博爱县人民政府2024年政府信息公开工作年度报告\n一、总体情况".encode(), "text/html", "text"),
    (b"body { color: red }", "text/css", "css"),
    (b"\x00\x01\x02\x03binary", "text/html", "binary"),
])
def test_the_kind_comes_from_the_bytes(data, stored, kind):
    k = captures.sniff(data, stored)
    assert k.kind == kind
    h = captures.headers(k, sha="0" * 64, url="http://www.example.gov.cn/a/b.pdf")
    # every kind: an opaque origin without scripts, and a type the browser may not second-guess
    assert h["Content-Security-Policy"].startswith("sandbox ")
    assert "allow-scripts" not in h["Content-Security-Policy"]
    assert "allow-same-origin" not in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    if kind in ("html", "xml", "text", "css"):
        assert "charset=" in h["Content-Type"]
    if kind != "pdf":
        assert "pdf" not in h["Content-Type"]
    essence = h["Content-Type"].split(";")[0]
    if kind != "html":  # nothing else is ever served as a type a browser renders as markup
        assert essence not in ("text/html", "application/xhtml+xml", "image/svg+xml",
                               "text/xml", "application/xml")
    if kind == "html":
        assert essence == "text/html"


def test_text_keeps_its_encoding():
    k = captures.sniff("政府信息公开工作年度报告".encode("gb18030"), "text/plain")
    assert k.kind == "text" and k.content_type == "text/plain; charset=GB18030"


PAGE = """<!DOCTYPE html><html><head><meta charset="gbk"><title>报告</title>
<meta http-equiv="refresh" content="0;url=javascript:alert(1)">
<base href="http://www.example.gov.cn/zfxxgk/nb/">
<link rel="stylesheet" href="/css/site.css"><link rel="preload" href="/js/x.js">
<script src="/js/page.js"></script></head>
<body onload="alert(1)"><h1 onclick="alert(2)">博爱县人民政府2024年政府信息公开工作年度报告</h1>
<a href="index.html">年报栏目</a> <a href="../../index.html">首页</a>
<a href="202501/P020250120_boai2024.docx" target="_top">Word版</a>
<a href="javascript:alert(3)">坏链接</a> <a href="#t3">表三</a> <a href="mailto:gk@example.gov.cn">邮件</a>
<img src="/images/logo.png" alt="logo"> <img src="tab.png" onerror="alert(4)">
<iframe srcdoc="&lt;script&gt;alert(5)&lt;/script&gt;"></iframe><object data="x.swf"></object>
<svg><script>alert(6)</script><a href="javascript:alert(7)"><text>x</text></a></svg>
<form action="http://evil.example/"><input name="q"></form>
<table><tr><td id="t3">35</td></tr></table></body></html>"""


def test_an_archived_page_is_rewritten_as_an_archive_shows_it():
    base = "http://www.example.gov.cn/zfxxgk/nb/t20250120_1.html"
    links = captures.page_links(PAGE, base)
    # <base href> decides how relative links resolve
    assert "http://www.example.gov.cn/zfxxgk/nb/index.html" in links
    assert "http://www.example.gov.cn/zfxxgk/nb/202501/P020250120_boai2024.docx" in links
    targets = {
        "http://www.example.gov.cn/zfxxgk/nb/index.html": captures.Target("a" * 64, "2025-01-21T00:00:00Z"),
        "http://www.example.gov.cn/zfxxgk/nb/202501/P020250120_boai2024.docx": captures.Target("b" * 64),
        "http://www.example.gov.cn/zfxxgk/nb/tab.png": captures.Target("c" * 64),
    }
    seen = {}

    def banner(counts):
        seen.update(counts)
        return captures.banner(url=base, fetched_at="2025-01-21T01:02:03Z", sha="d" * 64,
                               kind=captures.Kind("html"), raw_path="/-/capture/" + "d" * 64 + "/raw",
                               report_links=[("报告页 report page", "/-/report/x")], counts=counts)

    out = captures.rewrite(PAGE, base, targets, lambda s: "/-/capture/" + s, banner)
    doc = lxml.html.document_fromstring(out.html)
    # the banner comes first and says where and when the page was archived, and its sha256
    first = doc.find("body")[0]
    assert first.get("id") == "ogi-archive-banner"
    text = first.text_content()
    assert base in text and "2025-01-21T01:02:03Z" in text and "d" * 64 in text
    # links to pages the archive holds lead to their captures
    hrefs = {a.text_content(): a.get("href") for a in doc.iter("a")}
    assert hrefs["年报栏目"] == "/-/capture/" + "a" * 64
    assert hrefs["Word版"] == "/-/capture/" + "b" * 64
    # the others to the live site, marked as such
    live = [a for a in doc.iter("a") if a.text_content() == "首页"][0]
    assert live.get("href") == "http://www.example.gov.cn/index.html"
    assert "ogi-live" in live.get("class") and live.get("rel") == "noopener noreferrer"
    assert hrefs["表三"] == "#t3" and hrefs["邮件"] == "mailto:gk@example.gov.cn"
    assert hrefs["坏链接"] is None
    # an archived image is shown from the archive, a missing one is not fetched from the portal
    imgs = {i.get("alt"): i for i in doc.iter("img")}
    assert [i.get("src") for i in doc.iter("img") if i.get("src")] == ["/-/capture/" + "c" * 64]
    assert any("not archived" in (a or "") for a in imgs)
    # nothing that runs, loads plugins or navigates by itself is left
    low = out.html.lower()
    for gone in ("<script", "onload=", "onclick=", "onerror=", "javascript:", "srcdoc", "<iframe",
                 "<object", "http-equiv=\"refresh\"", "<base", "evil.example", "/css/site.css", "x.js"):
        assert gone not in low, gone
    assert seen == {"archived": 2, "live": 1, "missing": 2, "active": out.dropped_active}
    assert out.dropped_active >= 6
    assert '<meta charset="utf-8">' in out.html


def test_a_page_that_is_no_html_at_all_still_gets_a_banner():
    out = captures.rewrite("", "http://x.gov.cn/", {}, lambda s: s,
                           lambda c: '<div id="ogi-archive-banner">archived</div>')
    assert 'id="ogi-archive-banner"' in out.html
