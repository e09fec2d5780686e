"""Generic discovery: from a portal's home or 信息公开 page, follow 政务公开 / 信息公开 links to the
年报 column (found by its link text), then read it with every platform's list readers. The
spider for a registry entry whose platform is unknown (``generic``).

Report addresses of CMSes with no module of their own (see ``column_of``): a report in a
directory named as a 年报 column (``zfxxgknb``, ``gknb``, ``xxgkndbg``, ``bmnb`` …, with the date
and content folders below it) is listed by that directory; a document in a month folder
(``<column>/YYYYMM/<id>``) by the folder above it; a Guangdong intensive-platform page
``<column>/content/post_N.html`` by ``<column>/``; ``<column>/art/YYYY/art_<32 hex>.html`` by
``<column>/``; Hunan's numbered columns ``/N/N/N/content_N.html`` by ``/N/N/N/index.htm``;
shanghai.gov.cn's ``/nwID/YYYYMMDD/0001-ID_N.html`` by ``/nwID/index.html``; Hunan's
``/cID/YYYYMMDD/iN.html`` by ``/cID/index.html``; a channel CMS's ``/contents/ID/N.html`` by
``/channels/ID.html``; Shandong's node sites ``/nA/nB/cN/content.html`` by ``/nA/nB/index.html``;
Hebei's portals ``/columns/<uuid>/YYYYMM/DD/<uuid>.html`` by ``/columns/<uuid>/index.html``;
``year_details.aspx?dept=D&year=YYYY`` shows every year by its parameter. Anything else names
no column: the address is a known report.
"""
from __future__ import annotations

import re
import urllib.parse

from scrapy.http import TextResponse

from crawler.items import CaptureItem
from crawler.links import challenge_reason, classify_title

from . import hanweb, jeecms, jsonapi, openness, trs, vsb
from .base import Column, ReportSpider, is_markup, origin, text_of, year_query
from .hanweb import HanwebLists
from .jsonapi import JSONLists
from .trs import COUNT_PAGE, TRS_PAGER, TRSLists


class DiscoverSpider(TRSLists, HanwebLists, JSONLists, ReportSpider):
    name = "discover"
    platform = "generic"
    list_readers = (ReportSpider.read_anchors, TRSLists.read_pages, ReportSpider.read_next_links,
                    HanwebLists.read_records, JSONLists.read_answer, JSONLists.read_api,
                    TRSLists.read_search)
    nav_depth = 4

    def start_request(self, url):
        if self.portal_code and (self.claimed_elsewhere
                                 or urllib.parse.urlsplit(url).path.strip("/")):
            # a registry column (among others on the same portal, or a 年报 column of its own,
            # not a home page): read it, do not wander off through the navigation
            self.nav_depth = 0
        return self.list_request(url, callback=self.parse_nav, new_column=True,
                                 meta={"ogi_depth": 0})

    def follow_nav_link(self, url: str, referer: str):
        req = self.list_request(url, referer, callback=self.parse_nav, new_column=True,
                                meta={"ogi_depth": 1})
        if req is not None:
            yield req

    def parse_nav(self, response):
        """A navigation page (home, 政务公开, 信息公开): look for the column, reports, more nav.

        Archived as role ``list`` when it links reports itself, else ``other``."""
        depth = response.meta.get("ogi_depth", 0)
        self.ogi.recorder.counts["pages"] += 1
        why = challenge_reason(response.body, response.status)
        if why:
            self.blocked(response, why)
            return
        out, lists_reports = [], False
        if is_markup(response):
            for a in response.css("a[href]"):
                href = a.attrib.get("href", "").strip()
                if not href or href.startswith(("javascript:", "#", "mailto:")):
                    continue
                title = a.attrib.get("title") or text_of(a)
                url = response.urljoin(href)
                kind = classify_title(title)
                if kind == "nav" and depth < self.nav_depth:
                    req = self.list_request(url, response.url, callback=self.parse_nav,
                                            new_column=True, meta={"ogi_depth": depth + 1})
                    if req is not None:
                        out.append(req)
                elif kind in ("report", "column"):
                    lists_reports = lists_reports or kind == "report"
                    out.extend(self.handle_link(url, title, response.url))
            # the page may itself be a list of another kind (gkmlpt, Hanweb, paged TRS)
            for reader in self.list_readers:
                if reader is not ReportSpider.read_anchors:
                    found = list(reader(self, response))
                    lists_reports = lists_reports or bool(found)
                    out.extend(found)
        if isinstance(response, TextResponse) and (TRS_PAGER.search(response.text)
                                                   or COUNT_PAGE.search(response.text)):
            lists_reports = True
        if lists_reports:  # a start URL that is itself a column, or a page listing reports
            self.tally_static(response)
        yield CaptureItem.from_response(response, "list" if lists_reports else "other",
                                        referer=response.meta.get("ogi_referer"), spider=self)
        yield from out


