"""(a) Static paged lists, TRS WCM style: index.html, index_1.html … (createPageHTML/countPage),
detail pages like ./202501/t20250120_31245.html."""
from .base import ReportSpider


class TRSListSpider(ReportSpider):
    name = "trs"
    platform = "trs"
    list_readers = ("anchors", "trs", "next_links")
