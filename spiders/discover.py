"""Generic discovery: from a portal's home or 信息公开 page, follow 政务公开 / 信息公开 links to the
年报 column (found by its link text), then read it with every platform's list readers. The
spider for a registry entry whose platform is unknown (``generic``)."""
from __future__ import annotations

from scrapy.http import TextResponse

from crawler.items import CaptureItem
from crawler.links import challenge_reason, classify_title

from .base import ReportSpider, is_markup, text_of
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
        if self.portal_code and self.claimed_elsewhere:
            # a registry column among others on the same portal: read it, do not wander off
            # through the navigation into the columns of the other entries
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
