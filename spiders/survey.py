"""The registry survey (``ogi registry check`` / ``ogi registry discover``): look at portals
from their home pages and tell what they are, without archiving anything.

``check``     each home page: reachable or not (blocked by a WAF/403/429, moved to another
              domain), its <title> against the division's name, its platform fingerprint.
``discover``  from the home page, through the 政务公开/信息公开 navigation: the government's
              年报 column, and the directories of its departments and of its townships/street
              offices (部门信息公开, 乡镇（街道）…), each body with its own 年报 column (found on
              the body's page, inside the body's part of the site) or a sub-column named after it
              in a shared 年报 column (县政府 / 部门年报 → 教育局 …).

One spider for many portals: every request carries its registry code and may only go to that
portal's domains (checked here before the request; SafetyMiddleware checks every hop against
the union). Politeness is the crawl's: robots.txt, one request at a time per host, the delay.
Results stay in ``self.results`` ({code: PortalSurvey}); the command turns them into proposals.
"""
from __future__ import annotations

import dataclasses
import re

import scrapy
from scrapy.http import TextResponse

from crawler.links import challenge_reason, classify_title, norm
from crawler.middlewares import check_url
from crawler.registry import discovery as dv

from .base import describe_failure
from .platforms import fingerprint
from .trs import COUNT_PAGE, TRS_PAGER

LIST_MACHINERY = re.compile(r"createPageHTML|countPage|dataproxy\.jsp|<datastore|classsql|"
                            r"gkmlpt|下一页|下页|尾页", re.I)


@dataclasses.dataclass
class Body:
    name: str
    kind: str                       # 部门 | 乡
    page: str = ""                  # the body's own page (from a directory), if any
    column: str = ""
    platform: str = ""
    found_on: str = ""
    candidates: list = dataclasses.field(default_factory=list)  # columns not inside its part


@dataclasses.dataclass
class PortalSurvey:
    code: str
    name: str
    domains: list
    home: str
    xxgk: str = ""                  # a page under the 信息公开 path known from the seed data
    status: int | None = None
    final_url: str = ""
    title: str = ""
    platform: str = ""
    error: str = ""
    blocked: str = ""
    pages: int = 0
    columns: dict = dataclasses.field(default_factory=dict)     # url -> {"reports", "platform"}
    own: list = dataclasses.field(default_factory=list)         # the government's columns
    shared: list = dataclasses.field(default_factory=list)      # shared roots with sub-columns
    directories: dict = dataclasses.field(default_factory=dict)  # url -> kind
    bodies: dict = dataclasses.field(default_factory=dict)      # name -> Body


def _title(response) -> str:
    if not isinstance(response, TextResponse):
        return ""
    try:
        return norm(" ".join(response.css("title::text").getall()))
    except Exception:  # noqa: BLE001 - not markup
        return ""


