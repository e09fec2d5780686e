"""Platform fingerprints: which CMS family a page comes from, hence which base spider reads it.

The markers of each family live in its spider module (``fingerprint`` of spiders/trs.py,
hanweb.py, jsonapi.py, vsb.py: what is particular to one platform stays with its spider); a
page that shows none of them is ``generic`` (spiders/discover.py reads any list kind).
"""
from __future__ import annotations

import functools
import importlib
import re

# registry platform -> base spider (the same table as `ogi crawl --platform`)
SPIDERS = {"trs": "spiders.trs.TRSListSpider", "hanweb": "spiders.hanweb.HanwebSpider",
           "json": "spiders.jsonapi.JSONListSpider", "vsb": "spiders.vsb.VSBSpider"}
PREFERENCE = ("json", "hanweb", "vsb", "trs")  # on a tie: the most specific list machinery


@functools.lru_cache(maxsize=1)
def markers() -> dict[str, list[re.Pattern]]:
    out = {}
    for platform, path in SPIDERS.items():
        mod, _, cls = path.rpartition(".")
        spider = getattr(importlib.import_module(mod), cls)
        out[platform] = [re.compile(m, re.I) for m in spider.fingerprint]
    return out


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
    return next(p for p in PREFERENCE if s[p] == best)
