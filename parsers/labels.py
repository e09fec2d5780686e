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


def _normalize(text: str) -> str:
    return _PUNCT.sub("", strip_numbering(text))


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
