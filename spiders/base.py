"""Base spider: find annual-report documents on a portal and hand raw captures to the archive.

Spiders never parse tables. They read lists (to find report links) and detail pages (to find
attachments), and emit :class:`crawler.items.CaptureItem` for what must be kept:
  * list pages and list API answers (role ``list``), re-fetched on every run;
  * report documents (role ``report``): a detail page whose body is the report, each attachment
    of a report page (pdf, doc, docx, wps, xls, images …), a report linked directly as a file;
  * a report's wrapper page whose body is not the report itself (role ``other``).
Documents are requested with the validators of their last capture (If-None-Match /
If-Modified-Since); a 304 becomes a revisit record, so an unchanged document is never stored
twice.

What every platform shares lives here: registry configuration, request plumbing and
politeness hooks, failures, the list tallies and their escalation (script modules, then the
browser), link handling, paging by 下一页 links, documents and their attachments. What is
particular to one portal platform (its list readers, paging, API calls, fingerprint and the rule
from a report's address to its column) lives in that platform's module beside this one:
``trs.py``, ``hanweb.py``, ``jsonapi.py``, ``vsb.py``, …, and ``discover.py`` (generic discovery
from a home page, with every platform's readers); ``platforms.py`` lists them. A spider names its
list readers as functions (``list_readers``), each called with the spider and a response.

Arguments (``-a name=value`` or ``ogi crawl``): ``url`` (a column or a home page), ``portal``
(a registry code), ``api`` (a JSON list URL template with {page}), ``max_pages``.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
import pathlib
import re
import urllib.parse

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from twisted.internet.error import (ConnectionDone, ConnectionLost, DNSLookupError,
                                    TCPTimedOutError, TimeoutError as TxTimeoutError)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.archive import safe_name
from crawler.items import CaptureItem
from crawler.middlewares import check_url
from crawler.pipelines import state_of

from crawler.links import (IMAGE_EXT, attachment_ext, challenge_reason, classify_title,
                           matches_promise, norm, report_body_score, sniff)
from crawler.listcount import ListLedger, list_items, stated_counts

logger = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A spider cannot run with the arguments/registry entry it was given (exit code 2)."""


CONTENT_SELECTORS = (".trs_editor_view", ".TRS_Editor", ".TRS_UEDITOR", "#zoom", "#UCAP-CONTENT",
                     ".article-content", ".bt_content", "#content", ".content", ".article",
                     "article", ".main")
NEXT_WORDS = ("下一页", "下页", "后一页", "next", "Next", ">")


def is_markup(response) -> bool:
    """HTML or XML (where selectors work), not JSON or plain text."""
    return isinstance(response, (HtmlResponse, XmlResponse))


def text_of(sel) -> str:
    """The text of a selector, white space removed (as link titles are compared)."""
    return norm(" ".join(sel.css("::text").getall()))


def reads_scripts(reader):
    """Mark a list reader that finds its list's API in the page's script text: when a column
    falls short, it reads the page again with the page's own script modules appended."""
    reader.reads_scripts = True
    return reader


@dataclasses.dataclass(frozen=True)
class Column:
    """A report column derived from a report's address by a platform's rule: its list page
    (``url``), the platform that reads it, and the rule, named for the registry's source.

    A ``url`` holding ``{year}`` is a year-parameterised report viewer (one report a year, by
    a parameter of the address): a spider requests it for every year (``year_urls``)."""
    url: str
    platform: str
    rule: str

    @property
    def by_year(self) -> bool:
        return YEAR_SLOT in self.url


YEAR_SLOT = "{year}"
FIRST_REPORT_YEAR = 2008  # the regulation took effect on 2008-05-01: the first reports are for 2008


def year_urls(template: str, last: int) -> list[str]:
    """The addresses of a year-parameterised report viewer, newest year first."""
    return [template.replace(YEAR_SLOT, str(y)) for y in range(last, FIRST_REPORT_YEAR - 1, -1)]


def year_query(params: list[tuple[str, str]], key: str) -> str:
    """A year viewer's query: the parameters as they were, the one named `key` the year slot."""
    return "&".join(f"{urllib.parse.quote(k)}={YEAR_SLOT if k == key else urllib.parse.quote(v)}"
                    for k, v in params)


