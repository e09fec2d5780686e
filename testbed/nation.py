"""A simulated nation for `ogi registry discover` and `ogi crawl --all` tests: N county portals
on one loopback server, told apart by their Host header, with real-looking .gov.cn names
(``www.sim007.gov.cn``; a crawler reaches them with ``--resolve HOST=127.0.0.1:PORT``).

Every county (fictional: 清川县, 石桥县 …) has a home page, a 政务公开 page, a 政府信息公开
page and a 年报 column on one of the platform families (TRS static lists, Hanweb datastore
columns, VSB pages, a gkmlpt JSON API, a generic CMS), two departments and two townships, and
the furniture of real portals: a navigation bar on every page (with the county's own 年报 link),
a related-links sidebar to other governments and a mirror site, look-alike items (工作要点,
统计年报) in the columns. Bodies publish in one of two ways:

  own     a 部门信息公开 / 乡镇（街道）信息公开 directory links each body's page, where the body's
          own 年报 column sits (behind its own 信息公开 page for townships);
  shared  the county's 年报 column holds sub-columns: 县政府 (the county's own), 部门年报 and
          乡镇年报, each with one sub-column per body.

``nation.truth`` lists every entry a discovery must find (county or body: name, level, parent,
column URL, report URLs); ``nation.requests`` every (host, path) asked for; ``max_concurrent``
per host measures politeness.
"""
from __future__ import annotations

import collections
import csv
import datetime as _dt
import io
import json
import threading
import time
from html import escape

from crawler.demo.server import Req, Resp
from crawler.demo.site import CHALLENGE_PAGE, Site, max_concurrent

from .beds import report_body, tiny_pdf

FAMILIES = ("trs", "hanweb", "vsb", "json", "generic")
PROVINCES = (("350000", "福建省"), ("330000", "浙江省"), ("440000", "广东省"))
HEADS = "清石云丰安永临长新平宁泰和兴文华宜明东西南北金银龙凤"
TAILS = "川桥山河阳江源溪林城原峰岭泉湖台"
DEPTS = (("教育局", "jyj"), ("民政局", "mzj"), ("财政局", "czj"), ("卫生健康局", "wjj"))
TOWNS = (("城关镇", "cgz"), ("东岭乡", "dlx"), ("新华街道", "xhjd"), ("白沙镇", "bsz"))
OFF_PORTAL = ("www.gov.cn", "www.gov-mirror.com")


def page(title: str, main: str, county: "County", family: str, side: str = "") -> str:
    marker = {"trs": '<meta name="generator" content="TRS WCM"><script src="/js/trs.js"></script>',
              "hanweb": '<script src="/module/web/jpage/jpage.js"></script>',
              "vsb": '<script src="/system/resource/js/vsbscreen.min.js"></script>'
                     '<link rel="stylesheet" href="/_sitegray/_sitegray_d.css">',
              "json": "", "generic": ""}[family]
    nav = (f'<div class="nav"><a href="/">首页</a> <a href="/zwgk/index.html">政务公开</a> '
           f'<a href="/zwfw/index.html">政务服务</a> <a href="/hdjl/index.html">互动交流</a> '
           f'<a href="{county.nav_column}">政府信息公开年报</a></div>')
    links = ('<div class="side"><h3>相关链接</h3><a href="http://www.gov.cn/">中国政府网</a> '
             f'<a href="http://{county.parent_host}/">{county.province}人民政府</a> '
             '<a href="http://www.gov-mirror.com/nb/index.html">年报镜像</a>'
             f'{side}</div>')
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'{marker}</head><body>{nav}<div class="main">{main}</div>{links}'
            f'<div class="foot">ogi-archive 模拟站点（非官方网站）</div></body></html>')


class Entry:
    def __init__(self, county, name: str, level: str, slug: str) -> None:
        self.county, self.name, self.level, self.slug = county, name, level, slug
        self.column = ""         # column path
        self.reports: list[str] = []   # paths that must be archived (pages and attachments)
        self.lookalikes: list[str] = []

    @property
    def parent(self) -> str:
        return self.county.code

    def url(self, path: str) -> str:
        return f"http://{self.county.host}{path}"


