"""VSB (博达) portals, a CMS family of universities and some counties.

Lists: ``/xxgk/zfxxgknb.htm`` paged by 下页 links to ``/xxgk/zfxxgknb/N.htm`` (read by the shared
下一页 reader); articles ``/info/<colid>/<N>.htm``; attachments through
``/system/_content/download.jsp?…&wbfileid=N``.

Report addresses: ``/info/<colid>/<N>.htm`` names its column by number only. The column's static
page has a name of the site's choosing (``/xxgk/zfxxgknb.htm``), but every VSB site also serves
each column by that number, ``/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=<colid>`` (the dynamic
twin of the static pages, as the article is ``content.jsp?urltype=news.NewsContentUrl&wbtreeid=
<colid>&wbnewsid=<N>``), so that is the column derived; an article shown through a template's
own ``…content.jsp`` is listed by the same template's ``…list.jsp``.
"""
from __future__ import annotations

import re
import urllib.parse

from .base import Column, ReportSpider, origin

INFO = re.compile(r"^(?P<site>(?:/[^/]+)*)/info/(?P<tree>\d+)/\d+\.html?$", re.I)
CONTENT_JSP = re.compile(r"^(?P<dir>(?:/[^/]+)*/)(?P<tpl>[\w-]*?)content\.jsp$", re.I)


class VSBSpider(ReportSpider):
    name = "vsb"
    platform = "vsb"
    list_readers = (ReportSpider.read_anchors, ReportSpider.read_next_links)
    # what tells a VSB page (spiders.platforms.fingerprint): its resource and download paths
    fingerprint = (r"/system/resource/", r"_sitegray", r"/system/_content/download\.jsp",
                   r"""href=["'][^"']*/info/\d+/\d+\.htm""", r"vsbscreen")


def column_of(url: str) -> Column | None:
    p = urllib.parse.urlsplit(url)
    m = INFO.match(p.path)
    if m and not p.query:
        return Column(f"{origin(p)}{m.group('site')}/list.jsp?urltype=tree.TreeTempUrl"
                      f"&wbtreeid={m.group('tree')}", "vsb",
                      "vsb: /info/COLID/N.htm → /list.jsp?urltype=tree.TreeTempUrl&wbtreeid=COLID")
    m = CONTENT_JSP.match(p.path)
    params = dict(urllib.parse.parse_qsl(p.query))
    if m and params.get("urltype") == "news.NewsContentUrl" and params.get("wbtreeid", "").isdigit():
        return Column(f"{origin(p)}{m.group('dir')}{m.group('tpl')}list.jsp?urltype=tree.TreeTempUrl"
                      f"&wbtreeid={params['wbtreeid']}", "vsb",
                      "vsb: …content.jsp?…&wbtreeid=COLID&wbnewsid=N → …list.jsp?…&wbtreeid=COLID")
    return None
