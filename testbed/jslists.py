"""Simulated portals whose report column is built by JavaScript, served with their
scripts. Each is a test-bed county (testbed.beds) with a different list mechanism:

  trs-module   TRS "动静结合": a static first page of 10 items; the rest only from a TRS search
               API whose endpoint sits in the page's script module (/xxgk/zfxxgknb/js/gknb-list.js),
               the channel, class SQL, page size and record count in the page's data attributes
  json-inline  the list rendered client-side from JSON inlined in the page (keys a list reader
               does not know), 12 to a page, paged by a 下一页 control without any request
  xhr-pager    a static first page of 10 items and "共 N 条"; later pages fetched by XHR from an
               endpoint the script assembles at run time, injected as HTML fragments
  overcount    a list whose count (recordCount, 共 N 条) says more than any mechanism reaches: 10
               static items, a few more rendered from inline JSON, nothing else; its script also
               tries another host (``beacon``: a URL the test serves elsewhere on loopback), a
               private address, an unresolvable domain and a path robots.txt disallows — a
               crawler's browser must refuse them

``site.expected_reports`` holds every report reachable on the site; for ``overcount``
``site.stated_count`` is what the page claims and ``len(site.items)`` what exists.
"""
from __future__ import annotations

import json
from html import escape

from crawler.demo.server import Req, Resp
from crawler.demo.site import PRIVATE_HOST

from .beds import TestbedSite, TRSDynamicSite, page

COLUMN = "/xxgk/zfxxgknb/index.html"
JQUERY_STUB = "/* a stand-in for a JavaScript library the crawler leaves alone */\nwindow.$lib = 1;\n"

# the pager every client-side list here uses: renders DATA[page] into #list, "共 N 条" and a
# 下一页 link into #pager (fetchPage(n, done) gives the items of page n)
PAGER_JS = """
function renderList(items) {
  var ul = document.getElementById("list"); ul.innerHTML = "";
  items.forEach(function (it) {
    var li = document.createElement("li"), a = document.createElement("a");
    a.href = it.u; a.title = it.t; a.textContent = it.t; a.target = "_blank";
    var s = document.createElement("span"); s.textContent = it.d;
    li.appendChild(a); li.appendChild(s); ul.appendChild(li);
  });
}
function renderPager(total, perPage, current) {
  var pages = Math.ceil(total / perPage), bar = document.getElementById("pager");
  bar.innerHTML = "<span>共 " + total + " 条</span> <span>第 " + current + "/" + pages + " 页</span> ";
  if (current < pages) {
    var next = document.createElement("a"); next.href = "javascript:;"; next.textContent = "下一页";
    next.onclick = function () { showPage(current + 1); }; bar.appendChild(next);
  }
}
"""


def _js_items(items) -> str:
    return json.dumps([{"t": it.title, "u": it.href, "d": str(it.date)} for it in items],
                      ensure_ascii=False)


class TRSModuleSite(TRSDynamicSite):
    """The search API's endpoint only in a script module; its parameters in the page."""
    CHANNEL = "229107"
    CHNL = "4571"
    SEARCH_PATH = "/irs/front/search"
    MODULE = "/xxgk/zfxxgknb/js/gknb-list.js"

    def build_lists(self) -> None:
        self.column_path = COLUMN
        lis = "\n".join(self.li(it, COLUMN) for it in self.items[:self.STATIC])
        main = f"""<div class="title">政府信息公开年报</div>
<div id="gknb" data-channelid="{self.CHANNEL}" data-classsql="chnlid={self.CHNL}"
 data-prepage="{self.PREPAGE}" data-recordcount="{len(self.items)}">
<ul class="list" id="list">
{lis}
</ul><div class="page" id="page"></div></div>
<script src="/js/jquery-1.12.4.min.js"></script>
<script src="{self.MODULE}"></script>"""
        self.add_html(COLUMN, page("政府信息公开年报", main))
        self.add("/js/jquery-1.12.4.min.js", JQUERY_STUB, "application/javascript; charset=utf-8")
        module = f"""/* 政府信息公开年报: list module (动静结合) */
var GKNB_SEARCH = {{ url: "{self.SEARCH_PATH}", templet: "docs.jsp",
  sortfield: "-DOCORDERPRI,-DOCRELTIME" }};
function gknbLoad(page) {{
  var box = document.getElementById("gknb"), d = box.dataset;
  var q = "channelid=" + d.channelid + "&classsql=" + encodeURIComponent(d.classsql)
        + "&prepage=" + d.prepage + "&templet=" + GKNB_SEARCH.templet + "&page=" + page;
  return fetch(GKNB_SEARCH.url + "?" + q).then(function (r) {{ return r.text(); }});
}}
"""
        self.add(self.MODULE, module, "application/javascript; charset=utf-8")
        self.list_paths = [COLUMN, self.SEARCH_PATH]

    def list_fault_paths(self) -> list[str]:
        return [self.SEARCH_PATH]


