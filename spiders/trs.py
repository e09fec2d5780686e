"""(a) Static paged lists, TRS WCM style: index.html, index_1.html … (createPageHTML/countPage),
detail pages like ./202501/t20250120_31245.html; "动静结合" lists whose first page is static and
whose later pages come from a TRS search API (WAS5 /was5/web/search?channelid=…&classsql=chnlid=…)."""
from .base import ReportSpider


class TRSListSpider(ReportSpider):
    name = "trs"
    platform = "trs"
    list_readers = ("anchors", "trs", "next_links", "trs_search")
    # what tells a TRS page (crawler.registry.fingerprint): its pager, editor and search app
    fingerprint = (r"createPageHTML", r"TRS_Editor|trs_editor_view|TRS_UEDITOR", r"/was5/web/search",
                   r"""href=["'][^"']*/t20\d{6}_\d+\.s?html?""", r"TRS WCM")
