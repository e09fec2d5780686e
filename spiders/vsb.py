"""VSB (博达) portals, a CMS family of universities and some counties.

Lists: ``/xxgk/zfxxgknb.htm`` paged by 下页 links to ``/xxgk/zfxxgknb/N.htm`` (read by the shared
下一页 reader); articles ``/info/<colid>/<N>.htm``; attachments through
``/system/_content/download.jsp?…&wbfileid=N``.

Report addresses: ``/info/<colid>/<N>.htm`` names the column only by its number; the column's
own page has a name of the site's choosing (``/xxgk/zfxxgknb.htm``), so no column is derived: the
address is a known report, and a crawl of it proposes its column from the page's breadcrumb.
"""
from __future__ import annotations

from .base import Column, ReportSpider


class VSBSpider(ReportSpider):
    name = "vsb"
    platform = "vsb"
    list_readers = (ReportSpider.read_anchors, ReportSpider.read_next_links)
    # what tells a VSB page (spiders.platforms.fingerprint): its resource and download paths
    fingerprint = (r"/system/resource/", r"_sitegray", r"/system/_content/download\.jsp",
                   r"""href=["'][^"']*/info/\d+/\d+\.htm""", r"vsbscreen")


def column_of(url: str) -> Column | None:
    return None