# ------------------------------------------------------------------ report address -> column
# a directory named as a 年报 column: 政府信息公开年报 zfxxgknb, 公开年报 gknb, 年度报告 ndbg/
# xxgkndbg/zfxxgkgzndbg/ndxxgkbg, 部门年报 bmnb, 年度工作报告 ndgzbg …, with a numeric suffix (TRS's
# zfxxgknb_88827, zfxxgknb2022) or a body suffix (…ndbgbm); not 工作报告 gzbg alone (the
# government work report), not a word that merely starts with nb (nbjb)
ANNUAL_DIR = re.compile(r"(?:ndbg|nianbao|ndgzbg|ndxxgkbg|(?:gk|zf|bm|sj|xj|qj|xx|fx|jd|xz)nb)"
                        r"|^nb(?:\d*|_\d+)$", re.I)
# folders below a column that are no column of their own: dates, content, art/YYYY
DATE_DIR = re.compile(r"^(?:(?:19|20)\d{2}(?:\d{2}|\d{4}|-\d{2}(?:-\d{2})?)?|\d{1,2}|content|art)$", re.I)
MONTH_DOC = re.compile(r"^(?P<col>(?:/[^/]+)+/)(?:19|20)\d{4}/[^/]+\.\w{2,6}$")
POST = re.compile(r"^(?P<col>(?:/[^/]+)+/)content/post_\d+\.html?$", re.I)
ART_HEX = re.compile(r"^(?P<col>(?:/[^/]+)+/)art/(?:19|20)\d\d/art_[0-9a-f]{32}\.html?$", re.I)
# Hunan's intensive platform: columns are chains of numbers with an index.htm list
# (/yiyang/2/135/138/27709/index.htm), documents content_N.html inside them
NUMERIC_CONTENT = re.compile(r"^(?P<col>(?:/[a-z]+)?(?:/\d+){2,}/)content_\d+\.html?$", re.I)
# Hunan's county sites (Zhuzhou's, Aksu's): /c26133/20240117/i2154426.html in the list /c26133/index.html
C_DATE_I = re.compile(r"^(?P<col>(?:/[^/]+)*/c\d+/)(?:19|20)\d{6}/i\d+\.html?$", re.I)
# a channel CMS (Tianjin's districts, Pingdingshan, Yuxi): /contents/<channel>/<id>.html are the
# documents of /channels/<channel>.html
CHANNEL_CONTENT = re.compile(r"^(?P<site>(?:/[^/]+)*)/contents/(?P<ch>\d+)/\d+\.html?$", re.I)
# Shandong's node sites (Dezhou's): lists /n<id>/…/n<id>/index.html, documents one folder below
# them, /n<id>/…/c<id>/content.html
NODE_CONTENT = re.compile(r"^(?P<col>(?:/n\d+)+/)c\d+/content\.html?$", re.I)
# Hebei's portals (hebei.gov.cn, Shijiazhuang's and its counties'): a column is
# /columns/<uuid>/index.html, its documents /columns/<uuid>/YYYYMM/DD/<uuid>.html
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HEBEI_COLUMN = re.compile(rf"^(?P<col>(?:/[^/]+)*/columns/{UUID}/)(?:19|20)\d{{4}}/\d\d/{UUID}\.html?$", re.I)
SHANGHAI_NW = re.compile(r"^/nw(?P<id>\d+)/(?:19|20)\d{6}/\d+-(?P=id)_\d+\.html?$", re.I)
# an address whose own path names its list: (pattern, the list's path from its groups, the rule)
DIRECT_RULES = (
    (SHANGHAI_NW, "/nw{id}/index.html", "shanghai: /nwID/YYYYMMDD/0001-ID_N.html → /nwID/index.html"),
    (HEBEI_COLUMN, "{col}index.html", "hebei: /columns/UUID/YYYYMM/DD/UUID.html → /columns/UUID/index.html"),
    (C_DATE_I, "{col}index.html", "hunan: /cID/YYYYMMDD/iN.html → /cID/index.html"),
    (CHANNEL_CONTENT, "{site}/channels/{ch}.html", "channels: /contents/ID/N.html → /channels/ID.html"),
    (NODE_CONTENT, "{col}index.html", "shandong nodes: /nA/nB/cN/content.html → /nA/nB/index.html"),
)
YEAR_DETAILS = re.compile(r"^(?:/[^/]+)*/year_details\.aspx$", re.I)
# Lincang's (Yunnan) 年报 page of a unit: /<unit>/zfxxgknb.html?nbYear=YYYY lists that year's reports
NB_YEAR = re.compile(r"^(?:/[^/]+)*/zfxxgknb\.html?$", re.I)


