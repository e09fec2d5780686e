"""TRS WCM portals (拓尔思), the most common platform of government sites.

Lists: static paged columns (``index.html``, ``index_1.html`` … announced by
``createPageHTML(total, current, "index", "html")`` or ``var countPage = N``), and "动静结合"
columns whose first page is static and whose later pages come from a TRS search API (WAS5
``/was5/web/search?channelid=…&classsql=chnlid=…`` or a site's own search app) configured in the
page's script; its answers are JSON-ish and read like any list API (jsonapi.JSONAnswers).

Report addresses: a document of a column lives in a month folder below it,
``<column>/YYYYMM/tYYYYMMDD_N.html`` (also ``.shtml``/``.htm``, and attachments
``<column>/YYYYMM/P0YYYYMMDD….pdf``), so the column is the folder above the month folder and its
pages are ``index.html``, ``index_1.html`` ….
"""
from __future__ import annotations

import re
import urllib.parse

from scrapy.http import TextResponse

from .base import Column, ReportSpider, origin, reads_scripts
from .jsonapi import JSONAnswers

TRS_PAGER = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*"
                       r"['\"]([\w\-]+)['\"]\s*,\s*['\"](\w+)['\"]")
COUNT_PAGE = re.compile(r"var\s+(?:countPage|pageCount|totalPage)\s*=\s*['\"]?(\d+)")


class TRSLists(JSONAnswers):
    """TRS list reading (mixin of a ReportSpider): static pages and the search API."""

    def read_pages(self, response):
        """TRS static lists: createPageHTML(total, current, "index", "html") or countPage."""
        if not isinstance(response, TextResponse):
            return
        text = response.text
        m = TRS_PAGER.search(text)
        if m:
            total, name, ext = int(m.group(1)), m.group(3), m.group(4)
        else:
            m2 = COUNT_PAGE.search(text)
            if not m2:
                return
            total = int(m2.group(1))
            base = urllib.parse.urlsplit(response.url).path.rsplit("/", 1)[-1] or "index.html"
            name, _, ext = re.sub(r"_\d+(?=\.)", "", base).partition(".")
            ext = ext or "html"
        for i in range(1, total):
            url = response.urljoin(f"{name}_{i}.{ext}")
            req = self.list_request(url, response.url)
            if req is not None:
                yield req


    # el.chnldocurl, el.doctitle, el.docreltime.
    # TRS "动静结合" lists: the first page is static, the rest comes from a TRS search API
    # (WAS5 /was5/web/search or a site's own search app) configured in the page's script with
    # channelid, classsql "chnlid=NNNN", a page size and a record count; its answer is JSON-ish
    # (WAS5 writes single-quoted values and trailing commas) with docs/data records binding
    TRS_SEARCH_KEYS = {
        "channelid": r"\bchannelid", "classsql": r"\bclasssql", "templet": r"\btemplet",
        "sortfield": r"\bsortfield", "searchword": r"\bsearchword",
    }
    TRS_PAGE_SIZE = re.compile(r"\b(prepage|perpage|pagesize|pageSize|perPage)[\"']?\s*[:=]\s*"
                               r"[\"']?(\d+)")
    TRS_SEARCH_URL = re.compile(r"[\"']((?:https?://[^\"'\s]+)?/[^\"'\s]*?"
                                r"(?:was5/web/search|/search)[^\"'\s?]*)[\"'?]")

    @reads_scripts
    def read_search(self, response):
        if response.meta.get("ogi_json") or not isinstance(response, TextResponse):
            return
        text = response.text
        if "classsql" not in text or "channelid" not in text:
            return
        params = {}
        for key, pat in self.TRS_SEARCH_KEYS.items():
            m = re.search(pat + r"[\"']?\s*[:=]\s*[\"']([^\"']*)[\"']", text) or \
                re.search(pat + r"[\"']?\s*[:=]\s*(\d+)", text)
            if m and m.group(1).strip():
                params[key] = m.group(1).strip()
        if "channelid" not in params or "classsql" not in params:
            return
        size_key, size = "prepage", "20"
        m = self.TRS_PAGE_SIZE.search(text)
        if m:
            size_key, size = m.group(1), m.group(2)
        m = (re.search(r"\burl[\"']?\s*[:=]\s*[\"']([^\"'\s]*search[^\"'\s?]*)", text)
             or self.TRS_SEARCH_URL.search(text))
        if m is None and not response.meta.get("ogi_with_modules") \
                and self.script_modules(response):
            # the endpoint sits in one of the page's script modules: read them (complete_lists)
            # rather than guess WAS5's default path
            self.tally_of(response).wants_modules = True
            return
        api = response.urljoin(m.group(1) if m else "/was5/web/search")
        query = urllib.parse.urlencode({**params, size_key: size})
        template = f"{api}?{query}&page={{page}}"
        yield from self.json_page(template, 1, response.url)


class TRSListSpider(TRSLists, ReportSpider):
    name = "trs"
    platform = "trs"
    list_readers = (ReportSpider.read_anchors, TRSLists.read_pages, ReportSpider.read_next_links,
                    TRSLists.read_search, TRSLists.read_answer)
    # what tells a TRS page (spiders.platforms.fingerprint): its pager, editor and search app
    fingerprint = (r"createPageHTML", r"TRS_Editor|trs_editor_view|TRS_UEDITOR", r"/was5/web/search",
                   r"""href=["'][^"']*/t20\d{6}_\d+\.s?html?""", r"TRS WCM")


# ------------------------------------------------------------------ report address -> column
# <column>/YYYYMM/tYYYYMMDD_N.ext (a mobile twin _wap) or <column>/YYYYMM/P0YYYYMMDD….ext
TRS_DOC = re.compile(r"^(?P<col>(?:/[^/]+)*?/)(?P<ym>(?:19|20)\d{4})/(?:t(?:19|20)\d{6}_\d+(?:_wap)?"
                     r"\.s?html?|P0(?:19|20)\d{6}\d*\w*\.\w{2,5})$", re.I)


def column_of(url: str) -> Column | None:
    """A TRS document → the column its month folder sits in (``<column>/``, whose pages are
    index.html, index_1.html …)."""
    p = urllib.parse.urlsplit(url)
    m = TRS_DOC.match(p.path)
    if not m or m.group("col") == "/":
        return None
    return Column(origin(p) + m.group("col"), "trs",
                  "trs: <column>/YYYYMM/tYYYYMMDD_N.html → <column>/")
