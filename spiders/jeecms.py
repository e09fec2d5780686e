"""JEECMS portals (Henan's public.*.gov.cn platforms, Baotou, Xiaogan …): content pages
``<channel path>/<id>.jhtml`` and channel lists ``<channel path>/index.jhtml`` paged as
``index_2.jhtml`` … (read by the shared 下一页 reader).

Report addresses: ``/D42Y/8187641.jhtml`` is published in the channel ``/D42Y/``, whose list is
``/D42Y/index.jhtml``.
"""
from __future__ import annotations

import re
import urllib.parse

from .base import Column, ReportSpider, origin


class JEECMSSpider(ReportSpider):
    name = "jeecms"
    platform = "jeecms"
    list_readers = (ReportSpider.read_anchors, ReportSpider.read_next_links)
    # what tells a JEECMS page (spiders.platforms.fingerprint): its .jhtml addresses
    fingerprint = (r"""href=["'][^"']*/\d+\.jhtml""", r"""href=["'][^"']*/index(?:_\d+)?\.jhtml""",
                   r"jeecms")


CONTENT = re.compile(r"^(?P<channel>(?:/[^/]+)+)/\d+\.jhtml$", re.I)


def column_of(url: str) -> Column | None:
    p = urllib.parse.urlsplit(url)
    m = CONTENT.match(p.path)
    if not m:
        return None
    return Column(f"{origin(p)}{m.group('channel')}/index.jhtml", "jeecms",
                  "jeecms: <channel>/<id>.jhtml → <channel>/index.jhtml")