class InlineJSONSite(TestbedSite):
    """Every item in a JSON array inlined in the page, rendered and paged by its script."""
    PER_PAGE = 12

    def build_lists(self) -> None:
        self.column_path = COLUMN
        main = f"""<div class="title">政府信息公开年报</div><ul class="list" id="list"></ul>
<div class="pagination" id="pager"></div>
<script>
var GKNB = {_js_items(self.items)};
{PAGER_JS}
function showPage(n) {{
  renderList(GKNB.slice((n - 1) * {self.PER_PAGE}, n * {self.PER_PAGE}));
  renderPager(GKNB.length, {self.PER_PAGE}, n);
}}
showPage(1);
</script>"""
        self.add_html(COLUMN, page("政府信息公开年报", main))
        self.list_paths = [COLUMN]

    def list_fault_paths(self) -> list[str]:
        return []


class XHRPagerSite(TestbedSite):
    """A static first page; a pager widget fetches later pages by XHR from a URL it assembles."""
    PER_PAGE = 10
    ENDPOINT = "/xxgk/zfxxgknb/ajax_list_page.jsp"

    def fragment(self, n: int) -> str:
        its = self.items[(n - 1) * self.PER_PAGE: n * self.PER_PAGE]
        return "\n".join(self.li(it, COLUMN) for it in its)

    def build_lists(self) -> None:
        self.column_path = COLUMN
        total = len(self.items)
        pages = -(-total // self.PER_PAGE)
        main = f"""<div class="title">政府信息公开年报</div><ul class="list" id="list">
{self.fragment(1)}
</ul>
<div class="pagination" id="pager"><span>共 {total} 条</span> <span>第 1/{pages} 页</span>
<a href="javascript:;" id="next">下一页</a></div>
<script>
(function () {{
  var current = 1, pages = {pages};
  var parts = ["ajax", "list", "page"], base = location.pathname.replace(/[^/]*$/, "");
  function load(n) {{
    var xhr = new XMLHttpRequest();
    xhr.open("GET", base + parts.join("_") + ".jsp?p=" + n);
    xhr.onload = function () {{
      document.getElementById("list").innerHTML = xhr.responseText; current = n;
      var bar = document.getElementById("pager");
      bar.children[1].textContent = "第 " + n + "/" + pages + " 页";
      if (n >= pages) document.getElementById("next").remove();
    }};
    xhr.send();
  }}
  document.getElementById("next").onclick = function () {{ load(current + 1); }};
}})();
</script>"""
        self.add_html(COLUMN, page("政府信息公开年报", main))
        self.list_paths = [COLUMN, self.ENDPOINT]

    def dynamic(self, req: Req) -> Resp | None:
        if req.path != self.ENDPOINT:
            return None
        try:
            n = max(1, int(req.query.get("p") or 1))
        except ValueError:
            return Resp(400, b"bad page", [("Content-Type", "text/plain")])
        return Resp(200, self.fragment(n).encode("utf-8"),
                    [("Content-Type", "text/html; charset=utf-8")])

    def list_fault_paths(self) -> list[str]:
        return [self.ENDPOINT]


class OvercountSite(TestbedSite):
    """The page claims ``stated_count`` items; 10 are in its HTML and 4 more in its script."""
    STATIC = 10
    EXISTING = 14
    stated_count = 80

    def __init__(self, name: str, faults=(), documents_dir=None, beacon: str = "", **kw) -> None:
        self.beacon = beacon
        super().__init__(name, faults, documents_dir, **kw)

    def make_items(self):
        items = super().make_items()
        return items[:self.EXISTING]

    PRIVATE = f"http://{PRIVATE_HOST}/track.gif?p=gknb"
    OTHER_DOMAIN = "http://stats.other-portal.invalid/collect.js"
    ROBOTS_DISALLOWED = "/search/count.jsp?p=gknb"   # on the portal, but robots.txt says no

    @property
    def off_site_urls(self) -> list[str]:
        """What the page's script tries to reach besides the portal."""
        return [u for u in (self.beacon, self.PRIVATE, self.OTHER_DOMAIN) if u]

    def build_lists(self) -> None:
        self.column_path = COLUMN
        self.list_paths = [COLUMN]

    def dynamic(self, req: Req) -> Resp | None:
        if req.path != COLUMN:
            return None
        static = "\n".join(self.li(it, COLUMN) for it in self.items[:self.STATIC])
        beacon, private, other = self.beacon, self.PRIVATE, self.OTHER_DOMAIN
        main = f"""<div class="title">政府信息公开年报</div><ul class="list" id="list">
{static}
</ul><div class="pagination" id="pager"><span>共 {self.stated_count} 条</span>
<a href="javascript:;" id="next">下一页</a></div>
<script src="{escape(other)}"></script>
<script>
var recordCount = {self.stated_count};
var MORE = {_js_items(self.items[self.STATIC:])};
{PAGER_JS}
function showPage(n) {{ renderList(MORE); renderPager(recordCount, {self.STATIC}, n);
  var bar = document.getElementById("pager"); while (bar.lastChild && bar.lastChild.tagName === "A") bar.removeChild(bar.lastChild); }}
document.getElementById("next").onclick = function () {{ showPage(2); }};
{f'fetch("{beacon}", {{mode: "no-cors"}}).catch(function () {{}});' if beacon else ""}
new Image().src = "{private}";
fetch("{self.ROBOTS_DISALLOWED}").catch(function () {{}});
</script>"""
        html = page("政府信息公开年报", main)
        return Resp(200, html.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])

    def list_fault_paths(self) -> list[str]:
        return []


