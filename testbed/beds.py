"""Generated test-bed portals, one per platform kind.

Every site is a fictional county, 示范县 (so no page can be mistaken for a real government's),
with a 年报 column of 60+ items over several pages: 36 reports of its bodies for 2019–2024 and
look-alikes (工作要点, 通知, 预算/决算, 统计年报, 指南, 解读, 更正说明). Reports come in the shapes
portals use: the report as the page body (HTML tables), a wrapper page with a PDF or DOCX
attachment, the page body plus a PDF, a 图片版 page of images, and a list link straight to a PDF.
Attachments are the real files of ``documents_dir`` when given (e.g. the corpus' PDFs/DOCX),
otherwise small generated PDF/DOCX files.

``site.expected_reports`` maps each path a crawler must archive with role ``report``;
``site.expected_failures`` maps each path the run summary must name as a failure (the targets of
the permanent faults), with a word its reason must contain; ``site.lookalike_paths`` must never be
fetched.
"""
from __future__ import annotations

import datetime as _dt
import io
import json
import struct
import urllib.parse
import zipfile
import zlib
from html import escape

from crawler.demo.server import Req, Resp
from crawler.demo.site import PRIVATE_HOST, Site

COUNTY = "示范县"
BODIES = ["人民政府", "人民政府办公室", "发展和改革局", "教育局", "公安局", "民政局"]
YEARS = [2019, 2020, 2021, 2022, 2023, 2024]
# the shape of report i (cycled)
SHAPES = ["inline", "pdf", "inline", "inline+pdf", "docx", "images", "inline", "direct-pdf",
          "inline", "pdf", "inline+docx", "inline", "doc", "inline+xls", "wps"]
LOOKALIKES = [
    "{c}{y}年政务公开工作要点",
    "关于做好{y}年度政府信息公开工作年度报告编制发布工作的通知",
    "{c}{y}年部门预算公开",
    "{c}{y}年度财政决算公开说明",
    "{c}{y}年卫生健康统计年报",
    "{c}政府信息公开指南（{y}年修订）",
    "图解：《{c}{y}年政府信息公开工作年度报告》",
    "关于{c}{y}年政府信息公开工作年度报告的更正说明",
]
PER_PAGE = 15


def tiny_pdf(text: str) -> bytes:
    """A small valid one-page PDF (ASCII content; the title goes in the Info dictionary)."""
    title = text.encode("utf-16-be").hex().upper()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]
    stream = b"BT /F1 12 Tf 72 770 Td (simulated report attachment) Tj ET"
    objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objs.append(b"<< /Title <FEFF" + title.encode() + b"> >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objs) + 1, xref))
    return out.getvalue()


def tiny_docx(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                   f'<w:body><w:p><w:r><w:t>{escape(text)}（模拟附件）</w:t></w:r></w:p></w:body></w:document>')
    return buf.getvalue()


def tiny_ole(text: str, ext: str) -> bytes:
    """A stand-in for an old Office / WPS binary (.doc, .wps, .xls): the OLE2 compound-file
    signature and header, then the title. Crawlers only look at the magic bytes; it is not a
    readable document (the parse step names it as unreadable)."""
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
              + b"\x06\x00" + b"\x00" * 10)
    header += b"\xff" * (512 - len(header))
    return header + f"ogi-archive simulated .{ext} attachment: {text}".encode("utf-16-le")


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "wps": "application/octet-stream",   # WPS files are mostly served untyped
}


