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

Those bounds hold from outside the renderer (:class:`PageWatch`): a script that never yields
(``while (true) {}``) ignores every Playwright timeout, since the renderer never answers. A
watchdog in the crawler's own event loop kills the page's renderer processes (SIGKILL) when the
page made no progress for twice the page time (plus a few seconds), when its renderers hold
more than ``OGI_BROWSER_MAX_MEMORY`` MiB, or as soon as the crawl is stopping (SIGTERM, Ctrl-C):
the column gets a named failure ("browser rendering failed: ..."), the page is never rendered
again in that run, and the crawl goes on (or ends) with its lock released. V8's heap is capped
too (``--js-flags=--max-old-space-size``).

Nothing leaves the browser around the guard either: popup windows (``window.open``, a link with
a target) are closed and their requests refused, WebSockets never reach a server
(``route_web_socket``), service workers are blocked for the context, and dedicated or shared
workers cannot be started; each attempt is named in the run summary like any refused request.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import signal
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


class BrowserPageStopped(Exception):
    """A rendered page killed from outside its renderer (the message says why)."""


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, starting Playwright only when a request asks for the
    browser: crawls whose lists read completely never start a driver or a browser. Every page
    it renders runs under a :class:`PageWatch`, and is tried once (scrapy-playwright tries a
    page whose target closed three times: a page killed for hanging would be rendered again)."""

    async def _maybe_launch_in_thread(self) -> None:  # engine_started: nothing yet
        return None

    def _engine_started(self):  # older Scrapy API
        return None

    async def _download_request(self, request, spider=None):
        lock = self.__dict__.setdefault("_ogi_launch_lock", asyncio.Lock())
        async with lock:
            if getattr(self, "browser_provider", None) is None:
                await self._launch()
        spider = spider or self._crawler.spider
        if self._crawler.crawling is False:
            raise BrowserPageStopped("the crawl is stopping: the page was not rendered")
        s = self._crawler.settings
        step = s.getfloat("OGI_BROWSER_PAGE_TIMEOUT", 30)
        watch = PageWatch(self._crawler, step=2 * step + 5,
                          max_rss=s.getint("OGI_BROWSER_MAX_MEMORY", 1024) * 2 ** 20)
        guard = request.meta.get("ogi_browser_guard")
        if guard is not None:
            guard.watch = watch
        work = asyncio.ensure_future(self._download_request_with_retry(request, spider))
        watcher = asyncio.ensure_future(watch.run(self, work))
        try:
            return await work
        except (Exception, asyncio.CancelledError) as exc:
            if watch.reason:
                raise BrowserPageStopped(watch.reason) from exc
            raise
        finally:
            watch.done = True
            watcher.cancel()


def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d))
    return children


def _renderers(root: int) -> list[int]:
    """The chromium renderer processes below process `root`."""
    children = _proc_children()
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            todo.append(c)
            try:
                with open(f"/proc/{c}/cmdline", "rb") as fh:
                    if b"--type=renderer" in fh.read():
                        out.append(c)
            except OSError:
                continue
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class PageWatch:
    """Bounds one rendered page from outside its renderer (see the module): polls a few times a
    second, and kills the renderer processes of the crawler's browser (SIGKILL) when the page
    made no progress for `step` seconds, when they hold more than `max_rss` bytes, or when the
    crawl is stopping. `progress()` (a page read) starts a new step."""

    POLL = 0.25

    def __init__(self, crawler, step: float, max_rss: int) -> None:
        self.crawler = crawler
        self.step = step
        self.max_rss = max_rss
        self.deadline = time.monotonic() + step
        self.reason: str | None = None
        self.done = False

    def progress(self) -> None:
        self.deadline = time.monotonic() + self.step

    async def _browser_pid(self, handler) -> int:
        browser = getattr(handler, "browser", None)
        if browser is not None:
            try:
                session = await asyncio.wait_for(browser.new_browser_cdp_session(), 5)
                info = await asyncio.wait_for(session.send("SystemInfo.getProcessInfo"), 5)
                for p in info.get("processInfo", []):
                    if p.get("type") == "browser":
                        return int(p["id"])
            except Exception:  # noqa: BLE001 - fall back to every chromium below this process
                pass
        return os.getpid()

    async def run(self, handler, work) -> None:
        root = None
        while not self.done and not work.done():
            await asyncio.sleep(self.POLL)
            if root is None:
                root = await self._browser_pid(handler)
            renderers = _renderers(root)
            why = None
            if self.crawler.crawling is False:
                why = "the crawl was stopped while the page rendered (its renderer was killed)"
            elif time.monotonic() > self.deadline:
                why = (f"the page gave no answer within {self.step:.0f} s (a script that never "
                       f"yields): its renderer was killed from outside")
            else:
                rss = sum(_rss(p) for p in renderers)
                if rss > self.max_rss:
                    why = (f"the page's renderer held {rss // 2 ** 20} MiB, over the browser's "
                           f"memory cap of {self.max_rss // 2 ** 20} MiB: it was killed")
            if why:
                self.reason = why
                logger.warning("browser: %s", why)
                for pid in renderers:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                # a crashed page fails every call on it at once; anything still waiting after
                # a few seconds is cancelled
                await asyncio.wait({work}, timeout=10)
                if not work.done():
                    work.cancel()
                return


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
        self.watch: PageWatch | None = None          # set by the handler for this page

    def progress(self) -> None:
        """A page of the list was read: the watchdog's clock starts again."""
        if self.watch is not None:
            self.watch.progress()

    async def attach(self, page) -> None:
        page.on("requestfinished", self._done)
        page.on("requestfailed", self._done)
        await page.route("**/*", self.handle)
        # WebSockets bypass page.route: each is answered here and never reaches a server
        await page.route_web_socket("**", self._web_socket)
        page.on("popup", self._popup)
        await page.expose_binding("__ogiRefused", self._refused_by_script)
        await page.add_init_script(NO_ESCAPES_JS)
        context = page.context
        context._ogi_guard = self  # the guard of the page rendered now in this context
        if not getattr(context, "_ogi_guarded", False):
            # requests of pages the crawler did not open (popups) meet the context's route:
            # page routes come first, and the crawler's pages always continue or abort there
            context._ogi_guarded = True

            async def stray(route, request):
                await context._ogi_guard._stray(route, request)

            await context.route("**/*", stray)

    def _refuse(self, url: str, why: str, kind: str) -> None:
        self.requests.append((url, why))
        self.spider.browser_refused(self.column, url, why, kind)

    async def _web_socket(self, ws) -> None:
        self._refuse(ws.url, "refused: a WebSocket (never opened by the crawler's browser)",
                     "websocket")
        await ws.close()

    def _popup(self, popup) -> None:
        # its request (if any) was refused by the context's route and named there
        url = popup.url or ""
        if url.startswith(("http:", "https:")) and not any(u == url for u, _ in self.requests):
            self._refuse(url, "refused: a popup window (window.open or a link's target), "
                              "closed", "popup")
        asyncio.ensure_future(_quietly(popup.close()))

    async def _stray(self, route, request) -> None:
        self._refuse(request.url, "refused: asked for by a window the crawler did not open "
                                  "(a popup)", request.resource_type)
        await route.abort("blockedbyclient")

    def _refused_by_script(self, source, kind: str, url: str) -> None:
        what = {"worker": "a web worker", "sharedworker": "a shared worker",
                "serviceworker": "a service worker", "popup": "a popup window (window.open)",
                "websocket": "a WebSocket"}.get(kind, kind)
        self._refuse(str(url or ""), f"refused: {what} (never started by the crawler's browser)",
                     kind)

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


async def _quietly(coro) -> None:
    try:
        await coro
    except Exception:  # noqa: BLE001 - already gone
        pass


# Before any script of the page: no popup, worker or service worker can start (each attempt is
# reported to the guard); WebSockets are answered by the guard's route_web_socket.
NO_ESCAPES_JS = """(() => {
  const tell = (kind, url) => { try { window.__ogiRefused(kind, String(url || "")); } catch (e) {} };
  const abs = u => { try { return new URL(String(u), location.href).href; } catch (e) { return String(u); } };
  window.open = function (u) { tell("popup", abs(u || "about:blank")); return null; };
  for (const [name, kind] of [["Worker", "worker"], ["SharedWorker", "sharedworker"]]) {
    if (window[name]) {
      window[name] = function (u) { tell(kind, abs(u)); throw new DOMException("blocked", "SecurityError"); };
    }
  }
  if (navigator.serviceWorker) {
    const sw = navigator.serviceWorker;
    sw.register = function (u) { tell("serviceworker", abs(u)); return Promise.reject(new DOMException("blocked", "SecurityError")); };
  }
})();"""


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
        guard.progress()
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
            "playwright_context_kwargs": {"service_workers": "block"},
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
