"""Row and column label normalisation for matching printed labels to the format's labels."""
from __future__ import annotations

import functools
import re

from .numbers import SHORT, clean

_NUMBERING = re.compile(
    r"^(?:"
    r"[一二三四五六七八九十]+[、.．]"  # 一、 / 三.
    r"|[(（][一二三四五六七八九十\d]+[)）]"  # （一） (一) (1)
    r"|\d+[.、．](?!\d)"  # 1. 1、 (not 1.5)
    r"|第[一二三四五六七八九十]+[项部分]"  # 第一项
    r")"
)
_PUNCT = re.compile(r"[\s“”\"'‘’《》〈〉()（）\[\]【】、，,。.．:：;；·・\-—_/|]")


def strip_numbering(text: str) -> str:
    t = clean(text)
    while True:
        new = _NUMBERING.sub("", t, count=1)
        if new == t:
            return t
        t = new


# An annotation in brackets inside a label (规范性文件（行政机关制定发布的决定、公告…）, 上一年项目数量
# （指2019年事项数）, 本年收费金额（单位：万元）): four or more characters between brackets that
# are not the label's numbering. It is dropped before matching, so that the words of a note never
# decide the row (其他主动公开文件（含…除规范性文件以外的…）is not 规范性文件).
_ANNOTATION = re.compile(r"[(（][^()（）]{4,}[)）]")


def _normalize(text: str) -> str:
    t = strip_numbering(text)
    bare = _ANNOTATION.sub("", t)
    if len(_PUNCT.sub("", bare)) >= 2:
        t = bare
    return _PUNCT.sub("", t)


_normalize_short = functools.lru_cache(maxsize=65536)(_normalize)  # the same labels recur


def normalize(text: str) -> str:
    """Whitespace, numbering prefixes and punctuation removed; full-width folded."""
    # only label-sized texts are cached (a layout table's page-long cell is normalised once)
    return _normalize_short(text) if len(text) <= SHORT else _normalize(text)


def matches(label: str, keywords: tuple[str, ...] | list[str]) -> bool:
    n = normalize(label)
    return any(normalize(k) in n for k in keywords)


def matches_exact(label: str, keywords: tuple[str, ...] | list[str]) -> bool:
    n = normalize(label)
    return any(normalize(k) == n for k in keywords)