class HostileScriptSite(TestbedSite):
    """A column of a few static items that says it holds more (so the crawler renders it),
    whose script is ``SCRIPT``: the hostile portals of the browser's bounds."""
    STATIC = 3
    stated_count = 12
    SCRIPT = ""

    def make_items(self):
        return super().make_items()[:self.STATIC]

    def build_lists(self) -> None:
        self.column_path = COLUMN
        self.list_paths = [COLUMN]
        static = "\n".join(self.li(it, COLUMN) for it in self.items)
        main = f"""<div class="title">政府信息公开年报</div><ul class="list" id="list">
{static}
</ul><div class="pagination" id="pager"><span>共 {self.stated_count} 条</span></div>
<script>
{self.SCRIPT}
</script>"""
        self.add_html(COLUMN, page("政府信息公开年报", main))
        self.add("/sw.js", "self.addEventListener('fetch', function () {});",
                 "application/javascript")
        self.add("/search/worker.js", "postMessage(1);", "application/javascript")

    def list_fault_paths(self) -> list[str]:
        return []


class HangSite(HostileScriptSite):
    """Its list script never yields: the renderer is busy for good 200 ms after the load."""
    SCRIPT = "setTimeout(function () { while (true) {} }, 200);"


class EscapeSite(HostileScriptSite):
    """Its script reaches past the route guard: a popup, a WebSocket, a service worker and a
    worker, each for a path robots.txt disallows (/search/) or a script of its own."""
    SCRIPT = """
window.open("/search/popup.jsp?p=gknb");
var a = document.createElement("a"); a.href = "/search/target.jsp?p=gknb"; a.target = "_blank";
document.body.appendChild(a); a.click();
try { new WebSocket("ws://" + location.host + "/search/ws?p=gknb"); } catch (e) {}
try { new Worker("/search/worker.js"); } catch (e) {}
if (navigator.serviceWorker) { navigator.serviceWorker.register("/sw.js").catch(function () {}); }
"""


class MemorySite(HostileScriptSite):
    """Its script fills twelve 256 MB arrays (3 GB) and holds them."""
    SCRIPT = """
window.hog = [];
(function grow() {
  if (window.hog.length >= 12) return;
  window.hog.push(new Uint8Array(256 * 1024 * 1024).fill(7));
  setTimeout(grow, 50);
})();
"""


SITES = {
    "hang": HangSite,
    "escape": EscapeSite,
    "memory": MemorySite,
    "trs-module": TRSModuleSite,
    "json-inline": InlineJSONSite,
    "xhr-pager": XHRPagerSite,
    "overcount": OvercountSite,
}


def build(name: str, faults=(), documents_dir=None, **kw):
    return SITES[name](name, faults, documents_dir, **kw)
