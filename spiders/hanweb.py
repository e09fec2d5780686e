"""Hanweb (大汉) jcms portals, common in Zhejiang, Jiangsu, Anhui, Shandong ….

Lists: a column page ``/col/colNNN/index.html`` holds its first records in a datastore block
(``<record><![CDATA[<li>…</li>]]></record>``) and its script names the data proxy (``POST
/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…`` with the column's
``columnid``, ``unitid``, ``webid`` …), which answers the later records in the same form.

Report addresses: ``/art/YYYY/M/D/art_<COLID>_<N>.html`` names its column, whose page is
``/col/col<COLID>/index.html`` (and its data proxy).
"""
from __future__ import annotations

import re
import urllib.parse

import scrapy
from scrapy.http import TextResponse

from crawler.links import norm

from .base import Column, ReportSpider, origin, reads_scripts, text_of


class HanwebLists:
    """Hanweb list reading (mixin of a ReportSpider): datastore records and the data proxy."""

    HANWEB_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)

    @reads_scripts
    def read_records(self, response):
        if not isinstance(response, TextResponse):
            return
        text = response.text
        source = "api" if response.meta.get("ogi_hanweb_proxy") else "static"
        tally = self.tally_of(response)
        for frag in self.HANWEB_RECORD.findall(text):
            sel = scrapy.Selector(text=frag)
            for a in sel.css("a[href]"):
                title = a.attrib.get("title") or text_of(a)
                url = response.urljoin(a.attrib["href"])
                tally.add(source, [(url.split("#")[0], norm(title))])
                yield from self.handle_link(url, title, response.url)
        if response.meta.get("ogi_hanweb_proxy"):
            return
        if "dataproxy.jsp" not in text:
            return
        params = {}
        for key in ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid",
                    "webname", "permissiontype"):
            m = re.search(r"[\"']?\b" + key + r"[\"']?\s*[:=]\s*[\"']?([^\"',&}\s<]*)", text)
            if m:
                params[key] = urllib.parse.unquote(m.group(1))
        if "columnid" not in params:
            return
        params.setdefault("col", "1")
        params.setdefault("appid", "1")
        params.setdefault("path", "/")
        params.setdefault("permissiontype", "0")
        params.setdefault("sourceContentType", "1")
        m = re.search(r"\btotal[Rr]ecord\s*[:=]\s*[\"']?(\d+)", text)
        total = int(m.group(1)) if m else None
        m = re.search(r"\bper[Pp]age\s*[:=]\s*[\"']?(\d+)", text)
        perpage = int(m.group(1)) if m else 15
        m = re.search(r"[\"']([^\"']*dataproxy\.jsp)", text)
        proxy = response.urljoin(m.group(1) if m else "/module/web/jpage/dataproxy.jsp")
        yield from self._hanweb_batch(proxy, params, 1, perpage, total, response.url)

    def _hanweb_batch(self, proxy, params, start, perpage, total, referer):
        group = perpage * 3
        end = start + group - 1
        url = f"{proxy}?startrecord={start}&endrecord={end}&perpage={perpage}"
        req = self.list_request(url, referer, callback=self.parse_hanweb_proxy, method="POST",
                                body=urllib.parse.urlencode(params),
                                headers={"Content-Type": "application/x-www-form-urlencoded"},
                                meta={"ogi_hanweb": [proxy, params, start, perpage, total],
                                      "ogi_hanweb_proxy": True})
        if req is not None:
            yield req

    def parse_hanweb_proxy(self, response):
        records = self.HANWEB_RECORD.findall(response.text)
        yield from self.parse_list(response)
        proxy, params, start, perpage, total = response.meta["ogi_hanweb"]
        m = re.search(r"<totalrecord>\s*(\d+)", response.text)
        if m:
            total = int(m.group(1))
            self.tally_of(response).state([(total, total, f"totalrecord {total}")])
        nxt = start + perpage * 3
        if records and (total is None or nxt <= total):
            yield from self._hanweb_batch(proxy, params, nxt, perpage, total, response.url)


class HanwebSpider(HanwebLists, ReportSpider):
    name = "hanweb"
    platform = "hanweb"
    list_readers = (ReportSpider.read_anchors, HanwebLists.read_records)
    # what tells a Hanweb page (spiders.platforms.fingerprint): the jpage data proxy and col paths
    fingerprint = (r"/module/web/jpage/", r"""href=["'][^"']*/col/col\d+/""", r"/art/\d{4}/\d+/\d+/art_",
                   r"hanweb", r"大汉")


# ------------------------------------------------------------------ report address -> column
ART = re.compile(r"^(?P<root>(?:/[^/]+)*?)/art/(?:19|20)\d\d/\d{1,2}/\d{1,2}/art_(?P<col>\d+)_\d+\.html?$",
                 re.I)
COL = re.compile(r"^(?P<root>(?:/[^/]+)*?)/col/col(?P<col>\d+)/(?:index\.html?)?$", re.I)
# the jcms annual-report module: one report per unit (area) and year (fbtime)
ANNUAL_MODULE = re.compile(r"^(?P<root>(?:/[^/]+)*?)/module/xxgk/xxgkAnnualReport\.jsp$", re.I)


def column_of(url: str) -> Column | None:
    """A Hanweb report → its column: ``/art/Y/M/D/art_COLID_N.html`` is published in
    ``/col/colCOLID/index.html``; a column address is its own column; the annual-report module
    ``xxgkAnnualReport.jsp?area=UNIT&fbtime=YYYY`` shows the unit's report of every year."""
    p = urllib.parse.urlsplit(url)
    m = ART.match(p.path)
    if m:
        return Column(f"{origin(p)}{m.group('root')}/col/col{m.group('col')}/index.html", "hanweb",
                      "hanweb: /art/Y/M/D/art_COLID_N.html → /col/colCOLID/index.html")
    m = COL.match(p.path)
    if m:
        return Column(f"{origin(p)}{m.group('root')}/col/col{m.group('col')}/index.html", "hanweb",
                      "hanweb: a column address /col/colCOLID/")
    if ANNUAL_MODULE.match(p.path):
        q = urllib.parse.parse_qs(p.query)
        if q.get("area") and q.get("fbtime"):
            rest = [(k, v) for k, v in urllib.parse.parse_qsl(p.query)
                    if k not in ("fbtime", "showType", "artId")]
            query = urllib.parse.urlencode(rest) + "&fbtime={year}"
            return Column(f"{origin(p)}{p.path}?{query}", "hanweb",
                          "hanweb: xxgkAnnualReport.jsp?area=UNIT&fbtime=YYYY → every year of the unit")
    return None
