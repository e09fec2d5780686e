"""(b) Hanweb (大汉) jcms column pages: /col/colNNN/index.html whose list comes as
<record><![CDATA[<li>…</li>]]></record> from a datastore block and POST
/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…"""
from .base import ReportSpider


class HanwebSpider(ReportSpider):
    name = "hanweb"
    platform = "hanweb"
    list_readers = ("anchors", "hanweb")
    # what tells a Hanweb page (crawler.registry.fingerprint): the jpage data proxy and col paths
    fingerprint = (r"/module/web/jpage/", r"""href=["'][^"']*/col/col\d+/""", r"/art/\d{4}/\d+/\d+/art_",
                   r"hanweb", r"大汉")
