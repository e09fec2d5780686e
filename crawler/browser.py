"""The browser fallback for list pages whose list only a browser sees (scrapy-playwright).

Only a list page whose static reading stayed incomplete or empty is rendered (``spiders.base``
decides, after the column's static pages, list APIs and script modules were read); detail pages
and documents stay plain HTTP requests. The browser is Debian's chromium, never a download:
``OGI_BROWSER_EXECUTABLE`` (default ``/usr/bin/chromium``, or ``$OGI_CHROMIUM``).

Every request the page makes goes through :class:`BrowserGuard` (``page.route``) before it
leaves the browser:
  * refused, aborted and named in the run summary: another domain than the portal's, a private,
    loopback or link-local address (unless ``--allow-private`` and the address is the portal's,
    the local simulator), a scheme other than http(s), a path robots.txt disallows, a paused host;
  * politeness: one request at a time per host, ``DOWNLOAD_DELAY`` apart; the Scrapy request
    that drives the browser holds the host's download slot meanwhile (crawler.downloader), so
    the crawler's own requests never overlap the browser's.
The cost is bounded: ``OGI_BROWSER_MAX_PAGES`` list pages per column (clicks through the page
bar) and ``OGI_BROWSER_PAGE_TIMEOUT`` seconds per page (navigation, settling, each click).
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
import urllib.parse

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from .middlewares import check_url, unsafe_address

logger = logging.getLogger(__name__)

def resolver_rules(allowed_domains) -> str:
    """Chromium host-resolver rules that resolve nothing but the portal's domains: a second
    wall behind the route guard (a prefetch or a resolution the guard never sees goes nowhere)."""
    excl = []
    for d in allowed_domains or ():
        d = d.lower().lstrip(".")
        excl += [f"EXCLUDE {d}", f"EXCLUDE *.{d}"]
    return "--host-resolver-rules=MAP * ~NOTFOUND" + "".join(", " + e for e in excl)


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, starting Playwright only when a request asks for the
    browser: crawls whose lists read completely never start a driver or a browser."""

    async def _maybe_launch_in_thread(self) -> None:  # engine_started: nothing yet
        return None

    def _engine_started(self):  # older Scrapy API
        return None

    async def _download_request(self, request, spider=None):
        lock = self.__dict__.setdefault("_ogi_launch_lock", asyncio.Lock())
        async with lock:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        return await super()._download_request(request, spider)


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class BrowserGuard:
    """``page.route`` handler for one rendered list page: refuse, serialize, record."""

    def __init__(self, spider, column: str) -> None:
        self.spider = spider
        self.column = column
        s = spider.crawler.settings
        self.allow_private = s.getbool("OGI_ALLOW_PRIVATE")
        self.delay = s.getfloat("DOWNLOAD_DELAY", 0)
        self.locks: dict[str, asyncio.Lock] = {}
        self.held: dict[object, tuple[asyncio.Lock, str]] = {}
        self.last_done: dict[str, float] = {}
        self.requests: list[tuple[str, str]] = []   # (url, "sent" | reason refused)
        self.pending = 0                             # let through, answer not in yet
        self.last_activity = time.monotonic()

    async def attach(self, page) -> None:
        page.on("requestfinished", self._done)
        page.on("requestfailed", self._done)
        await page.route("**/*", self.handle)

    def refusal(self, url: str) -> str | None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return None  # nothing leaves the browser
        host = parts.hostname or ""
        ip = _ip_literal(host)
        allowed = self.spider.allowed_domains
        if ip is not None and parts.scheme in ("http", "https"):
            why = unsafe_address(host)
            ours = any(host == d for d in allowed)
            if why and not (self.allow_private and ours):
                return f"refused: {why}, not the portal's" + (
                    "" if self.allow_private else " (--allow-private is for local simulators)")
        why = check_url(url, allowed, self.allow_private)
        if why:
            return why
        if self.spider.ogi.recorder.is_paused(url):
            return f"refused: portal {host} paused after repeated blocks"
        if not self._robots_allow(url):
            return "forbidden by robots.txt (not fetched)"
        return None

    def _robots_allow(self, url: str) -> bool:
        crawler = self.spider.crawler
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            return True
        from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
        try:
            mws = crawler.engine.downloader.middleware.middlewares
        except AttributeError:
            return True
        netloc = urllib.parse.urlsplit(url).netloc
        for mw in mws:
            if isinstance(mw, RobotsTxtMiddleware):
                parser = getattr(mw, "_parsers", {}).get(netloc)
                if parser is not None and hasattr(parser, "allowed"):
                    ua = crawler.settings.get("USER_AGENT")
                    return parser.allowed(url, ua)
        return True

    async def handle(self, route, request) -> None:
        url = request.url
        why = self.refusal(url)
        if why:
            self.requests.append((url, why))
            self.spider.browser_refused(self.column, url, why, request.resource_type)
            await route.abort("blockedbyclient")
            return
        host = urllib.parse.urlsplit(url).hostname or ""
        if not host:
            await route.fallback()
            return
        lock = self.locks.setdefault(host, asyncio.Lock())
        self.pending += 1
        self.last_activity = time.monotonic()
        await lock.acquire()
        wait = self.last_done.get(host, 0) + self.delay - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self.held[request] = (lock, host)
        self.requests.append((url, "sent"))
        try:
            await route.fallback()  # scrapy-playwright's handler sets the crawler's headers
        except Exception:
            self._done(request)
            raise

    def _done(self, request) -> None:
        entry = self.held.pop(request, None)
        if entry is not None:
            self.pending -= 1
            self.last_activity = time.monotonic()
            lock, host = entry
            self.last_done[host] = time.monotonic()
            if lock.locked():
                lock.release()

    def release_all(self) -> None:
        for req in list(self.held):
            self._done(req)


