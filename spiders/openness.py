"""政务公开 platforms of Anhui's governments (and their cousins in Sichuan and Inner Mongolia):
``/public/<unit>/<id>.html`` content pages, ``/public/column/<unit>?type=…&action=…`` views,
and the annual-report modules ``/OpennessAnnualReport/`` and ``/XxgkAnnualReport/`` (also under
``/openness/``).

Report addresses:
  * ``/public/column/<unit>?type=3&action=detail&nav=3&title=YYYY`` and
    ``/public/column/<unit>?type=3&nav=5&sub=1&timeFrame=YYYY&hasContent=true`` show a unit's
    report of the year in the parameter: every year by that parameter;
  * ``/OpennessAnnualReport/year/show/<unit>/YYYY.html``: the same, the year in the path;
  * ``/OpennessAnnualReport/show/<id>.html``, ``/XxgkAnnualReport/show/<id>.html`` and
    ``/public/<unit>/<id>.html`` name a report, not its list: no column is derived (the address
    is a known report; a crawl of it proposes the column from its breadcrumb).
"""
from __future__ import annotations

import re
import urllib.parse

from .base import Column, ReportSpider, origin, year_query


class OpennessSpider(ReportSpider):
    name = "openness"
    platform = "openness"
    list_readers = (ReportSpider.read_anchors, ReportSpider.read_next_links)
    # what tells such a page (spiders.platforms.fingerprint)
    fingerprint = (r"/OpennessAnnualReport/", r"/XxgkAnnualReport/", r"/public/column/\d+",
                   r"/OpennessContent/")


PUBLIC_COLUMN = re.compile(r"^(?P<root>(?:/[^/]+)*?)/public/column/\d+$", re.I)
YEAR_SHOW = re.compile(r"^(?P<base>(?:/[^/]+)*?/OpennessAnnualReport/year/show/\d+/)"
                       r"(?:19|20)\d\d\.html$", re.I)
YEAR_PARAMS = ("title", "timeFrame")


def column_of(url: str) -> Column | None:
    p = urllib.parse.urlsplit(url)
    m = YEAR_SHOW.match(p.path)
    if m:
        return Column(f"{origin(p)}{m.group('base')}{{year}}.html", "openness",
                      "openness: /OpennessAnnualReport/year/show/UNIT/YYYY.html → every year")
    if PUBLIC_COLUMN.match(p.path):
        params = urllib.parse.parse_qsl(p.query)
        keys = [k for k, v in params if k in YEAR_PARAMS and re.fullmatch(r"(?:19|20)\d\d", v)]
        if len(keys) == 1 and dict(params).get("type") == "3":
            return Column(f"{origin(p)}{p.path}?{year_query(params, keys[0])}", "openness",
                          f"openness: /public/column/UNIT?type=3&…&{keys[0]}=YYYY → every year")
    return None