def origin(parts: urllib.parse.SplitResult) -> str:
    return f"{parts.scheme}://{parts.netloc}"


class ReportSpider(scrapy.Spider):
    name = None  # abstract: not listed by `scrapy list`
    platform = "generic"
    # list_readers: the functions that read a list page (spider, response) -> requests; set at
    # the end of the class body (anchors and 下一页 paging), extended by each platform

    # registry facts (set from the registry or by a thin subclass)
    portal_code: str | None = None
    agency: str | None = None
    region_code: str | None = None
    api: str | None = None

    def __init__(self, url: str | None = None, portal: str | None = None,
                 api: str | None = None, max_pages: str | int | None = None,
                 registry: str | None = None, proposals: str | None = None, **kw) -> None:
        super().__init__(**kw)
        self.claimed_elsewhere: dict[str, list[str]] = {}
        self.known_reports: list[str] = []      # report addresses crawled directly
        self.others_reports: set[str] = set()   # other entries' known reports on these hosts
        if portal or self.portal_code:
            self._from_registry(portal or self.portal_code, registry, proposals)
        if url:
            self.start_urls = [u.strip() for u in str(url).split(",") if u.strip()]
            hosts = [urllib.parse.urlsplit(u).hostname for u in self.start_urls]
            if not all(hosts):
                raise ConfigError(f"not an http(s) URL: {url}")
            if not getattr(self, "allowed_domains", None):
                self.allowed_domains = sorted(set(hosts))
            else:
                missing = [h for h in hosts if not any(h == d or h.endswith("." + d)
                                                       for d in self.allowed_domains)]
                if missing:
                    raise ConfigError(f"{', '.join(missing)} is not a domain of portal "
                                      f"{self.portal_code} ({', '.join(self.allowed_domains)})")
        if api:
            self.api = api
        if not getattr(self, "start_urls", None) and not self.known_reports:
            raise ConfigError(f"spider {self.name}: nothing to crawl (give url=… or portal=…"
                              f" with report column URLs or known reports in the registry)")
        self.start_urls = list(getattr(self, "start_urls", None) or [])
        if not getattr(self, "allowed_domains", None):
            raise ConfigError(f"spider {self.name}: no allowed domains")
        for u in self.start_urls + self.known_reports:
            if urllib.parse.urlsplit(u).scheme not in ("http", "https"):
                raise ConfigError(f"not an http(s) URL: {u}")
        self.max_pages = int(max_pages) if max_pages else None
        self.list_pages = 0
        self.seen_docs: set[str] = set()
        self.seen_lists: set[str] = set()
        self.ledger = ListLedger()  # each column's items against its own count

    def _from_registry(self, code: str, registry: str | None,
                       proposals: str | None = None) -> None:
        from crawler.registry import RegistryError, load_registry
        try:
            reg = load_registry(registry, proposals)
            entry = reg.get(code)
        except RegistryError as exc:
            raise ConfigError(str(exc)) from exc
        if entry is None:
            raise ConfigError(f"portal {code!r} is not in the registry")
        problems = entry.crawl_problems()
        if problems:
            raise ConfigError(f"portal {code} ({entry.agency}) cannot be crawled: "
                              + "; ".join(problems))
        self.portal_code = entry.code
        self.agency = entry.agency
        self.region_code = entry.region_code
        self.allowed_domains = list(entry.domains)
        self.start_urls = list(entry.column_urls)
        self.known_reports = list(entry.known_reports)
        if entry.list_api:
            self.api = entry.list_api
        # the columns of other registry entries on this portal's hosts (a department's column
        # under the county's shared one, a sibling's column in a sidebar): their reports are
        # filed under those entries, so this spider does not follow them
        from crawler.registry.discovery import url_dir
        own = {url_dir(u) for u in entry.column_urls}
        others = {o.code: o for d in entry.domains for o in reg.on_domain(d)}
        for other in others.values():
            if other.code == code:
                continue
            self.others_reports.update(u.split("#")[0] for u in other.known_reports)
            for u in other.column_urls:
                host, d = url_dir(u)
                if entry.on_domains(u) and (host, d) not in own:
                    self.claimed_elsewhere.setdefault(host, []).append(d)

    def claimed(self, url: str) -> bool:
        """Is *url* (a column link) inside another registry entry's column, more closely than
        inside one of this spider's own?"""
        if not self.claimed_elsewhere:
            return False
        from crawler.registry.discovery import url_dir
        host, d = url_dir(url)
        theirs = max((len(x) for x in self.claimed_elsewhere.get(host, ()) if d.startswith(x)),
                     default=-1)
        if theirs < 0:
            return False
        mine = max((len(od) for u in self.start_urls for oh, od in [url_dir(u)]
                    if oh == host and d.startswith(od)), default=-1)
        return theirs > mine

    # ---------------------------------------------------------------- plumbing
    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # scrapyd / `scrapy crawl`: OGI_JOBDIR_ROOT gives every spider and portal its own
        # JOBDIR (resume state) without naming one per job; `ogi crawl` sets JOBDIR itself.
        # Settings are still open here (they freeze after the spider is created).
        root = crawler.settings.get("OGI_JOBDIR_ROOT")
        if root and not crawler.settings.get("JOBDIR"):
            key = spider.portal_code or "-".join(spider.allowed_domains[:1])
            key = safe_name(f"{spider.name}-{key}")
            crawler.settings.set("JOBDIR", str(pathlib.Path(root) / key), priority="spider")
        if not crawler.settings.get("OGI_WORKER_ID"):
            # a worker of a distributed crawl sees only part of each column: no escalation
            crawler.signals.connect(spider.complete_lists, signal=signals.spider_idle)
        if crawler.settings.getbool("OGI_BROWSER"):
            from crawler.browser import resolver_rules
            s = crawler.settings
            opts = dict(s.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
            opts["executable_path"] = s.get("OGI_BROWSER_EXECUTABLE") or opts.get("executable_path")
            opts["args"] = list(opts.get("args") or []) + [resolver_rules(spider.allowed_domains)]
            s.set("PLAYWRIGHT_LAUNCH_OPTIONS", opts, priority="spider")
            s.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT",
                  s.getfloat("OGI_BROWSER_PAGE_TIMEOUT", 30) * 1000, priority="spider")
        return spider

    @property
    def ogi(self):
        return state_of(self.crawler)

    def allowed(self, url: str) -> str | None:
        if not hasattr(self, "_resolved"):
            from crawler.resolve import resolved_hosts
            self._resolved = resolved_hosts(self.crawler.settings)
        return check_url(url, self.allowed_domains,
                         self.crawler.settings.getbool("OGI_ALLOW_PRIVATE"), self._resolved)

    def _max_pages(self) -> int:
        return self.max_pages or self.crawler.settings.getint("OGI_MAX_PAGES", 500)

    def list_request(self, url: str, referer: str | None = None, callback=None,
                     new_column: bool = False, **kw):
        """A list page (always fetched in full, never conditional). It belongs to its
        referer's column, unless it starts one (*new_column*: a start URL, a column link)."""
        if url in self.seen_lists and kw.get("method", "GET") == "GET":
            return None
        column = self.ledger.column_for(url, referer, new_column)
        why = self.allowed(url)
        if why:
            self.ogi.recorder.fail(url, why, "list")
            return None
        if self.list_pages >= self._max_pages():
            self.ogi.recorder.fail(url, f"not fetched: more than {self._max_pages()} list pages",
                                   "list")
            return None
        self.list_pages += 1
        if kw.get("method", "GET") == "GET":
            self.seen_lists.add(url)
        meta = kw.pop("meta", {})
        meta.update({"ogi_role": "list", "ogi_referer": referer, "ogi_column": column})
        headers = dict(kw.pop("headers", None) or {})
        if referer:
            headers.setdefault("Referer", referer)
        # dont_filter: duplicates are kept out by seen_lists/seen_docs, and a redirect that
        # leads back (a loop) or off the portal must reach the errback, not vanish in the
        # dupe/offsite filters; SafetyMiddleware checks every hop
        return scrapy.Request(url, callback=callback or self.parse_list, errback=self.on_error,
                              meta=meta, headers=headers, dont_filter=True, **kw)

    def doc_request(self, url: str, title: str | None, referer: str | None,
                    role: str = "report", expect: str | None = None, **meta):
        """A report document (detail page or attachment), conditional on its last capture."""
        url = url.split("#")[0]
        if url in self.seen_docs:
            return None
        self.seen_docs.add(url)
        why = self.allowed(url)
        if why:
            self.ogi.recorder.fail(url, why, role)
            return None
        headers = dict(self.ogi.conditional_headers(url))
        if referer:
            headers["Referer"] = referer
        meta.update({"ogi_role": role, "ogi_title": title, "ogi_referer": referer,
                     "ogi_expect": expect, "handle_httpstatus_list": [304]})
        return scrapy.Request(url, callback=self.parse_document, errback=self.on_error,
                              headers=headers, meta=meta, dont_filter=True)

    async def start(self):
        this_year = datetime.datetime.now(datetime.timezone.utc).year
        for url in self.start_urls:
            if YEAR_SLOT in url:  # a report viewer by year: its report of every year
                for u in year_urls(url, this_year):
                    req = self.doc_request(u, None, None, ogi_year_viewer=True)
                    if req is not None:
                        yield req
                continue
            req = self.start_request(url)
            if req is not None:
                yield req
        for url in self.known_reports:
            req = self.doc_request(url, None, None, ogi_known=True)
            if req is not None:
                yield req

    def start_request(self, url: str):
        return self.list_request(url, callback=self.parse_start, new_column=True)

    def parse_start(self, response):
        yield from self.parse_list(response)

    # ---------------------------------------------------------------- errors
    def on_error(self, failure):
        request = failure.request
        role = request.meta.get("ogi_role")
        reason = describe_failure(failure, self.crawler.settings)
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        if role == "report":
            self.ogi.recorder.report_seen(url)
        self.ogi.recorder.fail(url, reason, role)

    def blocked(self, response: Response, why: str) -> None:
        self.ogi.recorder.block(response.url, why)
        url = (response.meta.get("redirect_urls") or [response.url])[0]
        role = response.meta.get("ogi_role")
        if role == "report":
            self.ogi.recorder.report_seen(url)
        self.ogi.recorder.fail(url, "blocked: " + why + " — not archived", role)

    # ---------------------------------------------------------------- lists
    def parse_list(self, response):
        self.ogi.recorder.counts["pages"] += 1
        why = challenge_reason(response.body, response.status)
        if why:
            self.blocked(response, why)
            return
        yield CaptureItem.from_response(response, "list",
                                        referer=response.meta.get("ogi_referer"), spider=self)
        self.tally_static(response)
        for reader in self.list_readers:
            yield from reader(self, response)

    # ---------------------------------------------------------------- list completeness
    def tally_of(self, response):
        column = response.meta.get("ogi_column") or self.ledger.column_for(
            response.url, response.meta.get("ogi_referer"))
        return self.ledger.tally(column)

    def tally_static(self, response) -> None:
        """A list page read as sent: its items and what it says about the whole list."""
        if not is_markup(response) or response.meta.get("ogi_json") \
                or response.meta.get("ogi_hanweb_proxy"):
            return
        tally = self.tally_of(response)
        items = list_items(response.text, response.url)
        tally.add("static", items)
        tally.state(stated_counts(response.text, len(items), response.text))
        if tally.first_page is None:
            tally.first_page = (response.url, response.text, self.script_modules(response))

    # a library by its file name (jquery-1.12.4.min.js, sea.js, layui.all.js), not a module
    # that merely contains such a word (search.js, gknb-template-list.js)
    LIBRARY_SCRIPT = re.compile(r"^(jquery|vue|react|angular|bootstrap|layui|layer|echarts|"
                                r"swiper|polyfill|html5shiv|respond|require|sea|zepto|axios|"
                                r"lodash|moment|dayjs|template|art-template|laydate|pdf)"
                                r"(?=[.\-_\d]|$)", re.I)

    def script_modules(self, response) -> list[str]:
        """Script files of the page on the portal's own domains (known libraries left out)."""
        out = []
        for src in response.css("script[src]::attr(src)").getall():
            url = response.urljoin(src.strip())
            name = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]
            if self.LIBRARY_SCRIPT.search(name) or self.allowed(url) or url in out:
                continue
            out.append(url)
        return out[:6]

    def complete_lists(self, spider=None):
        """spider_idle: every list read as far as plain requests go. A column still short of
        its own count (or a column page that listed nothing) is read further: first its page's
        script modules (list API endpoints sitting in a script file), then, if still short, in
        the browser. Each step once per column."""
        if spider is not None and spider is not self:
            return
        queued = []
        for tally in list(self.ledger.columns.values()):
            if not tally.needs_more() or tally.first_page is None:
                continue
            if not tally.modules_tried:
                tally.modules_tried = True
                req = self.module_request(tally, list(tally.first_page[2]))
                if req is not None:
                    queued.append(req)
                    continue
            if not tally.browser_state:
                req = self.browser_request(tally)
                if req is not None:
                    queued.append(req)
        for req in queued:
            self.crawler.engine.crawl(req)
        if queued:
            raise DontCloseSpider

    def module_request(self, tally, modules: list[str]):
        while modules:
            url = modules.pop(0)
            req = self.list_request(url, tally.first_page[0], callback=self.parse_script_module,
                                    meta={"ogi_modules": modules},
                                    headers={"Accept": "*/*"})
            if req is not None:
                return req
        return self.read_with_modules(tally)

    def parse_script_module(self, response):
        """A script module of a list page, kept (role list: it tells how the list is built);
        once the page's modules are in, the list readers read the page with them."""
        self.ogi.recorder.counts["pages"] += 1
        yield CaptureItem.from_response(response, "list",
                                        referer=response.meta.get("ogi_referer"), spider=self)
        tally = self.tally_of(response)
        if isinstance(response, TextResponse):
            tally.module_texts.append(response.text)
        nxt = self.module_request(tally, list(response.meta.get("ogi_modules") or []))
        if isinstance(nxt, scrapy.Request):
            yield nxt
        elif nxt is not None:
            yield from nxt

    def read_with_modules(self, tally):
        """The column page read again by the list readers, with its script modules' text."""
        if not tally.module_texts:
            return None
        url, text, _ = tally.first_page
        body = text + "".join(f"\n<script>\n{t}\n</script>" for t in tally.module_texts)
        page = HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8",
                            request=scrapy.Request(url, meta={"ogi_column": tally.url,
                                                              "ogi_with_modules": True}))
        out = []
        for reader in self.list_readers:
            if getattr(reader, "reads_scripts", False):
                out.extend(reader(self, page))
        return out

    def browser_request(self, tally):
        """The column's page, rendered by the browser (crawler.browser): only when enabled."""
        if not self.crawler.settings.getbool("OGI_BROWSER"):
            tally.browser_state = "off (--no-browser)"
            return None
        tally.browser_state = "queued"
        lo, _, _ = tally.expected()
        return scrapy.Request(tally.first_page[0], callback=self.parse_browser_list,
                              errback=self.on_browser_error, dont_filter=True,
                              meta={"ogi_role": "rendered_list", "ogi_column": tally.url,
                                    "ogi_browser": True, "ogi_browser_want": lo,
                                    "ogi_browser_known": sorted(tally.found_urls())})

    def parse_browser_list(self, response):
        """What the browser saw, page by page: each kept as a rendered_list capture, its items
        counted as found through the browser and followed with plain HTTP requests."""
        tally = self.tally_of(response)
        pages = response.meta.get("ogi_browser_pages") or [(response.url, response.text)]
        tally.browser_state = "done"
        tally.browser_pages = len(pages)
        tally.browser_requests = [u for u, what in response.meta.get("ogi_browser_requests") or ()
                                  if what == "sent"]
        limit = self.crawler.settings.getint("OGI_BROWSER_MAX_PAGES", 20)
        for n, (url, html) in enumerate(pages, 1):
            self.ogi.recorder.counts["pages"] += 1
            body = html.encode("utf-8")
            yield CaptureItem(
                url=url if n == 1 else f"{url}#ogi-browser-page-{n}", final_url=url,
                status=response.status,
                headers=[("Content-Type", "text/html; charset=utf-8"),
                         ("X-Ogi-Rendered-By", "chromium via scrapy-playwright: the page's DOM "
                                               "after its scripts ran, not the bytes sent")],
                body=body, role="rendered_list", referer=tally.url,
                agency=self.agency, region_code=self.region_code, portal=self.portal_code)
            items = list_items(html, url)
            tally.add("browser", items)
            tally.state(stated_counts(html, len(items), html))
            for link, title in items:
                yield from self.handle_link(link, title, url)
        if tally.shortfall():
            tally.browser_state = (f"stopped at the browser's page limit ({limit} pages)"
                                   if len(pages) >= limit else
                                   f"showed {len(pages)} page(s), then no further page")

    def on_browser_error(self, failure):
        request = failure.request
        tally = self.ledger.tally(request.meta.get("ogi_column") or request.url)
        reason = describe_failure(failure, self.crawler.settings)
        tally.browser_state = f"failed: {reason}"
        self.ogi.recorder.fail(request.url, f"browser rendering failed: {reason}", "list")

    def browser_refused(self, column: str, url: str, why: str, kind: str) -> None:
        """A request a rendered page tried to make and the guard aborted."""
        tally = self.ledger.tally(column)
        tally.browser_blocked.append({"url": url, "reason": why, "kind": kind})
        self.ogi.recorder.fail(url, f"{why} (asked for by a script of {column} in the "
                                    f"browser; aborted)", "browser")

    def handle_link(self, url: str, title: str, referer: str, in_list: bool = True):
        kind = classify_title(title)
        if url.split("#")[0] in self.others_reports:
            return  # another entry's report (a shared column): crawled and filed under it
        if kind == "report":
            ext = attachment_ext(url)
            req = self.doc_request(url, title, referer, expect=ext if ext else None)
            if req is not None:
                yield req
        elif kind == "column":
            if self.claimed(url):
                return
            req = self.list_request(url, referer, new_column=True)
            if req is not None:
                yield req
        elif kind == "nav":
            yield from self.follow_nav_link(url, referer)

    def follow_nav_link(self, url: str, referer: str):
        """A 政务公开/信息公开 navigation link: only discovery (discover.py) follows it."""
        return ()

    def read_anchors(self, response):
        if not is_markup(response):
            return
        for a in response.css("a[href]"):
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            title = a.attrib.get("title") or text_of(a)
            url = response.urljoin(href)
            yield from self.handle_link(url, title, response.url)

    def read_next_links(self, response):
        """Paging by links: 下一页 / numbered pages in the same column."""
        if not is_markup(response):
            return
        here = urllib.parse.urlsplit(response.url)
        col_dir = here.path.rsplit("/", 1)[0]
        stem = re.sub(r"(_\d+)?\.\w+$", "", here.path)
        for a in response.css("a[href]"):
            label = text_of(a)
            href = a.attrib.get("href", "")
            if not href or href.startswith("javascript:"):
                continue
            url = response.urljoin(href)
            p = urllib.parse.urlsplit(url)
            if p.netloc != here.netloc:
                continue
            same_column = (p.path.startswith(stem + "/") or p.path.startswith(stem + "_")
                           or re.match(re.escape(col_dir) + r"/(index_)?\d*\.\w+$", p.path)
                           or p.path == here.path and p.query != here.query)
            if label in NEXT_WORDS or label.isdigit() or label in ("尾页", "末页"):
                if same_column and classify_title(label) is None:
                    req = self.list_request(url, response.url)
                    if req is not None:
                        yield req

    list_readers = (read_anchors, read_next_links)

    # ---------------------------------------------------------------- documents
    def parse_document(self, response):
        meta = response.meta
        title = meta.get("ogi_title")
        referer = meta.get("ogi_referer")
        requested = (meta.get("redirect_urls") or [response.url])[0]
        expect = meta.get("ogi_expect")
        body = response.body
        prev_role = None
        if response.status == 304:
            old = self.ogi.archived_payload(requested)
            if old is None:
                self.ogi.recorder.fail(requested, "304 Not Modified for a URL never archived",
                                       "report")
                return
            body, enc, prev_role = old
            if sniff(body) == "html":
                response_for_links = HtmlResponse(response.url, body=body,
                                                  encoding=enc or "utf-8", request=response.request)
            else:
                response_for_links = None
        else:
            response_for_links = response if isinstance(response, HtmlResponse) else None

        kind = sniff(body)
        if response.status != 304:
            why = challenge_reason(body, response.status) if kind in ("html", "text") else None
            if why:
                self.blocked(response, why)
                return
        if expect:  # the link promised a file
            if matches_promise(expect, body) or (kind not in ("html", "text", "empty")
                                                 and expect in ("doc", "wps", "xls", "et")):
                self.ogi.recorder.report_seen(requested)
                yield CaptureItem.from_response(response, "report", title, referer, self)
                return
            if kind == "html" and not meta.get("ogi_interstitial") and response_for_links:
                nxt = self.find_interstitial_target(response_for_links, expect)
                if nxt:
                    req = self.doc_request(nxt, title, response.url, expect=expect,
                                           ogi_interstitial=True)
                    if req is not None:
                        yield req
                    return
            self.ogi.recorder.report_seen(requested)
            self.ogi.recorder.fail(requested, f"promised a .{expect} file but got "
                                   f"{'an HTML page' if kind == 'html' else kind + ' content'}"
                                   f" — not archived", "report")
            return
        if kind in ("pdf", "ole", "zip", "image", "binary"):
            # a report link that leads straight to a file
            self.ogi.recorder.report_seen(requested)
            yield CaptureItem.from_response(response, "report", title, referer, self)
            return
        if kind == "empty":
            self.ogi.recorder.report_seen(requested)
            self.ogi.recorder.fail(requested, "empty answer — not archived", "report")
            return
        # an HTML detail page
        page = response_for_links
        content = self.content_area(page) if page is not None else None
        text = text_of(content) if content is not None else ""
        score = report_body_score(text)
        has_table = bool(content is not None and content.css("table"))
        images = self.content_images(page, content) if page is not None else []
        attachments = self.attachments(page, content) if page is not None else []
        image_only = bool(images) and not has_table and len(text) < 400
        if prev_role:
            role = prev_role
        elif score >= 2 or (has_table and score >= 1) or image_only:
            role = "report"
        else:
            role = "other"
        if meta.get("ogi_year_viewer") and role != "report" and not attachments and not images:
            return  # the viewer has no report of that year: nothing to keep, nothing failed
        if role == "report":
            self.ogi.recorder.report_seen(requested)
        if meta.get("ogi_known") and page is not None:
            found = self.breadcrumb_column(page)
            if found:
                self.ogi.recorder.propose_column(self.portal_code, found[0], requested, found[1])
        yield CaptureItem.from_response(response, role, title, referer, self)
        if role != "report" and not attachments and not images:
            self.ogi.recorder.report_seen(requested)
            self.ogi.recorder.fail(requested, "report page without report text, attachment or "
                                   "page images (archived as role=other)", "report")
        for url, name in attachments:
            req = self.doc_request(url, name or title, response.url, expect=attachment_ext(url)
                                   or attachment_ext(name))
            if req is not None:
                yield req
        if image_only or "图片版" in (title or ""):
            for url in images:
                req = self.doc_request(url, title, response.url, expect=attachment_ext(url))
                if req is not None:
                    yield req

    # where a page says where it sits: 当前位置：首页 > 政务公开 > 政府信息公开年报
    BREADCRUMB_CSS = ", ".join(f"[{attr}*={word}]" for word in ("crumb", "position", "location",
                                                                "dqwz", "weizhi", "curpos")
                               for attr in ("class", "id"))
    BREADCRUMB_WORDS = ("当前位置", "您的位置", "您现在的位置", "所在位置", "当前的位置", "栏目")

    def breadcrumb_column(self, page: TextResponse) -> tuple[str, str] | None:
        """(column URL, evidence) of a report page's own 年报 column, as its breadcrumb or its
        栏目 link names it: the last link there whose text reads as a 年报 column, on this
        portal's domains; None when the page names none."""
        areas = list(page.css(self.BREADCRUMB_CSS))
        for word in self.BREADCRUMB_WORDS:
            areas += page.xpath(f"//*[contains(text(), '{word}')]/..")
        for area in areas:
            links = [(a.attrib.get("href", "").strip(), text_of(a)) for a in area.css("a[href]")]
            for href, label in reversed(links):
                if not href or href.startswith(("javascript:", "#", "mailto:")):
                    continue
                url = page.urljoin(href)
                if classify_title(label) == "column" and not self.allowed(url):
                    trail = " > ".join(t for _, t in links if t)
                    return url.split("#")[0], f"breadcrumb of {page.url}: {trail}"[:300]
        return None

    def content_area(self, page: TextResponse):
        for sel in CONTENT_SELECTORS:
            found = page.css(sel)
            if found:
                return found[0]
        found = page.css("body")
        return found[0] if found else page.css("html")[0] if page.css("html") else None

    def attachments(self, page: TextResponse, content) -> list[tuple[str, str]]:
        out, seen = [], set()
        scope = content if content is not None else page
        anchors = scope.css("a[href]")
        if content is not None:  # 附件 lists often sit just below the content block
            anchors = anchors + page.css("a[href]")
        for a in anchors:
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            name = a.attrib.get("title") or text_of(a)
            url = page.urljoin(href)
            ext = attachment_ext(url) or (attachment_ext(name) if "download" in url.lower()
                                          or "下载" in name else None)
            if not ext or ext in IMAGE_EXT and "附件" not in name:
                continue
            if url not in seen:
                seen.add(url)
                out.append((url, name))
        return out

    def content_images(self, page: TextResponse, content) -> list[str]:
        if content is None:
            return []
        out = []
        for img in content.css("img[src]"):
            src = img.attrib.get("src", "").strip()
            if not src or src.startswith("data:"):
                continue
            url = page.urljoin(src)
            if attachment_ext(url) in IMAGE_EXT and url not in out:
                out.append(url)
        return out

    def find_interstitial_target(self, page: TextResponse, expect: str) -> str | None:
        """A download interstitial: a page whose link / refresh / script leads to the file."""
        for a in page.css("a[href]"):
            href = a.attrib.get("href", "")
            if attachment_ext(href) == expect or (
                    "下载" in text_of(a) and not href.startswith("javascript:")):
                url = page.urljoin(href)
                if url != page.url:
                    return url
        m = re.search(r"(?:location\.href|window\.location|location)\s*=\s*['\"]([^'\"]+)",
                      page.text)
        if m and attachment_ext(m.group(1)) == expect:
            return page.urljoin(m.group(1))
        m = re.search(r"http-equiv=['\"]?refresh['\"]?[^>]*url=([^'\">]+)", page.text, re.I)
        if m and attachment_ext(m.group(1)) == expect:
            return page.urljoin(m.group(1).strip())
        return None


