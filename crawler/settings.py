"""Scrapy settings of the ogi-archive crawler (scrapy.cfg: ``default = crawler.settings``).

Politeness is the default: robots.txt obeyed, one request at a time per domain, AutoThrottle,
retries with back-off, ``Retry-After`` honoured, and a portal paused after repeated blocks.
``ogi crawl`` overrides a few of these from its options; tests switch delays off.
"""
import os

BOT_NAME = "ogi_archive"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# An honest user agent with a contact: set OGI_CONTACT (an e-mail or URL) on the operator
# machine; `ogi crawl` warns when it is missing for a crawl of a real portal.
OGI_CONTACT = os.environ.get("OGI_CONTACT", "")
USER_AGENT = (
    "ogi-archive/0.1 (research archive of Chinese government information disclosure annual "
    "reports; contact: " + (OGI_CONTACT or "unset, see README") + ")"
)

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Scrapy's downloader, holding CONCURRENT_REQUESTS_PER_DOMAIN also with no delay (see the module)
DOWNLOADER = "crawler.downloader.PoliteDownloader"
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
# 429 and the WAF-ish 5xx codes are retried too; Retry-After is honoured by
# crawler.middlewares.PolitenessMiddleware before the retry is sent.
RETRY_HTTP_CODES = [500, 502, 503, 504, 408, 429, 520, 521, 522, 524]
REDIRECT_MAX_TIMES = 8
METAREFRESH_ENABLED = True
COOKIES_ENABLED = True  # some portals set a session cookie before serving attachments

# A maximum document size: bigger downloads are cancelled and reported as failures.
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
DOWNLOAD_WARNSIZE = 50 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}

DOWNLOADER_MIDDLEWARES = {
    # before robots.txt and offsite: refuse unsafe targets (also every redirect hop)
    "crawler.middlewares.SafetyMiddleware": 40,
    # just outside RetryMiddleware (550): sees 429/503 first, waits out Retry-After
    "crawler.middlewares.PolitenessMiddleware": 560,
    # last before the download: a list page marked for the browser gets scrapy-playwright's
    # meta and the route guard (crawler.browser)
    "crawler.browser.BrowserMiddleware": 950,
}
SPIDER_MIDDLEWARES = {}
# Scrapy's scheduler, stopping the crawl when the disk holding its JOBDIR is full (crawler.diskfull)
SCHEDULER = "crawler.diskfull.DiskAwareScheduler"
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

# ogi-archive settings
OGI_ARCHIVE_DIR = os.environ.get("OGI_ARCHIVE_DIR", "archive")
OGI_RUN_ID = ""              # set by `ogi crawl`; a standalone `scrapy crawl` makes its own
OGI_ALLOW_PRIVATE = False    # allow private/loopback/link-local targets (tests, the demo)
OGI_BLOCK_LIMIT = 5          # blocks (429, 403, WAF challenge) before a portal is paused
OGI_RETRY_AFTER_MAX = 600    # longest Retry-After honoured, in seconds
OGI_MAX_PAGES = 500          # list pages per column, a guard against endless paging
OGI_JOBDIR_ROOT = ""         # if set and JOBDIR is not: JOBDIR = <root>/<spider>-<portal> (scrapyd,
                             # `scrapy crawl`); `ogi crawl` sets JOBDIR itself (--jobdir)

# The browser fallback for list pages whose list only a browser sees (crawler.browser):
# Debian's chromium through scrapy-playwright, started only when a column needs it.
OGI_BROWSER = True                 # `ogi crawl --no-browser` switches it off
OGI_BROWSER_EXECUTABLE = os.environ.get("OGI_CHROMIUM", "/usr/bin/chromium")
OGI_BROWSER_MAX_PAGES = 20         # list pages the browser shows per column (page-bar clicks)
OGI_BROWSER_PAGE_TIMEOUT = 30      # seconds per rendered page (navigation, settling, a click)
OGI_BROWSER_MAX_MEMORY = 1024      # MiB the renderers of a rendered page may hold (then killed)
DOWNLOAD_HANDLERS = {"http": "crawler.browser.LazyPlaywrightHandler",
                     "https": "crawler.browser.LazyPlaywrightHandler"}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": OGI_BROWSER_EXECUTABLE, "headless": True,
    # never `playwright install`: Debian's chromium, with these switches (see docs/crawling.md)
    "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update",
             # V8's heap per page; arrays outside it are bounded by OGI_BROWSER_MAX_MEMORY
             "--js-flags=--max-old-space-size=512"],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = OGI_BROWSER_PAGE_TIMEOUT * 1000
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 1

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("OGI_LOG_LEVEL", "INFO")
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control server: a crawl is driven by `ogi crawl` / scrapyd