class County:
    def __init__(self, nation, n: int) -> None:
        self.n = n
        self.family = FAMILIES[n % len(FAMILIES)]
        self.structure = "own" if self.family == "json" or n % 2 == 0 else "shared"
        pcode, self.province = PROVINCES[n % len(PROVINCES)]
        self.code = f"{pcode[:2]}99{n:02d}"
        self.parent_code = pcode
        self.division = HEADS[n % len(HEADS)] + TAILS[(n // len(HEADS) + n) % len(TAILS)] + "县"
        self.host = f"www.sim{n:03d}.gov.cn"
        self.parent_host = f"www.sim-province{pcode[:2]}.gov.cn"
        self.docs: dict[str, tuple[bytes, str]] = {}
        self.api: dict[str, list] = {}     # gkmlpt sid -> items
        self.gov = Entry(self, self.division, "县", "zf")
        self.bodies = [Entry(self, self.division + d, "部门", s) for d, s in DEPTS[:2]] + \
                      [Entry(self, t, "乡", s) for t, s in TOWNS[(n % 2) * 2:(n % 2) * 2 + 2]]
        self.nav_column = ""
        self.build()

    # ---------------------------------------------------------------- building
    def add(self, path: str, html: str, ctype: str = "text/html; charset=utf-8") -> None:
        self.docs[path] = (html.encode("utf-8"), ctype)

    def column_path(self, base: str, e: Entry) -> str:
        return {"trs": f"{base}index.html", "hanweb": f"{base}col/col{7000 + self.n * 10 + len(e.slug)}/index.html",
                "vsb": f"{base}nb.htm", "json": f"{base}gkmlpt/index",
                "generic": f"{base}list.html"}[self.family]

    def build(self) -> None:
        f = self.family
        if self.structure == "own":
            self.gov.column = self.column_path("/xxgk/zfxxgknb/", self.gov)
            for b in self.bodies:
                b.column = self.column_path(f"/bm/{b.slug}/nb/", b) if f != "json" \
                    else f"/bm/{b.slug}/gkmlpt/index"
            if f == "json":
                self.gov.column = "/gkmlpt/index"
        else:
            self.gov.column = self.column_path("/xxgk/nb/zf/", self.gov)
            for b in self.bodies:
                grp = "bm" if b.level == "部门" else "xz"
                b.column = self.column_path(f"/xxgk/nb/{grp}/{b.slug}/", b)
        self.nav_column = "/xxgk/nb/index.html" if self.structure == "shared" else self.gov.column
        for i, e in enumerate([self.gov] + self.bodies):
            self.build_column(e, i)
        self.build_nav()

    def items(self, e: Entry, k: int):
        years = (2022, 2023, 2024) if e is self.gov else (2023, 2024)
        out = []
        for y in years:
            out.append((f"{e.name}{y}年政府信息公开工作年度报告", _dt.date(y + 1, 1, 20 + k), "report"))
        out.append((f"{e.name}{years[-1] + 1}年政务公开工作要点", _dt.date(years[-1] + 1, 3, 2), "look"))
        if e is self.gov:
            out.append((f"{e.name}{years[-1]}年统计年报", _dt.date(years[-1] + 1, 2, 2), "look"))
        return sorted(out, key=lambda x: x[1], reverse=True)

    def detail_path(self, e: Entry, i: int, d: _dt.date) -> str:
        col_dir = e.column.rsplit("/", 1)[0]
        did = 10000 + self.n * 100 + i
        return {"trs": f"{col_dir}/{d:%Y%m}/t{d:%Y%m%d}_{did}.html",
                "hanweb": f"/art/{d.year}/{d.month}/{d.day}/art_{e.slug}_{did}.html",
                "vsb": f"/info/{1000 + len(e.slug)}/{did}.htm",
                "json": f"/gkmlpt/content/{e.slug}/post_{did}.html",
                "generic": f"{col_dir}/article/{did}.html"}[self.family]

    def build_column(self, e: Entry, k: int) -> None:
        entries_on_page = []
        for i, (title, d, kind) in enumerate(self.items(e, k)):
            path = self.detail_path(e, k * 10 + i, d)
            body = report_body(title, self.n + i) if kind == "report" else \
                "<p>（模拟站点：相似标题，不是年度报告。）</p>"
            att = ""
            if kind == "report" and e is self.gov and not any(x.endswith(".pdf") for x in e.reports):
                pdf = path.rsplit("/", 1)[0] + f"/P0{d:%Y%m%d}{self.n}.pdf"
                self.docs[pdf] = (tiny_pdf(title), "application/pdf")
                e.reports.append(pdf)
                att = f'<p>附件：<a href="{pdf}">{escape(title)}.pdf</a></p>'
            self.add(path, page(title, f'<h1>{escape(title)}</h1><div class="TRS_Editor" id="zoom">'
                                f'{body}</div>{att}', self, self.family))
            (e.reports if kind == "report" else e.lookalikes).append(path)
            entries_on_page.append((title, path, d))
        lis = [f'<li><a href="{p}" title="{escape(t)}">{escape(t)}</a><span>{d}</span></li>'
               for t, p, d in entries_on_page]
        side = self.sibling_side(e)
        f = self.family
        col = e.column
        if f == "trs":
            half = (len(lis) + 1) // 2
            for n, chunk in enumerate((lis[:half], lis[half:])):
                path = col if n == 0 else col.replace("index.html", f"index_{n}.html")
                self.add(path, page("政府信息公开年报", f'<ul class="list">{"".join(chunk)}</ul>'
                                    f'<script>createPageHTML(2, {n}, "index", "html");</script>',
                                    self, f, side))
        elif f == "hanweb":
            recs = "".join(f"<record><![CDATA[{li}]]></record>" for li in lis)
            self.add(col, page("政府信息公开年报", f'<div id="4321"><script type="text/xml"><datastore>'
                               f'<recordset>{recs}</recordset></datastore></script></div>', self, f, side))
        elif f in ("vsb", "generic"):
            second = col.replace(".htm", "/1.htm") if f == "vsb" else col.replace("list.html", "list_2.html")
            half = (len(lis) + 1) // 2
            self.add(col, page("政府信息公开年报", f'<ul>{"".join(lis[:half])}</ul>'
                               f'<a href="{second}">下一页</a>', self, f, side))
            self.add(second, page("政府信息公开年报", f'<ul>{"".join(lis[half:])}</ul>'
                                  f'<a href="{col}">上一页</a>', self, f, side))
        else:  # json: a gkmlpt catalogue whose config names the 年报 category
            sid = e.slug
            self.api[sid] = [(t, p, d) for t, p, d in entries_on_page]
            tree = [{"id": 2340, "name": "政策文件"}, {"id": 2345, "name": "政府信息公开年报"},
                    {"id": 2350, "name": "政府信息公开指南"}]
            self.add(col, page("政府信息公开目录", f'<div id="app"></div><script>window._CONFIG = '
                               f'{{SID: \'{sid}\', TREE: {json.dumps(tree, ensure_ascii=False)}}};'
                               f'</script><script src="/gkmlpt/static/app.js"></script>', self, f))

    def sibling_side(self, e: Entry) -> str:
        """Related links on a column page: the other bodies' columns (real sites list them)."""
        others = [b for b in self.bodies if b is not e][:2]
        return "<h3>部门年报</h3>" + "".join(f'<a href="{b.column}">{escape(b.name)}年报</a> '
                                            for b in others)

    def build_nav(self) -> None:
        f = self.family
        d = self.division
        self.add("/", page(f"{d}人民政府门户网站", '<ul><li><a href="/xwzx/index.html">新闻中心</a></li>'
                           '<li><a href="/zwgk/index.html">政务公开</a></li></ul>', self, f))
        for p, t in (("/xwzx/index.html", "新闻中心"), ("/zwfw/index.html", "政务服务"),
                     ("/hdjl/index.html", "互动交流"), ("/zwgk/gzyd.html", "政务公开工作要点")):
            self.add(p, page(t, f"<p>{t}</p>", self, f))
        xxgk_title = "政府信息公开目录" if f == "json" else "政府信息公开"
        self.add("/zwgk/index.html", page("政务公开", f'<ul><li><a href="/xxgk/index.html">{xxgk_title}</a></li>'
                                          '<li><a href="/zwgk/gzyd.html">政务公开工作要点</a></li></ul>', self, f))
        lis = [f'<li><a href="{self.nav_column if f != "json" else self.gov.column}">'
               f'{"政府信息公开年报" if f != "json" else "政府信息公开目录"}</a></li>',
               '<li><a href="/zwgk/gzyd.html">政务公开工作要点</a></li>']
        if self.structure == "own":
            lis.append('<li><a href="/bm/index.html">部门信息公开</a></li>')
            lis.append('<li><a href="/xz/index.html">乡镇（街道）信息公开</a></li>')
        self.add("/xxgk/index.html", page(xxgk_title, f"<ul>{''.join(lis)}</ul>", self, f))
        if self.structure == "own":
            for grp, kind in (("bm", "部门"), ("xz", "乡")):
                bodies = [b for b in self.bodies if b.level == kind]
                links = "".join(f'<li><a href="/bm/{b.slug}/index.html">{escape(b.name)}</a></li>'
                                if kind == "部门" else
                                f'<li><a href="/bm/{b.slug}/index.html">{escape(b.name)}</a></li>'
                                for b in bodies)
                self.add(f"/{grp}/index.html", page(f"{kind}信息公开", f"<ul>{links}</ul>", self, f))
            for b in self.bodies:
                col_text = "政府信息公开目录" if f == "json" else "政府信息公开年报"
                if b.level == "乡" and f != "json":  # townships: their own 信息公开 page first
                    self.add(f"/bm/{b.slug}/index.html", page(b.name, f'<a href="/bm/{b.slug}/xxgk.html">'
                                                              '信息公开</a>', self, f))
                    self.add(f"/bm/{b.slug}/xxgk.html", page(f"{b.name}信息公开",
                                                             f'<a href="{b.column}">{col_text}</a>', self, f))
                else:
                    self.add(f"/bm/{b.slug}/index.html", page(b.name, f'<a href="{b.column}">{col_text}</a>',
                                                              self, f))
        else:
            root = "/xxgk/nb/index.html"
            self.add(root, page("政府信息公开年报", f'<ul><li><a href="{self.gov.column}">县政府</a></li>'
                                '<li><a href="/xxgk/nb/bm/index.html">部门年报</a></li>'
                                '<li><a href="/xxgk/nb/xz/index.html">乡镇年报</a></li></ul>', self, f))
            for grp, kind, t in (("bm", "部门", "部门年报"), ("xz", "乡", "乡镇年报")):
                links = "".join(f'<li><a href="{b.column}">{escape(b.name)}</a></li>'
                                for b in self.bodies if b.level == kind)
                self.add(f"/xxgk/nb/{grp}/index.html", page(t, f"<ul>{links}</ul>", self, f))

    # ---------------------------------------------------------------- answering
    def answer(self, req: Req) -> Resp:
        if req.path == "/robots.txt":
            return Resp(200, b"User-agent: *\nDisallow: /search/\n", [("Content-Type", "text/plain")])
        if req.path.startswith("/gkmlpt/api/all/"):
            items = self.api.get(req.query.get("sid", "")) if req.path.endswith("/2345") else []
            if items is None:
                return Resp(403, b'{"error":"bad sid"}', [("Content-Type", "application/json")])
            p = int(req.query.get("page", 1) or 1)
            size = 3
            chunk = items[(p - 1) * size: p * size]
            data = {"total": len(items), "articles": [
                {"title": t, "url": f"http://{self.host}{path}", "created_at": f"{d} 09:00:00"}
                for t, path, d in chunk]}
            return Resp(200, json.dumps(data, ensure_ascii=False).encode(),
                        [("Content-Type", "application/json;charset=UTF-8")])
        doc = self.docs.get(req.path)
        if doc is None:
            return Resp(404, b"<html><body>404</body></html>", [("Content-Type", "text/html")])
        return Resp(200, doc[0], [("Content-Type", doc[1])])


class Nation(Site):
    """Every county of the simulated nation behind one server (virtual hosts)."""

    name = "nation"

    def __init__(self, portals: int = 60, hold: float = 0.0, **kw) -> None:
        super().__init__(**kw)
        self.counties = [County(self, n) for n in range(portals)]
        self.by_host = {c.host: c for c in self.counties}
        self.request_hold = hold
        self.requests: list[tuple[str, str]] = []
        # hosts that answer every request with a WAF challenge, or redirect to a new host
        self.blocked_hosts: set[str] = set()
        self.moved_hosts: dict[str, str] = {}
        self.host_spans: dict[str, list] = collections.defaultdict(list)
        self._lock = threading.Lock()

    @property
    def hosts(self) -> list[str]:
        return [c.host for c in self.counties] + \
            sorted({c.parent_host for c in self.counties}) + list(OFF_PORTAL)

    def entries(self) -> list[Entry]:
        return [e for c in self.counties for e in [c.gov] + c.bodies]

    def handle(self, req: Req, faults: bool = True) -> Resp:
        host = (req.headers.get("host") or "").split(":")[0].lower()
        t0 = time.monotonic()
        if self.request_hold:
            time.sleep(self.request_hold)
        with self._lock:
            self.requests.append((host, req.raw_path))
        county = self.by_host.get(host)
        if host in self.blocked_hosts and req.path != "/robots.txt":
            resp = Resp(521, CHALLENGE_PAGE, [("Content-Type", "text/html; charset=utf-8")])
        elif host in self.moved_hosts:
            resp = Resp(301, b"", [("Location", f"http://{self.moved_hosts[host]}{req.raw_path}")])
        elif county:
            resp = county.answer(req)
        else:
            resp = Resp(404, b"unknown host", [("Content-Type", "text/plain")])
        with self._lock:
            self.host_spans[host].append((t0, time.monotonic()))
        return resp

    def max_concurrent_per_host(self) -> dict[str, int]:
        return {h: max_concurrent(s) for h, s in self.host_spans.items()}

    def seed_csv(self) -> str:
        """The nation as a division/portal list in the columns of the real seed file."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["code", "level", "name", "parent_code", "parent_name", "province", "portal_url",
                    "portal_host", "probe_20260426", "budget_disclosure_url", "policy_docs_url",
                    "src_key", "note"])
        for code, name in PROVINCES:
            w.writerow([code, "province", name, "", "", name, "", "", "", "", "", name, "no portal in source"])
        for c in self.counties:
            w.writerow([c.code, "county", c.division, c.parent_code, c.province, c.province,
                        f"http://{c.host}/", c.host, "direct",
                        # a third come with a page under the 信息公开 path, as in the real file
                        f"http://{c.host}/xxgk/index.html" if c.n % 3 == 0 else "", "",
                        f"{c.province}/{c.division}", ""])
        return buf.getvalue()
