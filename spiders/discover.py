"""(d) Generic discovery: from a portal's home or 信息公开 page, follow 政务公开 / 信息公开 links
to the 年报 column (found by its link text), then read it with every list reader."""
from .base import ReportSpider


class DiscoverSpider(ReportSpider):
    name = "discover"
    platform = "generic"
    list_readers = ("anchors", "trs", "next_links", "hanweb", "json", "trs_search")
    follow_nav = True

    def start_request(self, url):
        return self.list_request(url, callback=self.parse_nav, new_column=True,
                                 meta={"ogi_depth": 0})
