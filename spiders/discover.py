"""(d) Generic discovery: from a portal's home or 信息公开 page, follow 政务公开 / 信息公开 links
to the 年报 column (found by its link text), then read it with every list reader."""
from .base import ReportSpider


class DiscoverSpider(ReportSpider):
    name = "discover"
    platform = "generic"
    list_readers = ("anchors", "trs", "next_links", "hanweb", "json", "trs_search")
    follow_nav = True

    def start_request(self, url):
        if self.portal_code and self.claimed_elsewhere:
            # a registry column among others on the same portal: read it, do not wander off
            # through the navigation into the columns of the other entries
            self.nav_depth = 0
        return self.list_request(url, callback=self.parse_nav, new_column=True,
                                 meta={"ogi_depth": 0})