def _links(response):
    if not isinstance(response, TextResponse):
        return
    try:
        anchors = response.css("a[href]")
    except Exception:  # noqa: BLE001
        return
    for a in anchors:
        href = a.attrib.get("href", "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        text = a.attrib.get("title") or norm(" ".join(a.css("::text").getall()))
        yield response.urljoin(href).split("#")[0], norm(text)


class SurveySpider(scrapy.Spider):
    name = "registry-survey"
    # a broad crawl in one spider: many hosts at once (OGI_SURVEY_HOSTS), still one request at a
    # time per host; the downloader-aware queue hands out requests of idle hosts first
    custom_settings = {"ITEM_PIPELINES": {},
                       "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue"}

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        settings.set("CONCURRENT_REQUESTS", settings.getint("OGI_SURVEY_HOSTS", 32),
                     priority="spider")

    def __init__(self, entries=(), mode: str = "discover", max_pages: int = 300,
                 nav_depth: int = 3, **kw) -> None:
        super().__init__(**kw)
        if mode not in ("check", "discover"):
            raise ValueError(f"unknown survey mode {mode!r}")
        self.mode = mode
        self.max_pages = int(max_pages)
        self.nav_depth = int(nav_depth)
        self.results: dict[str, PortalSurvey] = {}
        for p in entries:
            self.results[p.code] = PortalSurvey(p.code, p.name or p.agency, list(p.domains),
                                                p.home_url, p.xxgk_url)
        self.allowed_domains = sorted({d for p in entries for d in p.domains})
        self.requested: dict[str, set] = {c: set() for c in self.results}

    # ------------------------------------------------------------ plumbing
    def _allowed(self, s: PortalSurvey, url: str) -> bool:
        if not hasattr(self, "_resolved"):
            from crawler.resolve import resolved_hosts
            self._resolved = resolved_hosts(self.crawler.settings)
        return check_url(url, s.domains, self.crawler.settings.getbool("OGI_ALLOW_PRIVATE"),
                         self._resolved) is None

    def req(self, s: PortalSurvey, url: str, callback, **meta):
        if url in self.requested[s.code] or not self._allowed(s, url):
            return None
        if len(self.requested[s.code]) >= self.max_pages:
            return None
        self.requested[s.code].add(url)
        meta["code"] = s.code
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              dont_filter=True)

    async def start(self):
        for s in self.results.values():
            if not s.home:
                s.error = "no home page in the registry"
                continue
            r = self.req(s, s.home, self.parse_home, survey_depth=0, home=True)
            if r is None:
                s.error = "home page not on the portal's domains or refused"
                continue
            yield r
            if self.mode == "discover" and s.xxgk:  # a second way in: the seed's 信息公开 page
                r = self.req(s, s.xxgk, self.parse_nav, survey_depth=1)
                if r is not None:
                    yield r

    def on_error(self, failure):
        s = self.results[failure.request.meta["code"]]
        why = describe_failure(failure, self.crawler.settings)
        if failure.request.meta.get("home"):
            if "blocked" in why or re.search(r"HTTP (403|412|429|521)", why):
                s.blocked = why
            else:
                s.error = why

    def survey(self, response) -> PortalSurvey:
        s = self.results[response.meta["code"]]
        s.pages += 1
        return s

    # ------------------------------------------------------------ home and navigation
    def parse_home(self, response):
        s = self.survey(response)
        s.status = response.status
        s.final_url = response.url
        s.title = _title(response)
        why = challenge_reason(response.body, response.status)
        if why:
            s.blocked = why
            return
        s.platform = fingerprint(response.text if isinstance(response, TextResponse) else "")
        if self.mode == "discover":
            yield from self.parse_nav(response)

    def parse_nav(self, response):
        s = self.survey(response) if response.meta.get("survey_depth") else self.results[response.meta["code"]]
        depth = response.meta.get("survey_depth", 0)
        if self._config_column(response):
            yield from self._column(s, response.url, response, "self")
        for url, text in _links(response):
            kind = classify_title(text)
            if kind == "column":
                r = self.req(s, url, self.parse_column, owner="self", survey_depth=depth + 1)
            elif directory_kind := dv.directory_kind(text):
                r = self.req(s, url, self.parse_directory, dkind=directory_kind, survey_depth=depth + 1)
            elif kind == "nav" and depth < self.nav_depth:
                r = self.req(s, url, self.parse_nav, survey_depth=depth + 1)
            else:
                r = None
            if r is not None:
                yield r

    @staticmethod
    def _config_column(response) -> bool:
        """A JSON-API catalogue page (gkmlpt) whose config names a 年报 category: the page is
        the column (the JSON spider reads the category from it)."""
        if not isinstance(response, TextResponse) or "gkmlpt" not in response.text:
            return False
        return any(classify_title(m) == "column"
                   for m in re.findall(r"\"name\"\s*:\s*\"([^\"]+)\"", response.text))

    # ------------------------------------------------------------ columns
    def parse_column(self, response):
        s = self.survey(response)
        yield from self._column(s, response.url, response, response.meta["owner"])

    def _column(self, s: PortalSurvey, url: str, response, owner: str):
        text = response.text if isinstance(response, TextResponse) else ""
        links = list(_links(response))
        reports = sum(1 for _, t in links if classify_title(t) == "report")
        machinery = bool(LIST_MACHINERY.search(text) or TRS_PAGER.search(text)
                         or COUNT_PAGE.search(text) or self._config_column(response))
        s.columns[url] = {"reports": reports, "lists": machinery or reports > 0,
                          "platform": fingerprint(text)}
        if owner == "self":
            if reports or machinery:
                if url not in s.own:
                    s.own.append(url)
        elif owner.startswith("body:"):
            b = s.bodies.get(owner[5:])
            if b is not None:
                b.column = b.column or url
                b.platform = s.columns[url]["platform"]
            return
        # sub-columns named after the government itself, a group of bodies or one body
        group = owner[6:] if owner.startswith("group:") else ""
        for sub, t in links:
            if not dv.child_of(sub, url):
                continue
            who = dv.column_owner(t, s.name)
            if who is None:
                continue
            if url not in s.shared:
                s.shared.append(url)
            if who[0] == "self" and not group:
                r = self.req(s, sub, self.parse_column, owner="self")
            elif who[0] == "group":
                r = self.req(s, sub, self.parse_column, owner="group:" + who[1])
            else:
                name = who[1]
                kind = group or dv.body_kind(re.sub(r"人民政府$", "", name)) or "部门"
                b = s.bodies.setdefault(name, Body(name, kind, found_on=url))
                b.column = b.column or sub
                r = self.req(s, sub, self.parse_column, owner="body:" + name)
            if r is not None:
                yield r

    # ------------------------------------------------------------ directories and bodies
    def parse_directory(self, response):
        s = self.survey(response)
        dkind = response.meta["dkind"]
        s.directories[response.url] = dkind
        for url, text in _links(response):
            kind = dv.body_kind(text)
            if kind != dkind or not self._allowed(s, url):
                continue
            b = s.bodies.setdefault(text, Body(text, kind, found_on=response.url))
            if b.page:
                continue
            b.page = url
            r = self.req(s, url, self.parse_body, body=text, survey_depth=0)
            if r is not None:
                yield r

    def parse_body(self, response):
        s = self.survey(response)
        b = s.bodies[response.meta["body"]]
        base = response.meta.get("body_base") or response.url
        depth = response.meta.get("survey_depth", 0)
        if self._config_column(response) and dv.under(response.url, base):
            b.column = b.column or response.url
            b.platform = fingerprint(response.text)
            s.columns[response.url] = {"reports": 0, "lists": True, "platform": b.platform}
            return
        navs = []
        for url, text in _links(response):
            kind = classify_title(text)
            if kind == "column":
                if dv.under(url, base):
                    if not b.column:
                        r = self.req(s, url, self.parse_column, owner="body:" + b.name)
                        b.column = url
                        if r is not None:
                            yield r
                elif url not in b.candidates:
                    b.candidates.append(url)
            elif kind == "nav" and depth < 2 and dv.under(url, base):
                navs.append(url)
        if not b.column:
            for url in navs:
                r = self.req(s, url, self.parse_body, body=b.name, body_base=base,
                             survey_depth=depth + 1)
                if r is not None:
                    yield r

    # ------------------------------------------------------------ results
    def finish(self, s: PortalSurvey) -> None:
        """Settle what only the whole picture tells: a body whose column link was not inside
        its part of the site takes one no other body and not the government claims."""
        # a shared root is the government's own only if none of its sub-columns is
        s.own = [u for u in s.own if not any(o != u and dv.child_of(o, u) for o in s.own)]
        claimed = set(s.own) | set(s.shared) | {b.column for b in s.bodies.values() if b.column}
        for b in s.bodies.values():
            if not b.column:
                free = [u for u in b.candidates if u not in claimed]
                if len(free) == 1:
                    b.column = free[0]
                    b.platform = s.columns.get(free[0], {}).get("platform", "")
                    claimed.add(free[0])