# Finds and clicks the control that shows the next page of a list: a 下一页 / next control, or
# the number of the next page in a page bar. Returns what it clicked, or "" when there is none.
CLICK_NEXT_JS = """(n) => {
  const words = ["下一页", "下页", "后一页", "next", "Next", "NEXT", ">", "›", "»", ">>"];
  const els = Array.from(document.querySelectorAll("a, button, span, li, input[type=button]"));
  const label = e => ((e.innerText || e.value || e.getAttribute("title") || "") + "").trim();
  const off = e => e.disabled || /disabled|ban|unable/i.test(e.className || "")
                   || e.getAttribute("aria-disabled") === "true" || e.offsetParent === null;
  const inBar = e => e.closest("[class*=pag], [id*=pag], [class*=Pag], [id*=Pag]");
  let t = els.find(e => words.includes(label(e)) && !off(e) && e.children.length <= 1);
  if (!t) t = els.find(e => label(e) === String(n) && !off(e) && inBar(e));
  if (!t) return "";
  t.click();
  return label(t) || t.tagName;
}"""


QUIET = 0.3  # seconds without a request in flight before a page counts as shown


async def _settle(page, guard: "BrowserGuard", timeout_s: float) -> None:
    """Wait until the page's load and every request it made are done, and nothing new started
    for QUIET seconds (a click's XHR starts after the click): bounded by the page time."""
    deadline = time.monotonic() + timeout_s
    try:
        await page.wait_for_load_state("load", timeout=timeout_s * 1000)
    except Exception:  # noqa: BLE001 - a page that never loads fully is read as it stands
        pass
    while time.monotonic() < deadline:
        if guard.pending <= 0 and time.monotonic() - guard.last_activity >= QUIET:
            return
        await asyncio.sleep(0.05)


async def browse_list(page, guard: "BrowserGuard", max_pages: int, timeout_s: float,
                      want: int | None, known: list[str]) -> list[tuple[str, str]]:
    """Render a list page and click through its page bar: [(url, rendered HTML)] per page,
    until the column's own count (*want*) is reached, no next page is offered, a click shows
    nothing new, or *max_pages* pages were seen."""
    from .listcount import list_items

    page.set_default_timeout(int(timeout_s * 1000))
    guard.last_activity = time.monotonic()
    await _settle(page, guard, timeout_s)
    pages: list[tuple[str, str]] = []
    seen = set(known)
    html = await page.content()
    for n in range(1, max_pages + 1):
        items = {u for u, _ in list_items(html, page.url)}
        pages.append((page.url, html))
        seen |= items
        if want is not None and len(seen) >= want or n == max_pages:
            break
        try:
            clicked = await asyncio.wait_for(page.evaluate(CLICK_NEXT_JS, n + 1), timeout_s)
        except Exception as exc:  # noqa: BLE001 - a page that navigated away mid-click
            logger.info("browser: no next page on %s (%s)", page.url, exc)
            break
        if not clicked:
            break
        html = await _after_click(page, guard, items, timeout_s)
        if html is None:
            break  # the click showed nothing new
    return pages


PATIENCE = 2.0  # seconds a click may take to change the list once the page is quiet


async def _after_click(page, guard: "BrowserGuard", shown: set[str], timeout_s: float):
    """The page's HTML once a click changed its list (None if it did not within the time)."""
    from .listcount import list_items

    start = time.monotonic()
    guard.last_activity = start
    while True:
        await _settle(page, guard, max(0.1, timeout_s - (time.monotonic() - start)))
        try:
            html = await page.content()
        except Exception:  # noqa: BLE001 - mid-navigation: wait for the next document
            html = ""
        if html and {u for u, _ in list_items(html, page.url)} - shown:
            return html
        waited = time.monotonic() - start
        if waited >= timeout_s or (waited >= PATIENCE and guard.pending <= 0):
            return None
        await asyncio.sleep(0.1)


class BrowserMiddleware:
    """Downloader middleware: a request the spider marked ``ogi_browser`` is rendered by
    scrapy-playwright, with the guard on every request of its page and the page bar followed
    (``browse_list``). The marks are plain data, so such a request can wait in any queue; the
    Playwright objects are attached here, just before the download."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if not request.meta.get("ogi_browser") or request.meta.get("playwright"):
            return None
        from scrapy_playwright.page import PageMethod

        spider = self.crawler.spider
        s = self.crawler.settings
        column = request.meta.get("ogi_column") or request.url
        guard = BrowserGuard(spider, column)

        async def init(page, _request):
            await guard.attach(page)

        async def browse(page):
            try:
                return await browse_list(page, guard, s.getint("OGI_BROWSER_MAX_PAGES", 20),
                                         s.getfloat("OGI_BROWSER_PAGE_TIMEOUT", 30),
                                         request.meta.get("ogi_browser_want"),
                                         request.meta.get("ogi_browser_known") or [])
            finally:
                guard.release_all()

        request.meta.update({
            "playwright": True,
            "playwright_context": f"ogi-{spider.name}",
            "playwright_page_init_callback": init,
            "playwright_page_methods": [PageMethod(browse)],
            "download_timeout": s.getfloat("OGI_BROWSER_PAGE_TIMEOUT", 30)
            * (s.getint("OGI_BROWSER_MAX_PAGES", 20) + 1),
        })
        request.meta["ogi_browser_guard"] = guard
        return None

    def process_response(self, request, response, spider=None):
        methods = request.meta.get("playwright_page_methods") or []
        if request.meta.get("ogi_browser") and methods:
            request.meta["ogi_browser_pages"] = methods[0].result
            guard = request.meta.pop("ogi_browser_guard", None)
            if guard is not None:
                request.meta["ogi_browser_requests"] = guard.requests
        return response