def describe_failure(failure, settings) -> str:
    exc = failure.value
    from scrapy.exceptions import IgnoreRequest
    if failure.check(HttpError):
        status = exc.response.status
        # WAFs answer their JavaScript challenge with 412 or 521 as often as with 200/202
        why = challenge_reason(exc.response.body, status)
        if why:
            return f"blocked: {why} — not archived"
        return f"HTTP {status}" + (" after retries" if status >= 500 or status == 429 else "")
    # Scrapy >= 2.13 wraps Twisted's errors in its own (the original is the __cause__)
    from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError,
                                   DownloadConnectionRefusedError, DownloadFailedError,
                                   DownloadTimeoutError, ResponseDataLossError)
    cause = exc.__cause__
    if failure.check(TxTimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return f"timeout (no answer within {settings.getint('DOWNLOAD_TIMEOUT')} s) after retries"
    if failure.check(DownloadCancelledError):  # cancelled by the size limit
        return f"larger than the maximum document size ({settings.getint('DOWNLOAD_MAXSIZE')} bytes)"
    if failure.check(ResponseNeverReceived, ConnectionLost, ConnectionDone) or (
            failure.check(DownloadFailedError) and isinstance(cause, ResponseNeverReceived)):
        return "connection reset / closed before an answer, after retries"
    if failure.check(ResponseFailed, DownloadFailedError, ResponseDataLossError):
        return "connection lost mid-body (truncated download) after retries"
    if failure.check(DownloadConnectionRefusedError):
        return "connection refused, after retries"
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "DNS lookup failed"
    if failure.check(IgnoreRequest):
        msg = str(exc)
        if "robots.txt" in msg.lower():
            return "forbidden by robots.txt (not fetched)"
        if "max redirections" in msg.lower() or "redirect" in msg.lower() and "max" in msg.lower():
            return f"redirect loop (more than {settings.getint('REDIRECT_MAX_TIMES')} redirects)"
        return msg or "ignored"
    msg = str(exc)
    if "maxsize" in msg.lower() or "max size" in msg.lower() or "larger than" in msg.lower():
        return f"larger than the maximum document size ({settings.getint('DOWNLOAD_MAXSIZE')} bytes)"
    return f"{type(exc).__name__}: {msg}"[:300]