def annual_dirs(path: str) -> list[str]:
    """The directories of *path* (without its file name) that are named as 年报 columns, the
    outermost first, each as a path ending in /."""
    segs = path.split("/")[1:-1]
    return ["/" + "/".join(segs[:i + 1]) + "/" for i, seg in enumerate(segs) if ANNUAL_DIR.search(seg)]


def listing_dir(path: str) -> str:
    """The directory of *path* without its date and content folders: the list it sits in."""
    segs = path.split("/")[1:-1]
    while segs and DATE_DIR.match(segs[-1]):
        segs.pop()
    return "/" + "/".join(segs) + ("/" if segs else "")


def generic_column_of(url: str) -> Column | None:
    """The column of a report address by the rules of no particular platform (see the module
    doc)."""
    p = urllib.parse.urlsplit(url)
    path = p.path
    for pattern, template, rule in DIRECT_RULES:
        m = pattern.match(path)
        if m:
            return Column(origin(p) + template.format(**m.groupdict()), "generic", rule)
    if YEAR_DETAILS.match(path):
        params = urllib.parse.parse_qsl(p.query)
        if dict(params).get("dept") and re.fullmatch(r"(?:19|20)\d\d", dict(params).get("year", "")):
            return Column(f"{origin(p)}{path}?{year_query(params, 'year')}", "generic",
                          "year_details.aspx?dept=D&year=YYYY → every year of the unit")
        return None
    if NB_YEAR.match(path):
        params = urllib.parse.parse_qsl(p.query)
        if list(dict(params)) == ["nbYear"] and re.fullmatch(r"(?:19|20)\d\d", params[0][1]):
            return Column(f"{origin(p)}{path}?{year_query(params, 'nbYear')}", "generic",
                          "zfxxgknb.html?nbYear=YYYY → every year of the unit")
        return None
    m = ART_HEX.match(path)
    if m:
        return Column(origin(p) + m.group("col"), "generic",
                      "<column>/art/YYYY/art_<32 hex>.html → <column>/")
    if annual_dirs(path):
        listing = listing_dir(path)
        if annual_dirs(listing + "x"):
            return Column(origin(p) + listing, "generic",
                          "a directory named as a 年报 column (…nb, …ndbg) → that directory")
    m = NUMERIC_CONTENT.match(path)
    if m:
        return Column(origin(p) + m.group("col") + "index.htm", "generic",
                      "hunan: <numbered column>/content_N.html → <numbered column>/index.htm")
    m = POST.match(path)
    if m:
        return Column(origin(p) + m.group("col"), "generic",
                      "guangdong: <column>/content/post_N.html → <column>/")
    m = MONTH_DOC.match(path)
    if m:
        return Column(origin(p) + m.group("col"), "generic",
                      "<column>/YYYYMM/<document> → <column>/")
    return None


def annual_root(url: str) -> str | None:
    """The outermost directory of *url* named as a 年报 column (a government's shared column
    whose sub-columns hold its own and its bodies' reports), or None."""
    if "/gate/big5/" in url:  # a portal's traditional-character gateway: a copy of another page
        return None
    p = urllib.parse.urlsplit(url)
    dirs = annual_dirs(p.path)
    return origin(p) + dirs[0] if dirs else None


# every platform's rule, the most specific first; the generic rules last
ADDRESS_RULES = (jsonapi.column_of, hanweb.column_of, openness.column_of, jeecms.column_of,
                 trs.column_of, vsb.column_of, generic_column_of)


def column_of(url: str) -> Column | None:
    """The column a report's address implies, by the first platform rule that matches; None:
    the address names no column (it is then a known report, crawled directly)."""
    if "/gate/big5/" in url:  # a portal's traditional-character gateway: a copy of another page
        return None
    for rule in ADDRESS_RULES:
        col = rule(url)
        if col is not None:
            return col
    return None


# the discovery spider reads any platform's lists and answers for any platform's addresses
# (the CLI finds it by name through Scrapy's spider loader)
DiscoverSpider.column_of = staticmethod(column_of)
DiscoverSpider.annual_root = staticmethod(annual_root)
