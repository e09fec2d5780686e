"""(e) VSB-style columns (a university/county CMS family): lists /xxgk/zfxxgknb.htm paged by
下页 links to /xxgk/zfxxgknb/N.htm, articles /info/1050/NNNNN.htm, attachments through
/system/_content/download.jsp?…&wbfileid=N."""
from .base import ReportSpider


class VSBSpider(ReportSpider):
    name = "vsb"
    platform = "vsb"
    list_readers = ("anchors", "next_links")
    # what tells a VSB page (crawler.registry.fingerprint): its resource and download paths
    fingerprint = (r"/system/resource/", r"_sitegray", r"/system/_content/download\.jsp",
                   r"""href=["'][^"']*/info/\d+/\d+\.htm""", r"vsbscreen")
