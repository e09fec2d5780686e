"""Converted copies of a report read the same as the original.

* Traditional characters. Some agencies (and many mirrors) publish the report in traditional
  characters (政府資訊公開工作年度報告, 申請, 複議). The format's labels are simplified, so a document
  written mostly in traditional characters is converted with OpenCC (tw2s: Taiwan variants, then
  traditional -> simplified), then the Taiwan vocabulary a phrase conversion (OpenCC s2twp) puts in
  the format's own words is turned back: 資訊 -> 信息, 規範性檔案 -> 规范性文件, 專案 -> 项目 (the
  list below is what s2twp does to every label of formats.yml; tests/test_meta_pages.py checks it).
  Detection is a cheap count of characters that exist only in the traditional script, so OpenCC is
  loaded only when needed.
* Inline pinyin. Mirror sites insert readings after characters: 鎮(zhèn), 數(shù)量, 項(xiàng). They are
  removed (from the text and every cell) before labels are matched; a cell's number is never
  touched (a reading only ever follows a CJK character).
The result says what was done in a warning.
"""
from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from .document import Document, Grid

# Frequent in these reports and used only in traditional writing.
_TRADITIONAL = set("報資訊開條議訴請會機關數從務處點為這與門區縣類屬總體裡計劃應復複雜對單據"
                   "們說認證網頁統無適當辦負責檢查歷積現項費審權")


# Counted by the regex engine, not a Python loop per character (bench/bench_parse.py).
_CJK_RE = re.compile("[\u4e00-\u9fff]")
_TRADITIONAL_RE = re.compile("[" + "".join(sorted(_TRADITIONAL)) + "]")

# A pinyin reading in parentheses right after a CJK character: lower-case Latin letters (with tone
# marks) holding a vowel, at most 6 letters and an optional tone digit.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_PINYIN = re.compile(f"(?<=[\u4e00-\u9fff])[(（]\\s*(?=[a-z{_TONED}]*[aeiouv{_TONED}])[a-z{_TONED}]{{1,6}}[1-5]?\\s*[)）]")

# Taiwan vocabulary (after character conversion) -> the mainland words of the format. Only
# phrases whose mainland reading is certain in a report: 档案 alone stays (档案局, 档案馆).
TW_PHRASES = (
    ("资讯", "信息"),
    ("规范性档案", "规范性文件"),
    ("公开档案", "公开文件"),
    ("专案数量", "项目数量"),
    ("采购专案", "采购项目"),
    ("一年专案", "一年项目"),
    ("服务专案", "服务项目"),
    ("网路", "网络"),
    ("网际网路", "互联网"),
    ("软体", "软件"),
)
_TW_RE = re.compile("|".join(re.escape(a) for a, _ in sorted(TW_PHRASES, key=lambda p: -len(p[0]))))
_TW_MAP = dict(TW_PHRASES)


def is_traditional(text: str) -> bool:
    """At least 5 traditional-only characters, and at least 1% of the CJK characters, in the
    first 20,000 characters."""
    sample = text[:20000]
    traditional = len(_TRADITIONAL_RE.findall(sample))
    return traditional >= 5 and traditional >= 0.01 * len(_CJK_RE.findall(sample))


def has_pinyin(text: str) -> bool:
    return _PINYIN.search(text) is not None


def strip_pinyin(text: str) -> str:
    return _PINYIN.sub("", text) if text else text


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("tw2s")


def to_simplified(text: str) -> str:
    if not text:
        return text
    return _TW_RE.sub(lambda m: _TW_MAP[m.group(0)], _converter().convert(text))


def _convert_meta(meta: dict, conv) -> dict:
    out = dict(meta)
    if meta.get("tags"):
        out["tags"] = {k: conv(v) for k, v in meta["tags"].items()}
    if meta.get("page_title"):
        out["page_title"] = conv(meta["page_title"])
    if meta.get("headings"):
        out["headings"] = [conv(h) for h in meta["headings"]]
    if meta.get("link_lines"):
        out["link_lines"] = frozenset(conv(h) for h in meta["link_lines"])
    return out


def simplified_document(doc: Document) -> Document:
    """The document itself when it is simplified and carries no pinyin; a converted copy (with a
    warning) when not."""
    pinyin = has_pinyin(doc.text)  # every reader puts its tables' text in doc.text too
    traditional = is_traditional(doc.text)
    if not (pinyin or traditional):
        return doc
    steps = ([strip_pinyin] if pinyin else []) + ([to_simplified] if traditional else [])

    def conv(text: str) -> str:
        for step in steps:
            text = step(text)
        return text

    warnings = list(doc.warnings)
    if pinyin:
        warnings.append(f"inline pinyin (e.g. {_PINYIN.search(doc.text).group(0)}) removed from "
                        f"{len(_PINYIN.findall(doc.text))} place(s) before reading the labels")
    if traditional:
        warnings.append("traditional characters: read as simplified (OpenCC tw2s and the format's "
                        "mainland vocabulary); raw cell text is given in simplified characters")
    # every other field of the cells, grids and document (OCR confidence, page images,
    # alignment, a cut-off last row) is kept
    grids = [dataclasses.replace(g, rows=[[dataclasses.replace(c, text=conv(c.text)) for c in row] for row in g.rows])
             for g in doc.grids]
    return dataclasses.replace(doc, text=conv(doc.text), grids=grids, warnings=warnings,
                               meta=_convert_meta(doc.meta, conv))
