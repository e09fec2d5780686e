"""Traditional-character copies of a report read the same as simplified ones.

Some agencies (and some mirrors) publish the report in traditional characters (政府資訊公開工作年度報告,
申請, 複議). The format's labels are simplified, so a document written mostly in traditional characters
is converted with OpenCC (t2s) before mapping; the result says so in a warning. Detection is a cheap
count of characters that exist only in the traditional script, so OpenCC is loaded only when needed.
"""
from __future__ import annotations

from dataclasses import replace
import re
from functools import lru_cache

from .document import Document, Grid

# Frequent in these reports and used only in traditional writing.
_TRADITIONAL = set("報資訊開條議訴請會機關數從務處點為這與門區縣類屬總體裡計劃應復複雜對單據"
                   "們說認證網頁統無適當辦負責檢查歷積現項費審權")


# Counted by the regex engine, not a Python loop per character (bench/bench_parse.py).
_CJK_RE = re.compile("[\u4e00-\u9fff]")
_TRADITIONAL_RE = re.compile("[" + "".join(sorted(_TRADITIONAL)) + "]")


def is_traditional(text: str) -> bool:
    """At least 5 traditional-only characters, and at least 1% of the CJK characters, in the
    first 20,000 characters."""
    sample = text[:20000]
    traditional = len(_TRADITIONAL_RE.findall(sample))
    return traditional >= 5 and traditional >= 0.01 * len(_CJK_RE.findall(sample))


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text) if text else text


def simplified_document(doc: Document) -> Document:
    """The document itself when it is simplified; a converted copy (with a warning) when not."""
    if not is_traditional(doc.text):  # every reader puts its tables' text in doc.text too
        return doc
    conv = to_simplified
    # every other field of the cells and the document (OCR confidence, page images) is kept
    grids = [Grid([[replace(c, text=conv(c.text)) for c in row] for row in g.rows], index=g.index, page=g.page)
             for g in doc.grids]
    return replace(doc, text=conv(doc.text), grids=grids,
                   warnings=doc.warnings + ["traditional characters: read as simplified (OpenCC t2s); "
                                            "raw cell text is given in simplified characters"])
