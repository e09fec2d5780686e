"""The portal platforms, each a module beside this one with its spider, list readers, paging,
fingerprint and the rule from a report's address to its column.

``fingerprint(html)``  which platform a page comes from (trs, hanweb, json, vsb), by the markers
                       of each platform's spider; ``generic`` when it shows none (discover.py
                       reads any list kind)
``spider_for(platform)``  the spider class that crawls a registry entry of that platform
``column_of(url)``     the column a report's address implies, by the first platform rule that
                       matches (None: no rule derives one; the address is then a known report)

Adding a platform = one new module (its spider with ``platform`` and ``fingerprint``, its list
readers as a mixin, its ``column_of``) listed in PLATFORMS below and in discover.py's
ADDRESS_RULES (the discovery spider reads every platform's lists and answers for every
platform's addresses), the platform's name in crawler/registry's PLATFORMS and the CLI's
SPIDERS, and its tests on real addresses and a simulated portal.
"""
from __future__ import annotations

import functools
import re

from . import hanweb, jeecms, jsonapi, openness, trs, vsb
from .discover import DiscoverSpider, annual_root, column_of

# module per platform, in the order of preference on a fingerprint tie (the most specific list
# machinery first)
PLATFORMS = {"json": jsonapi.JSONListSpider, "hanweb": hanweb.HanwebSpider,
             "openness": openness.OpennessSpider, "jeecms": jeecms.JEECMSSpider,
             "vsb": vsb.VSBSpider, "trs": trs.TRSListSpider}


def spider_for(platform: str | None) -> type:
    return PLATFORMS.get(platform or "", DiscoverSpider)


@functools.lru_cache(maxsize=1)
def markers() -> dict[str, list[re.Pattern]]:
    return {p: [re.compile(m, re.I) for m in spider.fingerprint]
            for p, spider in PLATFORMS.items()}


def scores(html: str) -> dict[str, int]:
    return {p: sum(1 for m in ms if m.search(html)) for p, ms in markers().items()}


def fingerprint(html: str | None) -> str:
    """trs, hanweb, json, vsb or generic for the text of one page."""
    if not html:
        return "generic"
    s = scores(html)
    best = max(s.values())
    if best == 0:
        return "generic"
    return next(p for p in PLATFORMS if s[p] == best)


__all__ = ["PLATFORMS", "spider_for", "fingerprint", "column_of", "annual_root"]