def tiny_png(seed: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    w = h = 8
    raw = b"".join(b"\x00" + bytes([(seed * 37 + x * 11 + y * 5) % 256 for x in range(w)])
                   for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def report_body(title: str, n: int) -> str:
    """A report body in the 2021 layout (simulated numbers, clearly marked)."""
    a = n + 3
    cells = "".join(f"<td>{v}</td>" for v in (a, 0, 0, 0, 0, 0, a))
    return f"""<p style="text-align:center"><strong>{escape(title)}</strong></p>
<p>（本页为 ogi-archive 测试站点的模拟报告，数字为模拟数据。）</p>
<p>一、总体情况</p><p>本年度，{COUNTY}认真贯彻《中华人民共和国政府信息公开条例》，主动公开政府信息{100 + n}条。</p>
<p>二、主动公开政府信息情况</p>
<table border="1"><tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>行政规范性文件</td><td>{n % 7}</td><td>{n % 3}</td><td>{20 + n}</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p>
<table border="1"><tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td>{cells}</tr></table>
<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>"""


def page(title: str, main: str, charset: str = "utf-8") -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{escape(title)}</title></head>
<body><div class="head"><a href="/">{COUNTY}人民政府（测试站点）</a> <a href="/zwgk/index.htm">政务公开</a></div>
<div class="main">{main}</div><div class="foot">ogi-archive 测试站点，非官方网站</div></body></html>"""


class Item:
    def __init__(self, i: int, title: str, date: _dt.date, kind: str, shape: str = "") -> None:
        self.i, self.title, self.date, self.kind, self.shape = i, title, date, kind, shape
        self.href = ""          # as written in the list (relative or absolute)
        self.path = ""          # detail path on the site


class TestbedSite(Site):
    platform = "trs"
    column_path = "/"

    def __init__(self, name: str, faults=(), documents_dir=None, encoding: str = "utf-8",
                 oversize_bytes: int = 3_000_000, **kw) -> None:
        super().__init__(faults, documents_dir, **kw)
        self.name = name
        self.encoding = encoding
        self.oversize_bytes = oversize_bytes
        self.lookalike_paths: set[str] = set()
        self.real_docs = self._real_documents()
        self.items = self.make_items()
        self.build()
        self.place_faults()

    # -- content
    def _real_documents(self) -> dict[str, list[bytes]]:
        out: dict[str, list[bytes]] = {"pdf": [], "docx": []}
        if self.documents_dir and self.documents_dir.is_dir():
            for ext in out:
                out[ext] = [p.read_bytes() for p in sorted(self.documents_dir.glob(f"*.{ext}"))]
        return out

    def attachment(self, ext: str, title: str, n: int) -> bytes:
        real = self.real_docs.get(ext) or []
        if real:
            return real[n % len(real)]
        if ext in ("doc", "wps", "xls"):
            return tiny_ole(title, ext)
        return tiny_pdf(title) if ext == "pdf" else tiny_docx(title)

    def make_items(self) -> list[Item]:
        items, n = [], 0
        base = _dt.date(2020, 1, 15)
        for y in YEARS:
            for b in BODIES:
                shape = SHAPES[n % len(SHAPES)]
                title = f"{COUNTY}{b}{y}年政府信息公开工作年度报告"
                if shape == "images":
                    title += "（图片版）"
                if n % 9 == 4:
                    title = title.replace(f"{y}年", f"{y}年度")
                d = _dt.date(y + 1, 1, 10) + _dt.timedelta(days=n % 40)
                items.append(Item(n, title, d, "report", shape))
                n += 1
        for k in range(24):
            y = YEARS[k % len(YEARS)]
            t = LOOKALIKES[k % len(LOOKALIKES)].format(c=COUNTY, y=y)
            if k >= len(LOOKALIKES):
                t = t.replace(COUNTY, f"{COUNTY}{BODIES[k % len(BODIES)]}", 1) \
                    if t.startswith(COUNTY) else t + f"（{BODIES[k % len(BODIES)]}）"
            items.append(Item(n, t, base + _dt.timedelta(days=k * 37), "lookalike"))
            n += 1
        # extra report items carrying the permanent faults
        extras = {"redirect-loop": "审计局2019", "challenge": "信访局2020", "html-for-pdf": "司法局2021",
                  "oversize": "统计局2022", "robots": "档案局2023", "private-link": "退役军人事务局2023",
                  "redirect-private": "人民防空办公室2022", "challenge-521": "税务局2024"}
        for f, who in extras.items():
            if f in self.faults_on:
                body, y = who[:-4], who[-4:]
                it = Item(n, f"{COUNTY}{body}{y}年政府信息公开工作年度报告",
                          _dt.date(int(y) + 1, 2, 1), "report", "fault:" + f)
                items.append(it)
                n += 1
        if "gb2312" in self.faults_on:
            it = Item(n, f"{COUNTY}（镕）堃乡人民政府2024年政府信息公开工作年度报告",
                      _dt.date(2025, 1, 30), "report", "gb2312")
            items.append(it)
            n += 1
        items.sort(key=lambda it: (it.date, it.i), reverse=True)
        return items

    def detail_path(self, it: Item) -> str:
        d = it.date
        return f"/xxgk/zfxxgknb/{d:%Y%m}/t{d:%Y%m%d}_{70000 + it.i}.html"

    def attachment_path(self, it: Item, ext: str, k: int = 0) -> str:
        d = it.date
        return f"/xxgk/zfxxgknb/{d:%Y%m}/P0{d:%Y%m%d}{70000 + it.i}{k}.{ext}"

    def enc(self, html: str, charset: str | None = None) -> bytes:
        return html.encode("gb18030" if (charset or self.encoding) in ("gbk", "gb2312") else "utf-8")

    def ctype(self) -> str:
        return "text/html" if self.encoding != "utf-8" else "text/html; charset=utf-8"

    def add_html(self, path: str, html: str, charset: str | None = None) -> None:
        self.add(path, self.enc(html, charset), "text/html" if charset else self.ctype())

    def build(self) -> None:
        for it in self.items:
            it.path = self.detail_path(it)
            it.href = it.path
            self.build_item(it)
        self.build_lists()
        self.build_nav()

    def build_item(self, it: Item) -> None:
        cs = self.encoding
        main_head = f'<h1>{escape(it.title)}</h1><div class="info">发布日期：{it.date}</div>'
        if it.kind == "lookalike":
            self.add_html(it.path, page(it.title, main_head + '<div class="trs_editor_view">'
                                        '<p>（测试站点：年报栏目里的相似标题，不是年度报告。）</p></div>', cs))
            self.lookalike_paths.add(it.path)
            return
        shape = it.shape
        body, att = "", []
        if shape in ("inline", "inline+pdf", "inline+docx", "inline+xls", "gb2312"):
            body = report_body(it.title, it.i)
            self.expected_reports[it.path] = "page"
        if shape in ("pdf", "inline+pdf", "fault:oversize", "fault:html-for-pdf"):
            att.append("pdf")
        if shape in ("docx", "inline+docx"):
            att.append("docx")
        if shape in ("doc", "wps"):
            att.append(shape)
        if shape == "inline+xls":
            att.append("xls")
        links = []
        for k, ext in enumerate(att):
            ap = self.attachment_path(it, ext, k)
            name = f"{it.title}.{ext}"
            if shape == "fault:oversize":
                self.add(ap, b"%PDF-1.4\n" + b"0" * self.oversize_bytes, "application/pdf")
                self.expected_failures[ap] = "size"
            elif shape == "fault:html-for-pdf":
                self.add(ap, b"", "application/pdf")
                self.add_fault(ap, "html-for-pdf", times=None)
                self.expected_failures[ap] = "promised"
            else:
                self.add(ap, self.attachment(ext, it.title, it.i), CONTENT_TYPES[ext])
                self.expected_reports[ap] = ext
            links.append(f'<p>附件：<a href="{self.rel(it.path, ap)}">{escape(name)}</a></p>')
        if shape == "images":
            imgs = []
            for k in range(2):
                ip = self.attachment_path(it, "png", k)
                self.add(ip, tiny_png(it.i * 3 + k), "image/png")
                self.expected_reports[ip] = "png"
                imgs.append(f'<p><img src="{self.rel(it.path, ip)}" alt=""/></p>')
            body = "".join(imgs)
            self.expected_reports[it.path] = "page"
        if shape == "direct-pdf":
            ap = self.attachment_path(it, "pdf")
            self.add(ap, self.attachment("pdf", it.title, it.i), "application/pdf")
            self.expected_reports[ap] = "pdf"
            it.path = ap
            it.href = ap
            return
        charset = cs
        if shape == "gb2312":
            charset = "gb2312"  # declared GB2312, but 镕 and 堃 exist only in GBK
        html = page(it.title, main_head + f'<div class="trs_editor_view">{body}</div>'
                    + "".join(links), charset)
        if shape == "fault:redirect-loop":
            it.path = it.href = "/xxgk/zfxxgknb/loop/a"
            self.add_fault("/xxgk/zfxxgknb/loop/a", "redirect-loop", times=None)
            self.add_fault("/xxgk/zfxxgknb/loop/b", "redirect-loop", times=None)
            self.expected_failures[it.path] = "redirect"
            return
        if shape in ("fault:challenge", "fault:challenge-521"):
            self.add_fault(it.path, shape[len("fault:"):], times=None)
            self.expected_failures[it.path] = "challenge"
        if shape == "fault:robots":
            it.path = it.href = f"/private/t{it.date:%Y%m%d}_{70000 + it.i}.html"
            self.robots = "User-agent: *\nDisallow: /search/\nDisallow: /private/\n"
            self.expected_failures[it.path] = "robots"
        if shape == "fault:redirect-private":
            self.add_fault(it.path, "redirect-private", times=None)
            self.expected_failures[it.path] = "refused"
        if shape == "fault:private-link":
            it.href = f"http://{PRIVATE_HOST}/xxgk/zfxxgknb/t{it.date:%Y%m%d}_{70000 + it.i}.html"
            self.expected_failures[it.href] = "refused"
            return
        self.add(it.path, self.enc(html, charset), "text/html" if charset != "utf-8"
                 else self.ctype())

    @staticmethod
    def rel(from_path: str, to_path: str) -> str:
        """A relative link as TRS writes them (./P0…pdf) when in the same directory."""
        fd, td = from_path.rsplit("/", 1)[0], to_path.rsplit("/", 1)[0]
        return "./" + to_path.rsplit("/", 1)[1] if fd == td else to_path

    def pages(self) -> list[list[Item]]:
        return [self.items[i:i + PER_PAGE] for i in range(0, len(self.items), PER_PAGE)]

    def li(self, it: Item, list_path: str) -> str:
        href = it.href
        if href.startswith("/xxgk/zfxxgknb/") and list_path.startswith("/xxgk/zfxxgknb/"):
            href = "." + href[len("/xxgk/zfxxgknb"):]
        return (f'<li><a href="{escape(href)}" target="_blank" title="{escape(it.title)}">'
                f'{escape(it.title)}</a><span>{it.date}</span></li>')

    # -- platform specifics (TRS by default)
    def build_lists(self) -> None:
        self.column_path = "/xxgk/zfxxgknb/index.html"
        pages = self.pages()
        self.list_paths = []
        for n, its in enumerate(pages):
            path = "/xxgk/zfxxgknb/index.html" if n == 0 else f"/xxgk/zfxxgknb/index_{n}.html"
            self.list_paths.append(path)
            lis = "\n".join(self.li(it, path) for it in its)
            main = (f'<div class="title">政府信息公开年报</div><ul class="list">\n{lis}\n</ul>'
                    f'<div class="page"><script>createPageHTML({len(pages)}, {n}, "index", '
                    f'"html");</script></div>')
            self.add_html(path, page("政府信息公开年报", main, self.encoding))

    def build_nav(self) -> None:
        self.add_html("/index.html", page(f"{COUNTY}人民政府", '<ul><li><a href="/zwgk/index.htm">'
                                          '政务公开</a></li></ul>', self.encoding))
        self.add_html("/zwgk/index.htm", page("政务公开", f'<ul><li><a href="/xxgk/index.htm">政府信息公开'
                                              f'</a></li><li><a href="{self.column_path}">政府信息公开年报'
                                              f'</a></li></ul>', self.encoding))
        self.add_html("/xxgk/index.htm", page("政府信息公开", f'<ul><li><a href="{self.column_path}">'
                                              f'政府信息公开年报</a></li></ul>', self.encoding))

    def place_faults(self) -> None:
        details = [it for it in self.items if it.kind == "report" and it.shape == "inline"]
        atts = [p for p, k in self.expected_reports.items() if k == "pdf" and "?" not in p]
        lists = self.list_fault_paths()
        on = self.faults_on
        if "500" in on and lists:
            self.add_fault(lists[0], "500")
        if "429" in on and lists:
            self.add_fault(lists[-1], "429")
        if "503" in on:
            self.add_fault(details[0].path, "503")
        if "timeout" in on:
            self.add_fault(details[1].path, "timeout")
        if "reset" in on:
            self.add_fault(details[2].path, "reset")
        if "truncate" in on and atts:
            self.add_fault(atts[0], "truncate")

    def list_fault_paths(self) -> list[str]:
        return self.list_paths[1:3]


class TRSDynamicSite(TestbedSite):
    """A newer TRS site, "动静结合": the column's index.html is static with the first
    ``STATIC`` items only; the browser renders the rest from the TRS search API (WAS5
    ``/was5/web/search?channelid=…&classsql=chnlid=…&prepage=…&page=N``) configured by a script
    and bound to a template (el.chnldocurl, el.doctitle, el.docreltime). The API answers the
    JSON-ish text WAS5 writes: single-quoted values and a trailing comma."""
    platform = "trs"
    CHANNEL = "229105"
    CHNL = "4559"
    STATIC = 10
    PREPAGE = 10

    def build_lists(self) -> None:
        self.column_path = "/xxgk/zfxxgknb/index.html"
        lis = "\n".join(self.li(it, self.column_path) for it in self.items[:self.STATIC])
        main = f"""<div class="title">政府信息公开年报</div><ul class="list" id="list">
{lis}
</ul><div class="page" id="page"></div>
<script type="text/html" id="tpl">{{{{each docs as el}}}}<li><a href="{{{{el.chnldocurl}}}}" target="_blank"
 title="{{{{el.doctitle}}}}">{{{{el.doctitle}}}}</a><span>{{{{el.docreltime}}}}</span></li>{{{{/each}}}}</script>
<script>
var searchConfig = {{ url: "/was5/web/search", channelid: "{self.CHANNEL}", templet: "docs.jsp",
  sortfield: "-DOCORDERPRI,-DOCRELTIME", classsql: "chnlid={self.CHNL}", prepage: {self.PREPAGE},
  recordCount: {len(self.items)} }};
function loadPage(page) {{
  $.ajax({{ url: searchConfig.url, type: "GET", dataType: "text",
    data: {{ channelid: searchConfig.channelid, templet: searchConfig.templet,
      sortfield: searchConfig.sortfield, classsql: searchConfig.classsql,
      prepage: searchConfig.prepage, page: page }},
    success: function (t) {{ var data = eval("(" + t + ")");
      $("#list").html(template("tpl", data)); pager("#page", searchConfig.recordCount, page); }} }});
}}
</script>"""
        self.add_html(self.column_path, page("政府信息公开年报", main, self.encoding))
        self.list_paths = [self.column_path, "/was5/web/search"]

    SEARCH_PATH = "/was5/web/search"

    def dynamic(self, req: Req) -> Resp | None:
        if req.path != self.SEARCH_PATH:
            return None
        q = req.query
        ok = (q.get("channelid") == self.CHANNEL
              and q.get("classsql", "").replace(" ", "") == f"chnlid={self.CHNL}")
        its = self.items if ok else []
        per = max(1, min(int(q.get("prepage") or 20), 100))
        p = max(1, int(q.get("page") or 1))
        chunk = its[(p - 1) * per: p * per]
        host = req.headers.get("host", "127.0.0.1")
        docs = ",\n".join(
            "{" + f'"doctitle":{json.dumps(it.title, ensure_ascii=False)},'
            f'"chnldocurl":"{it.href if it.href.startswith("http") else f"http://{host}{it.href}"}",'
            f'"docreltime":"{it.date} 09:00:00","docid":"{70000 + it.i}"' + "}"
            for it in chunk)
        body = (f'{{"count":"{len(its)}","chnlname":"政府信息公开年报","pagenum":"{p}",'
                f'"searchtime":"0.01",\n"py":\'###pypy###\',\n"dy":\'###dydy###\',\n'
                f'"docs":[\n{docs}{"," if docs else ""}\n]}}')
        return Resp(200, body.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])

    def list_fault_paths(self) -> list[str]:
        return ["/was5/web/search"]


class HanwebSite(TestbedSite):
    platform = "hanweb"
    COL = "1229000001"
    UNIT = "4321"

    def detail_path(self, it: Item) -> str:
        d = it.date
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.COL}_{80000 + it.i}.html"

    def attachment_path(self, it: Item, ext: str, k: int = 0) -> str:
        return f"/picture/0/{it.date:%y%m%d}{80000 + it.i}{k}.{ext}"

    def li(self, it: Item, list_path: str = "") -> str:
        return (f'<li><a href="{escape(it.href)}" target="_blank" title="{escape(it.title)}">'
                f'{escape(it.title)}</a><span>{it.date}</span></li>')

    def build_item(self, it: Item) -> None:
        super().build_item(it)
        # one attachment goes through a download interstitial, as /module/download/ does
        if it.kind == "report" and it.shape == "pdf" and it.i % 2 == 1:
            ap = self.attachment_path(it, "pdf", 0)
            inter = f"/module/download/downfile.jsp?classid=0&filename={ap.rsplit('/', 1)[1]}"
            doc = self.docs[it.path]
            html = doc.body.decode("utf-8").replace(f'href="{ap}"', f'href="{escape(inter)}"')
            self.add(it.path, html.encode(), doc.content_type)
            self.interstitials = getattr(self, "interstitials", {})
            self.interstitials[ap.rsplit("/", 1)[1]] = ap

    def dynamic(self, req: Req) -> Resp | None:
        if req.path == "/module/download/downfile.jsp":
            target = getattr(self, "interstitials", {}).get(req.query.get("filename", ""))
            if not target:
                return Resp(404, b"not found", [("Content-Type", "text/plain")])
            html = page("文件下载", f'<p>正在下载……如未自动下载，请<a href="{target}">点击此处下载</a>。</p>'
                        f'<script>setTimeout(function(){{location.href="{target}";}},500);</script>')
            return Resp(200, html.encode(), [("Content-Type", "text/html; charset=utf-8")])
        if req.path == "/module/web/jpage/dataproxy.jsp":
            if req.method != "POST":
                return Resp(405, b"POST only", [("Content-Type", "text/plain")])
            form = dict(urllib.parse.parse_qsl(req.body.decode("utf-8", "replace")))
            if form.get("columnid") != self.COL or form.get("unitid") != self.UNIT:
                recs: list[Item] = []
            else:
                s = int(req.query.get("startrecord", 1))
                e = int(req.query.get("endrecord", s + 44))
                recs = self.items[s - 1:e]
            body = ('<?xml version="1.0" encoding="UTF-8"?><datastore><nextgroup><![CDATA[]]></nextgroup>'
                    f'<totalrecord>{len(self.items)}</totalrecord><recordset>'
                    + "".join(f"<record><![CDATA[{self.li(it)}]]></record>" for it in recs)
                    + "</recordset></datastore>")
            return Resp(200, body.encode(), [("Content-Type", "text/xml; charset=utf-8")])
        return None

    def build_lists(self) -> None:
        self.column_path = f"/col/col{self.COL}/index.html"
        first = self.items[:PER_PAGE]
        recs = "".join(f"<record><![CDATA[{self.li(it)}]]></record>" for it in first)
        main = f"""<div class="title">政府信息公开年报</div>
<div id="{self.UNIT}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid={self.COL}&unitid={self.UNIT}&webname=%E7%A4%BA%E8%8C%83%E5%8E%BF&permissiontype=0"></a>]]></nextgroup>
<recordset>{recs}</recordset></datastore></script>
<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>
<script>$('#{self.UNIT}').jpage({{ dataStore: null, proxyUrl: '/module/web/jpage/dataproxy.jsp', perPage: 15, totalRecord: {len(self.items)},
 params: {{ col: 1, appid: 1, webid: 3, path: '/', columnid: {self.COL}, sourceContentType: 1, unitid: {self.UNIT}, webname: '示范县', permissiontype: 0 }} }});</script></div>"""
        self.add_html(self.column_path, page("政府信息公开年报", main))
        self.list_paths = [self.column_path]

    def list_fault_paths(self) -> list[str]:
        return ["/module/web/jpage/dataproxy.jsp"]


class JSONSite(TestbedSite):
    platform = "json"
    CAT = "2345"
    SID = "ogisim"
    SIZE = 20

    def detail_path(self, it: Item) -> str:
        return f"/gkmlpt/content/0/{it.i % 1000}/post_{960000 + it.i}.html"

    def attachment_path(self, it: Item, ext: str, k: int = 0) -> str:
        return f"/attachment/0/{it.i % 100}/{960000 + it.i}{k}.{ext}"

    def build_lists(self) -> None:
        self.column_path = "/gkmlpt/index"
        cfg = {"SID": self.SID, "TREE": [{"id": 2340, "name": "政策文件"},
                                         {"id": int(self.CAT), "name": "政府信息公开年报"},
                                         {"id": 2350, "name": "政府信息公开指南"}]}
        main = (f'<div id="app"></div><script>window._CONFIG = {{SID: \'{self.SID}\', '
                f'TREE: {json.dumps(cfg["TREE"], ensure_ascii=False)}}};</script>'
                f'<script src="/gkmlpt/static/app.js"></script>')
        self.add_html(self.column_path, page("政府信息公开目录", main))
        self.list_paths = [f"/gkmlpt/api/all/{self.CAT}"]

    def dynamic(self, req: Req) -> Resp | None:
        if req.path.startswith("/gkmlpt/api/all/"):
            cat = req.path.rsplit("/", 1)[1]
            if req.query.get("sid") != self.SID:
                return Resp(403, b'{"error":"bad sid"}', [("Content-Type", "application/json")])
            its = self.items if cat == self.CAT else []
            p = int(req.query.get("page", 1) or 1)
            chunk = its[(p - 1) * self.SIZE: p * self.SIZE]
            host = req.headers.get("host", "127.0.0.1")
            arts = [{"id": 960000 + it.i, "title": it.title,
                     "url": it.href if it.href.startswith("http") else f"http://{host}{it.href}",
                     "created_at": f"{it.date} 09:00:00"} for it in chunk]
            data = {"total": len(its), "articles": arts, "classify": {"id": int(cat),
                                                                      "post_count": len(its)}}
            return Resp(200, json.dumps(data, ensure_ascii=False).encode(),
                        [("Content-Type", "application/json;charset=UTF-8")])
        return None

    def list_fault_paths(self) -> list[str]:
        return [f"/gkmlpt/api/all/{self.CAT}"]


class GenericSite(TestbedSite):
    """VSB-style site reached only from its home page: /xxgk/zfxxgknb.htm, /xxgk/zfxxgknb/N.htm
    paged by 下页 links, articles /info/1050/NNNNN.htm, attachments via download.jsp."""
    platform = "generic"

    def detail_path(self, it: Item) -> str:
        return f"/info/1050/{64000 + it.i}.htm"

    def attachment_path(self, it: Item, ext: str, k: int = 0) -> str:
        return f"/__local/{it.i % 10}/{64000 + it.i}{k}.{ext}"

    def li(self, it: Item, list_path: str = "") -> str:
        return (f'<li><a href="{escape(it.href)}" title="{escape(it.title)}">{escape(it.title)}</a>'
                f'<span>{it.date}</span></li>')

    def build_lists(self) -> None:
        self.column_path = "/xxgk/zfxxgknb.htm"
        pages = self.pages()
        total = len(pages)
        self.list_paths = []
        # VSB numbering: first page zfxxgknb.htm, then zfxxgknb/{total-1}.htm … 1.htm
        paths = ["/xxgk/zfxxgknb.htm"] + [f"/xxgk/zfxxgknb/{total - n}.htm" for n in range(1, total)]
        for n, its in enumerate(pages):
            lis = "\n".join(self.li(it) for it in its)
            nxt = f'<a href="{paths[n + 1]}" class="Next">下页</a>' if n + 1 < total else ""
            nums = " ".join(f'<a href="{p}">{k + 1}</a>' for k, p in enumerate(paths))
            main = f'<h2>政府信息公开年报</h2><ul>{lis}</ul><div class="pb">{nums} {nxt}</div>'
            self.add_html(paths[n], page("政府信息公开年报", main, self.encoding))
            self.list_paths.append(paths[n])

    def build_nav(self) -> None:
        self.add_html("/index.html", page(f"{COUNTY}人民政府", '<ul><li><a href="/xwzx.htm">新闻中心</a></li>'
                                          '<li><a href="/zwgk.htm">政务公开</a></li></ul>'))
        self.add_html("/xwzx.htm", page("新闻中心", "<p>新闻</p>"))
        self.add_html("/zwgk/index.htm", page("政务公开", '<p><a href="/zwgk.htm">政务公开</a></p>'))
        self.add_html("/zwgk.htm", page("政务公开", '<ul><li><a href="/xxgk/xxgkml.htm">信息公开目录</a></li>'
                                        '<li><a href="/zwgk/gzyd.htm">政务公开工作要点</a></li></ul>'))
        self.add_html("/zwgk/gzyd.htm", page("政务公开工作要点", "<p>工作要点</p>"))
        self.add_html("/xxgk/xxgkml.htm", page("信息公开目录", f'<ul><li><a href="/xxgk/zfxxgkzn.htm">政府信息公开指南</a></li>'
                                               f'<li><a href="{self.column_path}">政府信息公开年报</a></li></ul>'))
        self.add_html("/xxgk/zfxxgkzn.htm", page("政府信息公开指南", "<p>指南</p>"))

    def build_item(self, it: Item) -> None:
        super().build_item(it)
        # attachments as VSB writes them: download.jsp?…&wbfileid=N, the file name in the text
        if it.kind == "report" and it.path in self.docs and it.shape in ("pdf", "docx"):
            ext = it.shape
            ap = self.attachment_path(it, ext, 0)
            dl = f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid={64000 + it.i}"
            doc = self.docs[it.path]
            html = doc.body.decode("utf-8").replace(f'href="{ap}"', f'href="{escape(dl)}"')
            self.add(it.path, html.encode(), doc.content_type)
            self.downloads = getattr(self, "downloads", {})
            self.downloads[str(64000 + it.i)] = ap
            self.expected_reports.pop(ap, None)
            self.expected_reports[dl] = ext

    def dynamic(self, req: Req) -> Resp | None:
        if req.path == "/system/_content/download.jsp":
            ap = getattr(self, "downloads", {}).get(req.query.get("wbfileid", ""))
            if ap is None:
                return Resp(404, b"", [("Content-Type", "text/plain")])
            return self.handle(Req("GET", ap, {}, b"", req.headers, ap))
        return None

    def list_fault_paths(self) -> list[str]:
        return self.list_paths[1:3]


def build(name: str, faults=(), documents_dir=None, **kw) -> Site:
    if name == "trs":
        return TestbedSite("trs", faults, documents_dir, **kw)
    if name == "trs-gbk":
        return TestbedSite("trs-gbk", faults, documents_dir, encoding="gbk", **kw)
    if name == "trs-dynamic":
        return TRSDynamicSite("trs-dynamic", faults, documents_dir, **kw)
    if name == "hanweb":
        return HanwebSite("hanweb", faults, documents_dir, **kw)
    if name == "json":
        return JSONSite("json", faults, documents_dir, **kw)
    if name == "generic":
        return GenericSite("generic", faults, documents_dir, **kw)
    raise ValueError(f"unknown site {name!r}")
